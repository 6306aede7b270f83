"""Statistics read from the rollups (never from the orders): per type, category, channel, department and period;
on-time rate, first-contact resolution, send-back rate, satisfaction, hot topics and repeated complaints.

Scoping is applied here, in Django: centre staff see their centres' figures, supervisors (电子监察) those of the
centres in their division, a department's handlers their own department's row only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from yiwang.orgs.models import Organisation, Role

from . import policy
from .models import Category, Channel, DailyStat, HotSpot, OrderType, RepeatStat
from .rollups import MEASURES, week_of

MAX_DAYS = 366


def may_read(ha: policy.HotlineActor) -> bool:
    return ha.a.is_superuser or ha.supervises or ha.is_supervisor or ha.is_operator


def _centres(ha: policy.HotlineActor) -> Q:
    if ha.a.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for role in (policy.OPERATOR, Role.SUPERVISOR):
        if ha.a.has_role(role):
            reach = ha.a.reach(role)
            if reach.everywhere:
                return Q()
            ids = reach.organisation_ids()
            q |= Q(centre_id__in=ids or [])
            for path in reach.division_paths:
                q |= Q(centre_id__in=Organisation.objects.filter(division__path__startswith=path).values("pk"))
    return q


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


@dataclass
class Report:
    start: dt.date
    end: dt.date
    totals: dict[str, int]
    by_type: list[dict[str, Any]] = field(default_factory=list)
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_channel: list[dict[str, Any]] = field(default_factory=list)
    by_department: list[dict[str, Any]] = field(default_factory=list)
    by_day: list[dict[str, Any]] = field(default_factory=list)
    hot_categories: list[dict[str, Any]] = field(default_factory=list)
    hot_places: list[dict[str, Any]] = field(default_factory=list)
    repeated: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rates(self) -> dict[str, float | None]:
        t = self.totals
        return {
            "on_time": _rate(t["on_time"], t["concluded"]),
            "first_contact": _rate(t["first_contact"], t["concluded"]),
            "send_back": _rate(t["sent_back"], t["dispatched"]),
            "satisfaction": _rate(t["satisfied"], t["rated"]),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "totals": self.totals,
            "rates": self.rates,
            "by_type": self.by_type,
            "by_category": self.by_category,
            "by_channel": self.by_channel,
            "by_department": self.by_department,
            "by_day": self.by_day,
            "hot_categories": self.hot_categories,
            "hot_places": self.hot_places,
            "repeated": self.repeated,
        }


def _sums(qs, key: str | None) -> list[dict[str, Any]]:
    agg = {m: Sum(m) for m in MEASURES}
    if key is None:
        row = qs.aggregate(**agg)
        return [{m: row[m] or 0 for m in MEASURES}]
    rows = qs.values(key).annotate(**agg).order_by(key)
    out = []
    for r in rows:
        d = {m: r[m] or 0 for m in MEASURES}
        d["key"] = r[key]
        d.update(
            on_time_rate=_rate(d["on_time"], d["concluded"]),
            satisfaction_rate=_rate(d["satisfied"], d["rated"]),
            send_back_rate=_rate(d["sent_back"], d["dispatched"]),
            first_contact_rate=_rate(d["first_contact"], d["concluded"]),
        )
        out.append(d)
    return out


def report(ha: policy.HotlineActor, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    today = timezone.localdate()
    end = min(end or today, today)
    start = start or end - dt.timedelta(days=29)
    start = max(start, end - dt.timedelta(days=MAX_DAYS))
    base = DailyStat.objects.filter(_centres(ha), day__gte=start, day__lte=end)
    totals = _sums(base, None)[0]
    r = Report(start, end, totals)
    types = dict(OrderType.choices)
    channels = dict(Channel.choices)
    cats = dict(Category.objects.values_list("pk", "name"))
    r.by_type = [{**d, "label": str(types.get(d["key"], d["key"]))} for d in _sums(base, "order_type")]
    r.by_channel = [{**d, "label": str(channels.get(d["key"], d["key"]))} for d in _sums(base, "channel")]
    r.by_category = sorted(
        ({**d, "label": cats.get(d["key"], "?")} for d in _sums(base, "category_id")), key=lambda d: -d["received"]
    )
    depts = _sums(base.exclude(department_id=0), "department_id")
    names = dict(Organisation.objects.filter(pk__in=[d["key"] for d in depts]).values_list("pk", "name"))
    r.by_department = sorted(
        ({**d, "label": names.get(d["key"], "?")} for d in depts), key=lambda d: -(d["dispatched"] + d["concluded"])
    )
    r.by_day = [
        {"day": d["key"].isoformat(), "received": d["received"], "concluded": d["concluded"]}
        for d in _sums(base, "day")
    ]
    week = week_of(end)
    week_rows = DailyStat.objects.filter(_centres(ha), day__gte=week, day__lte=week + dt.timedelta(days=6))
    r.hot_categories = [
        {"category": cats.get(row["category_id"], "?"), "count": row["n"]}
        for row in week_rows.values("category_id").annotate(n=Sum("received")).order_by("-n")[:10]
        if row["n"]
    ]
    r.hot_places = [
        {"place": row["label"], "category": cats.get(row["category_id"], "?"), "count": row["n"]}
        for row in HotSpot.objects.filter(_centres(ha), week=week)
        .values("label", "category_id")
        .annotate(n=Sum("count"))
        .order_by("-n")[:10]
    ]
    from yiwang.identity.masking import mask_phone

    rep = list(
        RepeatStat.objects.filter(_centres(ha), week__gte=week_of(start), week__lte=week)
        .values("caller_id", "category_id")
        .annotate(n=Sum("count"))
        .filter(n__gte=1)
        .order_by("-n")[:10]
    )
    from .models import Caller

    callers = {c.pk: c for c in Caller.objects.filter(pk__in=[x["caller_id"] for x in rep])}
    r.repeated = [
        {
            "caller": mask_phone(callers[x["caller_id"]].phone) if x["caller_id"] in callers else "?",
            "category": cats.get(x["category_id"], "?"),
            "count": x["n"] + 1,
        }
        for x in rep
    ]
    return r
