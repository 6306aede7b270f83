"""一窗受理 for an enterprise, in a real browser: the clerk finds the agent, names the enterprise by its credit code,
picks an item serving legal persons, fills in the form and submits; the blocked apply page fits a phone.

Set YIWANG_SCREENSHOTS=/some/dir to keep desktop and phone screenshots of the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import OrganisationFactory, enterprise, make_item, person, staff
from yiwang.cases.models import Case, CaseEvent, State
from yiwang.identity.models import AgentPermission
from yiwang.identity.services import grant_agent
from yiwang.orgs.models import Role

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


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways ({scroll}px > {width}px)"


@pytest.fixture
def world(transactional_db):
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    boss = person("李四", level=2)
    agent = person("王五", level=2)
    company = enterprise("蚌埠淮河食品有限公司", legal_rep=boss)
    grant_agent(
        enterprise=company,
        person=agent,
        permissions=[AgentPermission.APPLY, AgentPermission.VIEW_CASES],
        granted_by=boss.user,
    )
    return {
        "org": org,
        "item": make_item(org, name="食品经营许可（新设）", for_persons=False),
        "persons_item": make_item(org, name="健康证明办理", for_enterprises=False),
        "agent": agent,
        "company": company,
        "clerk": staff(org, Role.WINDOW_CLERK, username="clerk1", first_name="窗口"),
    }


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_clerk_applies_for_an_enterprise(page, phone_page, live_server, world, viewport):
    p = page if viewport == "desktop" else phone_page
    width = p.viewport_size["width"]  # 1366 or 390 (tests/browser/conftest.py)
    agent, company = world["agent"], world["company"]
    sign_in(p, live_server, world["clerk"])
    p.goto("/workbench/window/apply/")
    p.select_option("#doc-type", "resident_id")
    p.fill("#doc-number", agent.doc_number)
    with p.expect_navigation():
        p.locator("button[name=op][value=find]").click()
    # A wrong name is refused next to the field, nothing chosen.
    p.fill("#ent-code", company.credit_code)
    p.fill("#ent-name", "王六")
    with p.expect_navigation():
        p.locator("button[name=op][value=enterprise]").click()
    assert p.locator("#ent-name[aria-invalid=true]").count() == 1
    assert p.locator("#ent-name-err").inner_text().strip()
    p.fill("#ent-code", company.credit_code)
    p.fill("#ent-name", "王五")
    with p.expect_navigation():
        p.locator("button[name=op][value=enterprise]").click()
    panel = p.locator("section[aria-labelledby=wb-ent-h]").inner_text()
    assert company.name in panel and "王五" in panel
    items = p.locator(".wb-items").inner_text()
    assert world["item"].current.name in items and world["persons_item"].current.name not in items
    no_sideways_scroll(p, width)
    shot(p, f"window-enterprise-start-{viewport}")
    with p.expect_navigation():
        p.locator(".wb-items a", has_text=world["item"].current.name).click()
    assert company.name in p.locator("main").inner_text()
    p.fill("input[name=contact_phone]", "13912345678")
    for box in p.locator("input[name=materials]").all():
        box.check()
    no_sideways_scroll(p, width)
    shot(p, f"window-enterprise-form-{viewport}")
    with p.expect_navigation():
        p.locator("form.wb-window-form button[type=submit]").click()
    case = Case.objects.get()
    assert case.enterprise == company and case.person == agent and case.state == State.IN_PROGRESS
    assert CaseEvent.objects.get(case=case, action="submit").on_behalf_of == "王五"
    assert case.case_number in p.locator("main").inner_text()


def test_the_blocked_apply_page_fits_a_phone(phone_page, live_server, world):
    """王五 signed in as himself opens an item serving legal persons only: the page says to switch to the company."""
    sign_in(phone_page, live_server, world["agent"].user)
    phone_page.goto(f"/apply/{world['item'].item_code}/?via=m")
    alert = phone_page.locator("[data-refusal=not_for_persons]")
    assert alert.count() == 1 and alert.locator("a.btn").count() == 1
    no_sideways_scroll(phone_page, 390)
    shot(phone_page, "apply-blocked-phone")
