"""My Space over the API (/api/v1/identity/me/…, /enterprises/{id}/agents): the same rules as the pages.

Every endpoint needs a signed-in session (writes carry the CSRF token). A person reaches their own data, and an
enterprise's data where they are its legal representative or an agent with the matching permission: materials
with `materials`, reuse choices, uses and agents with `manage_agents`, prefill with `apply`. Anything out of reach
answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils.cache import add_never_cache_headers
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_paging import Pages
from yiwang.core.api_types import IsoDate

from . import access, space
from .models import Agent, AgentPermission, Enterprise, Person, ReusableMaterial

router = Router(tags=["my space"], auth=session_auth)


# ---------------------------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------------------------


class ProfileOut(Schema):
    """Masked: the full value of a field is given only by POST /me/reveal."""

    name: str
    doc_type: str
    doc_type_label: str
    doc_number: str
    nationality: str
    phone: str
    email: str
    address: str
    level: int = Field(..., description="0 none, 1 phone, 2 ID vs population library, 3 in person/face/bank card")
    level_label: str
    level_allows: str
    level_next: str


class ConsentOut(Schema):
    category: str = Field(..., description="profile, materials, licenses or shared_data")
    label: str
    allowed: bool
    changed_at: dt.datetime | None


class EnterpriseRef(Schema):
    id: int
    name: str
    credit_code: str
    permissions: list[str]


class SpaceCounts(Schema):
    materials: int
    reusable_materials: int
    uses: int


class SpaceOut(Schema):
    profile: ProfileOut
    consents: list[ConsentOut]
    counts: SpaceCounts
    enterprises: list[EnterpriseRef] = Field(..., description="Legal persons this person may act for")
    acting_for: int | None = Field(None, description="The enterprise chosen in the switcher (session), if any")


class SpaceMaterialOut(Schema):
    id: int
    title: str
    content_type: str
    size: int
    sha256: str
    reusable: bool
    valid_until: dt.date | None
    uploaded_at: dt.datetime
    enterprise: int | None = Field(None, description="Owning enterprise; null for the person's own")
    file: str = Field(..., description="Download URL")

    @staticmethod
    def resolve_enterprise(obj: ReusableMaterial) -> int | None:
        return obj.enterprise_id

    @staticmethod
    def resolve_file(obj: ReusableMaterial) -> str:
        return f"/api/v1/identity/me/materials/{obj.pk}/file"


class MaterialPatch(Schema):
    title: str | None = None
    reusable: bool | None = None
    valid_until: IsoDate | None = Field(None, description="null clears the date")


class ConsentIn(Schema):
    allowed: bool


class DataUseOut(Schema):
    at: dt.datetime
    category: str
    what: str
    used_by: str
    purpose: str
    case_number: str


class PrefillIn(Schema):
    fields: list[str] = Field(
        ...,
        description="Profile fields: person name, doc_type, doc_number, nationality, "
        "phone, email, address; enterprise name, credit_code, kind, legal_rep_name, address, phone",
    )
    purpose: str = Field(..., description="What the values are used for (shown to the person under every use)")
    case_number: str = ""
    enterprise: int | None = Field(None, description="Pre-fill the enterprise's profile (needs the apply permission)")


class PrefillOut(Schema):
    values: dict[str, str] = Field(..., description="Empty when the profile reuse switch is off (nothing recorded)")


class ProfileRevealIn(Schema):
    field: str = Field(..., description="name, doc_number, phone, email or address")


class ProfileRevealOut(Schema):
    field: str
    value: str


class AgentOut(Schema):
    id: int
    person_name: str = Field(..., description="Masked")
    person_doc_number: str = Field(..., description="Masked")
    permissions: list[str]
    granted_at: dt.datetime
    valid_until: dt.date | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_person_name(obj: Agent) -> str:
        return obj.person.masked_name

    @staticmethod
    def resolve_person_doc_number(obj: Agent) -> str:
        return obj.person.masked_doc_number

    @staticmethod
    def resolve_active(obj: Agent) -> bool:
        return obj.is_active()


class AgentIn(Schema):
    doc_type: str = Field(..., description="The agent's document type (identity DocType)")
    doc_number: str = Field(..., description="Exact document number; only an exact match is accepted")
    permissions: list[str] = Field(..., description="apply, view_cases, materials, licenses, manage_agents")
    valid_until: IsoDate | None = None


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def _person(request: HttpRequest) -> Person:
    person = space.person_of(request)
    if person is None:
        raise Http404
    return person


def _subject(request: HttpRequest, enterprise: int | None, permission: str) -> Person | Enterprise:
    """The person themself, or the enterprise they act for with `permission` (404 otherwise)."""
    if enterprise is None:
        return _person(request)
    return space.enterprise_for(request, enterprise, permission)


# ---------------------------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------------------------


@router.get("/me/space", response={200: SpaceOut, 401: ErrorOut, 404: ErrorOut}, summary="My Space summary")
def my_space(request: HttpRequest) -> dict[str, Any]:
    """Masked profile, reuse choices, counts, and the enterprises the person may act for."""
    person = _person(request)
    a = access.actor(request)
    enterprises = space.enterprises_of(request)
    acting = space.acting_for(request)
    return {
        "profile": space.masked_profile(person),
        "consents": space.consents(person),
        "counts": {
            "materials": space.live_materials(person).count(),
            "reusable_materials": space.reusable_materials(person).count(),
            "uses": space.uses(person).count(),
        },
        "enterprises": [
            {"id": e.pk, "name": e.name, "credit_code": e.credit_code, "permissions": sorted(a.agencies[e.pk])}
            for e in enterprises
        ],
        "acting_for": acting.pk if acting else None,
    }


@router.post(
    "/me/reveal",
    response={200: ProfileRevealOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Full value of one of my own fields",
)
def reveal(request: HttpRequest, payload: ProfileRevealIn) -> dict[str, str]:
    """The subject seeing their own data: no reason asked, nothing cached."""
    return {"field": payload.field, "value": space.reveal(_person(request), payload.field)}


@router.get(
    "/me/materials", response={200: list[SpaceMaterialOut], 401: ErrorOut, 404: ErrorOut}, summary="My stored materials"
)
def list_materials(request: HttpRequest, enterprise: int | None = None) -> Any:
    """The person's own materials, or (with `enterprise`) the enterprise's, given the materials permission."""
    return space.live_materials(_subject(request, enterprise, AgentPermission.MATERIALS))


@router.post(
    "/me/materials",
    response={201: SpaceMaterialOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Store a material (PDF, JPEG, PNG or OFD, at most 10 MB)",
)
def upload_material(
    request: HttpRequest,
    file: File[UploadedFile],
    title: Form[str],
    valid_until: Form[str] = "",
    reusable: Form[bool] = True,
    enterprise: Form[int | None] = None,
):
    """The type is decided by the file's content, and a file name's extension must agree with it."""
    subject = _subject(request, enterprise, AgentPermission.MATERIALS)
    material = space.store_material(
        subject, upload=file, title=title, valid_until=valid_until, reusable=reusable, uploaded_by=request.user
    )
    return Status(201, material)


@router.get(
    "/me/materials/{material_id}/file",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="Download a stored material",
)
def material_file(request: HttpRequest, material_id: int):
    material = space.material_for(request, material_id)
    response = FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=space.download_name(material),
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@router.patch(
    "/me/materials/{material_id}",
    response={200: SpaceMaterialOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Rename, mark reusable or not, set the validity date",
)
def patch_material(request: HttpRequest, material_id: int, payload: MaterialPatch):
    material = space.material_for(request, material_id)
    return space.update_material(material, payload.model_dump(exclude_unset=True))


@router.delete(
    "/me/materials/{material_id}", response={204: None, 401: ErrorOut, 404: ErrorOut}, summary="Delete a material"
)
def delete_material(request: HttpRequest, material_id: int):
    space.delete_material(space.material_for(request, material_id))
    return Status(204, None)


@router.put(
    "/me/consents/{category}",
    response={200: ConsentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Switch reuse of one category on or off",
)
def put_consent(request: HttpRequest, category: str, payload: ConsentIn, enterprise: int | None = None):
    """With `enterprise`, sets the enterprise's choice (needs manage_agents)."""
    subject = _subject(request, enterprise, AgentPermission.MANAGE_AGENTS)
    space.set_consent(subject, category, payload.allowed)
    return next(c for c in space.consents(subject) if c["category"] == category)


