"""The self-service kiosk (issue 18, Staff): a kiosk left alone warns, then signs out and clears the form."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.cases import apply_world
from yiwang.cases.views import apply as apply_views

pytestmark = pytest.mark.browser


def test_a_kiosk_left_alone_signs_out_and_clears_the_form(page, live_server, transactional_db, monkeypatch):
    monkeypatch.setattr(apply_views, "KIOSK_IDLE_SECONDS", 3)  # warning after 1 s (idle - 20, at least 1), out at 3
    world = apply_world.build()
    client = Client()
    client.force_login(world.applicant.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.goto(f"/kiosk/apply/{world.item.item_code}/")
    assert page.locator("form.apply-form").get_attribute("data-idle") == "3"
    page.fill("#f-shop_name", "张三小吃店")
    warning = page.locator("[data-idle-warning]")
    warning.wait_for(state="visible", timeout=5000)  # told before it happens
    page.wait_for_url(f"**/items/{world.item.item_code}/", timeout=10000)  # signed out, back at the guide
    # The session is over: the form (and what was typed) is gone, and the kiosk asks the next person to sign in.
    assert page.locator("#f-shop_name").count() == 0
    page.goto(f"/kiosk/apply/{world.item.item_code}/")
    assert "/sign-in/" in page.url
    assert "张三小吃店" not in page.content()


def test_activity_keeps_the_kiosk_signed_in(page, live_server, transactional_db, monkeypatch):
    monkeypatch.setattr(apply_views, "KIOSK_IDLE_SECONDS", 3)
    world = apply_world.build()
    client = Client()
    client.force_login(world.applicant.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.goto(f"/kiosk/apply/{world.item.item_code}/")
    for _ in range(4):  # 4 s of typing, longer than the 3 s limit
        page.locator("#f-shop_name").press_sequentially("店", delay=0)
        page.wait_for_timeout(900)
    assert f"/kiosk/apply/{world.item.item_code}/" in page.url
