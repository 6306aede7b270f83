"""THE write path of the calendar: load a year from the package, import one from a file, edit single days.

Every change is checked first (every problem at once, nothing written when any is found), written in one
transaction, bumps the calendar version (so every process drops its cached copy) and, once committed, sends
`calendar_changed(years=[...])` so cases can recompute their deadlines.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

from . import workdays
from .models import CalendarState, DayKind, HolidayYear, SpecialDay
from .signals import calendar_changed

MIN_YEAR = 1949
MAX_YEAR = 2200
NAME_MAX = 50
KIND_ORDINARY = "ordinary"  # an edit that turns a special day back into an ordinary one


@dataclass
class DayRow:
    """One day to store, with where it came from in a file (row, and the column letters for xlsx)."""

    date: dt.date | None
    kind: str | None
    name: str = ""
    row: int | None = None
    letters: dict[str, str] = field(default_factory=dict)


@dataclass
class YearResult:
    """What a load or import did (or, for a dry run, would do) to one year."""

    year: int
    holidays: int
    workdays: int
    replaced: int
    source: str
    dry_run: bool = False
    skipped: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- checks ---------------------------------------------------------------------------------------------------


def year_problems(year: Any, field_name: str = "year") -> list[Problem]:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        return [
            Problem(
                field_name,
                _("Give a year between %(min)s and %(max)s."),
                code="invalid_year",
                params={"min": MIN_YEAR, "max": MAX_YEAR},
            )
        ]
    return []


def _p(row: DayRow, column: str, message: Any, code: str, params: dict | None = None) -> Problem:
    extra = {"column_letter": row.letters[column]} if column in row.letters else {}
    return Problem(
        column if row.row is None else f"days.{column}",
        message,
        code=code,
        row=row.row,
        column=column if row.row is not None else None,
        params=params,
        extra=extra,
    )


def day_problems(year: int, rows: Sequence[DayRow], require_rows: bool = True) -> list[Problem]:
    """Every problem of a year's days: dates outside the year, unknown kinds, weekday make-up days, duplicates."""
    problems: list[Problem] = []
    if require_rows and not rows:
        problems.append(Problem("days", _("The file has no days: give at least one holiday."), code="empty"))
    seen: dict[dt.date, DayRow] = {}
    for r in rows:
        if r.date is None:
            problems.append(_p(r, "date", _("Give a date such as 2026-10-01."), "invalid_date"))
        elif r.date.year != year:
            problems.append(
                _p(
                    r,
                    "date",
                    _("%(date)s is not in %(year)s, the year being loaded."),
                    "outside_year",
                    {"date": r.date.isoformat(), "year": year},
                )
            )
        elif r.date in seen:
            first = seen[r.date]
            problems.append(
                _p(
                    r,
                    "date",
                    _("%(date)s appears twice (first in row %(row)s)."),
                    "duplicate",
                    {"date": r.date.isoformat(), "row": first.row if first.row is not None else "?"},
                )
            )
        else:
            seen[r.date] = r
        if r.kind not in DayKind.values:
            problems.append(_p(r, "kind", _("The kind must be “holiday” (休) or “workday” (班)."), "invalid_kind"))
        elif r.kind == DayKind.WORKDAY and r.date is not None and r.date.weekday() < 5:
            problems.append(
                _p(
                    r,
                    "kind",
                    _("%(date)s is a weekday: a make-up working day (调休上班) must be a Saturday or Sunday."),
                    "workday_not_weekend",
                    {"date": r.date.isoformat()},
                )
            )
        if len(r.name or "") > NAME_MAX:
            problems.append(_p(r, "name", _("At most %(n)s characters."), "too_long", {"n": NAME_MAX}))
    return problems


# -- writing --------------------------------------------------------------------------------------------------


def _changed(years: Iterable[int]) -> None:
    """Bumps the calendar version in the current transaction; after commit: drop the cache, send the signal."""
    years = sorted(set(years))
    now = timezone.now()
    if not CalendarState.objects.filter(pk=1).update(version=F("version") + 1, token=uuid.uuid4(), changed_at=now):
        _state, created = CalendarState.objects.get_or_create(
            pk=1, defaults={"version": 1, "token": uuid.uuid4(), "changed_at": now}
        )
        if not created:
            CalendarState.objects.filter(pk=1).update(version=F("version") + 1, token=uuid.uuid4(), changed_at=now)

    workdays.forget_request_state()

    def after() -> None:
        workdays.forget()
        calendar_changed.send(sender=SpecialDay, years=years)

    transaction.on_commit(after)


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def replace_year(
    year: int,
    rows: Sequence[DayRow],
    *,
    source: str,
    notice: str = "",
    notice_url: str = "",
    user: Any = None,
    dry_run: bool = False,
) -> YearResult:
    """Replaces a year's arrangement with `rows` (all or nothing); refuses with every problem at once."""
    problems = year_problems(year) or day_problems(year, rows)
    if notice_url and not notice_url.startswith(("http://", "https://")):
        problems.append(Problem("notice_url", _("Give an address starting with https://."), code="invalid_url"))
    if len(notice) > 200:
        problems.append(Problem("notice", _("At most %(n)s characters."), code="too_long", params={"n": 200}))
    if problems:
        raise ProblemsError(problems)
    holidays = sum(1 for r in rows if r.kind == DayKind.HOLIDAY)
    result = YearResult(year, holidays, len(rows) - holidays, 0, source[:200], dry_run=dry_run)
    with transaction.atomic():
        existing = HolidayYear.objects.select_for_update().filter(year=year).first()
        result.replaced = existing.days.count() if existing else 0
        if dry_run:
            return result
        now = timezone.now()
        values = {
            "source": source[:200],
            "notice": notice,
            "notice_url": notice_url,
            "loaded_at": now,
            "loaded_by": _user(user),
            "edited_at": None,
            "edited_by": None,
        }
        if existing is None:
            holiday_year = HolidayYear.objects.create(year=year, **values)
        else:
            holiday_year = existing
            for key, value in values.items():
                setattr(holiday_year, key, value)
            holiday_year.save()
            holiday_year.days.all().delete()
        # A date is unique across years; rows of this year cannot belong to another, but be explicit.
        SpecialDay.objects.filter(date__in=[r.date for r in rows]).delete()
        SpecialDay.objects.bulk_create(
            [SpecialDay(date=r.date, kind=r.kind, name=(r.name or "").strip(), year=holiday_year) for r in rows]
        )
        _changed([year])
    return result


