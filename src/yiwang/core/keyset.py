"""Keyset paging for newest-first lists: a page starts from the last row seen, never from an offset.

An offset makes the database read and throw away every row before the page (page 500 of an enterprise's cases reads
10,000 rows); a keyset reads only the page, from the index range, however deep. Lists ordered by a timestamp and
the id (`-submitted_at, -id`) use `page()`: the links carry an opaque cursor ("older" and "newer"), and the page has
no total (counting every row is the cost keyset paging avoids).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone


@dataclass
class Page:
    rows: list[Any]
    older: str | None  # cursor of the next page (older rows), None at the end
    newer: str | None  # cursor of the previous page (newer rows), None on the first page

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_other_pages(self) -> bool:
        return self.older is not None or self.newer is not None


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def cursor(value: dt.datetime, pk: int) -> str:
    """`<microseconds since the epoch>.<id>`: the row's place in the order (exact, no floating point)."""
    return f"{(value - EPOCH) // MICROSECOND}.{pk}"


def parse(raw: str | None) -> tuple[dt.datetime, int] | None:
    """The (timestamp, id) of a cursor, or None for a missing or malformed one (the first page)."""
    try:
        micros, pk = str(raw or "").split(".", 1)
        return EPOCH + int(micros) * MICROSECOND, int(pk)
    except (ValueError, OverflowError):
        return None


def page(qs: QuerySet, field: str, size: int, *, older: str | None = None, newer: str | None = None) -> Page:
    """One page of `qs` newest first by (`field`, id): after the `older` cursor, or before the `newer` one.

    Reads size + 1 rows from where the cursor points (the extra row only says whether there is more). `field`
    "pk" pages by the id alone (a cursor is then the id).
    """
    if field == "pk":
        return _by_pk(qs, size, older, newer)
    after, before = parse(older), parse(newer)
    if before is not None:
        at, pk = before
        # Redundant `field >= at` lets the database start its index range there rather than filter.
        rows = list(
            qs.filter(Q(**{f"{field}__gte": at}), Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk})).order_by(
                field, "pk"
            )[: size + 1]
        )
        more = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(rows, _cursor_of(rows[-1], field) if rows else None, _cursor_of(rows[0], field) if more else None)
    if after is not None:
        at, pk = after
        qs = qs.filter(Q(**{f"{field}__lte": at}), Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk}))
    rows = list(qs.order_by(f"-{field}", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        _cursor_of(rows[-1], field) if more and rows else None,
        _cursor_of(rows[0], field) if after is not None and rows else None,
    )


def _pk(raw: str | None) -> int | None:
    try:
        return int(str(raw))
    except ValueError:
        return None


def _by_pk(qs: QuerySet, size: int, older: str | None, newer: str | None) -> Page:
    after, before = _pk(older), _pk(newer)
    if before is not None:
        rows = list(qs.filter(pk__gt=before).order_by("pk")[: size + 1])
        more = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(rows, str(rows[-1].pk) if rows else None, str(rows[0].pk) if more else None)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows, str(rows[-1].pk) if more and rows else None, str(rows[0].pk) if after is not None and rows else None
    )


def _cursor_of(row: Any, field: str) -> str:
    value = getattr(row, field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return cursor(value, row.pk)
