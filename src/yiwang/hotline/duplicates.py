"""Duplicate suggestions at intake (FixMyStreet suggests within 250 m): similar open orders an operator may merge.

Two ways an order looks like another one:
1. the same category near the same place — within HOTLINE_DUPLICATE_METRES (250) of the coordinates, or at the
   same address (normalised) — received in the last HOTLINE_DUPLICATE_DAYS (30);
2. the same caller saying much the same thing (bigram similarity ≥ 0.5) in that period.
Each lookup reads a bounded range of one index (`wo_dup_geo`, `wo_dup_address`, `wo_caller_recent`), so its cost
does not grow with the number of orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from . import geo
from .models import OPEN_STATES, WorkOrder

LIMIT = 8
SCAN = 200
TEXT_SIMILARITY = 0.5
FIELDS = (
    "id",
    "number",
    "title",
    "content",
    "address",
    "latitude",
    "longitude",
    "state",
    "received_at",
    "category_id",
    "caller_id",
    "master_id",
)


@dataclass
class Suggestion:
    order: WorkOrder
    reason: str  # "place", "address" or "caller"
    distance: float | None = None
    similarity: float | None = None


def suggest(
    *,
    category_id: int | None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    caller_id: int | None = None,
    content: str = "",
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Suggestion]:
    now = now or timezone.now()
    metres = float(getattr(settings, "HOTLINE_DUPLICATE_METRES", 250))
    since = now - dt.timedelta(days=int(getattr(settings, "HOTLINE_DUPLICATE_DAYS", 30)))
    found: dict[int, Suggestion] = {}
    base = WorkOrder.objects.filter(received_at__gte=since, state__in=OPEN_STATES).only(*FIELDS)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    if category_id and geo.valid(latitude, longitude):
        cells = geo.cells_around(latitude, longitude, metres)
        for o in base.filter(category_id=category_id, geo_cell__in=cells).order_by("-received_at")[:SCAN]:
            d = geo.distance(latitude, longitude, o.latitude, o.longitude)
            if d <= metres:
                found[o.pk] = Suggestion(o, "place", distance=round(d))
    key = geo.address_key(address)
    if category_id and key:
        for o in base.filter(category_id=category_id, address_key=key).order_by("-received_at")[:SCAN]:
            found.setdefault(o.pk, Suggestion(o, "address"))
    if caller_id and content:
        for o in base.filter(caller_id=caller_id).order_by("-received_at")[:SCAN]:
            s = geo.similarity(content, o.content)
            if s >= TEXT_SIMILARITY and o.pk not in found:
                found[o.pk] = Suggestion(o, "caller", similarity=round(s, 2))
    ranked = sorted(
        found.values(),
        key=lambda s: s.distance if s.distance is not None else (0 if s.reason == "address" else 500),
    )
    return ranked[:LIMIT]
