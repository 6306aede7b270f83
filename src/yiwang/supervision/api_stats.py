"""Supervision API, stats side (/api/v1/supervision/…): indicators, the cases behind a figure, the dashboard's data,
exports, scoring models and rankings — for staff with a statistics role, with their session (CSRF on writes).

Figures are those of the organisations the caller's roles reach; an organisation or ranking out of reach answers
404 exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.identity import access

from . import dashboard, export, indicators, ranking
from .models.stats import Ranking, ScoringModel
from .stats_params import parse_figure, parse_month, parse_window
from .stats_scope import may_manage, narrow, viewer_org_ids

router = Router(tags=["supervision"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
PAGE = 50


class SupStatsTableOut(Schema):
    group: str
    start: dt.date
    end: dt.date
    rows: list[dict[str, Any]] = Field(..., description="One per group: counters and rates (null: no denominator)")
    total: dict[str, Any]


class SupStatsCaseOut(Schema):
    case_number: str
    item_id: int
    item_name: str
    organisation_id: int
    channel: str
    received_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: str
    promised_due: dt.date | None
    on_time: bool | None
    work_days: int | None


class SupStatsCasesOut(Schema):
    figure: str
    count: int
    page: int
    pages: int
    cases: list[SupStatsCaseOut]


class SupStatsModelOut(Schema):
    id: int
    name: str
    version: int
    weights: dict[str, float]
    formula: str
    note: str
    created_at: dt.datetime


class SupStatsModelIn(Schema):
    name: str = Field(..., max_length=80)
    weights: dict[str, float] = Field(..., description="Indicator → weight (−1000…1000; negative: a penalty)")
    note: str = Field("", max_length=300)


class SupStatsRankingBriefOut(Schema):
    id: int
    month: str
    model: str
    model_id: int
    published_at: dt.datetime


class SupStatsRankingOut(SupStatsRankingBriefOut):
    formula: str
    rows: list[dict[str, Any]]


class SupStatsPublishIn(Schema):
    month: str = Field(..., description="YYYY-MM", max_length=7)
    model_id: int | None = Field(None, description="A scoring model version (default: the newest default model)")


def _scope(request: HttpRequest) -> list[int] | None:
    return viewer_org_ids(access.actor(request))


def _params(request: HttpRequest) -> dict[str, Any]:
    return {k: request.GET.get(k) for k in request.GET}


@router.get(
    "/indicators",
    response={200: SupStatsTableOut, **ERRORS},
    auth=session_auth,
    summary="Indicators for a period (?start=&end=, ?group=organisation|division|item|channel|day|month, "
    "?organisation=&item=&channel=)",
)
def indicators_table(request: HttpRequest):
    org_ids = _scope(request)
    w = parse_window(_params(request))
    t = indicators.table(narrow(org_ids, w.organisation_id), w)
    return {"group": t["group"], "start": w.start, "end": w.end, "rows": t["rows"], "total": t["total"]}


@router.get(
    "/indicators/cases",
    response={200: SupStatsCasesOut, **ERRORS},
    auth=session_auth,
    summary="The cases behind a figure (?figure=received|concluded|on_time|overdue|not_accepted|withdrawn|open, "
    "the same filters, ?page=)",
)
def indicator_cases(request: HttpRequest):
    org_ids = _scope(request)
    params = _params(request)
    w = parse_window(params)
    figure = parse_figure(params)
    qs = indicators.cases_behind(narrow(org_ids, w.organisation_id), w, figure)
    page = int(params["page"]) if str(params.get("page") or "").isdigit() else 1
    count = qs.count()
    pages = max(1, -(-count // PAGE))
    page = min(max(1, page), pages)
    rows = list(qs[(page - 1) * PAGE : page * PAGE])
    return {
        "figure": figure,
        "count": count,
        "page": page,
        "pages": pages,
        "cases": [{**{f: getattr(c, f) for f in SupStatsCaseOut.model_fields}} for c in rows],
    }


@router.get(
    "/indicators/export.xlsx",
    response={200: None, **ERRORS},
    auth=session_auth,
    summary="The indicators as an xlsx workbook (same parameters as /indicators)",
)
def indicators_export(request: HttpRequest):
    org_ids = _scope(request)
    w = parse_window(_params(request))
    t = indicators.table(narrow(org_ids, w.organisation_id), w)
    response = HttpResponse(export.xlsx(t, w, _("Government service statistics")), content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename("statistics", w.start, w.end, "xlsx")}"'
    return response


@router.get(
    "/dashboard",
    response={200: dict[str, Any], **ERRORS},
    auth=session_auth,
    summary="The dashboard's figures for the last 30 days (?organisation= for one department)",
)
def dashboard_data(request: HttpRequest):
    org_ids = _scope(request)
    w = parse_window({"organisation": request.GET.get("organisation", "")})
    return dashboard.data(narrow(org_ids, w.organisation_id))


def _model(m: ScoringModel) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "version": m.version,
        "weights": m.weights,
        "formula": ranking.formula(m),
        "note": m.note,
        "created_at": m.created_at,
    }


def _manager(request: HttpRequest):
    from django.core.exceptions import PermissionDenied

    a = access.actor(request)
    viewer_org_ids(a)
    if not may_manage(a):
        raise PermissionDenied
    return a


@router.get(
    "/scoring-models",
    response={200: list[SupStatsModelOut], **ERRORS},
    auth=session_auth,
    summary="Every version of every scoring model (supervisors)",
)
def scoring_models(request: HttpRequest):
    _manager(request)
    ranking.default_model()
    return [_model(m) for m in ScoringModel.objects.order_by("name", "-version")[:200]]


@router.post(
    "/scoring-models",
    response={201: SupStatsModelOut, **ERRORS},
    auth=session_auth,
    summary="Save the next version of a scoring model (supervisors; versions are never edited)",
)
def save_scoring_model(request: HttpRequest, payload: SupStatsModelIn):
    _manager(request)
    m = ranking.save_model(payload.name, payload.weights, payload.note, request.user)
    return Status(201, _model(m))


def _brief(r: Ranking) -> dict[str, Any]:
    return {
        "id": r.pk,
        "month": f"{r.month:%Y-%m}",
        "model": str(r.model),
        "model_id": r.model_id,
        "published_at": r.published_at,
    }


@router.get("/rankings", response={200: list[SupStatsRankingBriefOut], **ERRORS}, auth=session_auth, summary="Rankings")
def rankings(request: HttpRequest):
    _scope(request)
    return [_brief(r) for r in Ranking.objects.select_related("model").order_by("-month", "-published_at")[:100]]


@router.get(
    "/rankings/{ranking_id}",
    response={200: SupStatsRankingOut, **ERRORS},
    auth=session_auth,
    summary="A published ranking: its formula and the departments within reach",
)
def ranking_detail(request: HttpRequest, ranking_id: int):
    org_ids = _scope(request)
    r = Ranking.objects.select_related("model").filter(pk=ranking_id).first()
    if r is None:
        raise Http404
    return {**_brief(r), "formula": ranking.formula(r.model), "rows": ranking.visible_rows(r, org_ids)}


@router.post(
    "/rankings",
    response={201: SupStatsRankingOut, **ERRORS},
    auth=session_auth,
    summary="Publish (or republish) a month's ranking under a scoring model version (supervisors)",
)
def publish_ranking(request: HttpRequest, payload: SupStatsPublishIn):
    a = _manager(request)
    month = parse_month(payload.month)
    model = ScoringModel.objects.filter(pk=payload.model_id).first() if payload.model_id else ranking.default_model()
    if model is None:
        raise Http404
    r = ranking.publish(model, month, viewer_org_ids(a), request.user)
    return Status(201, {**_brief(r), "formula": ranking.formula(model), "rows": r.rows})
