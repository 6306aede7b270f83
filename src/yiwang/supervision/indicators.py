"""The indicators (DESIGN.md glossary): sums of rollup counters per group, and the rates divided at read time.

Case indicators come from `StatRollup` (day rows), so a page never counts cases. Item indicators (网上可办率,
全程网办率, 最多跑一次率, 零跑动率, 即办件占比, 承诺时限压缩率, materials and steps per item) describe the catalog's
published items of each department, read from the catalog. Cards and corrections come from the cards side's
`cards_api.counts` when it is there (zeros until then). Every function takes the organisations the viewer may
see (`None`: all), from `scope.viewer_org_ids`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import Material, ProcessStep, ServiceItem
from yiwang.orgs.models import Organisation

from .models.stats import COUNTERS, StatCase, StatRollup

GROUPS = {
    "organisation": _("Department"),
    "division": _("Division"),
    "item": _("Item"),
    "channel": _("Channel"),
    "day": _("Day"),
    "month": _("Month"),
}
CARD_KEYS = ("yellow", "red", "corrections", "corrections_overdue")

# name → (label, kind): kind "n" a count, "rate" a share 0–1, "days" working days, "avg" a mean
INDICATORS: dict[str, tuple[Any, str]] = {
    "received": (_("Cases received"), "n"),
    "concluded": (_("Cases concluded"), "n"),
    "on_time_rate": (_("On-time rate"), "rate"),
    "overdue": (_("Concluded late"), "n"),
    "avg_work_days": (_("Average working days taken"), "days"),
    "avg_promised_days": (_("Average promised limit"), "days"),
    "avg_statutory_days": (_("Average statutory limit"), "days"),
    "immediate_share": (_("Share of cases for on-the-spot items (即办件)"), "rate"),
    "online_share": (_("Applied online"), "rate"),
    "full_online_share": (_("Share of cases for fully online items (全程网办)"), "rate"),
    "zero_visit_share": (_("Share of cases for zero-visit items (零跑动)"), "rate"),
    "items": (_("Published items"), "n"),
    "item_immediate_rate": (_("On-the-spot items share (即办件占比)"), "rate"),
    "item_online_rate": (_("Online-capable rate (网上可办率)"), "rate"),
    "item_full_online_rate": (_("Fully online rate (全程网办率)"), "rate"),
    "item_one_visit_rate": (_("At most one visit rate (最多跑一次率)"), "rate"),
    "item_zero_visit_rate": (_("Zero-visit rate (零跑动率)"), "rate"),
    "compression_rate": (_("Promised limit compression (承诺时限压缩率)"), "rate"),
    "materials_per_item": (_("Materials per item"), "avg"),
    "steps_per_item": (_("Steps per item"), "avg"),
    "ratings": (_("Ratings"), "n"),
    "avg_rating": (_("Average rating (1–5)"), "avg"),
    "satisfaction_rate": (_("Satisfaction rate"), "rate"),
    "bad_ratings": (_("Bad reviews"), "n"),
    "rectification_rate": (_("Rectification rate"), "rate"),
    "tickets": (_("12345 tickets"), "n"),
    "yellow": (_("Yellow cards"), "n"),
    "red": (_("Red cards"), "n"),
    "corrections": (_("Correction orders"), "n"),
    "corrections_overdue": (_("Correction orders overdue"), "n"),
}
# The columns of the statistics table (the rest are in the API and the export).
TABLE_COLUMNS = (
    "received",
    "concluded",
    "on_time_rate",
    "avg_work_days",
    "avg_promised_days",
    "avg_statutory_days",
    "immediate_share",
    "online_share",
    "satisfaction_rate",
    "rectification_rate",
    "red",
)
ITEM_COLUMNS = (
    "items",
    "item_immediate_rate",
    "item_online_rate",
    "item_full_online_rate",
    "item_one_visit_rate",
    "item_zero_visit_rate",
    "compression_rate",
    "materials_per_item",
    "steps_per_item",
)
# Drill-down figures: which cases stand behind a count.
FIGURES = {
    "received": _("Cases received"),
    "concluded": _("Cases concluded"),
    "on_time": _("Concluded on time"),
    "overdue": _("Concluded late"),
    "not_accepted": _("Not accepted"),
    "withdrawn": _("Withdrawn"),
    "open": _("Still open"),
}


@dataclass(frozen=True)
class Window:
    """What a statistics view asks for: days [start, end], a grouping, and optional filters."""

    start: dt.date
    end: dt.date
    group: str = "organisation"
    organisation_id: int | None = None
    item_id: int | None = None
    channel: str = ""


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def derive(c: dict[str, int]) -> dict[str, Any]:
    """The rates of one group's summed counters (None where the denominator is zero)."""
    judged = c.get("on_time", 0) + c.get("overdue", 0)
    concluded, received, ratings = c.get("concluded", 0), c.get("received", 0), c.get("ratings", 0)
    return {
        "on_time_rate": _ratio(c.get("on_time", 0), judged),
        "avg_work_days": _ratio(c.get("work_days", 0), concluded),
        "avg_promised_days": _ratio(c.get("promised_days", 0), concluded),
        "avg_statutory_days": _ratio(c.get("statutory_days", 0), concluded),
        "immediate_share": _ratio(c.get("immediate", 0), received),
        "online_share": _ratio(c.get("online", 0), received),
        "full_online_share": _ratio(c.get("full_online", 0), received),
        "zero_visit_share": _ratio(c.get("zero_visit", 0), received),
        "avg_rating": _ratio(c.get("rating_sum", 0), ratings),
        "satisfaction_rate": _ratio(ratings - c.get("bad_ratings", 0), ratings),
        "rectification_rate": _ratio(c.get("rectified", 0), c.get("bad_ratings", 0)),
    }


