"""Statistics pages: indicators by department, division, item, channel or period, the cases behind each figure,
exports (xlsx, the monthly PDF report), the dashboards (city, department, the hall's wall) and the rankings.

Every page is for staff holding a statistics role (stats_scope); the figures are those of the organisations their
roles reach, and an organisation out of reach is "not found".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.cases.models import Channel
from yiwang.core.errors import ProblemsError
from yiwang.identity import access
from yiwang.orgs.models import Organisation

from . import dashboard, export, indicators, ranking
from .models.stats import Ranking, ScoringModel
from .stats_params import month_end, parse_figure, parse_month, parse_window, query_string
from .stats_scope import may_manage, narrow, viewer_org_ids


def _nc(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _scope(request: HttpRequest) -> list[int] | None:
    return viewer_org_ids(access.actor(request))


def _org_choices(org_ids: list[int] | None) -> list[tuple[int, str]]:
    qs = Organisation.objects.all() if org_ids is None else Organisation.objects.filter(pk__in=org_ids)
    return list(qs.order_by("name").values_list("pk", "name")[:500])


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _fmt(key: str, v: Any) -> str:
    kind = indicators.INDICATORS.get(key, (None, "n"))[1]
    if v is None:
        return "—"
    if kind == "rate":
        return _pct(v)
    if kind in ("days", "avg"):
        return f"{v:.2f}"
    return str(v)


def _table_rows(table: dict[str, Any], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"key": r["key"], "label": r["label"], "cells": [(c, _fmt(c, r.get(c))) for c in columns]}
        for r in table["rows"]
    ]


@login_required
@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    """Indicators for a period by department, division, item, channel, day or month, with links to the cases."""
    org_ids = _scope(request)
    problems: list = []
    try:
        w = parse_window(request.GET)
    except ProblemsError as exc:
        problems = exc.problems
        w = parse_window({})
    scope = narrow(org_ids, w.organisation_id)
    table = indicators.table(scope, w)
    columns = indicators.TABLE_COLUMNS
    context = {
        "w": w,
        "problems": problems,
        "groups": list(indicators.GROUPS.items()),
        "channels": Channel.choices,
        "organisations": _org_choices(org_ids),
        "columns": [(c, indicators.INDICATORS[c][0]) for c in columns],
        "rows": _table_rows(table, columns),
        "total": [(c, _fmt(c, table["total"].get(c))) for c in columns],
        "item_columns": [
            (c, indicators.INDICATORS[c][0], _fmt(c, table["total"].get(c))) for c in indicators.ITEM_COLUMNS
        ],
        "group": table["group"],
        "qs": query_string(w),
        "drill_group": table["group"] in ("organisation", "item", "channel"),
    }
    return _nc(render(request, "supervision/stats/index.html", context))


def _drill_window(w: indicators.Window, group: str, key: str) -> indicators.Window:
    """The window narrowed to one row of a grouped table (the link from a figure to its cases)."""
    if not key:
        return w
    fields = {"organisation": "organisation_id", "item": "item_id", "channel": "channel"}
    if group in fields:
        value: Any = key if group == "channel" else int(key) if key.isdigit() else None
        if value is None:
            raise Http404
        return indicators.Window(**{**w.__dict__, fields[group]: value})
    return w


@login_required
@require_GET
def cases_page(request: HttpRequest) -> HttpResponse:
    """The cases behind a figure (received, concluded, on time, late, not accepted, withdrawn, open)."""
    org_ids = _scope(request)
    try:
        w = parse_window(request.GET)
        figure = parse_figure(request.GET)
    except ProblemsError as exc:
        return _nc(render(request, "supervision/stats/problem.html", {"problems": exc.problems}, status=400))
    w = _drill_window(w, request.GET.get("row_group", ""), str(request.GET.get("row", "")))
    scope = narrow(org_ids, w.organisation_id)
    cases = indicators.cases_behind(scope, w, figure).select_related("organisation")
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    context = {
        "w": w,
        "figure": figure,
        "figure_label": indicators.FIGURES[figure],
        "page": page,
        "qs": query_string(w, figure=figure),
        "back": query_string(w),
    }
    return _nc(render(request, "supervision/stats/cases.html", context))


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The statistics view as a workbook."""
    org_ids = _scope(request)
    try:
        w = parse_window(request.GET)
    except ProblemsError as exc:
        return JsonResponse({"problems": exc.as_list()}, status=400)
    table = indicators.table(narrow(org_ids, w.organisation_id), w)
    body = export.xlsx(table, w, _("Government service statistics"))
    response = HttpResponse(body, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename("statistics", w.start, w.end, "xlsx")}"'
    return _nc(response)


