"""Properties of the arithmetic, over the official 2025–2026 arrangements and the years around them."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.calendar.conftest import package_calendar

pytestmark = pytest.mark.filterwarnings("ignore::yiwang.calendar.workdays.CalendarWarning")
cal = package_calendar((2024, 2025, 2026))
days = st.dates(min_value=dt.date(2024, 6, 1), max_value=dt.date(2026, 12, 31))
limits = st.integers(min_value=0, max_value=120)
suspension = st.tuples(days, st.integers(min_value=0, max_value=40)).map(
    lambda t: (t[0], t[0] + dt.timedelta(days=t[1]))
)


@given(days, st.integers(min_value=-150, max_value=150))
@settings(max_examples=400, deadline=None)
def test_add_then_between_are_inverse(start, n):
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@given(days, days)
@settings(max_examples=300, deadline=None)
def test_between_then_add_lands_on_the_last_working_day(a, b):
    n = cal.working_days_between(a, b)
    if n > 0:
        end = cal.add_working_days(a, n)
        assert end <= b and cal.working_days_between(end, b) == 0


@given(days)
def test_adding_zero_is_the_start(start):
    assert cal.add_working_days(start, 0) == start
    assert cal.deadline(start, 0).end == start


@given(days, limits, limits)
@settings(max_examples=300, deadline=None)
def test_monotonic(start, n, m):
    a, b = sorted((n, m))
    assert cal.add_working_days(start, a) <= cal.add_working_days(start, b)
    if a < b:
        assert cal.add_working_days(start, a) < cal.add_working_days(start, b)


@given(days, days, limits)
@settings(max_examples=300, deadline=None)
def test_monotonic_in_the_start(s1, s2, n):
    a, b = sorted((s1, s2))
    assert cal.add_working_days(a, n) <= cal.add_working_days(b, n)


@given(days, st.integers(min_value=1, max_value=120))
@settings(max_examples=300, deadline=None)
def test_result_is_always_a_working_day(start, n):
    assert cal.is_working_day(cal.add_working_days(start, n))
    assert cal.is_working_day(cal.add_working_days(start, -n))
    assert cal.is_working_day(cal.deadline(start, n, unit="natural").end)


@given(
    days,
    st.integers(min_value=1, max_value=60),
    st.lists(suspension, max_size=4),
    st.sampled_from(["working", "natural"]),
)
@settings(max_examples=400, deadline=None)
def test_suspension_only_ever_moves_a_deadline_later(start, n, suspensions, unit):
    plain = cal.deadline(start, n, unit=unit).end
    result = cal.deadline(start, n, suspensions, unit=unit)
    assert result.end >= plain
    assert cal.is_working_day(result.end)
    # Adding one more suspension never moves it earlier either.
    if suspensions:
        fewer = cal.deadline(start, n, suspensions[:-1], unit=unit).end
        assert result.end >= fewer
    # Open suspensions move nothing yet.
    if suspensions:
        assert (
            cal.deadline(start, n, [*suspensions[:-1], (suspensions[-1][0], None)], unit=unit).end
            == cal.deadline(start, n, suspensions[:-1], unit=unit).end
        )


@given(days, st.integers(min_value=1, max_value=60), st.lists(suspension, max_size=3))
@settings(max_examples=300, deadline=None)
def test_counted_days_equal_the_limit(start, n, suspensions):
    """Between the start and the deadline lie exactly n working days that no suspension covers."""
    end = cal.deadline(start, n, suspensions).end
    d, counted = start, 0
    while d < end:
        d += dt.timedelta(days=1)
        if cal.is_working_day(d) and not any(s <= d <= e for s, e in suspensions if s > start or e > start):
            counted += 1
    assert counted == n


@given(days, st.integers(min_value=1, max_value=60))
@settings(max_examples=200, deadline=None)
def test_elapsed_fraction_is_one_at_the_end_of_the_deadline_day(start, n):
    end = cal.add_working_days(start, n)
    assert (
        abs(cal.elapsed_fraction(start, end, dt.datetime.combine(end + dt.timedelta(days=1), dt.time())) - 1.0) < 1e-9
    )
    assert cal.elapsed_fraction(start, end, dt.datetime.combine(start, dt.time(12))) == 0.0
