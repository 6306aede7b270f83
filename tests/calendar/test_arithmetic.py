"""Fixed cases against the official arrangements of 2025 and 2026, and the documented conventions."""

import datetime as dt

import pytest

from tests.calendar.conftest import package_calendar
from yiwang.calendar import workdays

D = dt.date
cal = package_calendar()


def test_national_day_2025_days_off_and_make_up_days():
    for day in range(1, 9):
        assert not cal.is_working_day(D(2025, 10, day)), day
    assert cal.is_working_day(D(2025, 9, 28))  # Sunday worked
    assert cal.is_working_day(D(2025, 10, 11))  # Saturday worked
    assert cal.is_working_day(D(2025, 10, 9))
    assert not cal.is_working_day(D(2025, 10, 12))  # an ordinary Sunday
    assert cal.describe(D(2025, 10, 11)) == {
        "date": D(2025, 10, 11),
        "working_day": True,
        "kind": "workday",
        "name": "国庆节",
    }


def test_counting_across_national_day_2025():
    # Accepted Friday 26 September: the 28th (Sunday) is the first working day after it.
    assert cal.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert cal.add_working_days(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert cal.add_working_days(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert cal.add_working_days(D(2025, 9, 26), 7) == D(2025, 10, 13)
    assert cal.working_days_between(D(2025, 9, 26), D(2025, 10, 13)) == 7
    # 20 working days (the Administrative Licensing Law's default) from 22 September 2025.
    assert cal.add_working_days(D(2025, 9, 22), 20) == D(2025, 10, 24)


def test_spring_festival_2026_as_the_package_has_it():
    # 2026: 15–23 February off (nine days), Saturday 14 and Saturday 28 February worked.
    for day in range(15, 24):
        assert not cal.is_working_day(D(2026, 2, day)), day
    assert cal.is_working_day(D(2026, 2, 14))
    assert cal.is_working_day(D(2026, 2, 28))
    assert cal.describe(D(2026, 2, 17))["name"] == "春节"
    # Accepted Friday 13 February with 5 working days: 14th, then 24–27th.
    assert cal.add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert cal.add_working_days(D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 3, 2)) == 7


def test_start_day_is_not_counted_even_when_it_is_a_holiday():
    # Accepted on a holiday (an online application on 1 October): the first working day after it ends a 1-day limit.
    assert cal.add_working_days(D(2025, 10, 1), 1) == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)


def test_across_the_new_year_and_backwards():
    assert cal.add_working_days(D(2025, 12, 30), 2) == D(2026, 1, 4)  # 31 Dec, then Sunday 4 Jan (worked)
    assert cal.add_working_days(D(2026, 1, 4), -2) == D(2025, 12, 30)
    assert cal.working_days_between(D(2026, 1, 4), D(2025, 12, 30)) == -2


def test_natural_days_end_on_a_working_day():
    assert cal.add_days(D(2025, 9, 24), 7, "natural") == D(2025, 10, 9)  # 1 October is a holiday: moved on
    assert cal.add_days(D(2025, 9, 20), 5, "natural") == D(2025, 9, 25)
    with pytest.raises(ValueError):
        cal.add_days(D(2025, 9, 20), 5, "weeks")


def test_suspension_spanning_a_holiday():
    start = D(2025, 9, 22)  # Monday
    assert cal.deadline(start, 10).end == D(2025, 10, 11)
    # Expert review from Monday 29 September to Thursday 9 October: its working days (29, 30 Sep, 9 Oct) stop.
    result = cal.deadline(start, 10, [(D(2025, 9, 29), D(2025, 10, 9))])
    assert result.end == D(2025, 10, 15)
    assert result.suspended_days == 3
    assert not result.provisional


def test_suspensions_overlap_merge_and_before_start_are_ignored():
    start = D(2025, 9, 22)
    one = cal.deadline(start, 10, [(D(2025, 9, 29), D(2025, 10, 9))]).end
    assert cal.deadline(start, 10, [(D(2025, 9, 29), D(2025, 10, 2)), (D(2025, 10, 1), D(2025, 10, 9))]).end == one
    assert cal.deadline(start, 10, [(D(2025, 9, 1), D(2025, 9, 10))]).end == D(2025, 10, 11)
    # A suspension after the deadline changes nothing.
    assert cal.deadline(start, 3, [(D(2025, 10, 20), D(2025, 10, 30))]).end == D(2025, 9, 25)


