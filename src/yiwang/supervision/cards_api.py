"""The cards side's figures for the statistics side (rankings, reports): a stable function, nothing else.

`counts(org_ids, start, end)` → {organisation id: {"yellow", "red", "corrections", "corrections_overdue"}} for cards
issued and correction orders issued in [start, end] (local dates, both included). Every red card counts, resolved or
not; a yellow card counts when it was not resolved in time (it became red, ended late, or is still open) — a yellow
resolved in time leaves only a record. A correction order is overdue when its first answer came after its due date,
or none came and the due date has passed. Organisations without any are present with zeros.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone

from .models.cards import Card, CardLevel, CardOutcome, CorrectionOrder

KEYS = ("yellow", "red", "corrections", "corrections_overdue")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def counts(org_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    ids = sorted({int(i) for i in org_ids})
    out = {i: dict.fromkeys(KEYS, 0) for i in ids}
    if not ids:
        return out
    lo, hi = _bounds(start, end)
    cards = (
        Card.objects.filter(organisation_id__in=ids, issued_at__gte=lo, issued_at__lt=hi)
        .values("organisation_id")
        .annotate(
            red=Count("pk", filter=Q(level=CardLevel.RED)),
            yellow=Count("pk", filter=Q(level=CardLevel.YELLOW) & ~Q(outcome=CardOutcome.IN_TIME)),
        )
    )
    for row in cards:
        out[row["organisation_id"]].update(red=row["red"], yellow=row["yellow"])
    today = timezone.localdate()
    for org_id, due, first in CorrectionOrder.objects.filter(
        organisation_id__in=ids, issued_at__gte=lo, issued_at__lt=hi
    ).values_list("organisation_id", "due", "first_answered_at"):
        row = out[org_id]
        row["corrections"] += 1
        late = timezone.localdate(first) > due if first is not None else today > due
        row["corrections_overdue"] += int(late)
    return out
