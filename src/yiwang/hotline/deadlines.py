"""Deadlines are derived, never typed: from the policy version kept on the order, the official calendar and the
extensions the centre approved.

- Hours ("h", urgent orders): the limit ends that many hours after the clock started.
- Working days ("wd"): the end of the N-th working day after the day the clock started (the official calendar with
  make-up working days, as cases count: `yiwang.calendar.workdays`).
- Natural days ("nd"): the end of the N-th day after; a last day that is not a working day moves to the next one.

The yellow warning starts when CASE_WARNING_FRACTION (0.8) of the limit is used: for hours, that share of the time;
for days, the first day on which that share of the working days has passed (the same rule as the case lists).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.utils import timezone

from yiwang.calendar import workdays

from .models import DeadlinePolicy, OrderType, Urgency

UNITS = ("h", "wd", "nd")

# The first policy (data migration 0002 writes it): GB/T 33358 local limits as DESIGN.md gives them.
DEFAULT_LIMITS: dict[str, dict[str, list[Any]]] = {
    OrderType.CONSULT: {Urgency.NORMAL: [3, "wd"], Urgency.URGENT: [2, "h"]},
    OrderType.HELP: {Urgency.NORMAL: [3, "wd"], Urgency.URGENT: [2, "h"]},
    OrderType.COMPLAINT: {Urgency.NORMAL: [13, "wd"], Urgency.URGENT: [2, "h"]},
    OrderType.REPORT: {Urgency.NORMAL: [13, "wd"], Urgency.URGENT: [2, "h"]},
    OrderType.SUGGESTION: {Urgency.NORMAL: [13, "wd"], Urgency.URGENT: [2, "h"]},
    OrderType.PRAISE: {Urgency.NORMAL: [3, "wd"], Urgency.URGENT: [2, "h"]},
}


def warning_fraction() -> float:
    return float(getattr(settings, "CASE_WARNING_FRACTION", 0.8))


def current_policy(at: dt.datetime | None = None) -> DeadlinePolicy:
    """The version in force at `at` (now): the highest version already effective."""
    at = at or timezone.now()
    policy = DeadlinePolicy.objects.filter(effective_from__lte=at).order_by("-version").first()
    if policy is None:
        policy = DeadlinePolicy.objects.order_by("version").first()
    if policy is None:  # a database migrated without the data migration (tests that flush): recreate version 1
        policy, _ = DeadlinePolicy.objects.get_or_create(
            version=1, defaults={"limits": DEFAULT_LIMITS, "note": "GB/T 33358-2016", "effective_from": at}
        )
    return policy


def limit_of(policy: DeadlinePolicy, order_type: str, urgency: str) -> tuple[int, str]:
    by_type = policy.limits.get(order_type) or DEFAULT_LIMITS[order_type]
    amount, unit = by_type.get(urgency) or by_type.get(Urgency.NORMAL) or [3, "wd"]
    return int(amount), str(unit)


def limits_problems(limits: Any) -> list[str]:
    """Why a limits table cannot be a policy (empty when it can)."""
    out = []
    if not isinstance(limits, dict):
        return ["limits must be an object of types"]
    for t in OrderType.values:
        row = limits.get(t)
        if not isinstance(row, dict):
            out.append(f"{t}: missing")
            continue
        for u in Urgency.values:
            cell = row.get(u)
            if (
                not isinstance(cell, list | tuple)
                or len(cell) != 2
                or not isinstance(cell[0], int)
                or cell[0] < 0
                or cell[1] not in UNITS
            ):
                out.append(f"{t}.{u}: expected [amount, unit] with unit h, wd or nd")
    return out


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def due(start: dt.datetime, amount: int, unit: str, cal: workdays.Calendar | None = None) -> dt.datetime:
    if unit == "h":
        return start + dt.timedelta(hours=amount)
    cal = cal or workdays.snapshot()
    day = timezone.localdate(start)
    if unit == "wd":
        return _end_of(cal.add_working_days(day, amount))
    if unit == "nd":
        return _end_of(cal.add_days(day, amount, workdays.NATURAL))
    raise ValueError(f"unknown unit {unit!r}")


def warn_at(start: dt.datetime, amount: int, unit: str, cal: workdays.Calendar | None = None) -> dt.datetime:
    f = warning_fraction()
    if unit == "h":
        return start + dt.timedelta(hours=amount * f)
    cal = cal or workdays.snapshot()
    days = max(1, math.ceil(amount * f - 1e-9))
    day = timezone.localdate(start)
    if unit == "wd":
        return _start_of(cal.add_working_days(day, days))
    return _start_of(day + dt.timedelta(days=days))


def apply(order, cal: workdays.Calendar | None = None) -> None:
    """Sets the order's due and warning times from its limit, extensions and clock start (the caller saves)."""
    total = order.limit_amount + order.extension_amount
    order.due_at = due(order.clock_started_at, total, order.limit_unit, cal)
    order.warn_at = warn_at(order.clock_started_at, total, order.limit_unit, cal)


def limit_label(amount: int, unit: str) -> str:
    from django.utils.translation import ngettext

    if unit == "h":
        return ngettext("%(n)d hour", "%(n)d hours", amount) % {"n": amount}
    if unit == "wd":
        return ngettext("%(n)d working day", "%(n)d working days", amount) % {"n": amount}
    return ngettext("%(n)d day", "%(n)d days", amount) % {"n": amount}


def urgency_of(order, now: dt.datetime | None = None) -> str:
    """ok / warn / over while the clock runs; none once the department replied or the order is closed."""
    from .models import CLOCK_STATES

    if order.state not in CLOCK_STATES or order.due_at is None:
        return "none"
    now = now or timezone.now()
    if now > order.due_at:
        return "over"
    if order.warn_at is not None and now >= order.warn_at:
        return "warn"
    return "ok"
