"""Items and versions API (/api/v1/catalog/items…): every change the editor can make, the API can make too.

Reads are public for published content; drafts and history are shown only to catalog
administrators whose scope reaches the item. Writes need a signed-in session (with its CSRF
token) and the catalog-administrator role over the item's organisation, or a machine client's
bearer token with the catalog:write scope over its own organisation and that organisation's
children. An item out of a person's scope is refused with 403 when the public could see it
anyway, 404 otherwise, so a write never reveals more than a read would; a client is always
answered 404. Every refusal is a list of per-field problems in Chinese and English.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_paging import Pages
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.api_security import client_actor, client_reach, require_scope
from yiwang.orgs.admin import holds, in_scope, reaches_all, scope_of
from yiwang.orgs.models import Division, Organisation, Role

from . import services
from .forms import derive_item_code, draft_problems
from .models import CatalogEvent, ItemVersion, Material, ProcessStep, ServiceItem, Theme, VersionStatus

ROLE = Role.CATALOG_ADMIN
router = Router(tags=["catalog items"])
# A catalog administrator's session, or a machine client with the catalog:write scope.
WRITE_AUTH = [require_scope("catalog:write"), session_auth]
READ_AUTH = [require_scope("catalog:read", "catalog:write"), session_auth]


# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str
    credit_code: str


class ThemeOut(Schema):
    code: str
    name: str
    audience: str = Field(..., description="person (life event) or enterprise (business stage)")


class Fee(Schema):
    name: str = Field("", description="What is charged")
    standard: str = Field("", description="How much (收费标准)")
    basis: str = Field("", description="Legal basis of the fee (收费依据)")


class GuideMaterialOut(Schema):
    order: int
    name: str
    source: str = Field(..., description="applicant, license, shared or government")
    license_type_code: str
    data_resource_code: str
    form: str = Field(..., description="original, copy, electronic or both")
    copies: int
    requirement: str = Field(..., description="required, conditional or optional")
    condition: str
    notes: str
    blank_form: str | None = Field(None, description="URL of the blank form")
    sample: str | None = Field(None, description="URL of a filled-in sample")

    @staticmethod
    def resolve_blank_form(obj: Material) -> str | None:
        return obj.blank_form.url if obj.blank_form else None

    @staticmethod
    def resolve_sample(obj: Material) -> str | None:
        return obj.sample.url if obj.sample else None


class ProcessStepOut(Schema):
    order: int
    kind: str = Field(..., description="accept, undertake, review, approve, countersign or deliver")
    name: str
    days: int = Field(..., description="Working days this step may take")
    description: str
    countersign_org: str | None = Field(None, description="Credit code of the countersigning organisation")

    @staticmethod
    def resolve_countersign_org(obj: ProcessStep) -> str | None:
        return obj.countersign_org.credit_code if obj.countersign_org_id else None


class VersionSummary(Schema):
    number: int
    status: str = Field(..., description="draft, published or retired")
    name: str
    change_note: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    retired_at: dt.datetime | None


class VersionOut(VersionSummary):
    """Every standard element of one version of an item's guide."""

    item_code: str
    aliases: list[str] = Field(..., description="Colloquial names people search by")
    item_type: str = Field(..., description="01 licensing … 10 other administrative power, 20 public service")
    level: int = Field(..., description="Exercise level: 1 nation … 6 village")
    competent_department: str
    legal_basis: str
    for_persons: bool
    for_enterprises: bool
    acceptance_conditions: str
    statutory_limit: int
    statutory_unit: str = Field(..., description="wd working days, nd calendar days, mo months")
    promised_limit: int
    promised_unit: str
    handling_kind: int = Field(..., description="1 done on the spot (即办件), 2 promised time (承诺件)")
    visits_required: int
    online_depth: int = Field(..., description="1 to 4; 4 is fully online with zero visits")
    min_identity_level: int = Field(
        ..., description="Real-name level an applicant needs: 0 none, 1 phone, 2 ID checked, 3 in person/face/bank card"
    )
    form_fields: list[dict] = Field(..., description="The application form's fields (empty: the default form)")
    fee_required: bool
    fees: list[Fee]
    place: str
    hours: str
    phone: str
    complaint_phone: str
    result_type: str = Field(..., description="license, approval, filing, payment or other")
    result_name: str
    result_license_type: str
    result_fields: Any = Field(
        ...,
        description="Where each field of the result license comes from: {field: source} (docs/licenses.md); a "
        "draft may hold anything its editor typed, publishing checks it",
    )
    result_sample: str | None = None
    materials: list[GuideMaterialOut]
    steps: list[ProcessStepOut]
    themes: list[ThemeOut]

    @staticmethod
    def resolve_item_code(obj: ItemVersion) -> str:
        return obj.item.item_code

    @staticmethod
    def resolve_fees(obj: ItemVersion) -> list[dict[str, Any]]:
        return [f for f in (obj.fees or []) if isinstance(f, dict)]

    @staticmethod
    def resolve_result_sample(obj: ItemVersion) -> str | None:
        return obj.result_sample.url if obj.result_sample else None

    @staticmethod
    def resolve_materials(obj: ItemVersion) -> list[Material]:
        return list(obj.materials.all())

    @staticmethod
    def resolve_steps(obj: ItemVersion) -> list[ProcessStep]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_themes(obj: ItemVersion) -> list[Theme]:
        return list(obj.themes.all())


