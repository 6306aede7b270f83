"""The authorisation matrix for every page: each actor gets exactly the outcome the expectations table names.

Also: every page the URLconf can reach has a row (or a listed reason to be skipped), every method a page answers
has a row, and where a page and an API endpoint show the same record the same people get through both.
"""

from __future__ import annotations

import re

import pytest

from .engine import api_operations, check_row, page_patterns, send
from .expectations import MACHINE_ACTORS, OK, OWED_PAGES, ROWS, SAME_RECORD, SKIPPED_PAGES, SKIPPED_PREFIXES, Row

pytestmark = pytest.mark.django_db

PAGE_ROWS = [r for r in ROWS if r.kind == "page"]


@pytest.mark.parametrize("row", PAGE_ROWS, ids=[r.key for r in PAGE_ROWS])
def test_page(world, row):
    problems, _seen = check_row(row, world)
    assert not problems, "\n" + "\n".join(problems)


def _api_path(pattern: str) -> str:
    """A resolver pattern under api/v1/ written the OpenAPI way (<int:pk> → {pk})."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)


def test_every_page_is_in_the_matrix():
    """A new page (or endpoint outside the OpenAPI document) fails here until someone places it in the matrix."""
    pages = {r.path for r in PAGE_ROWS}
    api_paths = {r.path for r in ROWS if r.kind == "api"} | {p for _m, p in api_operations()}
    missing = []
    for pattern in page_patterns():
        if pattern in OWED_PAGES:
            assert pattern not in pages, f"{pattern} has a row now: remove it from OWED_PAGES"
            continue
        if pattern in SKIPPED_PAGES or (pattern not in pages and pattern.startswith(tuple(SKIPPED_PREFIXES))):
            continue
        if pattern.startswith("api/v1/"):
            if _api_path(pattern) not in api_paths:
                missing.append(pattern)
        elif pattern not in pages:
            missing.append(pattern)
    assert not missing, "routes without a row in tests/access/expectations.py:\n" + "\n".join(missing)
    stale = sorted(pages - set(page_patterns()))
    assert not stale, "rows for routes that no longer exist:\n" + "\n".join(stale)


def test_every_method_a_page_answers_is_in_the_matrix(world):
    """GET and POST: a method with no row must be refused as not allowed (405) by the page, for everyone."""
    by_path: dict[str, Row] = {}
    methods: dict[str, set[str]] = {}
    for r in PAGE_ROWS:
        by_path.setdefault(r.path, r)
        methods.setdefault(r.path, set()).add(r.method)
    missing = []
    for path, row in by_path.items():
        for method in {"GET", "POST"} - methods[path]:
            probe = Row("page", method, path, {}, params=row.params, body=row.body)
            for actor in ("sysadmin", "citizen_a"):
                res = send(probe, world, actor)
                if res["status"] != 405:
                    missing.append(f"{method} {path} (answers {res['status']} to {actor})")
                    break
    assert not missing, "methods pages answer without a row in the matrix:\n" + "\n".join(missing)


@pytest.mark.parametrize(("api_key", "page_keys"), SAME_RECORD, ids=[k for k, _ in SAME_RECORD])
def test_pages_and_api_share_the_rules(world, api_key, page_keys):
    """Where a page and an endpoint show the same record, the same people get through (machines have no pages)."""
    rows = {r.key: r for r in ROWS}
    api_row = rows[api_key]
    people = [a for a in api_row.expect if a not in MACHINE_ACTORS]
    _problems, api_seen = check_row(api_row, world, people)
    page_ok: set[str] = set()
    for key in page_keys:
        _p, seen = check_row(rows[key], world, people)
        page_ok |= {a for a, o in seen.items() if o == OK}
    api_ok = {a for a, o in api_seen.items() if o == OK}
    assert api_ok == page_ok, f"only through the API: {sorted(api_ok - page_ok)}; only through pages: " + str(
        sorted(page_ok - api_ok)
    )
