"""Notices as pages and PDFs (the same text), for the applicant and the staff; the progress PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases import apply_world
from tests.factories import person
from tests.guide.pdftext import pdf_text
from yiwang.cases import services as cases
from yiwang.cases.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return apply_world.build()


def submit(world):
    case, _ = cases.submit(
        version=world.version, person=world.applicant, who=cases.Who(user=world.applicant.user, name="张三")
    )
    return case


def test_correction_notice_page_and_pdf_list_every_item(client, world):
    case = cases.request_correction(
        submit(world),
        world.clerk_who(),
        [
            {"material": "食品经营许可申请书", "note": "缺少法定代表人签字"},
            {"material": "经营场所平面图", "note": "未标注面积"},
        ],
    )
    notice = Notice.objects.get(case=case, kind="correction")
    client.force_login(world.applicant.user)
    page = client.get(reverse("cases:notice", args=[notice.number])).content.decode()
    for text in ("缺少法定代表人签字", "未标注面积", notice.number, world.org.name):
        assert text in page
    response = client.get(reverse("cases:notice_pdf", args=[notice.number]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for s in ("缺少法定代表人签字", "未标注面积", notice.number):
        assert s in text.replace("\n", ""), s


def test_acceptance_not_accepted_and_decision_notices(client, world):
    case = cases.accept(submit(world), world.clerk_who())
    acceptance = Notice.objects.get(case=case, kind="acceptance")
    other = cases.not_accept(submit(world), world.clerk_who(), "不属于本机关职权范围")
    refusal = Notice.objects.get(case=other, kind="not_accepted")
    client.force_login(world.applicant.user)
    text = pdf_text(client.get(reverse("cases:notice_pdf", args=[acceptance.number])).content).replace("\n", "")
    assert str(case.promised_due) in text
    text = pdf_text(client.get(reverse("cases:notice_pdf", args=[refusal.number])).content).replace("\n", "")
    assert "不属于本机关职权范围" in text and "60" in text


def test_staff_open_the_notice_and_strangers_get_404(client, world):
    case = cases.accept(submit(world), world.clerk_who())
    notice = Notice.objects.get(case=case, kind="acceptance")
    client.force_login(world.clerk)
    assert client.get(reverse("cases:notice", args=[notice.number])).status_code == 200
    client.force_login(person("王五").user)
    assert client.get(reverse("cases:notice", args=[notice.number])).status_code == 404
    assert client.get(reverse("cases:notice_pdf", args=[notice.number])).status_code == 404
    client.logout()
    assert client.get(reverse("cases:notice", args=[notice.number])).status_code == 302


def test_progress_pdf_has_the_timeline_and_a_masked_name(client, world):
    case = cases.accept(submit(world), world.clerk_who())
    client.force_login(world.applicant.user)
    response = client.get(reverse("cases:progress_pdf", args=[case.case_number]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content).replace("\n", "")
    assert case.case_number in text and case.item_name in text and "张三" not in text
