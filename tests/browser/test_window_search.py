"""The window's item search (issue 18, Staff): a city-centre clerk finds the city's own item first, narrows by
area and department, and pages through; on a desktop and a phone, under the CSP and axe-core."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import axe
from tests.cases.test_window import city_world
from tests.cases.workbench_world import build

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_window_item_search_on_desktop_and_phone(page, phone_page, live_server, transactional_db):
    w = build()
    world = city_world(w)
    cookie = world["client"].cookies[settings.SESSION_COOKIE_NAME]  # the clerk, with the applicant found
    items = world["items"]
    for p, name in ((page, "desktop"), (phone_page, "phone")):
        p.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        p.goto("/workbench/window/apply/")
        p.fill("#item-q", "食品经营")
        with p.expect_navigation():
            p.locator("form.wb-item-search button[type=submit]").click()
        links = p.locator("ul.wb-items a")
        assert items["hall"].item_code in links.first.get_attribute("href")  # the clerk's own hall first
        assert items["village"].item_code in links.last.get_attribute("href")  # the village last
        axe(p)
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= p.viewport_size["width"], f"the page scrolls sideways ({width}px)"
        if SHOTS:
            p.screenshot(path=str(Path(SHOTS) / f"window-search-{name}.png"), full_page=True)
        p.select_option("#item-area", world["county"].code)
        with p.expect_navigation():
            p.locator("form.wb-item-search button[type=submit]").click()
        # The department list now offers the county's departments; choose one.
        p.select_option("#item-org", str(world["county_org"].pk))
        with p.expect_navigation():
            p.locator("form.wb-item-search button[type=submit]").click()
        hrefs = [a.get_attribute("href") for a in p.locator("ul.wb-items a").all()]
        assert len(hrefs) == 1 and items["county"].item_code in hrefs[0]
        assert p.locator("#item-q").input_value() == "食品经营"  # the words are kept