def test_open_suspension_moves_nothing_yet_but_is_provisional():
    start = D(2025, 9, 22)
    result = cal.deadline(start, 10, [(D(2025, 9, 29), None)])
    assert result.end == D(2025, 10, 11)
    assert result.provisional
    # Started after the deadline: the answer is final.
    late = cal.deadline(start, 3, [(D(2025, 10, 20), None)])
    assert late.end == D(2025, 9, 25) and not late.provisional


def test_natural_day_limit_with_suspension():
    # 10 natural days from 1 September, 5 days suspended (3–7 September): ends 16 September (a Tuesday).
    result = cal.deadline(D(2025, 9, 1), 10, [(D(2025, 9, 3), D(2025, 9, 7))], unit="natural")
    assert result.end == D(2025, 9, 16)
    assert result.suspended_days == 5


def test_zero_day_limit_and_bad_arguments():
    assert cal.deadline(D(2025, 10, 1), 0).end == D(2025, 10, 1)
    with pytest.raises(ValueError):
        cal.deadline(D(2025, 10, 1), -1)
    with pytest.raises(ValueError):
        cal.deadline(D(2025, 10, 1), 1, unit="hours")


def test_datetimes_count_by_their_local_date():
    from django.utils import timezone

    # 23:30 in Beijing on 30 September is 15:30 UTC: the local date is what counts.
    moment = timezone.make_aware(dt.datetime(2025, 9, 30, 23, 30))
    assert cal.add_working_days(moment, 1) == D(2025, 10, 9)


def test_elapsed_fraction():
    start, end = D(2025, 9, 22), D(2025, 10, 11)  # 10 working days
    noon = dt.datetime(2025, 9, 24, 12, 0)  # 23rd full, 24th half
    assert cal.elapsed_fraction(start, end, noon) == pytest.approx(0.15)
    assert cal.elapsed_fraction(start, end, dt.datetime(2025, 9, 22, 15, 0)) == 0.0
    # The holidays use no time: from 1 to 8 October it stays at 7 of 10.
    assert cal.elapsed_fraction(start, end, dt.datetime(2025, 10, 3, 12, 0)) == pytest.approx(0.7)
    assert cal.elapsed_fraction(start, end, dt.datetime(2025, 10, 12, 0, 0)) == pytest.approx(1.0)
    assert cal.elapsed_fraction(start, end, dt.datetime(2025, 10, 14, 0, 0)) > 1.0
    # A running suspension freezes the fraction.
    susp = [(D(2025, 9, 25), None)]
    frozen = cal.elapsed_fraction(start, end, dt.datetime(2025, 9, 30, 12), suspensions=susp)
    assert frozen == pytest.approx(0.2)
    # 即办件: nothing used during the day, overdue afterwards.
    assert cal.elapsed_fraction(start, start, dt.datetime(2025, 9, 22, 18)) == 0.0
    assert cal.elapsed_fraction(start, start, dt.datetime(2025, 9, 24, 0)) >= 1.0


def test_year_without_arrangement_is_weekends_only_with_a_warning(caplog):
    bare = package_calendar()
    workdays._warned_years.discard(2031)  # once per process: forget an earlier test's use of 2031
    with caplog.at_level("WARNING", logger="yiwang.calendar"), pytest.warns(workdays.CalendarWarning):
        # 1 October 2031 is a Wednesday: without an arrangement it is an ordinary working day.
        assert bare.is_working_day(D(2031, 10, 1))
    assert not bare.is_working_day(D(2031, 10, 4))  # Saturday
    assert bare.add_working_days(D(2031, 10, 3), 1) == D(2031, 10, 6)
    assert "2031" in caplog.text
    assert [w["year"] for w in bare.warnings_for(D(2026, 12, 1), D(2031, 1, 5))] == [2027, 2028, 2029, 2030, 2031]
    w = bare.deadline(D(2026, 12, 25), 20).calendar_warnings
    assert [x["year"] for x in w] == [2027] and "2027" in w[0]["message"] and w[0]["message_en"]
    assert any(getattr(r, "year", None) == 2031 for r in workdays.recorded_warnings())
