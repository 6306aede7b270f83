"""Exchange API for department systems: the catalog, access requests and grants, and the data services.

- `exchange:catalog` reads the catalog (the public published part and the client's own department's resources)
  and requests access for the client's department (for the client alone, or for the whole department);
- `exchange:query` calls a data service the department (or the client) holds a current grant for. Every call is
  logged (calllog), refused ones too; the answer names its call id, which the consumer keeps with its case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Schema

from yiwang.core.api_auth import ErrorOut
from yiwang.core.errors import ProblemsError, both_languages
from yiwang.identity.access import actor
from yiwang.identity.api_security import require_scope

from . import catalog, fielddefs, grants, policy, query
from .api import router
from .models import CallChannel, DataService, ResourceStatus

CATALOG = require_scope(policy.SCOPE_CATALOG, policy.SCOPE_QUERY)
REQUEST = require_scope(policy.SCOPE_CATALOG)
QUERY = require_scope(policy.SCOPE_QUERY)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ExchangeFieldOut(Schema):
    name: str
    label: str
    type: str
    sensitivity: str
    description: str


class ExchangeServiceOut(Schema):
    code: str
    name: str
    keys: list[str]
    many: bool


class ExchangeResourceOut(Schema):
    code: str
    name: str
    provider: str
    sharing: str
    sharing_basis: str
    conditions: str
    description: str
    frequency: str
    format: str
    subject_kind: str
    version: int
    updated_at: dt.datetime
    fields: list[ExchangeFieldOut]
    services: list[ExchangeServiceOut]


def _resource_out(r: Any) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "provider": r.provider.name,
        "sharing": r.sharing,
        "sharing_basis": r.sharing_basis,
        "conditions": r.conditions,
        "description": r.description,
        "frequency": r.frequency,
        "format": r.format,
        "subject_kind": r.subject_kind,
        "version": r.version,
        "updated_at": r.updated_at,
        "fields": fielddefs.normalise(r.fields),
        "services": [
            {"code": s.code, "name": s.name, "keys": s.keys, "many": s.many} for s in r.services.all() if s.active
        ],
    }


@router.get(
    "/resources",
    response={200: list[ExchangeResourceOut], **ERRORS},
    auth=CATALOG,
    summary="Search the data resource catalog",
)
def list_resources(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="Words, pinyin or initials of a resource's name or fields"),
    sharing: str = Query("", description="unconditional, conditional or none"),
    limit: int = Query(50, ge=1, le=200),
):
    qs = catalog.filter_catalog(policy.visible_resources(actor(request)), sharing=sharing)
    return [_resource_out(r) for r in catalog.search(qs.prefetch_related("services"), q, limit=limit)]


@router.get(
    "/resources/{code}", response={200: ExchangeResourceOut, **ERRORS}, auth=CATALOG, summary="One data resource"
)
def get_resource(request: HttpRequest, code: str):
    return _resource_out(policy.resource_or_404(actor(request), code))


class ExchangeAccessIn(Schema):
    resource: str = Field(..., max_length=40, description="The resource's code")
    fields: list[str] = Field(..., max_length=80, description="The field names needed (only those)")
    purpose: str = Field(..., max_length=200)
    legal_basis: str = Field(..., max_length=300)
    valid_until: dt.date
    for_client_only: bool = Field(True, description="The grant covers this department system alone")


class ExchangeAccessOut(Schema):
    id: int
    resource: str
    fields: list[str]
    purpose: str
    legal_basis: str
    valid_until: dt.date
    status: str
    decision_note: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


def _request_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "resource": r.resource.code,
        "fields": r.fields,
        "purpose": r.purpose,
        "legal_basis": r.legal_basis,
        "valid_until": r.valid_until,
        "status": r.status,
        "decision_note": r.decision_note,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
    }


@router.post(
    "/access-requests",
    response={201: ExchangeAccessOut, **ERRORS},
    auth=REQUEST,
    summary="Request access to a resource for the client's department",
)
def create_access_request(request: HttpRequest, payload: ExchangeAccessIn):
    a = actor(request)
    resource = policy.resource_or_404(a, payload.resource)
    client = request.machine_client  # type: ignore[attr-defined]
    req = grants.request_access(
        resource=resource,
        consumer=client.organisation,
        client=client if payload.for_client_only else None,
        fields=payload.fields,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        valid_until=payload.valid_until,
    )
    return 201, _request_out(req)


@router.get(
    "/access-requests",
    response={200: list[ExchangeAccessOut], **ERRORS},
    auth=REQUEST,
    summary="The department's access requests",
)
def list_access_requests(request: HttpRequest, limit: int = Query(100, ge=1, le=500)):
    client = request.machine_client  # type: ignore[attr-defined]
    qs = policy.visible_requests(actor(request)).filter(consumer=client.organisation).select_related("resource")
    return [_request_out(r) for r in qs[:limit]]


class ExchangeGrantOut(Schema):
    id: int
    resource: str
    fields: list[str]
    masked: list[str]
    purpose: str
    legal_basis: str
    valid_from: dt.date
    valid_until: dt.date
    current: bool
    for_client_only: bool


@router.get(
    "/grants", response={200: list[ExchangeGrantOut], **ERRORS}, auth=CATALOG, summary="Grants the client may use"
)
def list_grants(request: HttpRequest):
    qs = policy.visible_grants(actor(request)).select_related("resource").order_by("resource__code", "-valid_until")
    return [
        {
            "id": g.pk,
            "resource": g.resource.code,
            "fields": g.fields,
            "masked": g.masked,
            "purpose": g.purpose,
            "legal_basis": g.legal_basis,
            "valid_from": g.valid_from,
            "valid_until": g.valid_until,
            "current": g.is_current(),
            "for_client_only": g.client_id is not None,
        }
        for g in qs[:500]
    ]


class ExchangeQueryIn(Schema):
    keys: dict[str, str] = Field(..., description="The service's key fields and their values")
    purpose: str = Field(..., max_length=200, description="What the data is used for")
    legal_basis: str = Field("", max_length=300, description="Empty: the grant's legal basis")
    case_number: str = Field("", max_length=40, description="The case the call serves, if any")


class ExchangeQueryOut(Schema):
    call_id: int
    resource: str
    resource_version: int
    fields: list[str]
    masked: list[str]
    records: list[dict[str, Any]]


class ExchangeUnavailableOut(ErrorOut):
    call_id: int


@router.post(
    "/services/{code}/query",
    response={200: ExchangeQueryOut, 503: ExchangeUnavailableOut, **ERRORS},
    auth=QUERY,
    summary="Call a data service (logged; only the granted fields, sensitive ones masked unless granted in full)",
)
def call_service(request: HttpRequest, code: str, payload: ExchangeQueryIn):
    a = actor(request)
    client = request.machine_client  # type: ignore[attr-defined]
    service = (
        DataService.objects.select_related("resource__provider")
        .filter(code=code, resource__in=policy.visible_resources(a), resource__status=ResourceStatus.PUBLISHED)
        .first()
    )
    if service is None:
        raise Http404
    consumer = query.Consumer(client.organisation, client=client, channel=CallChannel.API)
    try:
        answer = query.call(
            consumer,
            service,
            payload.keys,
            purpose=payload.purpose,
            legal_basis=payload.legal_basis,
            case_number=payload.case_number,
        )
    except ProblemsError as exc:
        if any(p.code in ("no_grant", "not_shared") for p in exc.problems):
            return 403, {"detail": exc.as_list()}
        raise
    except query.Unavailable as exc:
        message = _("The providing department's system did not answer: try again later.")
        return 503, {
            "detail": [{"field": "__all__", "code": "unavailable", **both_languages(message)}],
            "call_id": exc.call_id,
        }
    return {
        "call_id": answer.call_id,
        "resource": answer.resource.code,
        "resource_version": answer.resource.version,
        "fields": answer.fields,
        "masked": answer.masked,
        "records": answer.records,
    }