def report_context(org_ids: list[int] | None, month: dt.date, organisation: Organisation | None) -> dict[str, Any]:
    end = month_end(month)
    scope = [organisation.pk] if organisation else org_ids
    by_org = indicators.table(scope, indicators.Window(start=month, end=end, group="organisation"))
    by_item = indicators.table(scope, indicators.Window(start=month, end=end, group="item"))
    by_channel = indicators.table(scope, indicators.Window(start=month, end=end, group="channel"))
    columns = indicators.TABLE_COLUMNS
    t = by_org["total"]
    return {
        "month": month,
        "organisation": organisation,
        "title": organisation.name if organisation else _("City"),
        "kpis": [(indicators.INDICATORS[c][0], _fmt(c, t.get(c))) for c in (*columns, *indicators.ITEM_COLUMNS)],
        "columns": [(c, indicators.INDICATORS[c][0]) for c in columns],
        "rows": _table_rows(by_org, columns) if organisation is None else [],
        "items": [(r["label"], r["received"], _fmt("on_time_rate", r["on_time_rate"])) for r in by_item["rows"][:15]],
        "channels": [(r["label"], r["received"]) for r in by_channel["rows"]],
        "generated": timezone.localtime(),
    }


@login_required
@require_GET
def report_pdf(request: HttpRequest, month: str) -> HttpResponse:
    """The printable monthly report: for one department (?organisation=) or for everything the viewer sees."""
    org_ids = _scope(request)
    try:
        first = parse_month(month)
        w = parse_window({"organisation": request.GET.get("organisation", "")})
    except ProblemsError as exc:
        return JsonResponse({"problems": exc.as_list()}, status=400)
    narrow(org_ids, w.organisation_id)
    organisation = Organisation.objects.filter(pk=w.organisation_id).first() if w.organisation_id else None
    if w.organisation_id and organisation is None:
        raise Http404
    pdf = export.report_pdf(report_context(org_ids, first, organisation))
    response = HttpResponse(pdf, content_type="application/pdf")
    who = f"org{organisation.pk}" if organisation else "city"
    response["Content-Disposition"] = f'attachment; filename="report-{who}-{first:%Y-%m}.pdf"'
    return _nc(response)


# --- dashboards -----------------------------------------------------------------------------------------------------


def _dashboard_scope(request: HttpRequest) -> tuple[list[int] | None, Organisation | None]:
    org_ids = _scope(request)
    try:
        w = parse_window({"organisation": request.GET.get("organisation", "")})
    except ProblemsError:
        raise Http404 from None
    scope = narrow(org_ids, w.organisation_id)
    organisation = Organisation.objects.filter(pk=w.organisation_id).first() if w.organisation_id else None
    if organisation is None and scope is not None and len(scope) == 1:
        organisation = Organisation.objects.filter(pk=scope[0]).first()
    return scope, organisation


@login_required
@require_GET
def dashboard_page(request: HttpRequest, wall: bool = False) -> HttpResponse:
    """The city dashboard (or a department's, ?organisation=); `wall` is the large-screen mode for a hall."""
    scope, organisation = _dashboard_scope(request)
    data = dashboard.data(scope)
    context = {
        "data": data,
        "organisation": organisation,
        "organisations": _org_choices(_scope(request)),
        "kpis": [
            (_("Cases received"), data["kpi"]["received"]),
            (_("Cases concluded"), data["kpi"]["concluded"]),
            (_("On-time rate"), _pct(data["kpi"]["on_time_rate"])),
            (_("Average working days taken"), _fmt("avg_work_days", data["kpi"]["avg_work_days"])),
            (_("Average promised limit"), _fmt("avg_promised_days", data["kpi"]["avg_promised_days"])),
            (_("Satisfaction rate"), _pct(data["kpi"]["satisfaction_rate"])),
            (_("Red cards"), data["kpi"]["red"]),
        ],
        "wall": wall,
        "data_url": request.path.rstrip("/").removesuffix("/wall")
        + "/data.json"
        + (f"?organisation={organisation.pk}" if organisation and request.GET.get("organisation") else ""),
    }
    return _nc(render(request, "supervision/stats/dashboard.html", context))


