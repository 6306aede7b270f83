"""A person takes a number on a phone, a clerk calls it from the window, the calling screen and the phone page change
without a reload (polling in static JavaScript). Set YIWANG_SCREENSHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_workbench import shot, sign_in
from tests.halls.world import build

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    return build()


def test_take_a_number_call_it_and_watch_the_screen(page, phone_page, live_server, world, browser):
    hall = world["hall"]
    screen = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    display = screen.new_page()
    errors: list[str] = []
    display.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        display.goto(f"/halls/{hall.pk}/display/")
        display.evaluate("window.__sameDocument = true")
        assert display.locator("[data-latest-number]").inner_text().strip() == "—"

        phone_page.goto(f"/halls/{hall.pk}/take/")
        shot(phone_page, "halls-take-phone")
        phone_page.get_by_role("button", name="综合受理").click()
        phone_page.wait_for_url("**/halls/t/**")
        assert phone_page.locator(".ticket-card .number").inner_text().strip() == "A001"
        assert phone_page.locator("[data-state-label]").inner_text().strip() == "等候中"
        phone_page.evaluate("window.__sameDocument = true")
        # (expect() polls from the test: a string given to wait_for_function is eval, which the CSP forbids)
        expect(display.locator('[data-waiting="A"]')).to_have_text("1")

        sign_in(page, live_server, world["clerk"])
        page.goto("/workbench/halls/")
        page.get_by_role("link", name="A01 综合受理窗口1").click()
        page.get_by_role("button", name="开启此窗口（在此上岗）").click()
        page.get_by_role("button", name="叫下一号").click()
        assert page.locator(".console-current").inner_text().strip() == "A001"
        shot(page, "halls-console-desktop")

        expect(display.locator("[data-latest-number]")).to_have_text("A001", timeout=5000)
        assert display.locator("[data-latest-window]").inner_text().strip() == "A01"
        assert display.evaluate("window.__sameDocument") is True  # updated in place, not reloaded
        shot(display, "halls-display")
        expect(phone_page.locator(".called-banner")).to_be_visible(timeout=10000)
        assert "A01" in phone_page.locator(".called-banner").inner_text()
        assert phone_page.evaluate("window.__sameDocument") is True
        shot(phone_page, "halls-called-phone")
        # The phone page fits a 390 px screen without sideways scrolling.
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        screen.close()
    assert not errors, errors
