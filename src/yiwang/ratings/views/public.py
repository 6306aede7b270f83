"""Public figures (评价公开): every department's ratings for a period, and one department's page — levels,
indicators, 好评率, 主动评价好评率, 未评价率, bad reviews, rectification and appeals, by month and by item.

No personal data: no rater, no comment, no staff member; everything comes from the rollups (a few aggregate
queries whatever the number of ratings).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from yiwang.catalog.models import ServiceItem
from yiwang.orgs.models import Organisation

from .. import stats
from ..models import Dim


def _span(request: HttpRequest):
    span, problems = stats.parse_span(request.GET)
    return span, problems


def _cached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    span, problems = _span(request)
    sort = request.GET.get("sort", "ratings")
    if sort not in stats.SORTS:
        sort = "ratings"
    rows = stats.table(Dim.DEPARTMENT, None, span, sort=sort)
    total = stats.overall(Dim.DEPARTMENT, None, span)
    context = {
        "span": span,
        "problems": problems,
        "presets": stats.PRESETS,
        "rows": rows,
        "total": total,
        "sort": sort,
        "sorts": list(stats.SORT_LABELS.items()),
    }
    return _cached(render(request, "ratings/public_index.html", context))


@require_GET
def department(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.select_related("division"), pk=org_id)
    span, problems = _span(request)
    keys = [org.pk]
    figures = stats.overall(Dim.DEPARTMENT, keys, span)
    items = list(ServiceItem.objects.filter(organisation_id=org.pk).values_list("pk", flat=True))
    context = {
        "org": org,
        "span": span,
        "problems": problems,
        "presets": stats.PRESETS,
        "f": figures,
        "months": stats.monthly(Dim.DEPARTMENT, keys, span),
        "items": stats.table(Dim.ITEM, items, span, limit=100),
    }
    return _cached(render(request, "ratings/public_department.html", context))
