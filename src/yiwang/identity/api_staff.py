"""Staff identity tools over the API (/api/v1/identity/people/…, /pii-access-log): the same rules as the pages.

Staff sign in with their web session (writes carry the CSRF token); machine clients get no personal data here.
A lookup answers references (`ref`) signed for the caller and valid for 12 hours; the other person endpoints
take that reference, so person ids cannot be walked. Whoever lacks the role, or holds a reference that is not
theirs or has expired, gets 404 exactly as for a person who does not exist.
"""

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_paging import Pages
from yiwang.core.api_types import IsoDate
from yiwang.core.clientip import client_ip
from yiwang.core.errors import both_languages

from . import staff_tools as tools
from .access import actor
from .models import PiiAccess

router = Router(tags=["identity staff"], auth=session_auth)


class LookupIn(Schema):
    """Either `doc_type` + `doc_number` (exact) or `phone` (an 11-digit mainland mobile number)."""

    doc_type: str = Field("resident_id", description="resident_id, hmt_residence, hk_macao_permit, …")
    doc_number: str = ""
    phone: str = ""


class IdentityVerificationOut(Schema):
    at: dt.datetime
    level: int
    level_label: str
    provider: str
    method: str
    passed: bool
    detail: str
    performed_by: str


class PersonRecordOut(Schema):
    """Masked values; the name is masked too for supervisors."""

    ref: str = Field(..., description="Reference for the other /people/{ref} endpoints, valid 12 hours, yours only")
    name: str
    doc_type: str
    doc_type_label: str
    doc_number: str
    phone: str
    address: str
    email: str
    nationality: str
    level: int = Field(..., description="0 none, 1 phone, 2 ID vs population library, 3 in person/face/bank card")
    level_label: str
    verified_at: dt.datetime | None
    has_account: bool
    verifications: list[IdentityVerificationOut]


class LookupOut(Schema):
    results: list[PersonRecordOut]


class CounterIn(Schema):
    """The in-person checklist; every item must be true."""

    document_checked: bool = Field(False, description="The original document was presented and checked")
    photo_matches: bool = Field(False, description="The person matches the document photo")
    document_valid: bool = Field(False, description="The document is within its validity period")


class StaffRevealIn(Schema):
    field: str = Field(..., description="doc_number, phone, address or email")
    reason: str = Field(..., description="Why the full value is needed (recorded)")


class StaffRevealOut(Schema):
    field: str
    value: str


class AccessOut(Schema):
    at: dt.datetime
    viewer: str = Field(..., description="Username of the staff member")
    viewer_name: str
    subject: str = Field(..., description="Whose record, masked")
    field: str
    field_label: str
    reason: str
    ip: str

    @staticmethod
    def resolve_viewer(obj: PiiAccess) -> str:
        return obj.viewer.get_username()

    @staticmethod
    def resolve_viewer_name(obj: PiiAccess) -> str:
        return obj.viewer.get_full_name()

    @staticmethod
    def resolve_subject(obj: PiiAccess) -> str:
        return tools.access_subject(obj)

    @staticmethod
    def resolve_field_label(obj: PiiAccess) -> str:
        return str(tools.REVEALABLE.get(obj.field, obj.field))

    @staticmethod
    def resolve_ip(obj: PiiAccess) -> str:
        return obj.ip or ""


class AccessFilter(Schema):
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    field: str = ""


def _rate_limited() -> HttpResponse:
    response = JsonResponse(
        {
            "detail": [
                {
                    "field": "__all__",
                    "code": "rate_limited",
                    **both_languages(_("Too many searches in a short time. Wait a few minutes and try again.")),
                }
            ]
        },
        status=429,
    )
    response["Retry-After"] = "600"
    return response


@router.post(
    "/people/lookup",
    response={200: LookupOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="Find a person by exact document number or mobile number (masked)",
)
def lookup(request: HttpRequest, body: LookupIn):
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    rate = getattr(settings, "IDENTITY_RATES", {}).get("staff_lookup", "120/h")
    if is_ratelimited(request, group="identity.staff_lookup", key="user", rate=rate, increment=True):
        return _rate_limited()
    found = tools.lookup(doc_type=body.doc_type, doc_number=body.doc_number, phone=body.phone)
    return {"results": [tools.person_view(a, p, with_verifications=False) for p in found]}


@router.get(
    "/people/{ref}",
    response={200: PersonRecordOut, 404: ErrorOut},
    summary="A found person's masked record, level and real-name checks",
)
def person(request: HttpRequest, ref: str):
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    return tools.person_view(a, tools.person_from_ref(a.user_id, ref))


@router.post(
    "/people/{ref}/verify-in-person",
    response={200: IdentityVerificationOut, 400: ErrorOut, 404: ErrorOut},
    summary="Window clerks: verify a person in person (level 3) after the checklist",
)
def verify_in_person(request: HttpRequest, ref: str, body: CounterIn):
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    p = tools.person_from_ref(a.user_id, ref)
    return tools.verification_row(tools.verify_in_person(a, request.user, p, body.dict()))


@router.post(
    "/people/{ref}/reveal",
    response={200: StaffRevealOut, 400: ErrorOut, 404: ErrorOut},
    summary="Clerks, reviewers and approvers: one full value, with a reason (recorded)",
)
def reveal(request: HttpRequest, ref: str, body: StaffRevealIn, response: HttpResponse):
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    p = tools.person_from_ref(a.user_id, ref)
    value = tools.reveal(a, request.user, p, body.field, body.reason[:300], ip=client_ip(request))
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return {"field": body.field, "value": value}


@router.get(
    "/pii-access-log",
    response={200: list[AccessOut], 404: ErrorOut},
    summary="Supervisors and system administrators: full-value views by staff in scope, newest first",
)
@paginate(Pages, page_size=50)
def pii_access_log(request: HttpRequest, filters: Query[AccessFilter]):
    a = actor(request)
    field = filters.field if filters.field in tools.REVEALABLE else ""
    return tools.access_log(a, date_from=filters.date_from, date_to=filters.date_to, field=field)
