"""The key pages under the Content-Security-Policy and axe-core, on a desktop and a phone.

Each page is opened by the person who uses it; the `browser` fixture fails the test on any CSP violation or
JavaScript error, and `axe()` fails it on a serious or critical accessibility finding.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import axe
from tests.cases.workbench_world import build, submit
from tests.factories import staff
from yiwang.orgs.models import Role

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def world(transactional_db):
    w = build()
    w["case"] = submit(w)
    w["catalog"] = staff(w["org"], Role.CATALOG_ADMIN, username="catalog1")
    return w


def visit(page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response.status == status, f"{path} answered {response.status}"
    header = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in header and "'unsafe-inline'" not in header, header
    axe(page)


def test_public_pages(page, phone_page, world):
    code = world["item"].item_code
    for p in (page, phone_page):
        for path in ("/", "/search/?q=" + world["version"].name[:4], f"/items/{code}/", "/track/", "/verify/"):
            visit(p, path)
        visit(p, "/accounts/sign-in/")
    visit(phone_page, f"/m/items/{code}/")
    visit(page, "/no-such-page/", 404)


def test_applicant_pages(page, phone_page, live_server, world):
    case = world["case"]
    code = world["item"].item_code
    for p in (page, phone_page):
        sign_in(p, live_server, world["applicant"].user)
        visit(p, f"/apply/{code}/")
        visit(p, f"/apply/receipt/{case.case_number}/")
        visit(p, "/my/")
        visit(p, f"/my/cases/{case.case_number}/")


def test_staff_pages(page, live_server, world):
    case = world["case"]
    sign_in(page, live_server, world["clerk"])
    visit(page, "/workbench/cases/")
    visit(page, f"/workbench/cases/{case.case_number}/")
    visit(page, "/workbench/window/apply/")
    sign_in(page, live_server, world["reviewer"])
    visit(page, "/workbench/cases/?queue=reviewer")


def test_catalog_editor_and_admin_work_under_the_policy(page, live_server, world):
    sign_in(page, live_server, world["catalog"])
    visit(page, "/workbench/catalog/")
    visit(page, "/admin/catalog/serviceitem/")
    visit(page, f"/admin/catalog/serviceitem/{world['item'].pk}/change/")
    draft_link = page.locator("a[href*='/itemversion/']").first
    if draft_link.count():
        with page.expect_navigation():
            draft_link.click()
        axe(page)


def test_the_guard_catches_a_violation(page, live_server):
    """The CSP probe is real: an inline script injected into a page is refused and reported."""
    from tests.browser import conftest

    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.x") is None
    assert any("script-src" in p for p in conftest.PROBLEMS), conftest.PROBLEMS
    conftest.PROBLEMS.clear()