class CurrentBrief(Schema):
    number: int
    name: str
    level: int
    item_type: str
    online_depth: int
    published_at: dt.datetime | None


class ItemOut(Schema):
    item_code: str = Field(..., description="31-character implementation code")
    catalog_code: str = Field(..., description="12-character basic code")
    handling_item: str = Field(..., description="'' not split, new, change, renew or cancel")
    organisation: OrganisationRef
    status: str = Field(..., description="published, draft (never published) or retired (withdrawn)")
    has_draft: bool | None = Field(None, description="A draft is pending (shown to administrators in scope only)")
    current: CurrentBrief | None = Field(None, description="The published version")

    @staticmethod
    def resolve_status(obj: ServiceItem) -> str:
        if obj.current_id:
            return VersionStatus.PUBLISHED
        return VersionStatus.DRAFT if getattr(obj, "has_draft", False) else VersionStatus.RETIRED

    @staticmethod
    def resolve_has_draft(obj: ServiceItem) -> bool | None:
        return obj.has_draft if getattr(obj, "viewer_in_scope", False) else None


class ItemDetail(ItemOut):
    version: VersionOut = Field(..., description="The published version, or for a new item the version made")


class CatalogEventOut(Schema):
    at: dt.datetime
    action: str = Field(..., description="created, drafted, edited, published, retired or imported")
    version: int | None = Field(None, description="Version number the event is about")
    actor: str | None = Field(None, description="Username of who did it")
    channel: str = Field(..., description="web, api, admin, import or cli")
    note: str

    @staticmethod
    def resolve_version(obj: CatalogEvent) -> int | None:
        return obj.version.number if obj.version_id else None

    @staticmethod
    def resolve_actor(obj: CatalogEvent) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None


class MaterialIn(Schema):
    name: str
    source: str = "applicant"
    license_type_code: str = ""
    data_resource_code: str = ""
    form: str = "electronic"
    copies: int = 1
    requirement: str = "required"
    condition: str = ""
    notes: str = ""
    order: int = 0


class ProcessStepIn(Schema):
    kind: str
    name: str
    days: int = 0
    description: str = ""
    countersign_org: str | None = Field(None, description="Credit code of the countersigning organisation")
    order: int = 0


class VersionIn(Schema):
    """A draft's guide elements. Drafts may be incomplete; publishing checks every rule."""

    name: str
    aliases: list[str] = []
    item_type: str | None = Field(None, description="Defaults to the first two characters of the basic code")
    level: int | None = Field(None, description="Defaults to the level of the implementing body's division")
    competent_department: str = ""
    legal_basis: str = ""
    for_persons: bool = False
    for_enterprises: bool = False
    acceptance_conditions: str = ""
    statutory_limit: int
    statutory_unit: str = "wd"
    promised_limit: int
    promised_unit: str = "wd"
    handling_kind: int
    visits_required: int
    online_depth: int
    min_identity_level: int = Field(0, description="Real-name level an applicant needs (0 to 3)")
    form_fields: list[dict] = Field(
        default_factory=list,
        description="Application form: [{name, label, label_en, type, required, choices, show_if, prefill, ...}]",
    )
    fee_required: bool = False
    fees: list[Fee] = []
    place: str = ""
    hours: str = ""
    phone: str = ""
    complaint_phone: str = "12345"
    result_type: str = ""
    result_name: str = ""
    result_license_type: str = ""
    result_fields: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Result license fields and their sources: form:<field>, applicant:name|number|credit_code|legal_rep|"
            "address|phone, case:number|item|issuer, date:issued|expires, const:<text>, number (docs/licenses.md)"
        ),
    )
    change_note: str = ""


