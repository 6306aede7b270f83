"""Pages (license, PDF, verification, staff issuing) and bulk import (CSV, xlsx, page, API, command)."""

import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from tests import factories
from tests.licenses.conftest import business_fields
from yiwang.licenses import importer, rendering, services
from yiwang.licenses.models import License, LicenseEvent

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def teacher(teacher_type, bureau, holder):
    return services.issue(
        license_type=teacher_type,
        issuer=bureau,
        holder_number=holder.doc_number,
        holder_name=holder.name,
        fields={"subject": "数学", "level": "小学"},
    )


def test_license_page_for_holder_staff_and_stranger(teacher, holder, approver):
    page = client_for(holder.user).get(f"/licenses/{teacher.identifier}/").content.decode()
    assert "教师资格证" in page and holder.doc_number in page and "数学" in page and "<svg" not in page
    staff_page = client_for(approver).get(f"/licenses/{teacher.identifier}/").content.decode()
    assert holder.doc_number not in staff_page and teacher.masked_holder_number in staff_page
    assert 'value="revoke"' in staff_page  # the issuer's actions
    assert client_for(factories.person("路人").user).get(f"/licenses/{teacher.identifier}/").status_code == 404
    assert Client().get(f"/licenses/{teacher.identifier}/").status_code == 302
    mine = client_for(holder.user).get("/licenses/").content.decode()
    assert teacher.identifier in mine


def test_verification_page(client, teacher, holder):
    url = rendering.verify_url(teacher)
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path).content.decode()
    assert "verdict-valid" in page and holder.name in page and holder.doc_number not in page
    assert teacher.masked_holder_number in page and "数学" not in page
    wrong = teacher.identifier[:-1] + ("0" if teacher.identifier[-1] != "0" else "1")
    assert "verdict-forged" in client.get(f"/verify/{wrong}/").content.decode()
    assert "verdict-forged" in client.get(f"/verify/{teacher.identifier}/?s=00000000").content.decode()
    services.revoke(teacher, reason="撤销")
    assert "verdict-revoked" in client.get(f"/verify/{teacher.identifier}/").content.decode()
    assert client.get("/verify/?identifier=abc").status_code == 200


def test_pdf_has_text_seal_and_qr(teacher, holder):
    r = client_for(holder.user).get(f"/licenses/{teacher.identifier}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    ctx = rendering.context(teacher)
    import segno

    assert ctx["qr_uri"] == segno.make(rendering.verify_url(teacher), error="m").svg_data_uri(scale=4, border=2)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True).stdout  # noqa: S607
        text = text.decode()
        assert "教师资格证" in text and holder.name in text and "数学" in text
        assert teacher.identifier in text.replace("\n", "") and "/verify/" in text
        assert holder.doc_number not in text


def test_staff_issue_and_act_pages(business_type, bureau, company, approver):
    c = client_for(approver)
    assert "营业执照" in c.get("/licenses/staff/issue/?type=" + business_type.code).content.decode()
    data = {
        "license_type": business_type.code,
        "issuer": bureau.pk,
        "holder_number": company.credit_code,
        "holder_name": company.name,
        **{f"field_{k}": v for k, v in business_fields().items()},
    }
    bad = c.post("/licenses/staff/issue/", {**data, "holder_number": "123", "field_capital": "abc"})
    assert bad.status_code == 400 and 'id="err-holder-number"' in bad.content.decode()
    assert not License.objects.exists()
    r = c.post("/licenses/staff/issue/", data)
    assert r.status_code == 302
    lic = License.objects.get()
    r = c.post(f"/licenses/{lic.identifier}/act/", {"action": "revoke", "reason": ""})
    assert r.status_code == 400
    r = c.post(f"/licenses/{lic.identifier}/act/", {"action": "suspend", "reason": "调查"})
    assert r.status_code == 302 and License.objects.get().status == "suspended"
    assert lic.identifier in c.get("/licenses/staff/").content.decode()
    assert Client().get("/licenses/staff/issue/").status_code == 302
    assert client_for(factories.person("张").user).get("/licenses/staff/issue/").status_code == 404


def csv_bytes(rows):
    out = io.StringIO()
    import csv

    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


HEADER = [
    "证照类型代码",
    "颁发机构代码",
    "持证主体代码",
    "持证主体名称",
    "颁证日期",
    "类型",
    "法定代表人",
    "注册资本（万元）",
    "成立日期",
]


