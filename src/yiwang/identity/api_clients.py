"""Machine clients over the API (/api/v1/identity/clients…): the same operations as the workbench pages.

For system administrators signed in with their session; a new or rotated secret appears once, in that
response, and is kept only as a hash. The scope catalogue is public, so a department can read what to ask for.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Organisation, Role

from . import clients as service
from .access import actor
from .models import ClientKind, MachineClient
from .scopes import scope_choices

router = Router(tags=["machine clients"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ScopeOut(Schema):
    name: str
    description: str = Field(..., description="In Chinese")
    description_en: str


class ClientOut(Schema):
    id: int
    client_id: str = Field(..., description="The OAuth2 client id used at /oauth/token/")
    name: str
    kind: str = Field(..., description="department, hotline, bank or other")
    organisation: str = Field(..., description="Credit code of the organisation the client acts for")
    scopes: list[str]
    rate_limit_per_minute: int
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None = Field(
        None, description="Until when the secret before the last rotation still works"
    )
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_client_id(obj: MachineClient) -> str:
        return obj.application.client_id

    @staticmethod
    def resolve_organisation(obj: MachineClient) -> str:
        return obj.organisation.credit_code


class ClientSecretOut(ClientOut):
    client_secret: str = Field(..., description="Shown only in this response; store it safely")


class ClientIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field(ClientKind.DEPARTMENT, description="department, hotline, bank or other")
    organisation: str = Field(..., description="Credit code of the organisation that runs the system")
    scopes: list[str] = Field(..., description="Scope names from /identity/clients/scopes")
    rate_limit_per_minute: int = 600


class RotateIn(Schema):
    grace_hours: int = Field(service.DEFAULT_GRACE_HOURS, description="How long the previous secret keeps working")


def _require_sysadmin(request: HttpRequest) -> None:
    if not actor(request).has_role(Role.SYSADMIN):
        raise PermissionDenied(_("Only system administrators manage machine clients."))


def _client(pk: int) -> MachineClient:
    client = MachineClient.objects.select_related("application", "organisation").filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def _with_secret(client: MachineClient, secret: str) -> MachineClient:
    client.client_secret = secret  # type: ignore[attr-defined]  # for this one response only
    return client


@router.get("/clients/scopes", response=list[ScopeOut], auth=None, summary="The scopes a machine client may hold")
def list_scopes(request: HttpRequest) -> list[dict]:
    out = []
    for name, description in scope_choices():
        with translation.override("zh-hans"):
            zh = str(description)
        with translation.override("en"):
            en = str(description)
        out.append({"name": name, "description": zh, "description_en": en})
    return out


@router.get("/clients", response={200: list[ClientOut], **ERRORS}, auth=session_auth, summary="List machine clients")
def list_clients(request: HttpRequest, revoked: bool = False) -> list[MachineClient]:
    _require_sysadmin(request)
    qs = MachineClient.objects.select_related("application", "organisation").order_by("-created_at", "-pk")
    return list(qs.filter(revoked_at__isnull=not revoked))


@router.post(
    "/clients",
    response={201: ClientSecretOut, **ERRORS},
    auth=session_auth,
    summary="Create a machine client; the secret is in this response only",
)
def create_client(request: HttpRequest, body: ClientIn) -> Status:
    _require_sysadmin(request)
    code = body.organisation.strip().upper()
    org = Organisation.objects.filter(credit_code=code).first() if code else None
    problems = []
    if code and org is None:
        problems.append(
            Problem(
                "organisation", _("No organisation has credit code %(code)s."), code="unknown", params={"code": code}
            )
        )
        # still report the other fields' problems at once
        problems += [
            p
            for p in service.client_problems(body.name, body.kind, None, body.scopes, body.rate_limit_per_minute)
            if p.field != "organisation"
        ]
        raise ProblemsError(problems)
    client, secret = service.create_client(body.name, body.kind, org, body.scopes, body.rate_limit_per_minute)
    client = _client(client.pk)
    return Status(201, _with_secret(client, secret))


@router.get("/clients/{int:pk}", response={200: ClientOut, **ERRORS}, auth=session_auth, summary="One machine client")
def get_client(request: HttpRequest, pk: int) -> MachineClient:
    _require_sysadmin(request)
    return _client(pk)


@router.post(
    "/clients/{int:pk}/rotate",
    response={200: ClientSecretOut, **ERRORS},
    auth=session_auth,
    summary="Issue a new secret; the previous one works for the grace period",
)
def rotate_secret(request: HttpRequest, pk: int, body: RotateIn | None = None) -> MachineClient:
    _require_sysadmin(request)
    client = _client(pk)
    secret = service.rotate_secret(client, body.grace_hours if body else service.DEFAULT_GRACE_HOURS)
    return _with_secret(_client(pk), secret)


@router.post(
    "/clients/{int:pk}/revoke",
    response={200: ClientOut, **ERRORS},
    auth=session_auth,
    summary="Revoke the client: no new tokens, and its tokens stop working at once",
)
def revoke_client(request: HttpRequest, pk: int) -> MachineClient:
    _require_sysadmin(request)
    service.revoke(_client(pk))
    return _client(pk)