@login_required
@require_GET
def dashboard_data(request: HttpRequest) -> JsonResponse:
    scope, _organisation = _dashboard_scope(request)
    return _nc(JsonResponse(dashboard.data(scope)))


# --- rankings -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def rankings_page(request: HttpRequest) -> HttpResponse:
    """Published monthly rankings (and, for supervisors, publishing one and the scoring models)."""
    _scope(request)
    a = access.actor(request)
    context = {
        "rankings": Ranking.objects.select_related("model").order_by("-month", "-published_at")[:36],
        "manage": may_manage(a),
        "models": ScoringModel.objects.order_by("name", "-version")[:50] if may_manage(a) else [],
        "last_month": (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"),
    }
    return _nc(render(request, "supervision/stats/rankings.html", context))


@login_required
@require_GET
def ranking_page(request: HttpRequest, pk: int) -> HttpResponse:
    org_ids = _scope(request)
    r = Ranking.objects.select_related("model").filter(pk=pk).first()
    if r is None:
        raise Http404
    rows = ranking.visible_rows(r, org_ids)
    keys = [k for k in r.model.weights]
    context = {
        "ranking": r,
        "formula": ranking.formula(r.model),
        "weights": [(ranking.SCORABLE.get(k, k), v) for k, v in r.model.weights.items()],
        "headers": [ranking.SCORABLE.get(k, k) for k in keys],
        "rows": [{**row, "cells": [_pct(row["values"].get(k)) for k in keys]} for row in rows],
    }
    return _nc(render(request, "supervision/stats/ranking.html", context))


def _manager(request: HttpRequest):
    a = access.actor(request)
    viewer_org_ids(a)
    if not may_manage(a):
        raise PermissionDenied
    return a


@login_required
@require_http_methods(["GET", "POST"])
def models_page(request: HttpRequest) -> HttpResponse:
    """Scoring models: every version with its weights; saving makes the next version."""
    _manager(request)
    problems: list = []
    if request.method == "POST":
        weights = {k: request.POST.get(f"w_{k}", "").strip() for k in ranking.SCORABLE}
        weights = {k: v for k, v in weights.items() if v not in ("", "0")}
        try:
            m = ranking.save_model(request.POST.get("name", ""), weights, request.POST.get("note", ""), request.user)
        except ProblemsError as exc:
            problems = exc.problems
        else:
            return redirect(f"{request.path}?saved={m.pk}")
    base = ranking.default_model()
    context = {
        "models": [(m, ranking.formula(m)) for m in ScoringModel.objects.order_by("name", "-version")[:50]],
        "scorable": [(k, label, base.weights.get(k, "")) for k, label in ranking.SCORABLE.items()],
        "name": base.name,
        "problems": problems,
    }
    return _nc(render(request, "supervision/stats/models.html", context, status=400 if problems else 200))


@login_required
@require_POST
def publish_ranking(request: HttpRequest) -> HttpResponse:
    """Publishes a month's ranking under a model version (the newest default model unless one is chosen)."""
    a = _manager(request)
    org_ids = viewer_org_ids(a)
    try:
        month = parse_month(request.POST.get("month", ""))
        model_id = request.POST.get("model", "")
        model = ScoringModel.objects.filter(pk=int(model_id)).first() if model_id.isdigit() else ranking.default_model()
        if model is None:
            raise Http404
        r = ranking.publish(model, month, org_ids, request.user)
    except ProblemsError as exc:
        return _nc(render(request, "supervision/stats/problem.html", {"problems": exc.problems}, status=400))
    return redirect("supervision:stats_ranking", pk=r.pk)
