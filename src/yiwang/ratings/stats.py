"""Figures for any period, read from the rollups: whole months from the month rows, the days at either end from the
day rows. A year for one department reads at most 12 + 60 rows; every department of a city for a year, a few tens
of thousands — never the ratings themselves, whatever their number.

The rates, as the issue and GB/T 39735 use them:
- 好评率 (good rate): 非常满意 + 满意 + 基本满意 among the ratings that count (default ratings included);
- 主动评价好评率 (active good rate): the same among the ratings people gave themselves;
- 未评价率 (unrated rate): concluded cases no person rated, among the cases concluded in the period;
- 差评: 不满意 + 非常不满意; 整改率: real-name bad reviews rectified and closed, among them; 按期整改率: closed by
  their deadline; appeals filed and upheld; complaints received and closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem

from .models import COUNTERS, Dim, Period, Rollup
from .standard import ALL_INDICATORS, INDICATOR_NAMES, LEVELS_BEST_FIRST, Level

MAX_ROWS = 500


@dataclass
class Figures:
    key: int | None = None
    name: str = ""
    c: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def __getattr__(self, name: str) -> Any:
        c = self.__dict__.get("c")
        if c is not None and name in c:
            return c[name]
        raise AttributeError(name)

    @property
    def total(self) -> int:
        return sum(self.c[f"level{n}"] for n in LEVELS_BEST_FIRST)

    @property
    def good(self) -> int:
        return self.c["level5"] + self.c["level4"] + self.c["level3"]

    @property
    def bad(self) -> int:
        return self.c["level2"] + self.c["level1"]

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return round(100.0 * n / d, 1) if d > 0 else None

    @property
    def good_rate(self) -> float | None:
        return self._rate(self.good, self.total)

    @property
    def active_good_rate(self) -> float | None:
        return self._rate(self.c["active_good"], self.c["active"])

    @property
    def unrated_rate(self) -> float | None:
        d = self.c["concluded"]
        return self._rate(max(0, d - self.c["rated_concluded"]), d)

    @property
    def rectify_rate(self) -> float | None:
        return self._rate(self.c["rectified"], self.c["bad_named"])

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.c["rectified_on_time"], self.c["bad_named"])

    @property
    def levels(self) -> list[dict[str, Any]]:
        total = self.total
        return [
            {
                "level": n,
                "label": Level(n).label,
                "count": self.c[f"level{n}"],
                "share": self._rate(self.c[f"level{n}"], total),
            }
            for n in LEVELS_BEST_FIRST
        ]

    @property
    def indicators(self) -> list[dict[str, Any]]:
        out = []
        for code in ALL_INDICATORS:
            n = self.c[f"icnt_{code}"]
            if n:
                out.append(
                    {
                        "code": code,
                        "label": INDICATOR_NAMES[code],
                        "count": n,
                        "mean": round(self.c[f"isum_{code}"] / n, 2),
                    }
                )
        return out

    def add(self, other: Figures) -> None:
        for k in COUNTERS:
            self.c[k] += other.c[k]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "ratings": self.total,
            "levels": {str(n): self.c[f"level{n}"] for n in LEVELS_BEST_FIRST},
            "good": self.good,
            "bad": self.bad,
            "good_rate": self.good_rate,
            "active": self.c["active"],
            "active_good_rate": self.active_good_rate,
            "defaults": self.c["defaults"],
            "concluded": self.c["concluded"],
            "unrated_rate": self.unrated_rate,
            "bad_named": self.c["bad_named"],
            "rectified": self.c["rectified"],
            "rectified_on_time": self.c["rectified_on_time"],
            "rectify_rate": self.rectify_rate,
            "on_time_rate": self.on_time_rate,
            "appeals": self.c["appeals"],
            "appeals_upheld": self.c["appeals_upheld"],
            "excluded": self.c["excluded"],
            "complaints": self.c["complaints"],
            "complaints_closed": self.c["complaints_closed"],
            "indicators": {i["code"]: i["mean"] for i in self.indicators},
        }


# --- periods ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date
    preset: str = "custom"

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} — {self.end.isoformat()}"


PRESETS = {
    "month": _("This month"),
    "last_month": _("Last month"),
    "year": _("This year"),
    "last_year": _("Last year"),
    "last_12": _("Last 12 months"),
    "custom": _("Chosen dates"),
}


def _first_of_next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def preset_span(preset: str, today: dt.date | None = None) -> Span:
    today = today or timezone.localdate()
    if preset == "month":
        return Span(today.replace(day=1), today, preset)
    if preset == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return Span(end.replace(day=1), end, preset)
    if preset == "last_year":
        return Span(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31), preset)
    if preset == "last_12":
        year, month = today.year, today.month - 11
        if month <= 0:
            year, month = year - 1, month + 12
        return Span(dt.date(year, month, 1), today, preset)
    return Span(dt.date(today.year, 1, 1), today, "year")


def parse_span(params: Any, today: dt.date | None = None) -> tuple[Span, list[Problem]]:
    """The period chosen (a preset, or from/to dates); a bad value falls back to this year with a message."""
    problems: list[Problem] = []
    preset = str(params.get("period", "") or "")
    raw_from, raw_to = str(params.get("from", "") or "").strip(), str(params.get("to", "") or "").strip()
    if raw_from or raw_to or preset == "custom":
        try:
            start = dt.date.fromisoformat(raw_from) if raw_from else None
            end = dt.date.fromisoformat(raw_to) if raw_to else None
        except ValueError:
            problems.append(Problem("from", _("Enter a date as YYYY-MM-DD."), "invalid"))
            return preset_span("year", today), problems
        today = today or timezone.localdate()
        start = start or dt.date(today.year, 1, 1)
        end = end or today
        if end < start:
            problems.append(Problem("to", _("The end date is before the start date."), "invalid"))
            return preset_span("year", today), problems
        if (end - start).days > 366 * 5:
            problems.append(Problem("from", _("Choose at most five years."), "invalid"))
            return preset_span("year", today), problems
        return Span(start, end, "custom"), problems
    if preset and preset not in PRESETS:
        problems.append(Problem("period", _("Choose a period from the list."), "invalid"))
    return preset_span(preset or "year", today), problems


def period_q(span: Span) -> Q:
    """Whole months inside the span from month rows; the days before the first and after the last, from day rows."""
    first_full = span.start if span.start.day == 1 else _first_of_next_month(span.start)
    after_end = span.end + dt.timedelta(days=1)
    last_full_end = after_end.replace(day=1)  # months starting before this and ending by `end` are whole
    if first_full >= last_full_end:  # no whole month inside: days only
        return Q(period=Period.DAY, day__gte=span.start, day__lte=span.end)
    q = Q(period=Period.MONTH, day__gte=first_full, day__lt=last_full_end)
    if span.start < first_full:
        q |= Q(period=Period.DAY, day__gte=span.start, day__lt=first_full)
    if last_full_end <= span.end:
        q |= Q(period=Period.DAY, day__gte=last_full_end, day__lte=span.end)
    return q


# --- reading ------------------------------------------------------------------------------------------------------

_SUMS = {c: Sum(c) for c in COUNTERS}


def by_key(dim: str, keys: list[int] | None, span: Span) -> dict[int, Figures]:
    """Figures per key of one dimension over the span (keys None: every key)."""
    qs = Rollup.objects.filter(dim=dim).filter(period_q(span))
    if keys is not None:
        if not keys:
            return {}
        qs = qs.filter(key__in=keys)
    out: dict[int, Figures] = {}
    for row in qs.values("key").annotate(**_SUMS).order_by():
        out[row["key"]] = Figures(key=row["key"], c={c: int(row[c] or 0) for c in COUNTERS})
    return out


def overall(dim: str, keys: list[int] | None, span: Span) -> Figures:
    """The sum over the keys (one aggregate row)."""
    qs = Rollup.objects.filter(dim=dim).filter(period_q(span))
    if keys is not None:
        if not keys:
            return Figures()
        qs = qs.filter(key__in=keys)
    row = qs.aggregate(**_SUMS)
    return Figures(c={c: int(row[c] or 0) for c in COUNTERS})


def monthly(dim: str, keys: list[int] | None, span: Span) -> list[tuple[dt.date, Figures]]:
    """One figure per month of the span (month rows; the months at the ends are whole months)."""
    qs = Rollup.objects.filter(dim=dim, period=Period.MONTH, day__gte=span.start.replace(day=1), day__lte=span.end)
    if keys is not None:
        if not keys:
            return []
        qs = qs.filter(key__in=keys)
    rows = {
        r["day"]: Figures(c={c: int(r[c] or 0) for c in COUNTERS})
        for r in qs.values("day").annotate(**_SUMS).order_by()
    }
    out = []
    month = span.start.replace(day=1)
    while month <= span.end:
        out.append((month, rows.get(month, Figures())))
        month = _first_of_next_month(month)
    return out


def names(dim: str, keys: list[int]) -> dict[int, str]:
    """Display names of the keys (no personal data: staff are named as on their work records)."""
    from django.contrib.auth import get_user_model

    from yiwang.catalog.models import ServiceItem
    from yiwang.orgs.models import Hall, Organisation, Window

    if not keys:
        return {}
    if dim == Dim.DEPARTMENT:
        return dict(Organisation.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dim == Dim.ITEM:
        return {
            pk: name or code
            for pk, name, code in ServiceItem.objects.filter(pk__in=keys).values_list(
                "pk", "current__name", "item_code"
            )
        }
    if dim == Dim.HALL:
        return dict(Hall.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dim == Dim.WINDOW:
        return {
            pk: f"{hall} {number} {name}"
            for pk, hall, number, name in Window.objects.filter(pk__in=keys).values_list(
                "pk", "hall__name", "number", "name"
            )
        }
    out = {}
    for pk, username, first, last in (
        get_user_model().objects.filter(pk__in=keys).values_list("pk", "username", "first_name", "last_name")
    ):
        out[pk] = f"{last}{first}".strip() or username
    return out


SORTS = {
    "ratings": lambda f: f.total,
    "good_rate": lambda f: f.good_rate if f.good_rate is not None else -1,
    "bad": lambda f: f.bad,
    "rectify_rate": lambda f: f.rectify_rate if f.rectify_rate is not None else -1,
    "unrated_rate": lambda f: f.unrated_rate if f.unrated_rate is not None else -1,
}

SORT_LABELS = {
    "ratings": _("Most ratings"),
    "good_rate": _("Highest good rate"),
    "bad": _("Most bad reviews"),
    "rectify_rate": _("Highest rectification rate"),
    "unrated_rate": _("Highest unrated rate"),
}


def table(dim: str, keys: list[int] | None, span: Span, sort: str = "ratings", limit: int = MAX_ROWS) -> list[Figures]:
    """One named row per key with any figure, sorted (largest first), at most `limit` rows."""
    rows = [f for f in by_key(dim, keys, span).values() if any(f.c.values())]
    rows.sort(key=lambda f: (SORTS.get(sort, SORTS["ratings"])(f), f.total), reverse=True)
    rows = rows[:limit]
    found = names(dim, [f.key for f in rows])
    for f in rows:
        f.name = found.get(f.key, str(f.key))
    return rows
