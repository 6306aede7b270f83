"""Public read API of divisions, organisations and service halls (/api/v1/orgs/).

Everything here is public information a portal or a department system needs to address the right
body; lists are paginated and each request runs a fixed number of queries whatever the data size.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from yiwang.core.api_auth import ErrorOut
from yiwang.core.api_paging import Pages
from yiwang.core.errors import Problem, ProblemsError

from .models import Division, Hall, Organisation, Window

router = Router(tags=["orgs"])


class DivisionRef(Schema):
    code: str = Field(..., description="GB/T 2260 code (6 digits, 12 below county level)")
    name: str
    level: int = Field(..., description="2 province, 3 city, 4 county, 5 township, 6 village")


class DivisionOut(DivisionRef):
    parent: str | None = Field(None, description="Code of the parent division")
    path: str = Field(..., description="Codes from the top, e.g. /340000/340300/")

    @staticmethod
    def resolve_parent(obj: Division) -> str | None:
        return obj.parent.code if obj.parent_id else None


class DivisionDetail(DivisionOut):
    full_name: str
    children: list[DivisionRef]
    organisation_count: int

    @staticmethod
    def resolve_full_name(obj: Division) -> str:
        names = [d.name for d in obj.ancestors] + [obj.name]
        return "".join(names)

    @staticmethod
    def resolve_children(obj: Division) -> list[Division]:
        return obj.child_list


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    credit_code: str = Field(..., description="Unified social credit code (GB 32100)")
    kind: str = Field(..., description="department, center, convenience or institution")
    division: DivisionRef
    parent_id: int | None
    address: str
    phone: str
    is_active: bool


class WindowOut(Schema):
    number: str
    name: str
    kind: str = Field(..., description="comprehensive, dedicated, delivery or help")
    organisations: list[int] = Field(..., description="Ids of the departments the window serves")

    @staticmethod
    def resolve_organisations(obj: Window) -> list[int]:
        return [o.pk for o in obj.organisations.all()]


class HallOut(Schema):
    id: int
    name: str
    organisation_id: int
    division: DivisionRef
    address: str
    hours: str
    phone: str
    windows: list[WindowOut]

    @staticmethod
    def resolve_windows(obj: Hall) -> list[Window]:
        return list(obj.windows.all())


class DivisionFilter(Schema):
    parent: str | None = Field(None, description="Only the direct children of this division code")
    level: int | None = Field(None, ge=1, le=6, description="Only divisions of this level")
    q: str | None = Field(None, max_length=60, description="Name or code contains")


class OrganisationFilter(Schema):
    division: str | None = Field(None, description="Organisations in this division or below it")
    kind: str | None = Field(None, description="department, center, convenience or institution")
    q: str | None = Field(None, max_length=100, description="Name, short name or credit code contains")


class HallFilter(Schema):
    division: str | None = Field(None, description="Halls in this division or below it")
    organisation: int | None = Field(None, description="Halls run by this organisation id")


def division_or_problem(code: str, field: str = "division") -> Division:
    """The division with `code`, or a 400 naming the query parameter."""
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ProblemsError(
            [Problem(field, _("No division has code %(code)s."), code="unknown", params={"code": code})]
        )
    return division


@router.get("/divisions", response=list[DivisionOut], summary="List administrative divisions")
@paginate(Pages, page_size=50)
def list_divisions(request: HttpRequest, filters: Query[DivisionFilter]) -> QuerySet[Division]:
    qs = Division.objects.select_related("parent").order_by("code")
    if filters.parent:
        qs = qs.filter(parent=division_or_problem(filters.parent, "parent"))
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(Q(name__contains=filters.q) | Q(code__startswith=filters.q))
    return qs


@router.get(
    "/divisions/{code}",
    response={200: DivisionDetail, 404: ErrorOut},
    summary="One division with its children",
)
def get_division(request: HttpRequest, code: str) -> Division:
    division = get_object_or_404(
        Division.objects.select_related("parent").annotate(organisation_count=Count("organisations")), code=code
    )
    codes = [c for c in division.path.strip("/").split("/") if c and c != division.code]
    by_code = {d.code: d for d in Division.objects.filter(code__in=codes)}
    division.ancestors = [by_code[c] for c in codes if c in by_code]
    division.child_list = list(Division.objects.filter(parent=division).order_by("code"))
    return division


@router.get("/organisations", response=list[OrganisationOut], summary="List organisations")
@paginate(Pages, page_size=50)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilter]) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("division").order_by("division__code", "name")
    if filters.division:
        qs = qs.filter(division__path__startswith=division_or_problem(filters.division).path)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(credit_code=q.upper()))
    return qs


@router.get(
    "/organisations/{int:organisation_id}",
    response={200: OrganisationOut, 404: ErrorOut},
    summary="One organisation",
)
def get_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("division"), pk=organisation_id)


@router.get("/halls", response=list[HallOut], summary="List service halls with their windows")
@paginate(Pages, page_size=20)
def list_halls(request: HttpRequest, filters: Query[HallFilter]) -> QuerySet[Hall]:
    qs = (
        Hall.objects.select_related("division")
        .prefetch_related(
            Prefetch("windows", queryset=Window.objects.order_by("number").prefetch_related("organisations"))
        )
        .order_by("division__code", "name")
    )
    if filters.division:
        qs = qs.filter(division__path__startswith=division_or_problem(filters.division).path)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    return qs
