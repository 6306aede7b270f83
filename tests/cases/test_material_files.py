"""Applicants' files are named after the case and the material, and PDFs and images can be previewed in the
browser; only through the checked pages (issue 18)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tests.cases.apply_world import PDF
from tests.cases.workbench_world import build, client_for, submit
from yiwang.cases.models import CaseMaterial, MaterialSource
from yiwang.core.storage import private_storage

pytestmark = pytest.mark.django_db


def _material(case, name: str, content: bytes, ctype: str) -> CaseMaterial:
    stored = private_storage().save("cases/2026/01/4a12aea82363efc7682e2b98.bin", ContentFile(content))
    return CaseMaterial.objects.create(
        case=case, material_name=name, source=MaterialSource.UPLOAD, file=stored, content_type=ctype, size=len(content)
    )


def test_staff_download_and_preview_names_and_dispositions():
    w = build()
    case = submit(w)
    pdf = _material(case, "营业执照副本", PDF, "application/pdf")
    ofd = _material(case, "申请书", b"PK\x03\x04ofd", "application/ofd")
    clerk = client_for(w["clerk"])
    url = f"/workbench/cases/{case.case_number}/materials/{pdf.pk}/"

    r = clerk.get(url)
    cd = r["Content-Disposition"]
    assert cd.startswith("attachment;") and "filename*=utf-8''" in cd
    assert case.case_number in cd and "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7" in cd and cd.endswith(".pdf")
    assert "4a12aea" not in cd and r["X-Content-Type-Options"] == "nosniff"

    r = clerk.get(url + "?inline=1")
    assert r["Content-Disposition"].startswith("inline;") and r["Content-Type"] == "application/pdf"
    assert "default-src 'none'" in r["Content-Security-Policy"]

    # Not a kind the browser shows by itself: always a download.
    r = clerk.get(f"/workbench/cases/{case.case_number}/materials/{ofd.pk}/?inline=1")
    assert r["Content-Disposition"].startswith("attachment;")

    # The case page offers the preview for the PDF only.
    page = clerk.get(f"/workbench/cases/{case.case_number}/").content.decode()
    assert f"materials/{pdf.pk}/?inline=1" in page and f"materials/{ofd.pk}/?inline=1" not in page

    # Out of reach is 404, as for a missing file.
    assert client_for(w["other_clerk"]).get(url).status_code == 404


def test_the_applicant_gets_the_same_names():
    w = build()
    case = submit(w)
    pdf = _material(case, "身份证", PDF, "application/pdf")
    me = client_for(w["applicant"].user)
    r = me.get(f"/my/cases/{case.case_number}/materials/{pdf.pk}/?inline=1")
    assert (
        r.status_code == 200
        and r["Content-Disposition"].startswith("inline;")
        and case.case_number in r["Content-Disposition"]
    )
    assert f"materials/{pdf.pk}/?inline=1" in me.get(f"/my/cases/{case.case_number}/").content.decode()
