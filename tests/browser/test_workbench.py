"""A window clerk accepts a case from the to-do list and a reviewer completes the first step, in a real browser.

Set YIWANG_SCREENSHOTS=/some/dir to keep desktop and phone screenshots of the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.cases.workbench_world import build, submit
from yiwang.cases.models import Case, CaseStep, State

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def shot(page, name: str) -> None:
    folder = os.environ.get("YIWANG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def world(transactional_db):
    w = build()
    w["case"] = submit(w)
    submit(w, name="李四")
    return w


def test_clerk_accepts_and_reviewer_completes_a_step(page, live_server, world, browser):
    case = world["case"]
    sign_in(page, live_server, world["clerk"])
    page.goto("/workbench/cases/")
    assert page.locator("h1").inner_text().strip()
    row = page.locator("tr", has_text=case.case_number)
    assert row.locator(".clock").count() == 1 and row.locator(".clock strong").inner_text().strip()
    shot(page, "workbench-list-desktop")
    with page.expect_navigation():
        row.locator("a", has_text=case.case_number).click()
    shot(page, "workbench-case-desktop")
    with page.expect_navigation():
        page.locator("form[action$='/accept/'] button[type=submit]").click()
    assert page.locator("[role=status] .notice").count() >= 1
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS

    reviewer = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server.url)
    try:
        phone = reviewer.new_page()
        sign_in(phone, live_server, world["reviewer"])
        phone.goto("/workbench/cases/?queue=reviewer")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the to-do list scrolls sideways on a phone ({width}px)"
        shot(phone, "workbench-list-phone")
        with phone.expect_navigation():
            phone.locator("a", has_text=case.case_number).first.click()
        with phone.expect_navigation():
            phone.locator("form[action$='/claim/'] button[type=submit]").click()
        phone.locator("label[for=dec-pass]").click()
        phone.fill("#op", "材料齐全，同意受理后转审核。")
        shot(phone, "workbench-case-phone")
        with phone.expect_navigation():
            phone.locator("form[action$='/complete/'] button[type=submit]").click()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the case page scrolls sideways on a phone ({width}px)"
    finally:
        reviewer.close()
    steps = dict(CaseStep.objects.filter(case=case).values_list("order", "state"))
    assert steps[1] == "done" and steps[2] == "active"


def test_window_apply_for_a_walk_in(page, live_server, world):
    sign_in(page, live_server, world["clerk"])
    page.goto("/workbench/window/apply/")
    page.fill("#doc-number", world["applicant"].doc_number)
    with page.expect_navigation():
        page.locator("button[value=find]").click()
    shot(page, "window-item-desktop")
    with page.expect_navigation():
        page.locator(".wb-items a").first.click()
    page.fill("#ff-contact_phone", "13912345678")
    page.locator(".wb-window-form input[name=materials]").first.check()
    shot(page, "window-apply-desktop")
    with page.expect_navigation():
        page.locator(".wb-window-form button[type=submit]").click()
    case = Case.objects.filter(channel="window").get()
    assert case.state == State.IN_PROGRESS
    assert case.case_number in page.locator("main").inner_text()
