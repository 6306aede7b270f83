"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The tests are marked `browser` (run them alone with `pytest -m browser`, leave them out with
`-m "not browser"`). Without Chromium or Playwright they are skipped with the reason, except in CI (CI=true),
where a missing browser is an error: a green run must mean the pages were really tried.

Every page of every browser context a test opens is watched: a JavaScript error, or any Content-Security-Policy
violation (a `securitypolicyviolation` event or the console's "Refused to …" message), fails the test. `axe(page)`
runs axe-core (vendored from the npm registry in tests/browser/vendor/) and fails on serious or critical findings.
"""

from __future__ import annotations

import json
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
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} — browser tests must run in CI (install it: bin/system-deps test)", pytrace=False)
    pytest.skip(reason)


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Reports every CSP violation to the console, where the listener below sees it (init scripts are not subject to
# the page's policy).
CSP_PROBE = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
# Violations and JavaScript errors seen during the current test, on any page of any context.
PROBLEMS: list[str] = []


def _watch_page(page: Any) -> None:
    page.on("pageerror", lambda exc: PROBLEMS.append(f"JavaScript error on {page.url}: {exc}"))

    def console(msg: Any) -> None:
        text = msg.text
        if msg.type == "error" and ("CSP violation" in text or "Content Security Policy" in text):
            PROBLEMS.append(f"{page.url}: {text}")

    page.on("console", console)


class WatchedBrowser:
    """The Playwright browser, whose new contexts carry the CSP probe and the listeners on every page."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(CSP_PROBE)
        context.on("page", _watch_page)
        return context


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
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


@pytest.fixture
def browser(_chromium: Any) -> Iterator[Any]:
    """One headless Chromium for the whole session; each test gets its own context (cookies, storage). A test
    fails when any page it opened logged a JavaScript error or a Content-Security-Policy violation."""
    PROBLEMS.clear()
    yield WatchedBrowser(_chromium)
    found = list(PROBLEMS)
    PROBLEMS.clear()
    assert not found, "JavaScript errors or CSP violations:\n" + "\n".join(found)


def _new_page(browser: Any, live_server: Any, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# axe-core rules that decide a serious or critical finding fails the run; the others are reported only.
FAILING_IMPACTS = ("serious", "critical")


def axe(page: Any, *, context: str | None = None, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Runs axe-core (WCAG 2.x A/AA and best practices) on the page as it is now; fails on a serious or critical
    finding, with each rule, its help and the first few offending elements. Returns the minor/moderate ones."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not block it.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in disable}}
    before = len(PROBLEMS)
    result = page.evaluate(
        "([ctx, opts]) => axe.run(ctx || document, opts)",
        [context, options],
    )
    page.wait_for_timeout(50)
    # axe-core itself applies inline styles while it measures (the page's policy rightly refuses them): those
    # reports are axe's, not the page's.
    PROBLEMS[before:] = [p for p in PROBLEMS[before:] if "inline style" not in p and "style-src" not in p]
    violations = result["violations"]
    bad = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    if bad:
        lines = []
        for v in bad:
            targets = [json.dumps(n["target"], ensure_ascii=False) for n in v["nodes"][:4]]
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(targets)}")
        raise AssertionError(f"axe-core on {page.url}:\n" + "\n".join(lines))
    return [v for v in violations if v.get("impact") not in FAILING_IMPACTS]


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A desktop-sized page (1366×900) of a fresh browser context, Chinese preferred, relative URLs allowed."""
    yield from _new_page(browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A phone-sized page (390×844, touch) of a fresh browser context."""
    yield from _new_page(browser, live_server, PHONE, is_mobile=True, has_touch=True)
