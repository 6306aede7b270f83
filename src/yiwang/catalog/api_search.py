"""Search API: GET /api/v1/catalog/search and GET /api/v1/catalog/suggest (public, read-only)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from yiwang.core.replica import reads
from yiwang.orgs.models import Level

from .models import OnlineDepth, TimeUnit
from .searching import Hit, search, suggest
from .searching.params import resolve

router = Router(tags=["catalog search"])


class SearchParams(Schema):
    q: str = Field("", max_length=64, description="Words, colloquial names, pinyin or pinyin initials")
    organisation: int | None = Field(None, ge=1, description="Implementing organisation id")
    division: str | None = Field(
        None, pattern=r"^\d{6}(\d{6})?$", description="Division code; its whole subtree is searched"
    )
    level: int | None = Field(None, ge=1, le=6, description="Exercise level: 1 national … 6 village")
    audience: Literal["person", "enterprise"] | None = Field(None, description="Service object")
    theme: str | None = Field(None, max_length=40, description="Theme code (life event or business stage)")
    online_depth: int | None = Field(None, ge=1, le=4, description="Online depth I–IV")
    max_visits: int | None = Field(None, ge=0, le=10, description="At most this many visits in person")
    catalog_code: str | None = Field(None, max_length=12, description="Only implementations of this basic code")
    group: bool = Field(True, description="One line per base item (its best implementation) instead of one per place")
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(20, ge=1, le=50)


class SearchItemOut(Schema):
    item_code: str
    catalog_code: str
    name: str
    matched_aliases: list[str]
    highlights: list[str] = Field(description="Words of the name the query matched")
    organisation_id: int
    organisation: str
    division: str
    level: int
    level_label: str
    online_depth: int
    online_depth_label: str
    visits_required: int
    promised_limit: int
    promised_unit: str
    promised_unit_label: str
    implementations: int = Field(description="How many places implement this base item among the results")
    url: str


class SearchOut(Schema):
    q: str
    tokens: list[str]
    total: int
    page: int
    page_size: int
    pages: int
    items: list[SearchItemOut]


class SuggestOut(Schema):
    q: str
    suggestions: list[SearchItemOut]


def hit_out(hit: Hit) -> dict:
    """The API (and page) view of one result line."""
    e = hit.entry
    return {
        "item_code": e.item_code,
        "catalog_code": e.group_key[:12],
        "name": e.name,
        "matched_aliases": hit.matched_aliases,
        "highlights": hit.highlights,
        "organisation_id": e.organisation_id,
        "organisation": e.organisation_name,
        "division": e.division_name,
        "level": e.level,
        "level_label": str(Level(e.level).label) if e.level in Level.values else "",
        "online_depth": e.online_depth,
        "online_depth_label": str(OnlineDepth(e.online_depth).label) if e.online_depth in OnlineDepth.values else "",
        "visits_required": e.visits_required,
        "promised_limit": e.promised_limit,
        "promised_unit": e.promised_unit,
        "promised_unit_label": str(TimeUnit(e.promised_unit).label) if e.promised_unit in TimeUnit.values else "",
        "implementations": hit.implementations,
        "url": hit.url,
    }


@router.get("/search", response=SearchOut, summary="Search the published catalog")
@decorate_view(reads)
def search_items(request: HttpRequest, params: Query[SearchParams]) -> dict:
    """Finds items by words, colloquial names, pinyin, initials, materials and department.

    Results are ranked so the item meant comes first; by default the implementations of one base
    item in many places are shown as one line (the city-level one, or the one in the filtered
    division), with `implementations` telling how many there are; `catalog_code` lists them all.
    Unknown organisations, divisions or themes are refused with a per-field error (400).
    """
    resolved = resolve(
        organisation=params.organisation,
        division=params.division,
        level=params.level,
        audience=params.audience,
        theme=params.theme,
        online_depth=params.online_depth,
        max_visits=params.max_visits,
        catalog_code=params.catalog_code,
    )
    result = search(
        params.q,
        resolved.filters,
        page=params.page,
        page_size=params.page_size,
        group=params.group and not resolved.filters.catalog_code,
        prefer_path=resolved.division.path if resolved.division else None,
    )
    return {
        "q": params.q,
        "tokens": result.tokens,
        "total": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "pages": result.pages,
        "items": [hit_out(h) for h in result.hits],
    }


@router.get("/suggest", response=SuggestOut, summary="Type-ahead suggestions (at most 10)")
@decorate_view(reads)
def suggest_items(request: HttpRequest, q: str = Query("", max_length=64)) -> dict:
    """The best few base items for what has been typed so far, for a search box's type-ahead."""
    return {"q": q, "suggestions": [hit_out(h) for h in suggest(q, limit=10)]}
