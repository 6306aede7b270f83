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
    if getattr(case, "has_suspensions", None) is False:  # read with the case (services.locking): none to read
        return []
    cached = getattr(case, "_prefetched_objects_cache", {}).get("suspensions")
    rows = cached if cached is not None else case.suspensions.all()
    return [(s.started_on, s.ended_on) for s in rows]


def _months_as_days(start: dt.date, months: int) -> int:
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    end = dt.date(year, month, min(start.day, pycalendar.monthrange(year, month)[1]))
    return (end - start).days


def due(
    start: dt.date, limit: int, unit: str, intervals: list[Interval], calendar: workdays.Calendar | None = None
) -> dt.date:
    """The last day of a limit counted from the day after `start`; suspensions excluded (calendar.workdays)."""
    cal = calendar or workdays.snapshot()
    if unit == "wd":
        return cal.deadline(start, limit, intervals, workdays.WORKING).end
    if unit == "nd":
        return cal.deadline(start, limit, intervals, workdays.NATURAL).end
    if unit == "mo":
        return cal.deadline(start, _months_as_days(start, limit), intervals, workdays.NATURAL).end
    raise ValueError(f"unknown time unit {unit!r}")


def calendar_for(case) -> workdays.Calendar:
    """The calendar, current as of the case's own query when that query read its version (`workdays.state_of`)."""
    return workdays.snapshot(workdays.state_of(case))


def recompute(case, steps=None, *, intervals: list[Interval] | None = None) -> list:
    """Sets the case's (and its active steps') deadlines in memory; returns the steps whose due date changed.

    The caller saves the case and those steps. `steps` are the case's steps (active ones are looked at; without
    them the open steps are read); `intervals` the suspensions when the caller knows them (else they are read).
    One calendar snapshot serves the whole computation.
    """
    cal = calendar_for(case)
    submitted_on = timezone.localdate(case.submitted_at)
    case.acceptance_due = cal.add_working_days(submitted_on, ACCEPTANCE_DAYS)
    if case.accepted_at is None:
        case.statutory_due = case.promised_due = None
        return []
    start = timezone.localdate(case.accepted_at)
    if intervals is None:
        intervals = _intervals(case) if case.pk else []
    v = case.version
    case.statutory_due = due(start, v.statutory_limit, v.statutory_unit, intervals, cal)
    case.promised_due = due(start, v.promised_limit, v.promised_unit, intervals, cal)
    from .models import CaseStep, StepState

    changed = []
    for step in steps if steps is not None else CaseStep.objects.filter(case=case, state__in=("active", "claimed")):
        if step.state not in (StepState.ACTIVE, StepState.CLAIMED) or step.started_at is None:
            continue
        new_due = (
            due(timezone.localdate(step.started_at), step.days, "wd", intervals, cal)
            if step.days
            else case.promised_due
        )
        if new_due != step.due:
            step.due = new_due
            changed.append(step)
    return changed
