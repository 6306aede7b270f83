"""Opening hours: weekly sessions, the official calendar (holidays, make-up working days) and a hall's exceptions."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.calendar import services as calendar
from yiwang.calendar.workdays import Calendar
from yiwang.halls import hours

T = dt.time
WEEKLY = {d: [(T(9), T(12)), (T(13, 30), T(17, 30))] for d in range(5)} | {5: [(T(9), T(12))]}
MONDAY = dt.date(2026, 12, 7)


def cal(holidays=(), workdays=()) -> Calendar:
    return Calendar(holidays={d: "节日" for d in holidays}, workdays={d: "调休" for d in workdays})


def test_weekdays_follow_the_weekly_hours():
    assert hours.combine(MONDAY, WEEKLY, [], calendar=cal()).sessions == ((T(9), T(12)), (T(13, 30), T(17, 30)))
    assert hours.combine(MONDAY + dt.timedelta(days=5), WEEKLY, [], calendar=cal()).sessions == ((T(9), T(12)),)
    sunday = hours.combine(MONDAY + dt.timedelta(days=6), WEEKLY, [], calendar=cal())
    assert not sunday.is_open


def test_a_holiday_closes_and_a_make_up_day_opens_with_the_chosen_weekday():
    holiday = hours.combine(MONDAY, WEEKLY, [], calendar=cal(holidays=[MONDAY]))
    assert not holiday.is_open and holiday.reason == "节日"
    sunday = MONDAY + dt.timedelta(days=6)
    worked = hours.combine(sunday, WEEKLY, [], makeup_weekday=5, calendar=cal(workdays=[sunday]))
    assert worked.sessions == ((T(9), T(12)),)
    worked = hours.combine(sunday, WEEKLY, [], makeup_weekday=0, calendar=cal(workdays=[sunday]))
    assert worked.sessions == ((T(9), T(12)), (T(13, 30), T(17, 30)))


def test_exceptions_close_a_day_a_period_or_open_extra_hours():
    c = cal()
    assert not hours.combine(MONDAY, WEEKLY, [(False, None, None, "停电")], calendar=c).is_open
    afternoon = hours.combine(MONDAY, WEEKLY, [(False, T(15), T(17, 30), "培训")], calendar=c)
    assert afternoon.sessions == ((T(9), T(12)), (T(13, 30), T(15)))
    assert afternoon.reason == "培训"
    middle = hours.combine(MONDAY, WEEKLY, [(False, T(10), T(11), "x")], calendar=c)
    assert middle.sessions == ((T(9), T(10)), (T(11), T(12)), (T(13, 30), T(17, 30)))
    sunday = hours.combine(MONDAY + dt.timedelta(days=6), WEEKLY, [(True, T(9), T(12), "周末不打烊")], calendar=c)
    assert sunday.sessions == ((T(9), T(12)),)
    longer = hours.combine(MONDAY, WEEKLY, [(True, T(11), T(14), "延时")], calendar=c)
    assert longer.sessions == ((T(9), T(17, 30)),)


def test_only_whole_slots_fit_before_closing():
    day = hours.DayHours(MONDAY, ((T(9), T(10)), (T(13, 30), T(15, 20))))
    starts = [a.time() for a, _b in hours.slot_times(day, 45)]
    assert starts == [T(9), T(13, 30), T(14, 15)]
    for a, b in hours.slot_times(day, 45):
        assert b - a == dt.timedelta(minutes=45)
        assert b.time() <= T(15, 20)


@pytest.mark.django_db
def test_days_read_the_official_calendar_and_the_hall_exceptions():
    from tests.halls.world import build
    from yiwang.halls import services

    w = build()
    hall = w["hall"]
    calendar.load_from_package([2026])
    national_day = hours.day(hall.pk, dt.date(2026, 10, 1))
    assert not national_day.is_open and "国庆" in national_day.reason
    later = dt.date.today() + dt.timedelta(days=10)
    services.add_exception(hall, date=later.isoformat(), is_open=False, reason="系统升级", by=services.SYSTEM)
    before, closed = hours.days(hall.pk, later - dt.timedelta(days=1), 2)
    assert before.is_open
    assert not closed.is_open and closed.reason == "系统升级"
