"""Public portal pages: the home page, the search page and the list of departments.

All three work without JavaScript (a GET form, links); search.js only adds type-ahead.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from yiwang.core.errors import ProblemsError
from yiwang.core.replica import reads
from yiwang.orgs.models import Division, Level, Organisation

from ..models import Audience, OnlineDepth, SearchEntry, Theme, TimeUnit
from ..searching import Hit, search
from ..searching.params import resolve

POPULAR_CACHE_SECONDS = 600


class SearchForm(forms.Form):
    """The search page's parameters; the same rules as the API's."""

    q = forms.CharField(label=_("Search words"), max_length=64, required=False)
    audience = forms.ChoiceField(
        label=_("Service object"), required=False, choices=[("", _("Everyone")), *Audience.choices]
    )
    division = forms.ChoiceField(label=_("Area"), required=False)
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All levels")), *[(v, lbl) for v, lbl in Level.choices if v >= 2]],
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    online_depth = forms.TypedChoiceField(
        label=_("Online service"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), *OnlineDepth.choices],
    )
    max_visits = forms.TypedChoiceField(
        label=_("Visits in person"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), ("0", _("No visit (零跑动)")), ("1", _("At most one visit (最多跑一次)"))],
    )
    organisation = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    catalog_code = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=1000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, divisions: list[Division], themes: list[Theme], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("All areas")), *[(d.code, _indent(d)) for d in divisions]]
        persons = [(t.code, t.name) for t in themes if t.audience == Audience.PERSON]
        enterprises = [(t.code, t.name) for t in themes if t.audience == Audience.ENTERPRISE]
        choices: list = [("", _("All themes"))]
        if persons:
            choices.append((_("Life events"), persons))
        if enterprises:
            choices.append((_("Business stages"), enterprises))
        self.fields["theme"].choices = choices


def _indent(division: Division) -> str:
    return ("\u3000" * max(0, division.level - 3)) + division.name


def _area_divisions() -> list[Division]:
    """The city-and-county divisions people choose from (townships are reached through their county)."""
    return list(Division.objects.filter(level__in=(2, 3, 4)).order_by("path").only("code", "name", "level", "path"))


def highlight(text: str, words: list[str]) -> SafeString:
    """Escapes `text` and wraps every occurrence of the matched words in <mark>."""
    marks = [False] * len(text)
    for word in words:
        if not word:
            continue
        start = text.find(word)
        while start >= 0:
            for i in range(start, start + len(word)):
                marks[i] = True
            start = text.find(word, start + 1)
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = escape(text[i:j])
        out.append(f"<mark>{chunk}</mark>" if marks[i] else chunk)
        i = j
    return mark_safe("".join(out))  # noqa: S308 -- every piece is escaped above


def _display(hit: Hit, params: dict[str, Any]) -> dict[str, Any]:
    e: SearchEntry = hit.entry
    others = None
    if hit.implementations > 1:
        others = "?" + urlencode({"q": params.get("q", ""), "catalog_code": e.group_key[:12]})
    return {
        "entry": e,
        "url": hit.url,
        "name_html": highlight(e.name, hit.highlights),
        "aliases": [highlight(a, hit.highlights_in(a)) for a in hit.matched_aliases],
        "level_label": Level(e.level).label if e.level in Level.values else "",
        "online_label": OnlineDepth(e.online_depth).label if e.online_depth in OnlineDepth.values else "",
        "unit_label": TimeUnit(e.promised_unit).label if e.promised_unit in TimeUnit.values else "",
        "implementations": hit.implementations,
        "others_url": others,
    }


@require_GET
@reads
def search_page(request: HttpRequest) -> HttpResponse:
    """Results with filters, pagination and the matched words highlighted."""
    divisions = _area_divisions()
    themes = list(Theme.objects.all())
    form = SearchForm(request.GET or None, divisions=divisions, themes=themes)
    context: dict[str, Any] = {"form": form, "searched": False, "results": [], "problems": []}
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            resolved = resolve(
                organisation=data["organisation"],
                division=data["division"] or None,
                level=data["level"],
                audience=data["audience"] or None,
                theme=data["theme"] or None,
                online_depth=data["online_depth"],
                max_visits=data["max_visits"],
                catalog_code=data["catalog_code"] or None,
            )
        except ProblemsError as exc:
            context["problems"] = exc.problems
        else:
            if data["q"].strip() or resolved.filters.any:
                result = search(
                    data["q"],
                    resolved.filters,
                    page=data["page"] or 1,
                    page_size=20,
                    group=not resolved.filters.catalog_code,
                    prefer_path=resolved.division.path if resolved.division else None,
                )
                keep = {k: v for k, v in request.GET.items() if k != "page" and v}
                context.update(
                    searched=True,
                    result=result,
                    resolved=resolved,
                    results=[_display(h, keep) for h in result.hits],
                    start=(result.page - 1) * result.page_size + 1,
                    prev_url=("?" + urlencode({**keep, "page": result.page - 1})) if result.page > 1 else None,
                    next_url=("?" + urlencode({**keep, "page": result.page + 1}))
                    if result.page < result.pages
                    else None,
                    clear_org_url="?" + urlencode({k: v for k, v in keep.items() if k != "organisation"}),
                    clear_code_url="?" + urlencode({k: v for k, v in keep.items() if k != "catalog_code"}),
                )
    return render(request, "catalog/search/results.html", context, status=200)


def popular_items(limit: int = 8) -> list[dict[str, Any]]:
    """Widely implemented base items (the ones most places offer), their city-level line first.

    Without usage statistics, how many places implement an item is the best sign that many
    people need it. Cached for a few minutes in the shared cache.
    """
    key = f"catalog:popular:{limit}"
    try:
        found = cache.get(key)
    except DatabaseError:  # cache table not created yet: compute, do not fail the home page
        found = None
    if found is not None:
        return found
    groups = list(
        SearchEntry.objects.values("group_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "group_key")[: limit * 3]
    )
    keys = [g["group_key"] for g in groups]
    best: dict[str, SearchEntry] = {}
    for e in (
        SearchEntry.objects.filter(group_key__in=keys)
        .order_by("-boost", "id")
        .only("item_code", "name", "group_key", "boost", "online_depth", "visits_required")
    ):
        best.setdefault(e.group_key, e)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for g in groups:
        e = best.get(g["group_key"])
        if e is None or e.name in seen:
            continue
        seen.add(e.name)
        out.append({"name": e.name, "url": f"/items/{e.item_code}/", "places": g["n"], "visits": e.visits_required})
        if len(out) >= limit:
            break
    if not out:  # a catalog without repeated items: the best-boosted ones
        for e in SearchEntry.objects.order_by("-boost", "name").only("item_code", "name", "visits_required")[:limit]:
            out.append({"name": e.name, "url": f"/items/{e.item_code}/", "places": 1, "visits": e.visits_required})
    with contextlib.suppress(DatabaseError):
        cache.set(key, out, POPULAR_CACHE_SECONDS)
    return out


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal home page: the search box, themes for persons and enterprises, popular items."""
    themes = list(Theme.objects.all())
    context = {
        "person_themes": [t for t in themes if t.audience == Audience.PERSON],
        "enterprise_themes": [t for t in themes if t.audience == Audience.ENTERPRISE],
        "popular": popular_items(),
        "examples": [_("business license"), "yyzz", "shenfenzheng", _("open a restaurant")],
        "item_count": SearchEntry.objects.count(),
    }
    return render(request, "catalog/home.html", context)


@require_GET
def departments(request: HttpRequest) -> HttpResponse:
    """Organisations of the city and its counties, grouped by division, with how many items each has."""
    counts = dict(
        SearchEntry.objects.values("organisation_id").annotate(n=Count("id")).values_list("organisation_id", "n")
    )
    divisions = _area_divisions()
    orgs = Organisation.objects.filter(is_active=True, division__level__in=(2, 3, 4)).select_related("division")
    by_division: dict[int, list[dict[str, Any]]] = {}
    for org in orgs.order_by("name"):
        by_division.setdefault(org.division_id, []).append(
            {"org": org, "count": counts.get(org.pk, 0), "url": "/search/?" + urlencode({"organisation": org.pk})}
        )
    groups = [{"division": d, "organisations": by_division[d.pk]} for d in divisions if d.pk in by_division]
    return render(request, "catalog/search/departments.html", {"groups": groups})


urlpatterns = [
    path("", home, name="home"),
    path("search/", search_page, name="search"),
    path("departments/", departments, name="departments"),
]
