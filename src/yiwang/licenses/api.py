"""Licenses API (/api/v1/licenses/): public verification (rate limited), the holder's list, staff issuing.

Verification answers what the public page answers and never more personal data than the printed license.
Staff endpoints need a signed-in session of an approver reaching the issuing organisation; issuing also takes a
machine client of that organisation holding licenses:issue. Out-of-reach licenses answer 404 like missing ones. A
machine client holding licenses:verify that sends its token verifies within its own rate limit instead of the
public per-address one.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited
from ninja import File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from yiwang.core import uploads
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_types import IsoDate
from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem, ProblemsError, both_languages
from yiwang.core.replica import reads
from yiwang.identity.access import actor
from yiwang.identity.api_security import require_scope, scoped_client
from yiwang.identity.documents import DocType
from yiwang.identity.models import Person
from yiwang.orgs.models import Organisation

from . import access, importer, rendering, services
from .models import License, LicenseType
from .verification import decode_signature, verify_document, verify_identifier

router = Router(tags=["licenses"])
VERIFY_RATE = "120/m"


class LicenseVerificationOut(Schema):
    identifier: str
    outcome: str
    label: str
    reasons: list[str] = []
    license_type: str | None = None
    license_type_name: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    holder_name: str | None = None
    holder_number: str | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    version: int | None = None
    current_identifier: str | None = None


class DocumentIn(Schema):
    document: dict[str, Any]
    signature: str


class LicenseOut(Schema):
    identifier: str
    license_type: str
    license_type_name: str
    issuer: str
    issuer_name: str
    holder_kind: str
    holder_name: str
    holder_number: str
    fields: dict[str, Any]
    issued_on: dt.date
    expires_on: dt.date | None
    status: str
    version: int
    trust_level: str
    key_id: str
    signature: str
    verify_url: str


class SignedDocumentOut(Schema):
    document: dict[str, Any]
    signature: str
    public_key_pem: str


class IssueIn(Schema):
    license_type: str
    issuer: str
    holder_number: str
    holder_name: str
    holder_doc_type: str = DocType.RESIDENT_ID
    fields: dict[str, Any] = {}
    issued_on: IsoDate | None = None
    expires_on: IsoDate | None = None
    trust_level: str | None = None
    case_number: str = ""


class ChangeIn(Schema):
    reason: str
    fields: dict[str, Any] | None = None
    holder_name: str | None = None


class LicenseReasonIn(Schema):
    reason: str = ""


class UseIn(Schema):
    purpose: str
    case_number: str = ""


class LicenseUseOut(Schema):
    identifier: str
    purpose: str
    case_number: str
    at: dt.datetime


class LicenseImportOut(Schema):
    rows: int
    created: int
    identifiers: list[str]


def _limited(request: HttpRequest) -> bool:
    """The public per-address limit; a client with licenses:verify is counted against its own limit instead."""
    if scoped_client(request, "licenses:verify") is not None:
        return False
    return is_ratelimited(request, group="licenses.api.verify", key=ratelimit_key, rate=VERIFY_RATE, increment=True)


def _too_many() -> ProblemsError:
    return ProblemsError([Problem("__all__", _("Too many verifications; wait a minute."), "rate_limited")])


def _verification(identifier: str, verdict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "identifier": identifier,
        "outcome": verdict.outcome,
        "label": both_languages(verdict.label)["message"],
        "reasons": verdict.reasons,
    }
    lic = verdict.license
    if lic is not None and verdict.outcome != "forged":
        nxt = License.objects.filter(previous=lic).values_list("identifier", flat=True).first()
        out.update(
            license_type=lic.license_type.code,
            license_type_name=lic.license_type.name,
            issuer=lic.issuer.credit_code,
            issuer_name=lic.issuer.name,
            holder_name=lic.holder_name,
            holder_number=lic.masked_holder_number,
            issued_on=lic.issued_on,
            expires_on=lic.expires_on,
            version=lic.version,
            current_identifier=nxt,
        )
    return out


@router.get("/verify/{identifier}", response={200: LicenseVerificationOut, 429: ErrorOut}, auth=None)
@decorate_view(reads)
def verify(request: HttpRequest, identifier: str, s: str | None = None):
    """Public: genuine and in force? outcome is valid, suspended, revoked, superseded, expired, key_revoked,
    forged (wrong check character, signature or fingerprint `s`), not_found or malformed."""
    if _limited(request):
        return Status(429, {"detail": _too_many().as_list()})
    return Status(200, _verification(identifier, verify_identifier(identifier, s)))


@router.post("/verify", response={200: LicenseVerificationOut, 429: ErrorOut}, auth=None)
def verify_presented(request: HttpRequest, payload: DocumentIn):
    """Public: verify a license document (the signed JSON from GET /{identifier}/document) and its signature
    (base64 or hex DER). A changed field makes the signature fail: outcome "forged"."""
    if _limited(request):
        return Status(429, {"detail": _too_many().as_list()})
    signature = decode_signature(payload.signature)
    identifier = str(payload.document.get("identifier", ""))
    if signature is None:
        raise ProblemsError([Problem("signature", _("The signature is not base64 or hex."), "bad_signature")])
    return Status(200, _verification(identifier, verify_document(payload.document, signature)))


def _out(lic: License, full: bool) -> dict[str, Any]:
    return {
        "identifier": lic.identifier,
        "license_type": lic.license_type.code,
        "license_type_name": lic.license_type.name,
        "issuer": lic.issuer.credit_code,
        "issuer_name": lic.issuer.name,
        "holder_kind": lic.holder_kind,
        "holder_name": lic.holder_name,
        "holder_number": lic.holder_id_number if full else lic.masked_holder_number,
        "fields": lic.field_values,
        "issued_on": lic.issued_on,
        "expires_on": lic.expires_on,
        "status": lic.effective_status(),
        "version": lic.version,
        "trust_level": lic.trust_level,
        "key_id": lic.signing_key.key_id,
        "signature": base64.b64encode(bytes(lic.signature)).decode("ascii"),
        "verify_url": rendering.verify_url(lic),
    }


@router.post("/import", response={201: LicenseImportOut, 400: ErrorOut, 404: ErrorOut}, auth=session_auth)
def import_file(request: HttpRequest, file: File[UploadedFile]):
    """Bulk import from CSV or xlsx: all rows issued and signed, or nothing and every problem (row/column)."""
    a = actor(request)
    allowed = set(access.issuing_orgs(a).values_list("credit_code", flat=True))
    if not allowed:
        raise Http404
    checked = uploads.check_or_raise(file, "file", "license_import")  # CSV or xlsx by content, the name agreeing
    result = importer.import_licenses(checked.content, checked.original_name, actor=request.user, allowed=allowed)
    if result.problems:
        raise ProblemsError(result.problems)
    return Status(201, {"rows": result.rows, "created": result.created, "identifiers": result.identifiers[:1000]})


@router.get("/mine", response=list[LicenseOut], auth=session_auth)
def mine(request: HttpRequest):
    """The caller's licenses (their own and their enterprises'), current versions."""
    a = actor(request)
    qs = License.objects.filter(access.holder_q(a)).exclude(status="superseded")
    return [_out(lic, True) for lic in qs.select_related("license_type", "issuer", "signing_key")]


class CountOut(Schema):
    uses: int
    cases: int


class TypeCountOut(CountOut):
    code: str
    name: str


class ItemCountOut(CountOut):
    item_code: str | None
    item_name: str | None


class MonthCountOut(CountOut):
    month: str


class SavingsOut(CountOut):
    since: dt.date | None
    until: dt.date | None
    by_type: list[TypeCountOut]
    by_item: list[ItemCountOut]
    by_month: list[MonthCountOut]


@router.get("/stats", response={200: SavingsOut, 400: ErrorOut, 403: ErrorOut}, auth=session_auth)
@decorate_view(reads)
def stats(request: HttpRequest, since: str | None = None, until: str | None = None):
    """Submissions saved by e-licenses (uses in place of paper, with a case number): totals, per license type,
    per item and per month, for catalog administrators, supervisors and system administrators, within their reach.
    `since` / `until` (YYYY-MM-DD) limit the period."""
    from django.core.exceptions import PermissionDenied

    from . import stats as savings

    a = actor(request)
    if not savings.may_see(a):
        raise PermissionDenied(_("Only catalog administrators, supervisors and system administrators see this."))
    first, last = savings.parse_period(since, until)
    s = savings.savings(a, first, last)
    return {**s.__dict__, "since": first, "until": last}


@router.get("/{identifier}", response={200: LicenseOut, 404: ErrorOut}, auth=session_auth)
def detail(request: HttpRequest, identifier: str):
    """One license for its holder (full number) or staff reaching the issuer (masked number)."""
    a = actor(request)
    lic = access.get_visible(a, identifier)
    return Status(200, _out(lic, access.is_holder(a, lic)))


@router.get("/{identifier}/document", response={200: SignedDocumentOut, 404: ErrorOut}, auth=session_auth)
def document(request: HttpRequest, identifier: str):
    """The holder's signed document: exactly the bytes-to-be-signed (as JSON), the signature and the public key,
    so anyone can check it with OpenSSL (docs/licenses.md) or POST /verify."""
    a = actor(request)
    lic = access.get_visible(a, identifier)
    if not access.is_holder(a, lic):
        raise Http404
    return Status(
        200,
        {
            "document": services.payload_of(lic),
            "signature": base64.b64encode(bytes(lic.signature)).decode("ascii"),
            "public_key_pem": lic.signing_key.public_key_pem,
        },
    )


@router.post("/{identifier}/uses", response={201: LicenseUseOut, 400: ErrorOut, 404: ErrorOut}, auth=session_auth)
def use(request: HttpRequest, identifier: str, payload: UseIn):
    """The holder presents a license in place of paper; refused when they do not hold it or it is not valid."""
    a = actor(request)
    # Only among the licenses the caller holds: anyone else's looks exactly like one that does not exist.
    lic = access.visible(a).filter(access.holder_q(a), identifier=identifier.strip().upper()).first()
    person = Person.objects.filter(pk=a.person_id).first() if a.person_id else None
    if lic is None or person is None:
        raise Http404
    u = services.use_license(
        lic, presenter=person, purpose=payload.purpose, case_number=payload.case_number, used_by=request.user
    )
    return Status(201, {"identifier": lic.identifier, "purpose": u.purpose, "case_number": u.case_number, "at": u.at})


def _staff_license(request: HttpRequest, identifier: str) -> License:
    a = actor(request)
    lic = access.get_visible(a, identifier)
    if not access.may_issue(a, lic.issuer):
        raise Http404
    return lic


@router.post(
    "/",
    response={201: LicenseOut, 400: ErrorOut, 404: ErrorOut},
    auth=[require_scope(access.ISSUE_SCOPE), session_auth],
)
def issue(request: HttpRequest, payload: IssueIn):
    """Issue a license: approvers of the issuing organisation, or its machine client holding licenses:issue."""
    a = actor(request)
    if not access.issuing_orgs(a).exists():
        raise Http404  # like the issue page: nothing here for those who issue for no organisation
    lt = LicenseType.objects.filter(code=payload.license_type.strip().upper()).first()
    if lt is None:
        raise ProblemsError([Problem("license_type", _("Unknown license type code."), "unknown_type")])
    org = Organisation.objects.select_related("division").filter(credit_code=payload.issuer.strip().upper()).first()
    if org is None or not access.may_issue(a, org):
        raise ProblemsError([Problem("issuer", _("You do not issue licenses for this organisation."), "not_yours")])
    lic = services.issue(
        license_type=lt,
        issuer=org,
        holder_number=payload.holder_number,
        holder_name=payload.holder_name,
        holder_doc_type=payload.holder_doc_type,
        fields=payload.fields,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
        trust_level=payload.trust_level,
        case_number=payload.case_number,
        actor=getattr(request, "machine_client", None) or request.user,
    )
    return Status(201, _out(lic, False))


@router.post("/{identifier}/change", response={201: LicenseOut, 400: ErrorOut, 404: ErrorOut}, auth=session_auth)
def change(request: HttpRequest, identifier: str, payload: ChangeIn):
    """A new version with changed fields or holder name; the old version is superseded."""
    lic = services.change(
        _staff_license(request, identifier),
        fields=payload.fields,
        holder_name=payload.holder_name,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, _out(lic, False))


@router.post("/{identifier}/renew", response={201: LicenseOut, 400: ErrorOut, 404: ErrorOut}, auth=session_auth)
def renew(request: HttpRequest, identifier: str, payload: LicenseReasonIn):
    lic = services.renew(_staff_license(request, identifier), reason=payload.reason, actor=request.user)
    return Status(201, _out(lic, False))


def _status_endpoint(action: str):
    def endpoint(request: HttpRequest, identifier: str, payload: LicenseReasonIn):
        lic = getattr(services, action)(_staff_license(request, identifier), reason=payload.reason, actor=request.user)
        return Status(200, _out(lic, False))

    endpoint.__name__ = action
    endpoint.__doc__ = f"{action.capitalize()} a license (a reason is required)."
    return endpoint


for _action in ("suspend", "reinstate", "revoke"):
    router.post(
        f"/{{identifier}}/{_action}",
        response={200: LicenseOut, 400: ErrorOut, 404: ErrorOut},
        auth=session_auth,
        operation_id=f"licenses_{_action}",
    )(_status_endpoint(_action))