def _rollups(org_ids: Sequence[int] | None, w: Window):
    qs = StatRollup.objects.filter(period="day", day__gte=w.start, day__lte=w.end)
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=list(org_ids))
    if w.organisation_id:
        qs = qs.filter(organisation_id=w.organisation_id)
    if w.item_id:
        qs = qs.filter(item_id=w.item_id)
    if w.channel:
        qs = qs.filter(channel=w.channel)
    return qs


def _sums() -> dict[str, Sum]:
    return {c: Sum(c) for c in COUNTERS}


def card_counts(org_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """Cards and corrections per department from the cards side (`cards_api.counts`); empty until it exists."""
    try:
        cards_api = importlib.import_module("yiwang.supervision.cards_api")
    except ImportError:
        return {}
    return cards_api.counts(list(org_ids), start, end) or {}


def catalog_figures(org_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Item indicators per department over its published items (current versions)."""
    items = ServiceItem.objects.filter(current__isnull=False, organisation_id__in=list(org_ids))
    v = "current__"
    rows = items.values("organisation_id").annotate(
        items=Count("pk"),
        immediate=Count("pk", filter=Q(**{f"{v}handling_kind": 1})),
        online=Count("pk", filter=Q(**{f"{v}online_depth__gte": 3})),
        full_online=Count("pk", filter=Q(**{f"{v}online_depth__gte": 4})),
        one_visit=Count("pk", filter=Q(**{f"{v}visits_required__lte": 1})),
        zero_visit=Count("pk", filter=Q(**{f"{v}visits_required": 0})),
        promised=Sum(f"{v}promised_limit"),
        statutory=Sum(f"{v}statutory_limit"),
    )
    materials = dict(
        Material.objects.filter(version__in=items.values("current_id"))
        .values("version__item__organisation_id")
        .annotate(n=Count("pk"))
        .values_list("version__item__organisation_id", "n")
    )
    steps = dict(
        ProcessStep.objects.filter(version__in=items.values("current_id"))
        .values("version__item__organisation_id")
        .annotate(n=Count("pk"))
        .values_list("version__item__organisation_id", "n")
    )
    out = {}
    for r in rows:
        n = r["items"]
        org = r["organisation_id"]
        out[org] = {
            "items": n,
            "item_immediate_rate": _ratio(r["immediate"], n),
            "item_online_rate": _ratio(r["online"], n),
            "item_full_online_rate": _ratio(r["full_online"], n),
            "item_one_visit_rate": _ratio(r["one_visit"], n),
            "item_zero_visit_rate": _ratio(r["zero_visit"], n),
            "compression_rate": (round(1 - (r["promised"] or 0) / r["statutory"], 4) if r["statutory"] else None),
            "materials_per_item": _ratio(materials.get(org, 0), n),
            "steps_per_item": _ratio(steps.get(org, 0), n),
            "_counts": {k: r[k] for k in ("items", "immediate", "online", "full_online", "one_visit", "zero_visit")}
            | {"promised": r["promised"] or 0, "statutory": r["statutory"] or 0}
            | {"materials": materials.get(org, 0), "steps": steps.get(org, 0)},
        }
    return out


def _merge_catalog(figures: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Item indicators of several departments together (a division, the city)."""
    t: dict[str, int] = defaultdict(int)
    for f in figures:
        for k, v in f["_counts"].items():
            t[k] += v
    n = t["items"]
    return {
        "items": n,
        "item_immediate_rate": _ratio(t["immediate"], n),
        "item_online_rate": _ratio(t["online"], n),
        "item_full_online_rate": _ratio(t["full_online"], n),
        "item_one_visit_rate": _ratio(t["one_visit"], n),
        "item_zero_visit_rate": _ratio(t["zero_visit"], n),
        "compression_rate": round(1 - t["promised"] / t["statutory"], 4) if t["statutory"] else None,
        "materials_per_item": _ratio(t["materials"], n),
        "steps_per_item": _ratio(t["steps"], n),
    }


def _row(key: Any, label: str, counters: dict[str, int]) -> dict[str, Any]:
    c = {k: int(counters.get(k) or 0) for k in COUNTERS}
    return {"key": key, "label": label, **c, **derive(c)}


def table(org_ids: Sequence[int] | None, w: Window, *, catalog: bool = True) -> dict[str, Any]:
    """The statistics of a window, grouped: rows (each with counters and rates) and the total; `catalog=False`
    leaves out the item indicators (the dashboards do not show them)."""
    qs = _rollups(org_ids, w)
    group = w.group if w.group in GROUPS else "organisation"
    field = {
        "organisation": "organisation_id",
        "division": "organisation_id",
        "item": "item_id",
        "channel": "channel",
        "day": "day",
        "month": "month",
    }[group]
    if group == "month":
        qs = qs.annotate(month=TruncMonth("day"))
    grouped = list(qs.values(field).annotate(**_sums()).order_by(field))
    total_counters = qs.aggregate(**_sums())
    rows: list[dict[str, Any]] = []
    if group in ("organisation", "division"):
        org_ids_seen = [r["organisation_id"] for r in grouped]
        orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids_seen).select_related("division")}
        cards = card_counts(org_ids_seen, w.start, w.end)
        catalog_rows = catalog_figures(org_ids_seen) if catalog else {}
        if group == "organisation":
            for r in grouped:
                o = orgs.get(r["organisation_id"])
                row = _row(r["organisation_id"], o.name if o else str(r["organisation_id"]), r)
                row.update(_cards(cards.get(r["organisation_id"], {})))
                row.update({k: v for k, v in catalog_rows.get(r["organisation_id"], {}).items() if k != "_counts"})
                rows.append(row)
        else:
            by_div: dict[int, list[dict]] = defaultdict(list)
            for r in grouped:
                o = orgs.get(r["organisation_id"])
                if o is not None:
                    by_div[o.division_id].append(r)
            divisions = {o.division_id: o.division for o in orgs.values()}
            for div_id, members in sorted(by_div.items(), key=lambda kv: divisions[kv[0]].code):
                summed = {k: sum(int(m.get(k) or 0) for m in members) for k in COUNTERS}
                d = divisions[div_id]
                row = _row(d.code, d.name, summed)
                card_sum: dict[str, int] = defaultdict(int)
                for m in members:
                    for k, v in cards.get(m["organisation_id"], {}).items():
                        card_sum[k] += v
                row.update(_cards(card_sum))
                if catalog:
                    row.update(
                        _merge_catalog(
                            catalog_rows[m["organisation_id"]] for m in members if m["organisation_id"] in catalog_rows
                        )
                    )
                rows.append(row)
    elif group == "item":
        names = dict(
            ServiceItem.objects.filter(pk__in=[r["item_id"] for r in grouped]).values_list("pk", "current__name")
        )
        for r in grouped:
            if r["item_id"]:
                rows.append(_row(r["item_id"], names.get(r["item_id"]) or str(r["item_id"]), r))
        rows.sort(key=lambda r: -r["received"])
    elif group == "channel":
        from yiwang.cases.states import channel_label

        rows = [_row(r["channel"], channel_label(r["channel"]) if r["channel"] else "—", r) for r in grouped]
    else:
        for r in grouped:
            d = r[field]
            label = f"{d:%Y-%m}" if group == "month" else d.isoformat()
            rows.append(_row(d.isoformat(), label, r))
    total = _row("total", str(_("Total")), total_counters)
    in_view = [r["key"] for r in rows] if group == "organisation" else None
    if group in ("organisation", "division"):
        total.update(_cards(_sum_cards(cards)))
        if catalog:
            total.update(_merge_catalog(catalog_rows.values()))
    return {"group": group, "rows": rows, "total": total, "organisations": in_view}


