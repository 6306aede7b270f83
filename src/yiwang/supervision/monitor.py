"""Real-time monitoring figures for supervisors, and the halls' live queue table kept from their events.

- Open cases per department by working days left on the promised limit (one grouped, indexed count on cases:
  `case_org_state_due`), plus those awaiting acceptance and those in a special procedure;
- cards issued today by level;
- the oldest open cases;
- the halls' queues now, from `HallQueue` (written by the `halls.ticket_changed` subscriber: supervision never reads
  halls' tables).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from yiwang.calendar import workdays
from yiwang.cases.models import OPEN_STATES, Case, State
from yiwang.orgs.models import Hall, Organisation

from .models.cards import Card, CardLevel, HallQueue

OLDEST = 10

# (key, label, working days left from, to) on the promised limit of cases being processed.
BUCKETS: tuple[tuple[str, Any], ...] = (
    ("overdue", _("Overdue")),
    ("d1", _("≤ 1 working day left")),
    ("d3", _("2–3 working days left")),
    ("d5", _("4–5 working days left")),
    ("later", _("More than 5 working days left")),
    ("accepting", _("Awaiting acceptance or correction")),
    ("suspended", _("Special procedure (clock stopped)")),
)


@dataclass
class DepartmentRow:
    organisation_id: int
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _scoped(qs, org_ids: list[int] | None, field: str = "organisation_id"):
    return qs if org_ids is None else qs.filter(**{f"{field}__in": org_ids})


def by_department(org_ids: list[int] | None, today: dt.date | None = None) -> list[DepartmentRow]:
    today = today or timezone.localdate()
    cal = workdays.snapshot()
    d1, d3, d5 = (cal.add_working_days(today, n) for n in (1, 3, 5))
    running = Q(state=State.IN_PROGRESS)
    rows = (
        _scoped(Case.objects.filter(state__in=OPEN_STATES), org_ids)
        .values("organisation_id")
        .annotate(
            overdue=Count("pk", filter=running & Q(promised_due__lt=today)),
            d1=Count("pk", filter=running & Q(promised_due__gte=today, promised_due__lte=d1)),
            d3=Count("pk", filter=running & Q(promised_due__gt=d1, promised_due__lte=d3)),
            d5=Count("pk", filter=running & Q(promised_due__gt=d3, promised_due__lte=d5)),
            later=Count("pk", filter=running & (Q(promised_due__gt=d5) | Q(promised_due__isnull=True))),
            accepting=Count("pk", filter=Q(state__in=(State.SUBMITTED, State.CORRECTION))),
            suspended=Count("pk", filter=Q(state=State.SUSPENDED)),
        )
    )
    rows = list(rows)
    names = dict(Organisation.objects.filter(pk__in=[r["organisation_id"] for r in rows]).values_list("pk", "name"))
    out = [
        DepartmentRow(r["organisation_id"], names.get(r["organisation_id"], ""), {k: r[k] for k, _l in BUCKETS})
        for r in rows
    ]
    out.sort(key=lambda r: (-r.counts["overdue"], -r.counts["d1"], r.name))
    return out


def cards_today(org_ids: list[int] | None, now: dt.datetime | None = None) -> dict[str, int]:
    now = timezone.localtime(now or timezone.now())
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = _scoped(Card.objects.filter(issued_at__gte=start), org_ids).values("level").annotate(n=Count("pk"))
    out = {CardLevel.YELLOW.value: 0, CardLevel.RED.value: 0}
    out.update({r["level"]: r["n"] for r in rows})
    return out


def oldest(org_ids: list[int] | None, limit: int = OLDEST) -> list[Case]:
    qs = _scoped(Case.objects.filter(state__in=OPEN_STATES), org_ids)
    return list(
        qs.select_related("organisation")
        .only(
            "case_number", "item_name", "state", "submitted_at", "promised_due", "acceptance_due", "organisation__name"
        )
        .order_by("submitted_at", "pk")[:limit]
    )


def queues(org_ids: list[int] | None, today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    halls = _scoped(Hall.objects.all(), org_ids).values_list("pk", "name")
    names = dict(halls)
    rows = HallQueue.objects.filter(hall_id__in=list(names), day=today).order_by("-waiting", "hall_id")
    now = timezone.now()
    return [
        {
            "hall_id": q.hall_id,
            "name": names[q.hall_id],
            "waiting": q.waiting,
            "serving": q.serving,
            "oldest_minutes": int((now - q.oldest_waiting_since).total_seconds() // 60)
            if q.oldest_waiting_since and q.waiting
            else None,
            "updated_at": q.updated_at,
        }
        for q in rows
    ]


def figures(org_ids: list[int] | None) -> dict[str, Any]:
    return {
        "departments": by_department(org_ids),
        "cards_today": cards_today(org_ids),
        "oldest": oldest(org_ids),
        "queues": queues(org_ids),
        "buckets": BUCKETS,
    }


def on_ticket_event(event_id: int, payload: dict[str, Any]) -> None:
    """Outbox subscriber `supervision.hall_queues`: the hall's row follows its newest event (an older or repeated
    event changes nothing; a hall's events come in order, their key being the hall)."""
    hall_id = payload.get("hall_id")
    day = parse_date(str(payload.get("day") or ""))
    if not isinstance(hall_id, int) or day is None or not Hall.objects.filter(pk=hall_id).exists():
        return
    oldest_since = payload.get("oldest_waiting_since")
    values = {
        "day": day,
        "waiting": max(0, int(payload.get("waiting") or 0)),
        "serving": max(0, int(payload.get("serving") or 0)),
        "oldest_waiting_since": parse_datetime(oldest_since) if oldest_since else None,
        "last_event_id": event_id,
        "updated_at": timezone.now(),
    }
    row, created = HallQueue.objects.get_or_create(hall_id=hall_id, defaults=values)
    if not created:
        HallQueue.objects.filter(pk=row.pk, last_event_id__lt=event_id).update(**values)
