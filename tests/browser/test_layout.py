"""The shared layout in a real browser: Chinese first, English on request, accessibility toggles by keyboard,
and no sideways scrolling on a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_item

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Presses Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_home_page_is_chinese_and_starts_with_a_skip_link(page):
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "一网通办" in page.title()
    assert page.locator("#lang-select").input_value() == "zh-hans"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到主要内容"


def test_switching_the_language_to_english_and_back(page):
    page.goto("/")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Find a service").first.is_visible()
    # The choice is remembered for the next page.
    page.goto("/no-such-page/")
    assert "We cannot find this page" in page.content()
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "找不到您要访问的页面" in page.content()


def test_large_text_and_high_contrast_work_from_the_keyboard(page):
    page.goto("/")
    root_font = "() => getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(root_font) == "16px"

    tab_to(page, '[data-a11y="large"]')
    page.keyboard.press("Enter")
    large = page.locator('[data-a11y="large"]')
    assert large.get_attribute("aria-pressed") == "true"
    assert page.evaluate(root_font) == "20px"

    tab_to(page, '[data-a11y="contrast"]')
    page.keyboard.press("Space")
    assert page.locator('[data-a11y="contrast"]').get_attribute("aria-pressed") == "true"
    assert "a11y-contrast" in page.locator("html").get_attribute("class")
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"

    # Remembered on this device, and switched off the same way.
    page.reload()
    assert page.evaluate(root_font) == "20px"
    assert large.get_attribute("aria-pressed") == "true"
    large.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(root_font) == "16px"
    assert large.get_attribute("aria-pressed") == "false"


PHONE_PAGES = [
    pytest.param("/", id="home"),
    pytest.param("search?q=食品经营", id="search"),
    pytest.param("departments", id="departments"),
    pytest.param("guide", id="guide"),
    pytest.param("/no-such-page/", id="404"),
]


@pytest.mark.parametrize("target", PHONE_PAGES)
def test_no_horizontal_scrolling_on_a_phone(phone_page, target):
    item = make_item()
    paths = {
        "search?q=食品经营": reverse("catalog:search") + "?q=食品经营",
        "departments": reverse("catalog:departments"),
        "guide": reverse("catalog:guide", args=[item.item_code]),
    }
    path = paths.get(target, target)
    assert phone_page.goto(path).status in {200, 404}
    scroll_width, client_width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, f"{path} scrolls sideways on a phone ({scroll_width} > {client_width} px)"
