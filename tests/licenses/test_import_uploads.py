"""License bulk import goes through the platform's one upload check (CSV or xlsx by content, the name agreeing)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.licenses.test_pages_import import HEADER, client_for, csv_bytes, good_row
from yiwang.licenses.models import License

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def workbook(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [("l.csv", "png", "type"), ("l.csv", "xlsx", "type_mismatch"), ("l.xlsx", "csv", "type_mismatch")],
)
def test_page_and_api_refuse_files_that_are_not_what_they_are_named(business_type, bureau, approver, name, kind, code):
    rows = [HEADER, good_row(bureau, business_type, 1)]
    content = {"png": PNG, "xlsx": workbook(rows), "csv": csv_bytes(rows)}[kind]
    c = client_for(approver)
    r = c.post("/api/v1/licenses/import", {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == code, r.content
    assert r.json()["detail"][0]["field"] == "file" and name in r.json()["detail"][0]["message_en"]
    r = c.post("/licenses/staff/import/", {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == 400 and name in r.content.decode()
    assert not License.objects.exists()


def test_the_import_limit_is_a_setting(business_type, bureau, approver, settings):
    settings.LICENSE_IMPORT_MAX_BYTES = 100
    content = csv_bytes([HEADER, good_row(bureau, business_type, 1)])
    r = client_for(approver).post("/api/v1/licenses/import", {"file": SimpleUploadedFile("l.csv", content)})
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == "too_large"