class DraftIn(Schema):
    version: VersionIn
    materials: list[MaterialIn] = []
    steps: list[ProcessStepIn] = []
    themes: list[str] = Field([], description="Theme codes")


class ItemCreateIn(DraftIn):
    organisation: str = Field(..., description="Credit code of the implementing body")
    catalog_code: str = Field(..., description="12-character basic code")
    handling_item: str = Field("", description="'' not split, new, change, renew or cancel")
    item_code: str | None = Field(None, description="Derived from the other codes when left out")
    publish: bool = Field(False, description="Validate and publish the first version at once")


class RetireIn(Schema):
    note: str = Field("", max_length=300, description="Why the item is withdrawn")


class ItemFilter(Schema):
    organisation: str | None = Field(None, description="Credit code of the implementing body")
    division: str | None = Field(None, description="Items of organisations in this division or below it")
    level: int | None = Field(None, ge=1, le=6, description="Level of the implementing body's division")
    status: str | None = Field(
        None,
        description="published (default for the public), draft (a draft is pending), retired (withdrawn), "
        "or all; drafts and withdrawn items are listed only to administrators in scope",
    )


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def _require_editor(request: HttpRequest) -> None:
    if client_actor(request) is not None:
        return  # the client's scope was checked by its authentication
    if not holds(request, ROLE):
        raise PermissionDenied(_("Only catalog administrators may change the catalog."))


def _reaches(request: HttpRequest, organisation: Organisation) -> bool:
    """Whether the person (catalog-administrator scope) or the client (its organisation) reaches `organisation`."""
    client = client_actor(request)
    if client is not None:
        return client_reach(client).covers(organisation.pk, organisation.parent_id)
    return in_scope(request, ROLE, organisation.pk)


def _item(item_code: str) -> ServiceItem:
    item = ServiceItem.objects.select_related("organisation__division", "current").filter(item_code=item_code).first()
    if item is None:
        raise Http404
    return item


def _publicly_visible(item: ServiceItem) -> bool:
    return item.current_id is not None or item.versions.filter(published_at__isnull=False).exists()


def _sees_drafts(request: HttpRequest, item: ServiceItem) -> bool:
    if client_actor(request) is not None:
        return _reaches(request, item.organisation)
    return holds(request, ROLE) and in_scope(request, ROLE, item.organisation_id)


def _item_for_write(request: HttpRequest, item_code: str) -> ServiceItem:
    """The item, if the user may change it; otherwise 403 when the public sees it, 404 when not."""
    _require_editor(request)
    item = _item(item_code)
    if not _reaches(request, item.organisation):
        if client_actor(request) is None and _publicly_visible(item):
            raise PermissionDenied(_("This item belongs to an organisation outside your scope."))
        raise Http404
    return item


def _version_qs() -> QuerySet[ItemVersion]:
    return ItemVersion.objects.select_related("item").prefetch_related(
        "themes",
        Prefetch("materials", queryset=Material.objects.order_by("order", "id")),
        Prefetch("steps", queryset=ProcessStep.objects.select_related("countersign_org").order_by("order", "id")),
    )


def _annotated(qs: QuerySet[ServiceItem], request: HttpRequest) -> QuerySet[ServiceItem]:
    drafts = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.DRAFT)
    qs = qs.annotate(has_draft=Exists(drafts))
    if not holds(request, ROLE):
        return qs.annotate(viewer_in_scope=Value(False, output_field=BooleanField()))
    if reaches_all(request):
        return qs.annotate(viewer_in_scope=Value(True, output_field=BooleanField()))
    return qs.annotate(
        viewer_in_scope=Exists(scope_of(request, ROLE).filter(pk=OuterRef("organisation_id")).values("pk"))
    )


def _detail(item: ServiceItem, version: ItemVersion, request: HttpRequest) -> ServiceItem:
    item.has_draft = item.versions.filter(status=VersionStatus.DRAFT).exists()
    item.viewer_in_scope = _sees_drafts(request, item)
    item.version = version
    return item


# ---------------------------------------------------------------------------------------------
# Turning input into what the services take
# ---------------------------------------------------------------------------------------------


