"""Paging for every API list: page numbers and sizes bounded in the schema.

django-ninja's own `PageNumberPagination` accepts any integer page, and a page of 2^62 turns into an
OFFSET the database cannot hold (SQLite: "datatype mismatch", a 500). Here the bounds are part of the
schema, so an out-of-range page is a 422 in the API's one error shape and the OpenAPI document says
the limits. Plain `limit`/`offset` parameters elsewhere use `LIMIT`, `OFFSET` and `CURSOR` the same way.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# 100,000 pages of 100 reach ten million rows: past every list Yiwang keeps, far below any integer limit.
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100
# A cursor is the last id a caller saw: a 63-bit database id at most.
MAX_ID = 2**63 - 1


class Pages(PageNumberPagination):
    """`?page=N&page_size=M`, with N in 1…100,000 and M in 1…100 (the list's own default when absent)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1")
        page_size: int | None = Field(
            None, ge=1, le=MAX_PAGE_SIZE, description="Items per page (default: the list's own page size)"
        )

    def __init__(self, page_size: int = 20, **kwargs: object) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)  # type: ignore[arg-type]
