"""Working-day arithmetic for legal time limits (法定时限 / 承诺时限).

Conventions (docs/calendar.md explains them with examples):

- A date is a working day when it is a make-up working day (调休上班); otherwise not when it is a holiday;
  otherwise when it is Monday–Friday. A year with no arrangement loaded falls back to weekends only and says so
  (`calendar_warnings`, a log line and a `CalendarWarning` once per year per process) rather than failing.
- Counting starts the day after (Administrative Licensing Law; Civil Code art. 201): a case accepted on day D
  with a limit of N working days ends at the end of the N-th working day after D, whatever D itself is.
  `add_working_days(D, N)` is that day; `add_working_days(D, 0)` is D itself (即办件: done the same day).
- `working_days_between(a, b)` counts the working days d with a < d ≤ b (negative when b < a), so
  `working_days_between(a, add_working_days(a, n)) == n` for every n, negative n included.
- Natural-day limits end N calendar days after D; when that day is not a working day the limit ends on the
  next working day (Civil Code art. 203: a period whose last day is a statutory holiday ends the day after it).
- Suspensions (特别程序, waiting for a correction) are date ranges [start, end], both days included: none of
  their days count. A suspension still open (end None) moves nothing yet: the deadline is the one computed
  without it, flagged `provisional`; when the suspension ends, its days are excluded and the date moves.

Speed: the special days live in a process-local `Calendar` snapshot keyed by the database's calendar token
(`CalendarState`), read once per public call (one primary-key query); every change bumps the token, so every
process sees a change on its next call. For many computations in a row, take `snapshot()` once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import threading
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import both_languages

logger = logging.getLogger("yiwang.calendar")

WORKING = "working"
NATURAL = "natural"
UNITS = (WORKING, NATURAL)

DateLike = dt.date | dt.datetime
Suspension = tuple[DateLike, DateLike | None]


class CalendarWarning(UserWarning):
    """A computation used a year whose holiday arrangement is not loaded (weekends only were assumed)."""


def _as_date(value: DateLike) -> dt.date:
    """A local date from a date or an aware datetime (cases keep datetimes; limits count dates)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


class _Year:
    """One year as a cumulative count: cum[i] = working days from 1 January to day i of the year, inclusive."""

    __slots__ = ("base", "cum", "first", "total", "working")

    def __init__(self, year: int, holidays: Iterable[dt.date], workdays: Iterable[dt.date]):
        self.first = dt.date(year, 1, 1)
        self.base = self.first.toordinal()
        length = dt.date(year, 12, 31).toordinal() - self.base + 1
        weekday0 = self.first.weekday()
        working = [(weekday0 + i) % 7 < 5 for i in range(length)]
        for d in holidays:
            working[d.toordinal() - self.base] = False
        for d in workdays:
            working[d.toordinal() - self.base] = True
        cum = []
        count = 0
        for w in working:
            count += w
            cum.append(count)
        self.working = working
        self.cum = cum
        self.total = count


