"""一件事 in the browser: find the bundle by everyday words, fill the one form, follow the cases; 秒批 on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from tests.bundles.world import build
from yiwang.bundles.models import BundleApplication
from yiwang.rules import services as rules

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _walk(page, live_server) -> BundleApplication:
    world = build()
    rule = [{"name": "小于200平方米", "if": {"<": [{"var": "form.sign_size"}, 200]}, "message": ""}]
    tests = [{"name": "小", "data": {"form": {"sign_size": 3}}, "expect": True}]
    rules.activate(rules.save_rule_set(world.sign_item.current, rules=rule, tests=tests))
    sign_in(page, live_server, world.citizen.user)
    page.goto("/bundles/?q=开饭店")
    with page.expect_navigation():
        page.get_by_role("link", name="我要开餐馆").click()
    shot(page, "bundle-form")
    assert page.locator("input[name=contact_phone]").count() == 1  # asked once for both departments
    page.check("#f-has_sign")
    page.fill("#f-shop_name", "孙八小馆")
    page.fill("#f-area", "abc")
    page.check("input[name=kind][value=catering]")
    page.fill("#f-contact_phone", "13912345678")
    page.fill("#f-sign_size", "3")
    with page.expect_navigation():
        page.get_by_role("button", name="一次提交到各部门").click()
    assert page.locator("#error-summary").is_visible() and BundleApplication.objects.count() == 0
    page.fill("#f-area", "40")
    with page.expect_navigation():
        page.get_by_role("button", name="一次提交到各部门").click()
    app = BundleApplication.objects.get()
    main = page.locator("main").inner_text()
    assert app.number in main and "食品经营许可" in main and "户外招牌设置" in main
    assert "准予许可" in main  # the sign was approved by its rules at once
    shot(page, "bundle-application")
    return app


def test_bundle_walk_on_desktop(page, live_server, transactional_db):
    _walk(page, live_server)


def test_bundle_walk_on_a_phone(phone_page, live_server, transactional_db):
    _walk(phone_page, live_server)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
