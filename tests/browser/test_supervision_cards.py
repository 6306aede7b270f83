"""The cards side's pages in Chromium (desktop and a 390 px phone): no CSP violation or script error, axe finds
nothing serious, the phone page does not scroll sideways; the correction form round-trips with field errors.
Set YIWANG_SCREENSHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import axe
from tests.browser.test_workbench import shot, sign_in
from tests.supervision.cards.world import build
from yiwang.calendar import workdays
from yiwang.cases.models import CaseStep
from yiwang.identity.access import actor_for_user
from yiwang.supervision import cards, corrections

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    w = build()
    w.rec["case"] = case = w.submit()
    w.submit(w.other_item)
    step = CaseStep.objects.get(case=case, state="active")
    cards.sweep(today=workdays.snapshot().add_working_days(step.due, 2))
    corrections.watch(actor_for_user(w.supervisor), w.supervisor, case_number=case.case_number, note="群众反映")
    return w


def no_sideways_scroll(p) -> None:
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_supervisor_pages(page, phone_page, live_server, world):
    sign_in(page, live_server, world.supervisor)
    sign_in(phone_page, live_server, world.supervisor)
    for name, path in (
        ("cards", "/workbench/supervision/cards/?state=all"),
        ("corrections", "/workbench/supervision/corrections/"),
        ("watch", "/workbench/supervision/watch/"),
        ("monitor", "/workbench/supervision/monitor/"),
    ):
        page.goto(live_server.url + path)
        assert axe(page) == []
        shot(page, f"supervision-{name}-desktop")
        phone_page.goto(live_server.url + path)
        no_sideways_scroll(phone_page)
        shot(phone_page, f"supervision-{name}-phone")
    page.goto(live_server.url + "/workbench/supervision/corrections/")
    page.fill("#c-case", world.case.case_number)
    page.fill("#c-due", "2001-01-01")
    page.fill("#c-text", "请说明")
    page.click("text=发出通知")
    assert page.locator("#e-due").inner_text() == "截止日期不能早于今天。"
    page.fill("#c-due", (timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.fill("#c-text", "请说明逾期原因并尽快办结")
    page.click("text=发出通知")
    assert "纠错通知" in page.locator("h1").inner_text()
    shot(page, "supervision-correction-desktop")
