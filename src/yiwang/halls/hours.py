"""When a hall is open: weekly hours, the official calendar (holidays, make-up working days) and the hall's own
exceptions, combined into the opening sessions of one date.

The rule, in order:
1. an official holiday (calendar `SpecialDay` holiday) closes the hall;
2. an official make-up working day (调休上班) opens it with the hours of `HallProfile.makeup_day_weekday`;
3. any other day has the hours of its weekday (a hall open on Saturdays has Saturday rows);
4. the hall's exceptions for the date then apply: a closing exception without times closes the whole day, one with
   times removes that period, an opening exception adds its period (a Saturday service day, longer hours).

Appointment slots are cut from these sessions (`slot_times`): only whole slots fit, so a booking never runs past
closing time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from yiwang.calendar import workdays

Session = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class DayHours:
    date: dt.date
    sessions: tuple[Session, ...]
    reason: str = ""  # why the day differs (holiday name, exception reason)

    @property
    def is_open(self) -> bool:
        return bool(self.sessions)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _time(m: int) -> dt.time:
    return dt.time(m // 60, m % 60) if m < 24 * 60 else dt.time(23, 59)


def _normalise(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(i for i in intervals if i[0] < i[1]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(intervals: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for a, b in intervals:
        if cut[1] <= a or cut[0] >= b:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


def combine(
    date: dt.date,
    weekly: dict[int, list[Session]],
    exceptions: Iterable[tuple[bool, dt.time | None, dt.time | None, str]],
    *,
    makeup_weekday: int = 0,
    calendar: workdays.Calendar | None = None,
) -> DayHours:
    """The sessions of `date` from weekly hours and (is_open, opens, closes, reason) exceptions (pure)."""
    cal = calendar or workdays.snapshot()
    reason = ""
    if date in cal.holidays:
        base: list[Session] = []
        reason = cal.holidays[date] or "holiday"
    elif date in cal.workdays:
        base = weekly.get(makeup_weekday, [])
        reason = cal.workdays[date] or "make-up working day"
    else:
        base = weekly.get(date.weekday(), [])
    intervals = _normalise((_minutes(a), _minutes(b)) for a, b in base)
    for is_open, opens, closes, why in exceptions:
        if is_open and opens and closes:
            intervals = _normalise([*intervals, (_minutes(opens), _minutes(closes))])
        elif not is_open and (opens is None or closes is None):
            intervals = []
        elif not is_open:
            intervals = _subtract(intervals, (_minutes(opens), _minutes(closes)))
        reason = why or reason
    return DayHours(date, tuple((_time(a), _time(b)) for a, b in intervals), reason)


def weekly_hours(hall_id: int) -> dict[int, list[Session]]:
    from .models import OpeningHours

    out: dict[int, list[Session]] = {}
    for row in OpeningHours.objects.filter(hall_id=hall_id).order_by("weekday", "opens"):
        out.setdefault(row.weekday, []).append((row.opens, row.closes))
    return out


def days(hall_id: int, first: dt.date, count: int) -> list[DayHours]:
    """`count` consecutive dates from `first` (two queries whatever the count)."""
    from .models import HallProfile, HoursException

    weekly = weekly_hours(hall_id)
    profile = HallProfile.objects.filter(hall_id=hall_id).only("makeup_day_weekday").first()
    makeup = profile.makeup_day_weekday if profile else 0
    last = first + dt.timedelta(days=count - 1)
    exc: dict[dt.date, list] = {}
    for e in HoursException.objects.filter(hall_id=hall_id, date__gte=first, date__lte=last).order_by("opens", "id"):
        exc.setdefault(e.date, []).append((e.is_open, e.opens, e.closes, e.reason))
    cal = workdays.snapshot()
    return [
        combine(
            first + dt.timedelta(days=i),
            weekly,
            exc.get(first + dt.timedelta(days=i), []),
            makeup_weekday=makeup,
            calendar=cal,
        )
        for i in range(count)
    ]


def day(hall_id: int, date: dt.date) -> DayHours:
    return days(hall_id, date, 1)[0]


def slot_times(day_hours: DayHours, minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """Whole slots of `minutes` inside each session, as aware datetimes in the site's time zone."""
    out = []
    tz = timezone.get_current_timezone()
    for opens, closes in day_hours.sessions:
        start = _minutes(opens)
        end = _minutes(closes)
        while start + minutes <= end:
            a = dt.datetime.combine(day_hours.date, _time(start), tzinfo=tz)
            b = a + dt.timedelta(minutes=minutes)
            out.append((a, b))
            start += minutes
    return out


def is_open_at(hall_id: int, moment: dt.datetime | None = None) -> bool:
    moment = timezone.localtime(moment or timezone.now())
    now_t = moment.time()
    return any(a <= now_t < b for a, b in day(hall_id, moment.date()).sessions)
