"""Applying on a phone: the conditional field appears, a file is attached, the receipt shows the number once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from tests.cases import apply_world
from yiwang.cases.models import Case

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


def test_apply_on_a_phone(phone_page, live_server, transactional_db, tmp_path):
    world = apply_world.build()
    sign_in(phone_page, live_server, world.applicant.user)
    phone_page.goto(f"/m/items/{world.item.item_code}/")
    with phone_page.expect_navigation():
        phone_page.locator("a.btn-apply").click()
    assert "via=m" in phone_page.url
    assert phone_page.locator("#row-branch_address").is_hidden()
    phone_page.check("#f-has_branch")
    assert phone_page.locator("#row-branch_address").is_visible()
    phone_page.uncheck("#f-has_branch")
    phone_page.fill("#f-shop_name", "张三小吃店")
    phone_page.fill("#f-area", "35")
    phone_page.check("input[name=kind][value=catering]")
    assert phone_page.input_value("#f-contact_phone") == "13912345678"  # prefilled from the profile
    pdf = tmp_path / "申请书.pdf"
    pdf.write_bytes(apply_world.PDF)
    phone_page.set_input_files(f"#file-{world.application_form.pk}", str(pdf))
    assert phone_page.is_checked(f"input[name=m{world.application_form.pk}][value=upload]")
    phone_page.check(f"input[name=m{world.floor_plan.pk}][value=paper]")
    shot(phone_page, "apply-phone")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form scrolls sideways on a phone ({width}px)"
    with phone_page.expect_navigation():
        phone_page.locator("button[value=submit]").click()
    case = Case.objects.get()
    assert case.channel == "mobile"
    assert case.case_number in phone_page.locator("main").inner_text()
    shot(phone_page, "receipt-phone")
    phone_page.goto(f"/my/cases/{case.case_number}/")
    assert case.item_name in phone_page.locator("h1").inner_text()
    shot(phone_page, "case-phone")


def test_errors_are_listed_and_focused_on_desktop(page, live_server, transactional_db):
    world = apply_world.build()
    sign_in(page, live_server, world.applicant.user)
    page.goto(f"/apply/{world.item.item_code}/")
    shot(page, "apply-desktop")
    page.fill("#f-contact_phone", "123")
    with page.expect_navigation():
        page.locator("button[value=submit]").click()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#e-shop_name").is_visible() and page.locator("#e-contact_phone").is_visible()
    shot(page, "apply-errors-desktop")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_address_book_then_free_ems(size, browser, live_server, transactional_db, tmp_path):
    """From the form to My Space's address book and back, then the result by free EMS to the address just added;
    neither page scrolls sideways on a phone."""
    from tests.browser.conftest import DESKTOP, PHONE

    options = {"is_mobile": True, "has_touch": True} if size == "phone" else {}
    viewport = PHONE if size == "phone" else DESKTOP
    context = browser.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        world = apply_world.build()
        sign_in(page, live_server, world.applicant.user)
        page.goto(f"/apply/{world.item.item_code}/")
        assert page.is_checked("input[name=delivery][value=pickup]")
        assert "您还没有收货地址" in page.locator("#delivery").inner_text()
        with page.expect_navigation():
            page.get_by_role("link", name="在“我的空间”新增收货地址").click()
        page.fill("#address-recipient", "张三")
        page.fill("#address-phone", "139 1234 5678")
        page.fill("#address-address", "安徽省蚌埠市蚌山区胜利西路 100 号 3 栋 201")
        page.fill("#address-label", "家")
        shot(page, f"address-book-{size}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        with page.expect_navigation():
            page.get_by_role("button", name="添加地址").click()
        assert page.url.endswith(f"/apply/{world.item.item_code}/#delivery")
        page.check("input[name=delivery][value=post]")
        assert page.is_checked("input[name=delivery_address]")  # the first entry is the default
        page.fill("#f-shop_name", "张三小吃店")
        page.fill("#f-area", "35")
        page.check("input[name=kind][value=catering]")
        pdf = tmp_path / "申请书.pdf"
        pdf.write_bytes(apply_world.PDF)
        page.set_input_files(f"#file-{world.application_form.pk}", str(pdf))
        page.check(f"input[name=m{world.floor_plan.pk}][value=paper]")
        page.locator("#delivery").scroll_into_view_if_needed()
        shot(page, f"apply-delivery-{size}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        with page.expect_navigation():
            page.locator("button[value=submit]").click()
        case = Case.objects.get()
        assert case.delivery_choice == "post" and "胜利西路 100 号" in case.delivery_choice_address
        assert "邮寄送达" in page.locator("main").inner_text()
        shot(page, f"receipt-delivery-{size}")
    finally:
        context.close()
