"""The calendar page on the workbench: a year as twelve month tables; administrators load, import and edit days."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from yiwang.core.errors import ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.orgs.models import Role
from yiwang.orgs.scope import has_role

from . import services, workdays
from .context_processors import calendar_warning
from .io import import_file
from .models import DayKind, HolidayYear, SpecialDay

WEEKDAYS = [
    # One-letter column heads (Chinese 一…日), the full name for screen readers and on hover.
    (_("Mo"), _("Monday")),
    (_("Tu"), _("Tuesday")),
    (_("We"), _("Wednesday")),
    (_("Th"), _("Thursday")),
    (_("Fr"), _("Friday")),
    (_("Sa"), _("Saturday")),
    (_("Su"), _("Sunday")),
]


class DayForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # Chinese labels stand above their field without a colon
        super().__init__(*args, **kwargs)

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(
        label=_("The day is"),
        choices=[
            (DayKind.HOLIDAY, _("a holiday (休)")),
            (DayKind.WORKDAY, _("a make-up working day on a weekend (班)")),
            (services.KIND_ORDINARY, _("an ordinary day (remove the entry)")),
        ],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=50, help_text=_("e.g. 国庆节, 春节"))


class ImportForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # Chinese labels stand above their field without a colon
        super().__init__(*args, **kwargs)

    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, Excel (.xlsx) or JSON with the columns date (日期), kind (类型: 休 or 班) and name (名称)."),
    )
    notice = forms.CharField(
        label=_("State Council notice"), required=False, max_length=200, help_text=_("e.g. 国办发明电〔2026〕7号")
    )
    notice_url = forms.URLField(label=_("Address of the notice"), required=False, max_length=500)
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing"), required=False)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    try:
        year = int(raw)
    except ValueError:
        return timezone.localdate().year
    return year if services.MIN_YEAR <= year <= services.MAX_YEAR else timezone.localdate().year


def _months(cal: workdays.Calendar, year: int, editable: bool) -> list[dict]:
    """Twelve months of weeks (Monday first); each day says what it is in words, never by colour alone."""
    grid = pycalendar.Calendar(firstweekday=0)
    today = timezone.localdate()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for d in week:
                if d.month != month:
                    cells.append(None)
                    continue
                info = cal.describe(d)
                cells.append({**info, "today": d == today, "iso": d.isoformat()})
            weeks.append(cells)
        months.append({"first": dt.date(year, month, 1), "weeks": weeks, "id": f"m{month}"})
    return months


def _problem_rows(exc: ProblemsError) -> list[dict]:
    return [
        {
            "row": p.row,
            "column": (p.extra.get("column_letter", "") + " · " if p.extra.get("column_letter") else "")
            + (p.column or p.field),
            "message": render_message(p.message, p.params),
        }
        for p in exc.problems
    ]


@require_http_methods(["GET", "POST"])
@staff_member_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Any staff member reads the calendar; system and catalog administrators change it."""
    year = _year(request)
    editable = has_role(request.user, Role.CATALOG_ADMIN)
    day_form = DayForm(prefix="day")
    import_form = ImportForm(prefix="imp")
    problems: list[dict] = []
    status = 200
    if request.method == "POST":
        if not editable:
            status = 403
            messages.error(request, _("Only system or catalog administrators may change the calendar."))
        else:
            action = request.POST.get("action")
            here = f"{reverse('calendar:workbench')}?year={year}"
            try:
                if action == "load":
                    results = services.load_from_package([year], user=request.user, replace=True)
                    r = results[0]
                    messages.success(
                        request,
                        _("%(year)s loaded from %(source)s: %(h)s holidays, %(w)s make-up working days.")
                        % {"year": r.year, "source": r.source, "h": r.holidays, "w": r.workdays},
                    )
                    return redirect(here)
                if action == "day":
                    day_form = DayForm(request.POST, prefix="day")
                    if day_form.is_valid():
                        d = day_form.cleaned_data
                        services.set_day(d["date"], d["kind"], d["name"], user=request.user)
                        messages.success(request, _("%(date)s saved.") % {"date": d["date"].isoformat()})
                        return redirect(f"{reverse('calendar:workbench')}?year={d['date'].year}")
                    status = 400
                elif action == "import":
                    import_form = ImportForm(request.POST, request.FILES, prefix="imp")
                    if import_form.is_valid():
                        d = import_form.cleaned_data
                        r = import_file(
                            d["file"],
                            year=year,
                            filename=d["file"].name,
                            user=request.user,
                            notice=d["notice"],
                            notice_url=d["notice_url"],
                            dry_run=d["dry_run"],
                        )
                        text = (
                            _(
                                "The file is correct: %(h)s holidays and %(w)s make-up working days. Nothing was written."
                            )
                            if r.dry_run
                            else _("%(year)s imported: %(h)s holidays and %(w)s make-up working days.")
                        )
                        messages.success(request, text % {"year": r.year, "h": r.holidays, "w": r.workdays})
                        return redirect(here)
                    status = 400
                else:
                    status = 400
            except ProblemsError as exc:
                status = 400
                if action == "day":
                    for p in exc.problems:
                        name = p.field.split(".")[-1]
                        day_form.add_error(
                            name if name in day_form.fields else None, render_message(p.message, p.params)
                        )
                else:
                    problems = _problem_rows(exc)
    elif editable and request.GET.get("edit"):
        try:
            d = dt.date.fromisoformat(request.GET["edit"])
        except ValueError:
            d = None
        if d is not None:
            existing = SpecialDay.objects.filter(date=d).first()
            day_form = DayForm(
                prefix="day",
                initial={
                    "date": d,
                    "kind": existing.kind if existing else (DayKind.WORKDAY if d.weekday() >= 5 else DayKind.HOLIDAY),
                    "name": existing.name if existing else "",
                },
            )
    cal = workdays.snapshot()
    holiday_year = HolidayYear.objects.filter(year=year).select_related("loaded_by", "edited_by").first()
    special = [cal.describe(d) for d in sorted(set(cal.holidays) | set(cal.workdays)) if d.year == year]
    context = {
        "year": year,
        "years": sorted(set(cal.loaded_years) | {timezone.localdate().year, timezone.localdate().year + 1}),
        "holiday_year": holiday_year,
        "months": _months(cal, year, editable),
        "special": special,
        "holiday_count": sum(1 for s in special if s["kind"] == "holiday"),
        "workday_count": sum(1 for s in special if s["kind"] == "workday"),
        "editable": editable,
        "in_package": year in services.package_years(),
        "package": services.package_version(),
        "day_form": day_form,
        "import_form": import_form,
        "problems": problems,
        "year_warning": None if holiday_year else workdays.missing_year_warning(year),
        # The staff banner, without the year this page already warns about.
        "calendar_warnings": [w for w in calendar_warning(request)["calendar_warnings"] if w["year"] != year],
        "weekdays": WEEKDAYS,
    }
    return render(request, "calendar/workbench.html", context, status=status)
