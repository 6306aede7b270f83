"""张三 rates his finished case on a phone (dissatisfied, with a reason); the department's reviewer calls him back,
classifies and rectifies it on the workbench; the supervisor closes it; 张三's case page then shows what was done.
Set YIWANG_SCREENSHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import pytest

from tests.browser.test_workbench import shot, sign_in
from tests.ratings.world import build, concluded
from yiwang.ratings.models import Rating, Rectification, RectState

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings):
    settings.RATINGS_SMS_INVITE = False
    w = build()
    w["case"] = concluded(w)
    return w


def test_citizen_rates_and_staff_rectify(page, phone_page, live_server, world):
    case = world["case"]
    sign_in(phone_page, live_server, world["applicant"].user)
    phone_page.goto(f"/my/cases/{case.case_number}/")
    phone_page.locator(f'a[href="/my/cases/{case.case_number}/rate/"]').first.click()
    phone_page.wait_for_url(f"**/my/cases/{case.case_number}/rate/")
    # A bad level without a reason is refused on the page, with its message.
    phone_page.locator('input[name="level"][value="2"]').check()
    phone_page.locator('form[action$="/rate/"] button[type="submit"]').click()
    assert phone_page.locator("[role=alert]").count() >= 1 and not Rating.objects.exists()
    phone_page.locator('input[name="level"][value="2"]').check()
    phone_page.locator('input[name="reasons"][value="overdue"]').check()
    phone_page.locator("#comment").fill("比承诺时间晚了三天")
    shot(phone_page, "ratings-rate-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.locator('form[action$="/rate/"] button[type="submit"]').click()
    phone_page.wait_for_url(f"**/my/cases/{case.case_number}/")
    rating = Rating.objects.get(case=case)
    assert rating.level == 2 and rating.person_id == world["applicant"].pk and rating.reasons == ["overdue"]
    rect = Rectification.objects.get(rating=rating)

    sign_in(page, live_server, world["reviewer"])
    page.goto("/workbench/ratings/")
    page.locator(f'a[href="/workbench/ratings/rectifications/{rect.pk}/"]').click()
    assert "比承诺时间晚了三天" in page.content()
    shot(page, "ratings-rect-desktop")
    page.locator("#cb-outcome").select_option("confirmed")
    page.locator("#cb-note").fill("已电话回访并致歉")
    page.locator('form[action$="/callback/"] button[type="submit"]').click()
    page.locator("#category").select_option("efficiency")
    page.locator("#finding").fill("审批环节衔接不畅")
    page.locator('form[action$="/classify/"] button[type="submit"]').click()
    page.locator("#measures").fill("设置到期提醒，专人跟踪")
    page.locator('form[action$="/submit/"] button[type="submit"]').click()
    page.wait_for_selector('form[action$="/submit/"]', state="detached")
    rect.refresh_from_db()
    assert rect.state == RectState.SUBMITTED and rect.callbacks.count() == 1

    page.context.clear_cookies()
    sign_in(page, live_server, world["supervisor"])
    page.goto(f"/workbench/ratings/rectifications/{rect.pk}/")
    page.locator("#opinion").fill("整改到位")
    page.locator('form[action$="/review/"] button[value="close"]').click()
    page.wait_for_selector('form[action$="/review/"]', state="detached")
    rect.refresh_from_db()
    assert rect.state == RectState.CLOSED and rect.on_time

    phone_page.goto(f"/my/cases/{case.case_number}/")
    assert "设置到期提醒，专人跟踪" in phone_page.locator("#rate").inner_text()
    shot(phone_page, "ratings-case-after-phone")