def package_version() -> str:
    import chinese_calendar

    return f"chinesecalendar {chinese_calendar.__version__}"


def package_days() -> dict[int, list[DayRow]]:
    """The arrangements the chinesecalendar package carries, by year, with Chinese holiday names."""
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    chinese = {h.value: h.chinese for h in Holiday}
    years: dict[int, list[DayRow]] = {}
    for d, name in sorted(chinese_calendar.holidays.items()):
        years.setdefault(d.year, []).append(DayRow(d, DayKind.HOLIDAY, chinese.get(name, name or "")))
    for d, name in sorted(chinese_calendar.workdays.items()):
        years.setdefault(d.year, []).append(DayRow(d, DayKind.WORKDAY, chinese.get(name, name or "")))
    for rows in years.values():
        rows.sort(key=lambda r: r.date)
    return years


def package_years() -> list[int]:
    return sorted(package_days())


def load_from_package(
    years: Sequence[int] | None = None, *, user: Any = None, replace: bool = False
) -> list[YearResult]:
    """Loads years from the chinesecalendar package (all it carries when `years` is None).

    A year an administrator imported or edited is kept unless `replace`: the package must not undo a
    State Council notice loaded by hand. A year already loaded from the package is refreshed.
    """
    available = package_days()
    wanted = sorted(available) if years is None else sorted(set(years))
    problems = []
    for y in wanted:
        if y not in available:
            problems.append(
                Problem(
                    "year",
                    _("The chinesecalendar package has no arrangement for %(year)s (it covers %(first)s–%(last)s)."),
                    code="not_in_package",
                    params={"year": y, "first": min(available), "last": max(available)},
                )
            )
    if problems:
        raise ProblemsError(problems)
    source = package_version()
    existing = {h.year: h for h in HolidayYear.objects.filter(year__in=wanted)}
    results = []
    for y in wanted:
        current = existing.get(y)
        hand_made = current is not None and (not current.source.startswith("chinesecalendar") or current.edited_at)
        if hand_made and not replace:
            results.append(
                YearResult(y, 0, 0, 0, current.source, skipped=True, reason="imported or edited by an administrator")
            )
            continue
        results.append(replace_year(y, available[y], source=source, user=user))
    return results


def set_day(date: dt.date, kind: str, name: str = "", *, user: Any = None) -> SpecialDay | None:
    """Makes one day a holiday, a make-up working day, or (kind "ordinary") an ordinary day again."""
    problems: list[Problem] = []
    if not isinstance(date, dt.date):
        raise ProblemsError([Problem("date", _("Give a date such as 2026-10-01."), code="invalid_date")])
    holiday_year = HolidayYear.objects.filter(year=date.year).first()
    if holiday_year is None:
        problems.append(
            Problem(
                "date",
                _("The arrangement for %(year)s is not loaded: load or import the year first."),
                code="year_not_loaded",
                params={"year": date.year},
            )
        )
    if kind != KIND_ORDINARY:
        row = DayRow(date, kind, name or "")
        problems += day_problems(date.year, [row], require_rows=False)
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        HolidayYear.objects.filter(pk=holiday_year.pk).update(edited_at=timezone.now(), edited_by=_user(user))
        if kind == KIND_ORDINARY:
            deleted, _detail = SpecialDay.objects.filter(date=date).delete()
            if deleted:
                _changed([date.year])
            return None
        day, _created = SpecialDay.objects.update_or_create(
            date=date, defaults={"kind": kind, "name": (name or "").strip(), "year": holiday_year}
        )
        _changed([date.year])
    return day


def delete_days(dates: Iterable[dt.date], *, user: Any = None) -> int:
    """Turns several special days back into ordinary days (the admin's bulk delete)."""
    dates = list(dates)
    with transaction.atomic():
        years = sorted({d.year for d in dates})
        deleted, _detail = SpecialDay.objects.filter(date__in=dates).delete()
        if deleted:
            HolidayYear.objects.filter(year__in=years).update(edited_at=timezone.now(), edited_by=_user(user))
            _changed(years)
    return deleted


def unload_year(year: int) -> bool:
    """Forgets a year's arrangement (the year falls back to weekends only, with a warning)."""
    with transaction.atomic():
        deleted, _detail = HolidayYear.objects.filter(year=year).delete()
        if deleted:
            _changed([year])
    return bool(deleted)