def _content(
    body: DraftIn, item_type_default: str, organisation: Organisation
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[Theme]]:
    """Version dict, material and step rows, themes; every unknown reference is a problem."""
    problems: list[Problem] = []
    version = body.version.dict()
    version["item_type"] = version.get("item_type") or item_type_default
    if version.get("level") is None:
        version["level"] = organisation.division.level
    version["aliases"] = [a.strip() for a in version.get("aliases") or []]
    materials = [m.dict() for m in body.materials]
    steps = []
    codes = {s.countersign_org for s in body.steps if s.countersign_org}
    orgs = dict(Organisation.objects.filter(credit_code__in=codes).values_list("credit_code", "pk"))
    for i, s in enumerate(body.steps, 1):
        row = s.dict()
        code = row.pop("countersign_org")
        row["countersign_org_id"] = orgs.get(code) if code else None
        if code and code not in orgs:
            problems.append(
                Problem(
                    f"steps.{i}.countersign_org",
                    _("No organisation has credit code %(code)s."),
                    code="unknown",
                    params={"code": code},
                )
            )
        steps.append(row)
    themes = list(Theme.objects.filter(code__in=set(body.themes)))
    unknown = sorted(set(body.themes) - {t.code for t in themes})
    if unknown:
        problems.append(
            Problem(
                "themes", _("Unknown theme codes: %(codes)s."), code="unknown", params={"codes": ", ".join(unknown)}
            )
        )
    problems += draft_problems(version, materials, steps)
    if problems:
        raise ProblemsError(problems)
    return version, materials, steps, themes


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


@router.get("/items", response=list[ItemOut], summary="List service items")
@paginate(Pages, page_size=20)
def list_items(request: HttpRequest, filters: Query[ItemFilter]) -> QuerySet[ServiceItem]:
    """Published items for everyone; administrators also see the drafts and withdrawn items in their scope."""
    qs = ServiceItem.objects.select_related("organisation", "current")
    if holds(request, ROLE):
        visible = (
            qs
            if reaches_all(request)
            else qs.filter(Q(current__isnull=False) | Q(organisation__in=scope_of(request, ROLE)))
        )
    else:
        visible = qs.filter(current__isnull=False)
    status = filters.status or "published"
    drafts = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.DRAFT)
    if status == "published":
        visible = visible.filter(current__isnull=False)
    elif status == "draft":
        visible = visible.filter(Exists(drafts))
    elif status == "retired":
        visible = visible.filter(current__isnull=True).exclude(Exists(drafts))
    elif status != "all":
        raise ProblemsError(
            [Problem("status", _("Status must be published, draft, retired or all."), code="invalid_choice")]
        )
    if filters.organisation:
        org = Organisation.objects.filter(credit_code=filters.organisation.strip().upper()).first()
        if org is None:
            raise ProblemsError(
                [
                    Problem(
                        "organisation",
                        _("No organisation has credit code %(code)s."),
                        code="unknown",
                        params={"code": filters.organisation},
                    )
                ]
            )
        visible = visible.filter(organisation=org)
    if filters.division:
        division = Division.objects.filter(code=filters.division).first()
        if division is None:
            raise ProblemsError(
                [
                    Problem(
                        "division",
                        _("No division has code %(code)s."),
                        code="unknown",
                        params={"code": filters.division},
                    )
                ]
            )
        visible = visible.filter(organisation__division__path__startswith=division.path)
    if filters.level:
        visible = visible.filter(organisation__division__level=filters.level)
    return _annotated(visible, request).order_by("item_code")


@router.get(
    "/items/{item_code}",
    response={200: ItemDetail, 404: ErrorOut},
    summary="One item with its published version (materials, steps, themes)",
)
def get_item(request: HttpRequest, item_code: str) -> ServiceItem:
    item = _item(item_code)
    if not item.current_id:
        raise Http404
    version = _version_qs().get(pk=item.current_id)
    return _detail(item, version, request)


@router.get(
    "/items/{item_code}/versions",
    response={200: list[VersionSummary], 404: ErrorOut},
    summary="The item's versions, newest first",
)
def list_versions(request: HttpRequest, item_code: str) -> list[ItemVersion]:
    item = _item(item_code)
    qs = item.versions.order_by("-number")
    if not _sees_drafts(request, item):
        qs = qs.filter(published_at__isnull=False)
    versions = list(qs)
    if not versions:
        raise Http404
    return versions


@router.get(
    "/items/{item_code}/versions/{int:number}",
    response={200: VersionOut, 404: ErrorOut},
    summary="One version of an item",
)
def get_version(request: HttpRequest, item_code: str, number: int) -> ItemVersion:
    item = _item(item_code)
    qs = _version_qs().filter(item=item, number=number)
    if not _sees_drafts(request, item):
        qs = qs.filter(published_at__isnull=False)
    version = qs.first()
    if version is None:
        raise Http404
    return version