@dataclass
class Calendar:
    """An immutable view of the calendar at one version; all arithmetic, no database access.

    Years are built lazily from the special days; a year without an arrangement is weekends only and is
    named in `missing_years()` so callers can warn.
    """

    token: Any = None
    version: int = 0
    loaded_years: frozenset[int] = frozenset()
    holidays: dict[dt.date, str] = field(default_factory=dict)
    workdays: dict[dt.date, str] = field(default_factory=dict)
    _years: dict[int, _Year] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- building blocks -------------------------------------------------------------------------------------
    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            with self._lock:
                table = self._years.get(year)
                if table is None:
                    if year not in self.loaded_years:
                        _note_missing(year)
                    table = _Year(
                        year,
                        [d for d in self.holidays if d.year == year],
                        [d for d in self.workdays if d.year == year],
                    )
                    self._years[year] = table
        return table

    def _count_to(self, d: dt.date) -> tuple[_Year, int]:
        table = self._year(d.year)
        return table, table.cum[d.toordinal() - table.base]

    def missing_years(self, *dates: DateLike | None) -> list[int]:
        """Years spanned by `dates` (from the earliest to the latest) that have no arrangement loaded."""
        ds = [_as_date(d) for d in dates if d is not None]
        if not ds:
            return []
        return [y for y in range(min(ds).year, max(ds).year + 1) if y not in self.loaded_years]

    def warnings_for(self, *dates: DateLike | None) -> list[dict[str, Any]]:
        """The API's `calendar_warnings`: one entry per year used without an arrangement."""
        return [missing_year_warning(y) for y in self.missing_years(*dates)]

    # -- questions about one day -----------------------------------------------------------------------------
    def is_working_day(self, d: DateLike) -> bool:
        d = _as_date(d)
        table = self._year(d.year)
        return table.working[d.toordinal() - table.base]

    def describe(self, d: DateLike) -> dict[str, Any]:
        """What a day is and why: holiday / workday (make-up) / weekend / weekday, with the holiday's name."""
        d = _as_date(d)
        if d in self.workdays:
            kind, name = "workday", self.workdays[d]
        elif d in self.holidays:
            kind, name = "holiday", self.holidays[d]
        else:
            kind, name = ("weekend" if d.weekday() >= 5 else "weekday"), ""
        return {"date": d, "working_day": self.is_working_day(d), "kind": kind, "name": name}

    # -- arithmetic --------------------------------------------------------------------------------------------
    def working_days_between(self, a: DateLike, b: DateLike) -> int:
        """Working days d with a < d ≤ b; negative when b is before a."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        ta, ca = self._count_to(a)
        if a.year == b.year:
            return ta.cum[b.toordinal() - ta.base] - ca
        count = ta.total - ca
        for y in range(a.year + 1, b.year):
            count += self._year(y).total
        return count + self._count_to(b)[1]

    def add_working_days(self, start: DateLike, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted); n = 0 gives `start`; n < 0 goes back."""
        start = _as_date(start)
        if n == 0:
            return start
        table, done = self._count_to(start)
        target = done + n  # the cumulative count (within table's year) the answer reaches first
        year = start.year
        while target > table.total:
            target -= table.total
            year += 1
            table = self._year(year)
        while target <= 0:
            year -= 1
            table = self._year(year)
            target += table.total
        return dt.date.fromordinal(table.base + bisect.bisect_left(table.cum, target))

    def next_working_day(self, d: DateLike, include: bool = True) -> dt.date:
        """`d` itself when it is a working day (and `include`), else the first working day after it."""
        d = _as_date(d)
        if include and self.is_working_day(d):
            return d
        return self.add_working_days(d, 1)

    def add_days(self, start: DateLike, n: int, unit: str = WORKING) -> dt.date:
        """`n` working days after start, or `n` natural days (moved to the next working day, Civil Code art. 203)."""
        start = _as_date(start)
        if unit == WORKING:
            return self.add_working_days(start, n)
        if unit != NATURAL:
            raise ValueError(f"unit must be one of {UNITS}")
        if n == 0:
            return start
        return self.next_working_day(start + dt.timedelta(days=n))

    def _counted(self, a: dt.date, b: dt.date, unit: str) -> int:
        """Days after a up to b (inclusive) in `unit`; 0 when b ≤ a."""
        if b <= a:
            return 0
        if unit == NATURAL:
            return (b - a).days
        return self.working_days_between(a, b)

    def deadline(
        self, start: DateLike, days: int, suspensions: Sequence[Suspension] = (), unit: str = WORKING
    ) -> Deadline:
        """The last day of a `days`-long limit starting after `start`, the days of every suspension excluded."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}")
        if days < 0:
            raise ValueError("a time limit cannot be negative")
        start = _as_date(start)
        closed, open_from = _merge(start, suspensions)
        cursor, remaining, skipped = start, days, 0
        end: dt.date | None = None
        if days == 0:
            end = start
        for s, e in closed:
            if end is not None:
                break
            available = self._counted(cursor, s - dt.timedelta(days=1), unit)
            if available >= remaining:
                break
            remaining -= available
            skipped += self._counted(max(cursor, s - dt.timedelta(days=1)), e, unit)
            cursor = max(cursor, e)
        if end is None:
            if unit == WORKING:
                end = self.add_working_days(cursor, remaining)
            else:
                end = self.next_working_day(cursor + dt.timedelta(days=remaining))
        provisional = open_from is not None and open_from <= end
        return Deadline(
            end=end,
            provisional=provisional,
            suspended_days=skipped,
            unit=unit,
            calendar_warnings=self.warnings_for(start, end),
        )

    def elapsed_fraction(
        self,
        start: DateLike,
        deadline: DateLike,
        now: DateLike | None = None,
        suspensions: Sequence[Suspension] = (),
        unit: str = WORKING,
    ) -> float:
        """How much of a limit is used: 0 at acceptance, 1.0 at the end of the deadline day, above 1 when overdue.

        Only counted days use time up (working days, outside suspensions); the current day counts by the hour.
        A zero-day limit (即办件) is 0 until the end of its day, then 1 plus the counted days overdue.
        """
        start, end = _as_date(start), _as_date(deadline)
        now = now if now is not None else timezone.now()
        today = _as_date(now)
        if isinstance(now, dt.datetime):
            local = timezone.localtime(now) if timezone.is_aware(now) else now
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            part_of_today = (local - midnight).total_seconds() / 86400
        else:
            part_of_today = 0.0
        closed, open_from = _merge(start, suspensions)
        # The deadline was computed without the open suspension (it moves nothing yet), so the limit's length
        # excludes only the closed ones; the time used also stops while the open one runs.
        stopped = closed if open_from is None else [*closed, (open_from, max(end, today) + dt.timedelta(days=1))]

        def counted(a: dt.date, b: dt.date, intervals: list[tuple[dt.date, dt.date]]) -> int:
            total = self._counted(a, b, unit)
            for s, e in intervals:
                lo, hi = max(a, s - dt.timedelta(days=1)), min(b, e)
                total -= self._counted(lo, hi, unit)
            return total

        def counts(d: dt.date) -> bool:
            if unit == WORKING and not self.is_working_day(d):
                return False
            return not any(s <= d <= e for s, e in stopped)

        total = counted(start, end, closed)
        used = counted(start, today - dt.timedelta(days=1), stopped)
        if today > start and counts(today):
            used += part_of_today
        if total == 0:
            if today <= end:
                return 0.0
            return 1.0 + counted(end, today - dt.timedelta(days=1), stopped) + (part_of_today if counts(today) else 0.0)
        return used / total


@dataclass(frozen=True)
class Deadline:
    """A computed deadline: the last day, whether an open suspension may still move it, and any warning."""

    end: dt.date
    provisional: bool = False
    suspended_days: int = 0
    unit: str = WORKING
    calendar_warnings: list[dict[str, Any]] = field(default_factory=list)


def _merge(start: dt.date, suspensions: Sequence[Suspension]) -> tuple[list[tuple[dt.date, dt.date]], dt.date | None]:
    """Closed suspensions after `start`, sorted and merged; and the earliest start of an open one (if any)."""
    closed: list[tuple[dt.date, dt.date]] = []
    open_from: dt.date | None = None
    for raw_s, raw_e in suspensions:
        s = max(_as_date(raw_s), start + dt.timedelta(days=1))
        if raw_e is None:
            open_from = s if open_from is None else min(open_from, s)
            continue
        e = _as_date(raw_e)
        if e < s:
            continue
        closed.append((s, e))
    closed.sort()
    merged: list[tuple[dt.date, dt.date]] = []
    for s, e in closed:
        if merged and s <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged, open_from


# -- the process-local cache ------------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_current: Calendar | None = None
_warned_years: set[int] = set()
_recorded: list[CalendarWarning] = []


def missing_year_warning(year: int) -> dict[str, Any]:
    return {
        "year": year,
        "code": "no_arrangement",
        **both_languages(
            _(
                "The holiday arrangement for %(year)s is not loaded: only weekends are treated as days off. "
                "Load or import it on the calendar page."
            ),
            {"year": year},
        ),
    }


def _note_missing(year: int) -> None:
    """Logs, once per year per process, that a year without an arrangement was used."""
    if year in _warned_years:
        return
    _warned_years.add(year)
    message = f"holiday arrangement for {year} is not loaded; counting weekends only"
    logger.warning(message)
    record = CalendarWarning(message)
    record.year = year  # type: ignore[attr-defined]
    _recorded.append(record)
    warnings.warn(record, stacklevel=4)


def recorded_warnings() -> list[CalendarWarning]:
    """The CalendarWarnings this process has raised (one per year)."""
    return list(_recorded)


# Within one web request the version is read once: a request sees one calendar (request_started/finished reset it).
_request = threading.local()


def request_started(**kwargs: Any) -> None:
    _request.active, _request.state = True, None


def request_finished(**kwargs: Any) -> None:
    _request.active, _request.state = False, None


def forget_request_state() -> None:
    """The calendar changed in this request: read its version again."""
    _request.state = None


def _state() -> tuple[Any, int]:
    """The version row, read with plain SQL: this runs on every call, and the ORM's query building would cost
    several times the query itself. Inside a web request it is read once."""
    from django.db import connections, router

    from .models import CalendarState

    if getattr(_request, "active", False) and _request.state is not None:
        return _request.state
    alias = router.db_for_read(CalendarState)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT token, version FROM {CalendarState._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    state = (_token(row[0]), row[1]) if row is not None else (None, 0)
    if getattr(_request, "active", False):
        _request.state = state
    return state


def _token(raw: Any) -> Any:
    """One spelling of a token, whichever way it was read (a UUID from PostgreSQL or the ORM, hex from SQLite)."""
    if raw is None or isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return raw


def state_annotations() -> dict[str, Any]:
    """Annotations that read the calendar's version with another query (`.annotate(**state_annotations())`), so a
    write path that computes deadlines learns whether its cached calendar is current without a query of its own:
    pass `state_of(obj)` to `snapshot()`."""
    from django.db.models import Subquery

    from .models import CalendarState

    row = CalendarState.objects.filter(pk=1)
    return {
        "calendar_token": Subquery(row.values("token")[:1]),
        "calendar_version": Subquery(row.values("version")[:1]),
    }


def state_of(obj: Any) -> tuple[Any, int] | None:
    """The calendar state read with `obj` through `state_annotations()`, or None when it was not."""
    if not hasattr(obj, "calendar_version"):
        return None
    version = obj.calendar_version
    return (_token(obj.calendar_token), int(version)) if version is not None else (None, 0)


def _load(token: Any, version: int) -> Calendar:
    from .models import DayKind, HolidayYear, SpecialDay

    years = frozenset(HolidayYear.objects.values_list("year", flat=True))
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, str] = {}
    for d, kind, name in SpecialDay.objects.values_list("date", "kind", "name"):
        (workdays if kind == DayKind.WORKDAY else holidays)[d] = name
    return Calendar(token=token, version=version, loaded_years=years, holidays=holidays, workdays=workdays)


def snapshot(state: tuple[Any, int] | None = None) -> Calendar:
    """The calendar as the database has it now: one query when the cached copy is current, three when not.

    `state` is the (token, version) already read in the caller's own query (`state_of`): then no query at all while
    the cached copy is current.

    The version token is read before the days, so a change committed in between can only make the cache
    reload once more, never keep stale days under a new token.
    """
    global _current
    if state is not None and getattr(_request, "active", False):
        _request.state = state  # read with the caller's own query: good for the rest of the request
    token, version = state if state is not None else _state()
    current = _current
    if current is not None and current.token == token and current.version == version:
        return current
    fresh = _load(token, version)
    with _cache_lock:
        _current = fresh
    return fresh


def forget() -> None:
    """Drops this process's cached copy (the next call reloads)."""
    global _current
    with _cache_lock:
        _current = None
    forget_request_state()


