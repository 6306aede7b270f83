"""The database-backed calendar: loading, single-day edits, the version that keeps every process's cache honest."""

import datetime as dt
import uuid

import pytest

from yiwang.calendar import services, workdays
from yiwang.calendar.models import CalendarState, HolidayYear, SpecialDay
from yiwang.calendar.signals import calendar_changed
from yiwang.core.errors import ProblemsError

D = dt.date
pytestmark = pytest.mark.filterwarnings("ignore::yiwang.calendar.workdays.CalendarWarning")


def test_load_from_package_stores_the_years(loaded):
    y = HolidayYear.objects.get(year=2025)
    assert y.source == services.package_version()
    assert SpecialDay.objects.get(date=D(2025, 9, 28)).kind == "workday"
    assert SpecialDay.objects.get(date=D(2025, 10, 1)).name == "国庆节"
    assert not workdays.is_working_day(D(2025, 10, 1))
    assert workdays.add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert workdays.deadline(D(2025, 9, 22), 10, [(D(2025, 9, 29), D(2025, 10, 9))]) == D(2025, 10, 15)


def test_years_not_in_the_package_are_refused(db):
    with pytest.raises(ProblemsError) as exc:
        services.load_from_package([2099])
    assert exc.value.problems[0].code == "not_in_package"
    assert not HolidayYear.objects.exists()


def test_an_edit_changes_the_answer_immediately(loaded, django_capture_on_commit_callbacks):
    assert not workdays.is_working_day(D(2026, 10, 1))
    before = CalendarState.objects.get().version
    with django_capture_on_commit_callbacks(execute=True):
        services.set_day(D(2026, 10, 1), services.KIND_ORDINARY)
    assert workdays.is_working_day(D(2026, 10, 1))
    assert CalendarState.objects.get().version == before + 1
    with django_capture_on_commit_callbacks(execute=True):
        services.set_day(D(2026, 10, 1), "holiday", "国庆节")
    assert not workdays.is_working_day(D(2026, 10, 1))


def test_a_change_made_by_another_process_is_seen_on_the_next_call(loaded):
    """Another process writes the rows and bumps the token; this process's cache must not answer from memory."""
    assert workdays.is_working_day(D(2026, 7, 1))
    assert workdays.snapshot() is workdays.snapshot()  # cached while nothing changes
    year = HolidayYear.objects.get(year=2026)
    SpecialDay.objects.create(date=D(2026, 7, 1), kind="holiday", name="建党节", year=year)
    CalendarState.objects.filter(pk=1).update(token=uuid.uuid4(), version=99)
    assert not workdays.is_working_day(D(2026, 7, 1))


def test_a_reused_version_number_with_another_token_still_reloads(loaded):
    workdays.snapshot()
    state = CalendarState.objects.get()
    SpecialDay.objects.filter(date=D(2026, 10, 1)).delete()
    CalendarState.objects.filter(pk=1).update(token=uuid.uuid4(), version=state.version)
    assert workdays.is_working_day(D(2026, 10, 1))


def test_one_query_per_call_when_the_cache_is_current(loaded, django_assert_num_queries):
    workdays.snapshot()
    with django_assert_num_queries(1):
        workdays.add_working_days(D(2026, 2, 13), 20)
    cal = workdays.snapshot()
    with django_assert_num_queries(0):
        for n in range(100):
            cal.add_working_days(D(2026, 1, 1), n)


def test_signal_after_commit_names_the_years(loaded, django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, years, **kwargs):
        seen.append(years)

    calendar_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.set_day(D(2026, 12, 31), "holiday", "测试")
        assert seen == []  # nothing before the commit
        for cb in callbacks:
            cb()
        assert seen == [[2026]]
        with django_capture_on_commit_callbacks(execute=True):
            services.load_from_package([2025], replace=True)
        assert seen[-1] == [2025]
    finally:
        calendar_changed.disconnect(receiver)


@pytest.mark.parametrize(
    ("date", "kind", "code"),
    [
        (D(2026, 10, 14), "workday", "workday_not_weekend"),  # a Wednesday cannot be a make-up working day
        (D(2026, 10, 14), "weekend", "invalid_kind"),
        (D(2031, 10, 1), "holiday", "year_not_loaded"),
    ],
)
def test_single_day_edits_are_checked(loaded, date, kind, code):
    version = CalendarState.objects.get().version
    with pytest.raises(ProblemsError) as exc:
        services.set_day(date, kind, "x")
    assert code in [p.code for p in exc.value.problems]
    assert CalendarState.objects.get().version == version
    assert not SpecialDay.objects.filter(date=date).exists()


def test_load_keeps_an_administrators_import_unless_replace(loaded, cal_admin):
    services.replace_year(2026, [services.DayRow(D(2026, 10, 1), "holiday", "国庆节")], source="import by admin")
    kept = services.load_from_package([2026])
    assert kept[0].skipped
    assert SpecialDay.objects.filter(year__year=2026).count() == 1
    services.set_day(D(2025, 12, 31), "holiday", "测试", user=cal_admin)  # an edit marks 2025 as hand-made
    assert services.load_from_package([2025])[0].skipped
    replaced = services.load_from_package([2025, 2026], replace=True)
    assert [r.skipped for r in replaced] == [False, False]
    assert SpecialDay.objects.filter(year__year=2026).count() == 39
    assert not SpecialDay.objects.filter(date=D(2025, 12, 31)).exists()


def test_unloading_a_year_falls_back_to_weekends_with_a_warning(loaded):
    assert services.unload_year(2026)
    assert workdays.is_working_day(D(2026, 10, 8))  # a Thursday, holiday no more
    assert [w["year"] for w in workdays.calendar_warnings(D(2026, 10, 8))] == [2026]
    assert not services.unload_year(2026)
