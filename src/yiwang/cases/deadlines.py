"""Deadlines are derived, never typed: from the item version's limits, the working-day calendar and suspensions.

- Acceptance: a decision (accept, one-time correction, or not accepted) is due within 5 working days of submission;
  after that the case counts as accepted (Administrative Licensing Law art. 32).
- Statutory and promised deadlines count from acceptance in the version's unit (working days, calendar days or
  months); special-procedure days do not count. While a suspension is still open the stored date is provisional
  (the clock is stopped, lists say so); when it ends, the date moves by the days it lasted.
- Each back-office step with its own limit is due that many working days after it started; a step without one
  shares the promised deadline.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.utils import timezone

from yiwang.calendar import workdays

ACCEPTANCE_DAYS = 5


Interval = tuple[dt.date, dt.date | None]


def _intervals(case) -> list[Interval]:
    return [(s.started_on, s.ended_on) for s in case.suspensions.all()]


def _months_as_days(start: dt.date, months: int) -> int:
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    end = dt.date(year, month, min(start.day, pycalendar.monthrange(year, month)[1]))
    return (end - start).days


def due(start: dt.date, limit: int, unit: str, intervals: list[Interval]) -> dt.date:
    """The last day of a limit counted from the day after `start`; suspensions excluded (calendar.workdays)."""
    if unit == "wd":
        return workdays.deadline(start, limit, intervals, workdays.WORKING)
    if unit == "nd":
        return workdays.deadline(start, limit, intervals, workdays.NATURAL)
    if unit == "mo":
        return workdays.deadline(start, _months_as_days(start, limit), intervals, workdays.NATURAL)
    raise ValueError(f"unknown time unit {unit!r}")


def recompute(case, steps=None) -> None:
    """Sets the case's (and its active steps') deadlines; the caller saves the case."""
    submitted_on = timezone.localdate(case.submitted_at)
    case.acceptance_due = workdays.add_working_days(submitted_on, ACCEPTANCE_DAYS)
    if case.accepted_at is None:
        case.statutory_due = case.promised_due = None
        return
    start = timezone.localdate(case.accepted_at)
    intervals = _intervals(case) if case.pk else []
    v = case.version
    case.statutory_due = due(start, v.statutory_limit, v.statutory_unit, intervals)
    case.promised_due = due(start, v.promised_limit, v.promised_unit, intervals)
    from .models import CaseStep, StepState

    for step in steps if steps is not None else CaseStep.objects.filter(case=case, state__in=("active", "claimed")):
        if step.state not in (StepState.ACTIVE, StepState.CLAIMED) or step.started_at is None:
            continue
        new_due = (
            due(timezone.localdate(step.started_at), step.days, "wd", intervals) if step.days else case.promised_due
        )
        if new_due != step.due:
            step.due = new_due
            step.save(update_fields=["due"])
