"""Reading a statistics request (period, grouping, filters) the same way for pages, exports and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases.models import Channel
from yiwang.core.errors import Problem, ProblemsError

from .indicators import FIGURES, GROUPS, Window

MAX_DAYS = 366 * 5


def default_span(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 30 days up to today."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=29), today


def _date(params: Mapping[str, Any], name: str, problems: list[Problem]) -> dt.date | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(Problem(name, _("Enter a date as YYYY-MM-DD."), "invalid"))
        return None


def _int(params: Mapping[str, Any], name: str, problems: list[Problem]) -> int | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        problems.append(Problem(name, _("Enter a whole number."), "invalid"))
        return None
    return int(raw)


def parse_window(params: Mapping[str, Any], today: dt.date | None = None) -> Window:
    """The window asked for; ProblemsError (every problem, in Chinese and English) when something is wrong."""
    problems: list[Problem] = []
    start, end = _date(params, "start", problems), _date(params, "end", problems)
    d_start, d_end = default_span(today)
    start, end = start or (end - dt.timedelta(days=29) if end else d_start), end or d_end
    if start and end and end < start:
        problems.append(Problem("end", _("The end date is before the start date."), "invalid"))
    elif (end - start).days > MAX_DAYS:
        problems.append(Problem("start", _("Choose at most five years."), "invalid"))
    group = str(params.get("group") or "organisation")
    if group not in GROUPS:
        problems.append(Problem("group", _("Choose a grouping from the list."), "invalid"))
    channel = str(params.get("channel") or "")
    if channel and channel not in Channel.values:
        problems.append(Problem("channel", _("Choose a channel from the list."), "invalid"))
    org = _int(params, "organisation", problems)
    item = _int(params, "item", problems)
    if problems:
        raise ProblemsError(problems)
    return Window(start=start, end=end, group=group, organisation_id=org, item_id=item, channel=channel)


def parse_figure(params: Mapping[str, Any]) -> str:
    figure = str(params.get("figure") or "received")
    if figure not in FIGURES:
        raise ProblemsError([Problem("figure", _("Choose a figure from the list."), "invalid")])
    return figure


def parse_month(raw: str) -> dt.date:
    """ "2026-11" → 2026-11-01; ProblemsError otherwise."""
    try:
        year, month = (int(p) for p in raw.split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ProblemsError([Problem("month", _("Enter a month as YYYY-MM."), "invalid")]) from None


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def query_string(w: Window, **extra: Any) -> str:
    """The window as a query string (links from a figure to its cases, to the export)."""
    from urllib.parse import urlencode

    q: dict[str, Any] = {"start": w.start.isoformat(), "end": w.end.isoformat(), "group": w.group}
    if w.organisation_id:
        q["organisation"] = w.organisation_id
    if w.item_id:
        q["item"] = w.item_id
    if w.channel:
        q["channel"] = w.channel
    q.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(q)