# -- the module-level functions other modules call -----------------------------------------------------------


def is_working_day(d: DateLike) -> bool:
    """Whether `d` is a working day under the official arrangement."""
    return snapshot().is_working_day(d)


def add_working_days(start: DateLike, n: int) -> dt.date:
    """The n-th working day after `start` (start not counted); `start` itself for n = 0."""
    return snapshot().add_working_days(start, n)


def working_days_between(a: DateLike, b: DateLike) -> int:
    """Working days d with a < d ≤ b (negative when b < a)."""
    return snapshot().working_days_between(a, b)


def deadline(start: DateLike, days: int, suspensions: Sequence[Suspension] = (), unit: str = WORKING) -> dt.date:
    """The last day of the limit (see `compute_deadline` for the provisional flag and warnings)."""
    return snapshot().deadline(start, days, suspensions, unit).end


def compute_deadline(
    start: DateLike, days: int, suspensions: Sequence[Suspension] = (), unit: str = WORKING
) -> Deadline:
    """The deadline with whether an open suspension may still move it, days suspended and calendar warnings."""
    return snapshot().deadline(start, days, suspensions, unit)


def elapsed_fraction(
    start: DateLike,
    deadline: DateLike,
    now: DateLike | None = None,
    suspensions: Sequence[Suspension] = (),
    unit: str = WORKING,
) -> float:
    """Share of the limit used (yellow card near e.g. 0.8, red card above 1)."""
    return snapshot().elapsed_fraction(start, deadline, now, suspensions, unit)


def calendar_warnings(*dates: DateLike | None) -> list[dict[str, Any]]:
    """Warnings for the years spanned by `dates` that have no arrangement loaded."""
    return snapshot().warnings_for(*dates)
