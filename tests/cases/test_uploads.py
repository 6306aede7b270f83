"""Uploads are checked by their bytes: PDF, JPEG, PNG, OFD; never by their name; empty and oversize refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases import apply_world
from tests.cases.apply_world import EXE, JPEG, PDF, PNG, good_post, ofd_bytes, upload
from yiwang.cases import uploads
from yiwang.cases.models import Case, Draft
from yiwang.core.storage import private_storage


@pytest.mark.parametrize(
    ("name", "content", "ctype"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.jpg", JPEG, "image/jpeg"),
        ("a.PNG", PNG, "image/png"),
        ("a.ofd", None, "application/ofd"),
        ("扫描件", PDF, "application/pdf"),
    ],
)
def test_real_types_pass(name, content, ctype):
    checked, problem = uploads.check(upload(name, content if content is not None else ofd_bytes()), "f")
    assert problem is None and checked.content_type == ctype and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.pdf", EXE, "type"),
        ("empty.pdf", b"", "empty"),
        ("photo.pdf", PNG, "type_mismatch"),
        ("scan.png", PDF, "type_mismatch"),
        ("fake.ofd", b"PK\x03\x04not really a zip", "type"),
        ("other.zip", b"", "empty"),
    ],
)
def test_bad_files_are_refused_with_their_name(name, content, code):
    checked, problem = uploads.check(upload(name, content), "materials.1")
    assert checked is None and problem.code == code and problem.field == "materials.1"
    assert name in problem.as_dict()["message_en"]


def test_a_zip_without_ofd_xml_is_not_ofd():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    assert uploads.sniff(buf.getvalue()) is None


def test_oversize_is_refused_even_when_the_declared_size_lies(settings):
    settings.CASE_UPLOAD_MAX_BYTES = 1024
    big = upload("big.pdf", PDF + b"0" * 2000)
    _checked, problem = uploads.check(big, "f")
    assert problem.code == "too_large"
    big = upload("big.pdf", PDF + b"0" * 2000)
    big.size = 10  # a lying Content-Length
    _checked, problem = uploads.check(big, "f")
    assert problem.code == "too_large"


def test_default_limit_is_20_mb():
    from django.conf import settings

    assert settings.CASE_UPLOAD_MAX_BYTES == 20 * 1024 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"), [("setup.pdf", EXE), ("empty.pdf", b""), ("photo.pdf", PNG), ("big.pdf", PDF + b"0" * 4096)]
)
def test_a_bad_upload_on_the_apply_page_saves_nothing(client, settings, name, content):
    settings.CASE_UPLOAD_MAX_BYTES = 2048
    world = apply_world.build()
    client.force_login(world.applicant.user)
    before = stored_files()
    post = good_post(world, **{f"m{world.application_form.pk}-file": upload(name, content)})
    response = client.post(reverse("cases:apply", args=[world.item.item_code]), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="me-{world.application_form.pk}"' in html and name in html
    assert Case.objects.count() == 0 and Draft.objects.count() == 0
    assert stored_files() == before


def stored_files(top: str = "cases") -> set[str]:
    try:
        dirs, files = private_storage().listdir(top)
    except (FileNotFoundError, OSError):
        return set()
    out = {f"{top}/{f}" for f in files}
    for d in dirs:
        out |= stored_files(f"{top}/{d}")
    return out


def test_license_finder_registry():
    ref = uploads.LicenseRef("123", "营业执照")

    def finder(subject, code):
        return ref if code == "BUSINESS_LICENSE" else None

    uploads.register_license_finder(finder)
    try:
        assert uploads.license_for(object(), "BUSINESS_LICENSE") is ref
        assert uploads.license_for(object(), "OTHER") is None
        assert uploads.license_for(object(), "") is None
    finally:
        uploads.unregister_license_finder(finder)
