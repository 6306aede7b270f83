"""Calendar API (mounted at /api/v1/calendar/): public reading and arithmetic, staff writing.

Every answer that depends on the calendar carries `calendar_warnings`: one entry per year it used that has no
holiday arrangement loaded (weekends only were assumed), so a caller never mistakes a fallback for the rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_types import IsoDate
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Role
from yiwang.orgs.scope import has_role

from . import services, workdays
from .io import import_file
from .models import HolidayYear, SpecialDay
from .services import MAX_YEAR, MIN_YEAR

router = Router(tags=["calendar"])

MAX_DAYS = 3650
# The years an arrangement can exist for (services.year_problems), and the working/natural unit of a limit.
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR, description=f"A year, {MIN_YEAR} to {MAX_YEAR}")]
Unit = Literal["working", "natural"]


class WarningOut(Schema):
    year: int
    code: str
    message: str
    message_en: str


class DayOut(Schema):
    date: dt.date
    kind: str
    name: str


class YearOut(Schema):
    year: int
    loaded: bool
    source: str = ""
    notice: str = ""
    notice_url: str = ""
    loaded_at: dt.datetime | None = None
    edited_at: dt.datetime | None = None
    holidays: int = 0
    workdays: int = 0


class DaysOut(YearOut):
    days: list[DayOut]
    calendar_warnings: list[WarningOut]


class YearsOut(Schema):
    years: list[YearOut]
    calendar_warnings: list[WarningOut]


class WorkingDayOut(Schema):
    date: dt.date
    working_day: bool
    kind: str
    name: str
    calendar_warnings: list[WarningOut]


class AddOut(Schema):
    start: dt.date
    days: int
    unit: str
    end: dt.date
    calendar_warnings: list[WarningOut]


class BetweenOut(Schema):
    start: dt.date
    end: dt.date
    working_days: int
    calendar_warnings: list[WarningOut]


class SuspensionIn(Schema):
    start: IsoDate
    end: IsoDate | None = Field(None, description="Both days included; none while the suspension goes on")


class DeadlineIn(Schema):
    start: IsoDate
    days: int = Field(
        ..., ge=-MAX_DAYS, le=MAX_DAYS, description="The time limit, 0 to 3650 days (a negative one is refused: 400)"
    )
    unit: Unit = workdays.WORKING
    suspensions: list[SuspensionIn] = Field([], max_length=100)


class DeadlineOut(Schema):
    start: dt.date
    days: int
    unit: str
    end: dt.date
    provisional: bool
    suspended_days: int
    calendar_warnings: list[WarningOut]


class DayIn(Schema):
    kind: str = Field(..., description="holiday or workday (a make-up working day)")
    name: str = Field("", max_length=50)


class LoadIn(Schema):
    years: list[Year] = Field([], max_length=MAX_YEAR - MIN_YEAR + 1)
    all: bool = False
    replace: bool = False


class ResultOut(Schema):
    year: int
    holidays: int
    workdays: int
    replaced: int
    source: str
    dry_run: bool
    skipped: bool
    reason: str


def _require_admin(request: HttpRequest) -> None:
    if not has_role(request.user, Role.CATALOG_ADMIN):
        raise PermissionDenied(_("Only system or catalog administrators may change the calendar."))


def year_summary(year: int, holiday_year: HolidayYear | None) -> dict:
    if holiday_year is None:
        return {"year": year, "loaded": False}
    days = list(holiday_year.days.values_list("kind", flat=True))
    return {
        "year": year,
        "loaded": True,
        "source": holiday_year.source,
        "notice": holiday_year.notice,
        "notice_url": holiday_year.notice_url,
        "loaded_at": holiday_year.loaded_at,
        "edited_at": holiday_year.edited_at,
        "holidays": days.count("holiday"),
        "workdays": days.count("workday"),
    }


@router.get("/years", response=YearsOut, summary="Which years have a holiday arrangement loaded")
def years(request: HttpRequest):
    """Every loaded year with its source and counts, plus this year and next year even when not loaded."""
    this_year = timezone.localdate().year
    loaded = {h.year: h for h in HolidayYear.objects.all()}
    counts: dict[int, dict[str, int]] = {}
    for year_id, kind in SpecialDay.objects.values_list("year__year", "kind"):
        counts.setdefault(year_id, {"holiday": 0, "workday": 0})[kind] += 1
    out = []
    for year in sorted(set(loaded) | {this_year, this_year + 1}):
        h = loaded.get(year)
        if h is None:
            out.append({"year": year, "loaded": False})
        else:
            c = counts.get(year, {"holiday": 0, "workday": 0})
            out.append(
                {
                    "year": year,
                    "loaded": True,
                    "source": h.source,
                    "notice": h.notice,
                    "notice_url": h.notice_url,
                    "loaded_at": h.loaded_at,
                    "edited_at": h.edited_at,
                    "holidays": c["holiday"],
                    "workdays": c["workday"],
                }
            )
    warnings = [workdays.missing_year_warning(y) for y in (this_year, this_year + 1) if y not in loaded]
    return {"years": out, "calendar_warnings": warnings}


@router.get("/days", response={200: DaysOut, 400: ErrorOut}, summary="The holidays and make-up working days of a year")
def days(request: HttpRequest, year: Year):
    holiday_year = HolidayYear.objects.filter(year=year).first()
    out = year_summary(year, holiday_year)
    out["days"] = list(SpecialDay.objects.filter(date__year=year).values("date", "kind", "name"))
    out["calendar_warnings"] = [] if holiday_year else [workdays.missing_year_warning(year)]
    return out


@router.get("/is-working-day", response={200: WorkingDayOut, 400: ErrorOut}, summary="Is this date a working day")
def is_working_day(request: HttpRequest, date: IsoDate):
    cal = workdays.snapshot()
    return {**cal.describe(date), "calendar_warnings": cal.warnings_for(date)}


@router.get(
    "/add", response={200: AddOut, 400: ErrorOut}, summary="The day a limit of N working (or natural) days ends"
)
def add(
    request: HttpRequest,
    start: IsoDate,
    days: int = Query(..., ge=-MAX_DAYS, le=MAX_DAYS, description="-3650 to 3650 (natural days: 0 to 3650)"),
    unit: Unit = workdays.WORKING,
):
    """`days` working days after `start` (start not counted; 0 gives start). Natural days end on a working day."""
    cal = workdays.snapshot()
    if unit == workdays.NATURAL and days < 0:
        raise ProblemsError([Problem("days", _("Natural-day limits cannot be negative."), code="out_of_range")])
    end = cal.add_days(start, days, unit)
    return {"start": start, "days": days, "unit": unit, "end": end, "calendar_warnings": cal.warnings_for(start, end)}


@router.get("/between", response={200: BetweenOut, 400: ErrorOut}, summary="Working days after start up to end")
def between(request: HttpRequest, start: IsoDate, end: IsoDate):
    """Working days d with start < d ≤ end (negative when end is before start); the dates at most 7,300 days
    apart."""
    if abs((end - start).days) > MAX_DAYS * 2:
        raise ProblemsError([Problem("end", _("The dates are too far apart."), code="out_of_range")])
    cal = workdays.snapshot()
    return {
        "start": start,
        "end": end,
        "working_days": cal.working_days_between(start, end),
        "calendar_warnings": cal.warnings_for(start, end),
    }


@router.post("/deadline", response={200: DeadlineOut, 400: ErrorOut}, summary="A deadline with suspensions excluded")
def deadline(request: HttpRequest, payload: DeadlineIn):
    """Suspensions [start, end] (both days included) do not count; an open one (no end) moves nothing yet and
    marks the answer `provisional`."""
    problems = []
    if payload.days < 0:
        problems.append(Problem("days", _("A time limit cannot be negative."), code="out_of_range"))
    for i, s in enumerate(payload.suspensions):
        if s.end is not None and s.end < s.start:
            problems.append(
                Problem(f"suspensions.{i}.end", _("A suspension cannot end before it starts."), code="invalid")
            )
    if problems:
        raise ProblemsError(problems)
    result = workdays.compute_deadline(
        payload.start, payload.days, [(s.start, s.end) for s in payload.suspensions], payload.unit
    )
    return {
        "start": payload.start,
        "days": payload.days,
        "unit": payload.unit,
        "end": result.end,
        "provisional": result.provisional,
        "suspended_days": result.suspended_days,
        "calendar_warnings": result.calendar_warnings,
    }


@router.post(
    "/import",
    auth=session_auth,
    response={200: ResultOut, 400: ErrorOut, 403: ErrorOut},
    summary="Import one year's arrangement from a CSV, xlsx or JSON file (staff)",
)
def import_year(
    request: HttpRequest,
    file: File[UploadedFile],
    year: Form[Year | None] = None,
    notice: Form[str] = "",
    notice_url: Form[str] = "",
    dry_run: Form[bool] = False,
):
    """All or nothing: the year's special days are replaced by the file's, or every problem is listed by row
    and column (a make-up working day that is not a weekend, a date outside the year, a duplicate date...)."""
    _require_admin(request)
    return import_file(
        file, year=year, filename=file.name, user=request.user, notice=notice, notice_url=notice_url, dry_run=dry_run
    ).as_dict()


@router.post(
    "/load",
    auth=session_auth,
    response={200: list[ResultOut], 400: ErrorOut, 403: ErrorOut},
    summary="Load years from the chinesecalendar package (staff)",
)
def load(request: HttpRequest, payload: LoadIn):
    """Years imported or edited by an administrator are kept unless `replace`."""
    _require_admin(request)
    if not payload.all and not payload.years:
        raise ProblemsError([Problem("years", _("Choose at least one year, or all."), code="required")])
    results = services.load_from_package(
        None if payload.all else payload.years, user=request.user, replace=payload.replace
    )
    return [r.as_dict() for r in results]


@router.put(
    "/days/{date}",
    auth=session_auth,
    response={200: DayOut, 400: ErrorOut, 403: ErrorOut},
    summary="Make one date a holiday or a make-up working day (staff)",
)
def put_day(request: HttpRequest, date: IsoDate, payload: DayIn):
    _require_admin(request)
    if payload.kind == services.KIND_ORDINARY:
        raise ProblemsError([Problem("kind", _("To make a day ordinary again, delete it."), code="invalid_choice")])
    day = services.set_day(date, payload.kind, payload.name, user=request.user)
    return {"date": day.date, "kind": day.kind, "name": day.name}


@router.delete(
    "/days/{date}",
    auth=session_auth,
    response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Make a special day an ordinary day again (staff)",
)
def delete_day(request: HttpRequest, date: IsoDate):
    _require_admin(request)
    if not SpecialDay.objects.filter(date=date).exists():
        from django.http import Http404

        raise Http404
    services.set_day(date, services.KIND_ORDINARY, user=request.user)
    return 204, None