@router.get("/me/uses", response={200: list[DataUseOut], 401: ErrorOut, 404: ErrorOut}, summary="Every use of my data")
@paginate(Pages, page_size=20)
def list_uses(request: HttpRequest, enterprise: int | None = None) -> Any:
    """Newest first; with `enterprise`, the enterprise's uses (needs manage_agents)."""
    return space.uses(_subject(request, enterprise, AgentPermission.MANAGE_AGENTS))


@router.post(
    "/me/prefill",
    response={200: PrefillOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Pre-fill a form from my profile",
)
def prefill(request: HttpRequest, payload: PrefillIn) -> dict[str, Any]:
    """Values only when profile reuse is allowed; each call that returns values is recorded as a use."""
    person = _person(request)
    subject = _subject(request, payload.enterprise, AgentPermission.APPLY)
    values = space.prefill(
        subject,
        payload.fields,
        used_by=person.masked_name,
        purpose=payload.purpose,
        case_number=payload.case_number,
    )
    return {"values": values}


@router.get(
    "/enterprises/{enterprise_id}/agents",
    response={200: list[AgentOut], 401: ErrorOut, 404: ErrorOut},
    summary="The enterprise's agents",
)
def list_agents(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MANAGE_AGENTS)
    return space.agents_of(enterprise)


@router.post(
    "/enterprises/{enterprise_id}/agents",
    response={201: AgentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Authorise an agent",
)
def grant_agent(request: HttpRequest, enterprise_id: int, payload: AgentIn):
    """The person is found by exact document type and number; an unknown number is a field error, never a list."""
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MANAGE_AGENTS)
    agent = space.grant(
        request,
        enterprise,
        doc_type=payload.doc_type,
        doc_number=payload.doc_number,
        permissions=payload.permissions,
        valid_until=payload.valid_until,
    )
    return Status(201, agent)


@router.delete(
    "/enterprises/{enterprise_id}/agents/{agent_id}",
    response={200: AgentOut, 401: ErrorOut, 404: ErrorOut},
    summary="Revoke an agent (effective at once)",
)
def revoke_agent(request: HttpRequest, enterprise_id: int, agent_id: int):
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MANAGE_AGENTS)
    return space.revoke(request, enterprise, agent_id)