def _cards(c: dict[str, int]) -> dict[str, int]:
    return {k: int(c.get(k, 0)) for k in CARD_KEYS}


def _sum_cards(cards: dict[int, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for c in cards.values():
        for k, v in c.items():
            out[k] += v
    return out


def series(org_ids: Sequence[int] | None, w: Window) -> list[dict[str, Any]]:
    """Per day over the window: received, concluded, on-time rate (the dashboards' lines)."""
    qs = _rollups(org_ids, w).values("day").annotate(**_sums()).order_by("day")
    return [
        {
            "day": r["day"].isoformat(),
            "received": r["received"],
            "concluded": r["concluded"],
            "on_time_rate": derive(r)["on_time_rate"],
        }
        for r in qs
    ]


def hours_today(org_ids: Sequence[int] | None, day: dt.date) -> list[int]:
    """Cases received in each hour of `day` (the wall's live bar)."""
    qs = StatRollup.objects.filter(period="hour", day=day)
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=list(org_ids))
    by_hour = dict(qs.values("hour").annotate(n=Sum("received")).values_list("hour", "n"))
    return [int(by_hour.get(h) or 0) for h in range(24)]


# --- drill-down -----------------------------------------------------------------------------------------------------


def cases_behind(org_ids: Sequence[int] | None, w: Window, figure: str):
    """The cases behind a figure of the window (indexed raw rows, newest first)."""
    qs = StatCase.objects.all()
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=list(org_ids))
    if w.organisation_id:
        qs = qs.filter(organisation_id=w.organisation_id)
    if w.item_id:
        qs = qs.filter(item_id=w.item_id)
    if w.channel:
        qs = qs.filter(channel=w.channel)
    received = Q(received_day__gte=w.start, received_day__lte=w.end)
    ended = Q(ended_day__gte=w.start, ended_day__lte=w.end)
    concluded = ended & Q(outcome__in=("approved", "refused"))
    q = {
        "received": received,
        "concluded": concluded,
        "on_time": concluded & Q(on_time=True),
        "overdue": concluded & Q(on_time=False),
        "not_accepted": ended & Q(outcome="not_accepted"),
        "withdrawn": ended & Q(outcome="withdrawn"),
        "open": received & Q(outcome=""),
    }.get(figure, received)
    order = (
        "-ended_at" if figure in ("concluded", "on_time", "overdue", "not_accepted", "withdrawn") else "-received_at"
    )
    return qs.filter(q).order_by(order, "-case_id")


def open_by_department(org_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Open cases per department (the dashboard's gauge of work in hand)."""
    qs = StatCase.objects.filter(outcome="")
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=list(org_ids))
    rows = qs.values("organisation_id", name=F("organisation__name")).annotate(n=Count("pk")).order_by("-n")[:20]
    return list(rows)
