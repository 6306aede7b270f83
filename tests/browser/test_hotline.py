"""12345 in a real browser: the operator takes a call with the keyboard only, a citizen reports on a phone.

Set YIWANG_SCREENSHOTS=/some/dir to keep desktop and phone screenshots of the pages.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.test_workbench import shot, sign_in
from tests.hotline.conftest import build, new_order
from yiwang.hotline import knowledge
from yiwang.hotline.models import Channel, State, WorkOrder

pytestmark = pytest.mark.browser


@pytest.fixture
def hw(transactional_db):
    from yiwang.hotline.models import Category, RoutingRule

    w = build()
    RoutingRule.objects.create(
        position=10, name="城市管理归城管", category=Category.objects.get(code="urban"), department=w.dept
    )
    entry = knowledge.create_entry(
        organisation=w.dept,
        user=w.handler,
        title="路灯不亮找谁",
        answer="城市道路路灯由城市管理局负责维护，一般3个工作日内修复。",
        review_due=timezone.localdate() + dt.timedelta(days=365),
    )
    v = entry.versions.get()
    knowledge.submit(v, w.handler)
    knowledge.review(v, w.handler2, True)
    return w


def test_operator_takes_a_call_with_the_keyboard(page, live_server, hw):
    earlier = new_order(hw)
    sign_in(page, live_server, hw.operator)
    page.goto("/workbench/hotline/intake/")
    assert page.evaluate("document.activeElement.id") == "f-phone"
    page.keyboard.type("13912345678")
    page.locator("[data-history] a", has_text=earlier.number).wait_for()  # the caller's history, beside the form
    page.keyboard.press("Tab")
    page.keyboard.type("王先生")
    page.keyboard.press("Tab")  # anonymous: leave it
    page.keyboard.press("Tab")  # the type: consult, arrow keys move on
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name=order_type]:checked").get_attribute("value") == "complaint"
    page.keyboard.press("Tab")  # the category: the first of 城市管理 is 道路设施; 路灯照明 is the second
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#f-category").input_value() == "lighting"
    page.keyboard.press("Tab")  # urgent: no
    page.keyboard.press("Tab")
    page.keyboard.type("胜利路路灯不亮已经三天了")
    page.keyboard.press("Tab")
    page.keyboard.type("蚌埠市胜利路100号")
    page.locator("[data-kb] button").first.wait_for()  # the knowledge base answered from the content
    page.locator("[data-proposal]", has_text="城市管理归城管").wait_for()  # the routing proposal
    assert page.locator("#f-dept").input_value() == str(hw.dept.pk)
    shot(page, "hotline-intake-desktop")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    order = WorkOrder.objects.exclude(pk=earlier.pk).get()
    assert order.state == State.DISPATCHED and order.department == hw.dept
    assert order.category.code == "lighting" and order.channel == Channel.PHONE
    assert order.number in page.locator("[role=status]").first.inner_text()


def test_operator_answers_on_the_spot_from_the_knowledge_base(page, live_server, hw):
    sign_in(page, live_server, hw.operator)
    page.goto("/workbench/hotline/intake/")
    page.keyboard.type("13800001234")
    page.fill("#f-content", "请问路灯不亮找谁")
    page.select_option("#f-category", "lighting")
    page.locator("[data-kb] button").first.wait_for()
    page.locator("[data-kb] button").first.press("Enter")
    assert "城市管理局" in page.locator("#f-answer").input_value()
    with page.expect_navigation():
        page.keyboard.press("Alt+a")
    order = WorkOrder.objects.get()
    assert order.state == State.CONCLUDED and order.first_contact and order.knowledge_entry is not None


def test_citizen_reports_on_a_phone(phone_page, live_server, hw):
    page = phone_page
    page.goto("/12345/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the request page scrolls sideways on a phone ({width}px)"
    page.locator("label.hl-chip", has_text="投诉").click()
    page.select_option("#f-category", "noise")
    page.fill("#f-content", "小区旁工地夜间施工噪音很大，影响休息。")
    page.fill("#f-address", "蚌埠市龙子湖区东风路 1 号")
    box = page.locator("[data-map-canvas]")
    box.scroll_into_view_if_needed()
    box.click(position={"x": 100, "y": 80})
    assert page.locator("#f-lat").input_value() and page.locator("#f-lon").input_value()
    page.fill("#f-phone", "13966667777")
    shot(page, "hotline-report-phone")
    with page.expect_navigation():
        page.locator("form.hl-form button[type=submit]").click()
    order = WorkOrder.objects.get()
    assert order.channel == Channel.MOBILE and order.latitude is not None
    assert order.number in page.locator("[data-number]").inner_text()
    code = page.locator("[data-code]").inner_text().strip()
    shot(page, "hotline-receipt-phone")
    with page.expect_navigation():
        page.locator("a.btn", has_text="查询进度").click()
    assert order.number in page.locator("main").inner_text()
    assert code
