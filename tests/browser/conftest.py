"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The tests are marked `browser` (run them alone with `pytest -m browser`, leave them out with
`-m "not browser"`). Without Chromium or Playwright they are skipped with the reason, except in CI (CI=true),
where a missing browser is an error: a green run must mean the pages were really tried.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's synchronous API keeps an event loop in this thread; Django's ORM refuses to run beside one unless
# told it is safe. It is: the tests and the live server use the database one request at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} — browser tests must run in CI (install it: bin/system-deps test)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session; each test gets its own context (cookies, storage)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser: Any, live_server: Any, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A desktop-sized page (1280×900) of a fresh browser context, Chinese preferred, relative URLs allowed."""
    yield from _new_page(browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A phone-sized page (390×844, touch) of a fresh browser context."""
    yield from _new_page(browser, live_server, PHONE, is_mobile=True, has_touch=True)
