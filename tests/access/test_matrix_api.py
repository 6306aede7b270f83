"""The authorisation matrix for every API operation: each actor gets exactly the outcome the table names."""

from __future__ import annotations

import pytest

from .engine import api_operations, check_row
from .expectations import OWED_API, ROWS

pytestmark = pytest.mark.django_db

API_ROWS = [r for r in ROWS if r.kind == "api"]


@pytest.mark.parametrize("row", API_ROWS, ids=[r.key for r in API_ROWS])
def test_operation(world, row):
    problems, _seen = check_row(row, world)
    assert not problems, "\n" + "\n".join(problems)


def test_every_operation_is_in_the_matrix():
    """A new endpoint fails here until whoever adds it places it in tests/access/expectations.py."""
    rows = {(r.method, r.path) for r in API_ROWS}
    operations = set(api_operations())
    missing = sorted(f"{m} {p}" for m, p in operations - rows if f"{m} {p}" not in OWED_API)
    assert not missing, "API operations without a row in tests/access/expectations.py:\n" + "\n".join(missing)
    extra = sorted(f"{m} {p}" for m, p in rows - operations if not p.endswith(("/openapi.json", "/docs", "/v1/")))
    assert not extra, "rows for operations that no longer exist:\n" + "\n".join(extra)
    placed = sorted(
        key for key in OWED_API if tuple(key.split(" ", 1)) in rows or tuple(key.split(" ", 1)) not in operations
    )
    assert not placed, "owed entries that have a row now or no longer exist (remove them from OWED_API):\n" + "\n".join(
        placed
    )


def test_the_document_matches_the_table():
    """docs/access.md is generated from the expectations (python -m tests.access.docs)."""
    from .docs import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "docs/access.md is stale: run python -m tests.access.docs"
