"""One upload check for the platform (issue 17: My Space stored a PNG named .pdf while the apply page refused it).

The rules are tested directly, then through every surface that takes a file: the apply page, corrections,
the workbench (window) attachments, My Space pages and API. License import has its own test in tests/licenses.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.cases import apply_world, workbench_world
from tests.cases.apply_world import JPEG, PDF, PNG, good_post, ofd_bytes
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseMaterial, CaseStep, State, StepState
from yiwang.core import uploads
from yiwang.identity.models import ReusableMaterial
from yiwang.orgs.models import Role

OFD_NS = "http://www.ofdspec.org/2016"


def up(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def zip_of(entries: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def ofd_xml(doc_root: str = "Doc_0/Document.xml", ns: str = OFD_NS, root: str = "OFD") -> str:
    return (
        f"<ofd:{root} xmlns:ofd='{ns}' Version='1.0'><ofd:DocBody><ofd:DocRoot>{doc_root}</ofd:DocRoot>"
        f"</ofd:DocBody></ofd:{root}>"
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


# --- the rules ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        (None, True),  # apply_world.ofd_bytes(): a minimal valid package
        (zip_of({"OFD.xml": ofd_xml(), "Doc_0/Document.xml": "<d/>"}), True),
        (zip_of({"OFD.xml": ofd_xml("/Doc_0/Document.xml"), "Doc_0/Document.xml": "<d/>"}), True),
        (zip_of({"a/OFD.xml": ofd_xml(), "Doc_0/Document.xml": "<d/>"}), False),  # not at the root
        (zip_of({"OFD.xml": ofd_xml()}), False),  # the document root is missing
        (zip_of({"OFD.xml": "not xml at all", "Doc_0/Document.xml": "<d/>"}), False),
        (zip_of({"OFD.xml": ofd_xml(ns="urn:other"), "Doc_0/Document.xml": "<d/>"}), False),
        (zip_of({"OFD.xml": ofd_xml(root="Document"), "Doc_0/Document.xml": "<d/>"}), False),
        (zip_of({"OFD.xml": "<ofd:OFD xmlns:ofd='" + OFD_NS + "'/>", "Doc_0/Document.xml": "<d/>"}), False),
        (
            zip_of(
                {
                    "OFD.xml": "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>" + ofd_xml(),
                    "Doc_0/Document.xml": "<d/>",
                }
            ),
            False,
        ),
        (zip_of({"OFD.xml": ofd_xml() + " " * (2 * 1024 * 1024), "Doc_0/Document.xml": "<d/>"}), False),
        (b"PK\x03\x04 not really a zip", False),
        (zip_of({"word/document.xml": "<x/>"}), False),
    ],
)
def test_ofd_is_checked_properly(content, ok):
    data = ofd_bytes() if content is None else content
    assert uploads.is_ofd(data) is ok
    assert (uploads.sniff(data) is uploads.OFD) is ok


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (None, "xlsx"),
        ("证照类型代码,颁发机构代码\n".encode(), "csv"),
        ("证照类型代码,颁发机构代码\n".encode("gb18030"), "csv"),
        (b"MZ\x90\x00\x00\x00", None),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", None),
    ],
)
def test_sniff_by_content(content, kind):
    found = uploads.sniff(xlsx_bytes() if content is None else content)
    assert (found.key if found else None) == kind


@pytest.mark.parametrize(
    ("use", "name", "content", "code"),
    [
        ("material", "a.pdf", PDF, None),
        ("material", "扫描件", PDF, None),  # no extension: the content decides
        ("material", "photo.JPEG", JPEG, None),
        ("material", "photo.pdf", PNG, "type_mismatch"),
        ("material", "scan.zip", PDF, "type_mismatch"),
        ("material", "scan.tiff", PDF, "type_mismatch"),
        ("material", "table.csv", b"a,b\n", "type"),  # text is not a material
        ("stored_material", "photo.pdf", PNG, "type_mismatch"),
        ("stored_material", "a.ofd", None, None),
        ("license_import", "l.csv", b"a,b\n", None),
        ("license_import", "l.xlsx", None, None),
        ("license_import", "l.csv", None, "type_mismatch"),  # a workbook named .csv
        ("license_import", "l.csv", PNG, "type"),
        ("license_import", "l.xlsx", PDF, "type"),
    ],
)
def test_the_extension_must_agree_and_each_use_has_its_kinds(use, name, content, code):
    if content is None:
        content = ofd_bytes() if name.endswith(".ofd") else xlsx_bytes()
    checked, problem = uploads.check(up(name, content), "f", use)
    assert (problem.code if problem else None) == code
    if problem:
        assert name in problem.as_dict()["message_en"] and problem.as_dict()["message"]
    else:
        assert checked.content == content


@pytest.mark.parametrize(("use", "setting"), [(u, r.max_setting) for u, r in uploads.USES.items()])
def test_each_use_has_its_size_limit(settings, use, setting):
    setattr(settings, setting, 1024)
    content = (PDF if use != "license_import" else b"a,b\n") + b"0" * 2000
    name = "big.pdf" if use != "license_import" else "big.csv"
    _checked, problem = uploads.check(up(name, content), "f", use)
    assert problem.code == "too_large"
    lying = up(name, content)
    lying.size = 10  # a lying Content-Length
    assert uploads.check(lying, "f", use)[1].code == "too_large"


def test_default_limits():
    assert {u: r.max_bytes() for u, r in uploads.USES.items()} == {
        "material": 20 * 1024 * 1024,
        "stored_material": 10 * 1024 * 1024,
        "license_import": 200 * 1024 * 1024,
        "data_import": 200 * 1024 * 1024,
    }


# --- through every surface ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_space_page_and_api_refuse_a_png_named_pdf_and_keep_an_ofd():
    world = apply_world.build()
    c = Client()
    c.force_login(world.applicant.user)
    r = c.post("/my/materials/", {"title": "证件照", "file": up("photo.pdf", PNG), "reusable": "on"})
    assert r.status_code == 400 and "photo.pdf" in r.content.decode()
    r = c.post("/api/v1/identity/me/materials", {"title": "证件照", "file": up("photo.pdf", PNG)})
    assert r.status_code == 400 and r.json()["detail"][0] == {**r.json()["detail"][0], "field": "file"}
    assert r.json()["detail"][0]["code"] == "type_mismatch"
    assert not ReusableMaterial.objects.exists()
    r = c.post("/api/v1/identity/me/materials", {"title": "电子营业执照", "file": up("licence.ofd", ofd_bytes())})
    assert r.status_code == 201 and r.json()["content_type"] == "application/ofd"


@pytest.mark.django_db
def test_apply_page_refuses_a_png_named_pdf(client):
    world = apply_world.build()
    client.force_login(world.applicant.user)
    post = good_post(world, **{f"m{world.application_form.pk}-file": up("申请书.pdf", PNG)})
    r = client.post(reverse("cases:apply", args=[world.item.item_code]), post)
    assert r.status_code == 400 and "申请书.pdf" in r.content.decode()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_correction_refuses_a_png_named_pdf(client, django_capture_on_commit_callbacks):
    world = apply_world.build()
    case, _ = cases.submit(
        version=world.version, person=world.applicant, who=cases.Who(user=world.applicant.user), form_data={}
    )
    cases.request_correction(case, world.clerk_who(), [{"material": "食品经营许可申请书", "note": "重新上传"}])
    client.force_login(world.applicant.user)
    url = reverse("cases:supplement", args=[case.case_number])
    r = client.post(url, {"item-0": up("签字版.pdf", PNG)})
    assert r.status_code == 400 and "签字版.pdf" in r.content.decode()
    assert Case.objects.get().state == State.CORRECTION
    assert client.post(url, {"item-0": up("签字版.ofd", ofd_bytes())}).status_code == 302


@pytest.mark.django_db
def test_window_attachments_refuse_a_png_named_pdf():
    w = workbench_world.build()
    case = workbench_world.submit(w)
    case = cases.accept(case, cases.Who(user=w["clerk"], name="clerk1", role=Role.WINDOW_CLERK))
    step = CaseStep.objects.filter(case=case, state__in=("active", "claimed")).order_by("order").first()
    workbench_world.post(w, w["reviewer"], case, "claim", {"step": step.pk})
    case.refresh_from_db()
    c = workbench_world.client_for(w["reviewer"])
    url = f"/workbench/cases/{case.case_number}/complete/"
    data = {"revision": case.revision, "step": step.pk, "decision": "pass", "opinion": "同意"}
    r = c.post(url, {**data, "attachments": up("现场照片.pdf", PNG)})
    assert r.status_code == 400 and "attachments" in r.context["errors"]
    assert CaseStep.objects.get(pk=step.pk).state == StepState.CLAIMED
    assert c.post(url, {**data, "attachments": up("现场照片.png", PNG)}).status_code == 302
    assert CaseMaterial.objects.filter(case=case, content_type="image/png").exists()
