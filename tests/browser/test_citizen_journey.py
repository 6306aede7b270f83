"""A person who has never seen Yiwang finds an item and reads its guide, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from tests.factories import OrganisationFactory, make_item

pytestmark = pytest.mark.browser


@pytest.fixture
def restaurant_item(transactional_db):
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    make_item(org, name="营业执照注销登记", aliases=["公司注销"])
    return make_item(org, name="食品经营许可证核发", aliases=["开饭店办证", "开餐馆办证"])


def test_search_by_colloquial_name_then_read_the_guide(page, restaurant_item):
    page.goto("/")
    page.fill("#search-q", "开饭店")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = page.locator("main h2 a, main h3 a").first
    assert "食品经营许可证核发" in first.inner_text()
    with page.expect_navigation():
        first.click()
    assert "/m/items/" not in page.url  # a desktop keeps the desktop guide
    assert page.locator("h1").inner_text().strip() == "食品经营许可证核发"
    body = page.locator("main").inner_text()
    for text in ("申请材料", "食品经营许可申请书", "承诺时限", "蚌埠市市场监督管理局", "12345"):
        assert text in body
    assert page.locator("a[href$='guide.pdf']").count() >= 1


def test_pinyin_initials_on_a_phone_lead_to_the_phone_guide(phone_page, restaurant_item):
    phone_page.goto("/search/?q=spjyxkz")
    link = phone_page.locator("main a", has_text="食品经营许可证核发").first
    with phone_page.expect_navigation():
        link.click()
    # On a phone the result opens the phone guide, whose materials fit the screen (issue 18).
    assert phone_page.url.endswith(f"/m/items/{restaurant_item.item_code}/")
    assert "食品经营许可证核发" in phone_page.locator("h1").inner_text()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone guide scrolls sideways ({width}px)"
    assert phone_page.locator("a[href^='tel:']").count() >= 1
