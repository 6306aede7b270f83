"""Finding and following in a real browser: an anonymous visitor reaches tracking and verification from the home
page; a signed-in person on a phone has a short header with the message bell, reads a message, and deletes a
draft only after confirming. Set SCREENSHOT_DIR=<dir> to keep screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from tests.cases import apply_world
from tests.cases.apply_world import good_post
from yiwang.cases.models import Draft, Message

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_anonymous_home_links_tracking_and_verification(page, phone_page, transactional_db):
    for p, size in ((page, "desktop"), (phone_page, "phone")):
        p.goto("/", timeout=90_000)  # the first request warms the search dictionaries: slow on a busy machine
        assert p.locator(".quick-links a[href='/track/']").is_visible()
        assert p.locator(".quick-links a[href='/verify/']").is_visible()
        assert p.locator("footer a[href='/verify/']").count() == 1
        shot(p, f"home-anonymous-{size}")
        assert p.evaluate("document.documentElement.scrollWidth") <= p.viewport_size["width"]
    with phone_page.expect_navigation():
        phone_page.locator(".quick-links a[href='/track/']").click()
    assert phone_page.url.endswith("/track/")


def test_phone_header_bell_and_drafts_box(phone_page, live_server, transactional_db):
    world = apply_world.build()
    user = world.applicant.user
    client = Client()
    client.force_login(user)
    client.post(f"/apply/{world.item.item_code}/", good_post(world, action="draft"))
    Message.objects.create(recipient=user, text="您的申请已受理。")
    Message.objects.create(recipient=user, text="请补正材料。")
    sign_in(phone_page, live_server, user)
    phone_page.goto("/my/")
    header = phone_page.locator("header.site-header").bounding_box()
    assert header["height"] <= 180, f"the signed-in header takes {header['height']}px of a phone's 844"
    assert phone_page.locator(".nav-bell .badge").inner_text() == "2"
    shot(phone_page, "my-space-drafts-phone")
    assert "草稿箱" in phone_page.locator("#panel-drafts").inner_text()

    with phone_page.expect_navigation():
        phone_page.locator(".nav-bell").click()
    assert phone_page.locator("li.unread").count() == 2  # new this once
    assert phone_page.locator(".nav-bell .badge").count() == 0
    assert not Message.objects.filter(read_at__isnull=True).exists()

    phone_page.goto("/my/")
    with phone_page.expect_navigation():
        phone_page.locator("#panel-drafts a.link-danger").click()
    assert "确定删除草稿" in phone_page.locator("h1").inner_text()
    shot(phone_page, "draft-delete-phone")
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name="保留草稿").click()
    assert Draft.objects.exists()
    with phone_page.expect_navigation():
        phone_page.locator("#panel-drafts a.link-danger").click()
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="删除草稿").click()
    assert not Draft.objects.exists()
    assert "暂无草稿" in phone_page.locator("#panel-drafts").inner_text()