@router.get(
    "/items/{item_code}/events",
    response={200: list[CatalogEventOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=READ_AUTH,
    summary="The item's history (administrators in scope)",
)
def list_events(request: HttpRequest, item_code: str) -> QuerySet[CatalogEvent]:
    item = _item_for_write(request, item_code)
    return item.events.select_related("version", "actor").order_by("-at", "-id")


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.post(
    "/items",
    response={201: ItemDetail, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Create an item with its first version (optionally published at once)",
)
def create_item(request: HttpRequest, body: ItemCreateIn) -> Status:
    _require_editor(request)
    code = body.organisation.strip().upper()
    org = Organisation.objects.select_related("division").filter(credit_code=code).first()
    if org is None:
        raise ProblemsError(
            [
                Problem(
                    "organisation",
                    _("No organisation has credit code %(code)s."),
                    code="unknown",
                    params={"code": code},
                )
            ]
        )
    if not _reaches(request, org):
        if client_actor(request) is not None:
            raise ProblemsError(
                [
                    Problem(
                        "organisation",
                        _("No organisation has credit code %(code)s."),
                        code="unknown",
                        params={"code": code},
                    )
                ]
            )
        raise PermissionDenied(_("This organisation is outside your scope."))
    catalog_code = body.catalog_code.strip().upper()
    item_code = (body.item_code or "").strip().upper() or derive_item_code(org, catalog_code, body.handling_item)
    if body.handling_item not in ("", "new", "change", "renew", "cancel"):
        raise ProblemsError(
            [Problem("handling_item", _("The handling item must be empty, new, change, renew or cancel."))]
        )
    version, materials, steps, themes = _content(body, catalog_code[:2], org)
    item = services.create_item(
        organisation=org,
        catalog_code=catalog_code,
        item_code=item_code,
        handling_item=body.handling_item,
        version=version,
        materials=materials,
        steps=steps,
        themes=themes,
        actor=request.user,
        channel="api",
        publish_now=body.publish,
    )
    item = _item(item.item_code)
    made = _version_qs().filter(item=item).order_by("-number").first()
    return Status(201, _detail(item, made, request))


@router.post(
    "/items/{item_code}/drafts",
    response={200: VersionOut, 201: VersionOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Start a new draft from the newest version (200 with the existing draft if there is one)",
)
def start_draft(request: HttpRequest, item_code: str) -> Status:
    item = _item_for_write(request, item_code)
    existed = item.versions.filter(status=VersionStatus.DRAFT).exists()
    draft = services.start_draft(item, actor=request.user, channel="api")
    return Status(200 if existed else 201, _version_qs().get(pk=draft.pk))


def _current_draft(item: ServiceItem) -> ItemVersion:
    draft = item.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise ProblemsError([Problem("status", _("The item has no draft; start one first."), code="no_draft")])
    return draft


@router.put(
    "/items/{item_code}/drafts/current",
    response={200: VersionOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Replace the draft's content (elements, materials, steps, themes)",
)
def replace_draft(request: HttpRequest, item_code: str, body: DraftIn) -> ItemVersion:
    item = _item_for_write(request, item_code)
    draft = _current_draft(item)
    version, materials, steps, themes = _content(body, item.catalog_code[:2], item.organisation)
    services.update_draft(
        draft, version=version, materials=materials, steps=steps, themes=themes, actor=request.user, channel="api"
    )
    return _version_qs().get(pk=draft.pk)


@router.post(
    "/items/{item_code}/drafts/current/publish",
    response={200: VersionOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Validate and publish the draft; the version published before is retired",
)
def publish_draft(request: HttpRequest, item_code: str) -> ItemVersion:
    item = _item_for_write(request, item_code)
    draft = _current_draft(item)
    services.publish(draft, actor=request.user, channel="api")
    return _version_qs().get(pk=draft.pk)


@router.post(
    "/items/{item_code}/retire",
    response={200: VersionOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Withdraw the item: its published version is retired, nothing is deleted",
)
def retire_item(request: HttpRequest, item_code: str, body: RetireIn | None = None) -> ItemVersion:
    item = _item_for_write(request, item_code)
    version = services.retire(item, actor=request.user, channel="api", note=(body.note if body else "").strip())
    return _version_qs().get(pk=version.pk)