def good_row(bureau, business_type, n):
    from yiwang.core.codes import make_credit_code

    return [
        business_type.code,
        bureau.credit_code,
        make_credit_code("9", "1", "340300", f"{70000000 + n:08d}"),
        f"蚌埠导入公司{n}",
        "2024-01-0" + str(n % 9 + 1),
        "有限责任公司",
        "李四",
        "50",
        "2023-12-01",
    ]


def test_import_csv_all_or_nothing(business_type, bureau):
    rows = [HEADER] + [good_row(bureau, business_type, n) for n in range(1, 51)]
    bad = list(rows)
    bad[3] = [*bad[3][:2], "91340300XXXXXXXXX1", *bad[3][3:]]
    bad[7] = [*bad[7][:5], "合作社", "", "很多", "昨天"]
    result = importer.import_licenses(csv_bytes(bad), "licenses.csv")
    assert result.created == 0 and not License.objects.exists() and not LicenseEvent.objects.exists()
    where = {(p.row, p.column) for p in result.problems}
    assert (4, "holder_number") in where
    assert {(8, "enterprise_type"), (8, "legal_rep"), (8, "capital"), (8, "founded")} <= where
    assert all(p.as_dict()["message"] and p.as_dict()["message_en"] for p in result.problems)
    result = importer.import_licenses(csv_bytes(rows), "licenses.csv")
    assert result.created == 50 and License.objects.count() == 50
    assert LicenseEvent.objects.filter(kind="imported").count() == 50
    lic = License.objects.order_by("serial").first()
    from yiwang.licenses.verification import verify_identifier

    assert verify_identifier(lic.identifier).outcome == "valid"


def test_import_xlsx_page_api_and_command(business_type, bureau, approver, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for n in range(1, 6):
        ws.append(good_row(bureau, business_type, n))
    buf = io.BytesIO()
    wb.save(buf)
    c = client_for(approver)
    r = c.post("/licenses/staff/import/", {"file": SimpleUploadedFile("l.xlsx", buf.getvalue())})
    assert r.status_code == 200 and License.objects.count() == 5
    bad = csv_bytes([HEADER, [business_type.code, "913403000000000000", "x", "", "", "", "", "", ""]])
    r = c.post("/api/v1/licenses/import", {"file": SimpleUploadedFile("l.csv", bad)})
    assert r.status_code == 400 and all("row" in p for p in r.json()["detail"])
    r = c.post("/licenses/staff/import/", {"file": SimpleUploadedFile("l.csv", bad)})
    assert r.status_code == 400 and "import-problems" in r.content.decode()
    good = csv_bytes([HEADER, good_row(bureau, business_type, 9)])
    r = c.post("/api/v1/licenses/import", {"file": SimpleUploadedFile("l.csv", good)})
    assert r.status_code == 201 and r.json()["created"] == 1
    path = tmp_path / "bad.csv"
    path.write_bytes(bad)
    with pytest.raises(CommandError):
        call_command("import_licenses", str(path))
    path.write_bytes(csv_bytes([HEADER, good_row(bureau, business_type, 11)]))
    call_command("import_licenses", str(path))
    assert License.objects.count() == 7


def test_import_refuses_other_issuers_and_bad_files(business_type, bureau):
    other = factories.OrganisationFactory()
    rows = [HEADER, good_row(bureau, business_type, 1)]
    result = importer.import_licenses(csv_bytes(rows), "a.csv", allowed={other.credit_code})
    assert result.problems[0].code == "not_yours"
    assert importer.import_licenses(b"", "a.csv").problems[0].code == "empty"
    assert importer.import_licenses(csv_bytes([["foo", "bar"]]), "a.csv").problems[0].code == "missing_column"
    with pytest.raises(Exception):  # noqa: B017
        importer.import_licenses(b"PK\x03\x04garbage", "a.xlsx")


def test_seed_licenses_command(business_type, teacher_type, company, holder):
    call_command("seed_licenses", "--count", "12")
    assert License.objects.count() == 12
    assert License.objects.filter(holder_code=company.credit_code).exists()
    call_command("seed_licenses", "--count", "12", "--if-empty")
    assert License.objects.count() == 12


def test_system_administrators_reach_every_license(teacher):
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    c = client_for(admin)
    assert c.get(f"/licenses/{teacher.identifier}/").status_code == 200
    assert teacher.identifier in c.get("/licenses/staff/").content.decode()
    sysadmin = factories.staff(factories.OrganisationFactory(), "sysadmin")
    assert client_for(sysadmin).get(f"/licenses/{teacher.identifier}/").status_code == 200
