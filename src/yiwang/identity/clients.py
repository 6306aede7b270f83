"""Machine clients: creating them, rotating and revoking their secrets, and checking them at the token endpoint.

A department system, the 12345 platform or a bank outlet gets a client id and a secret (shown once, kept only
as a hash) and trades them for short-lived bearer tokens with the OAuth2 client-credentials grant. Rotation
issues a new secret and keeps the previous one working for a grace period, so the department can redeploy
without an outage; revocation stops the client at once and deletes every token it holds.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Organisation

from .models import ClientKind, MachineClient
from .scopes import unknown_scopes

MAX_RATE_PER_MINUTE = 100_000
MAX_GRACE_HOURS = 7 * 24
DEFAULT_GRACE_HOURS = 24


def client_problems(
    name: str, kind: str, organisation: Organisation | None, scopes: list[str], rate_limit: Any
) -> list[Problem]:
    """Every problem with a new client's details, one per field."""
    problems = []
    if not (name or "").strip():
        problems.append(Problem("name", _("Enter a name for the client system."), code="required"))
    elif len(name.strip()) > 100:
        problems.append(Problem("name", _("The name is longer than 100 characters."), code="too_long"))
    if kind not in ClientKind.values:
        problems.append(Problem("kind", _("Choose a kind from the list."), code="invalid_choice"))
    if organisation is None:
        problems.append(Problem("organisation", _("Choose the organisation that runs the system."), code="required"))
    if not scopes:
        problems.append(Problem("scopes", _("Grant at least one scope."), code="required"))
    elif unknown := unknown_scopes(scopes):
        problems.append(
            Problem(
                "scopes", _("Unknown scope: %(names)s."), code="invalid_choice", params={"names": ", ".join(unknown)}
            )
        )
    if isinstance(rate_limit, bool) or not isinstance(rate_limit, int):
        try:
            rate_limit = int(str(rate_limit).strip())
        except ValueError:
            rate_limit = None
    if rate_limit is None or not 1 <= rate_limit <= MAX_RATE_PER_MINUTE:
        problems.append(
            Problem(
                "rate_limit",
                _("The rate limit must be a whole number of requests per minute from 1 to %(max)s."),
                code="invalid",
                params={"max": MAX_RATE_PER_MINUTE},
            )
        )
    return problems


@transaction.atomic
def create_client(
    name: str,
    kind: str,
    organisation: Organisation | None,
    scopes: list[str],
    rate_limit: int = 600,
) -> tuple[MachineClient, str]:
    """Creates the OAuth2 application and its machine client; returns the client and its secret (shown once)."""
    scopes = list(dict.fromkeys(s.strip() for s in scopes if s and s.strip()))
    problems = client_problems(name, kind, organisation, scopes, rate_limit)
    if problems:
        raise ProblemsError(problems)
    secret = generate_client_secret()
    app = Application.objects.create(
        name=name.strip(),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
        redirect_uris="",
        skip_authorization=True,
    )
    client = MachineClient.objects.create(
        application=app,
        name=name.strip(),
        kind=kind,
        organisation=organisation,
        scopes=scopes,
        rate_limit_per_minute=int(rate_limit),
    )
    return client, secret


@transaction.atomic
def rotate_secret(client: MachineClient, grace_hours: int = DEFAULT_GRACE_HOURS) -> str:
    """Issues a new secret; the previous one keeps working for `grace_hours` (0 ends it at once)."""
    client = MachineClient.objects.select_for_update().select_related("application").get(pk=client.pk)
    problems = []
    if client.revoked_at is not None:
        problems.append(Problem("client", _("This client is revoked; create a new one instead."), code="revoked"))
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int) or not 0 <= grace_hours <= MAX_GRACE_HOURS:
        problems.append(
            Problem(
                "grace_hours",
                _("The grace period must be from 0 to %(max)s hours."),
                code="invalid",
                params={"max": MAX_GRACE_HOURS},
            )
        )
    if problems:
        raise ProblemsError(problems)
    now = timezone.now()
    app = client.application
    secret = generate_client_secret()
    if grace_hours:
        client.previous_secret_hash = app.client_secret  # already hashed by django-oauth-toolkit
        client.previous_secret_expires_at = now + dt.timedelta(hours=grace_hours)
    else:
        client.previous_secret_hash = ""
        client.previous_secret_expires_at = None
    client.rotated_at = now
    app.client_secret = secret
    app.save(update_fields=["client_secret", "updated"])
    client.save(update_fields=["previous_secret_hash", "previous_secret_expires_at", "rotated_at"])
    return secret


@transaction.atomic
def revoke(client: MachineClient) -> MachineClient:
    """Stops the client for good: no new tokens, and every token it holds is deleted now."""
    client = MachineClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
    client.previous_secret_hash = ""
    client.previous_secret_expires_at = None
    client.save(update_fields=["revoked_at", "previous_secret_hash", "previous_secret_expires_at"])
    RefreshToken.objects.filter(application_id=client.application_id).delete()
    AccessToken.objects.filter(application_id=client.application_id).delete()
    return client


def is_active(client: MachineClient | None) -> bool:
    return client is not None and client.revoked_at is None


def _machine_client(app: Any) -> MachineClient | None:
    return getattr(app, "machine_client", None)  # RelatedObjectDoesNotExist is an AttributeError


class ClientValidator(OAuth2Validator):
    """django-oauth-toolkit's validator with Yiwang's rules: only live machine clients, and rotation grace."""

    def _load_application(self, client_id: str, request: Any) -> Application | None:
        app = super()._load_application(client_id, request)
        if app is not None and not is_active(_machine_client(app)):
            request.client = None
            return None
        return app

    def authenticate_client(self, request: Any, *args, **kwargs) -> bool:
        if super().authenticate_client(request, *args, **kwargs):
            return True
        return self._authenticate_previous_secret(request)

    def _credentials(self, request: Any) -> tuple[str, str] | None:
        """(client id, secret) from the Basic header, else from the form body."""
        auth_string = self._extract_basic_auth(request)
        if auth_string:
            try:
                client_id, secret = map(unquote_plus, base64.b64decode(auth_string).decode().split(":", 1))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
            return client_id, secret
        client_id = getattr(request, "client_id", None)
        secret = getattr(request, "client_secret", None)
        if client_id and secret:
            return client_id, secret
        return None

    def _authenticate_previous_secret(self, request: Any) -> bool:
        """During a rotation's grace period the previous secret still authenticates the client."""
        creds = self._credentials(request)
        if creds is None:
            return False
        client_id, secret = creds
        app = self._load_application(client_id, request)
        client = _machine_client(app) if app is not None else None
        if client is None or not client.previous_secret_hash or client.previous_secret_expires_at is None:
            return False
        if client.previous_secret_expires_at <= timezone.now():
            return False
        return check_password(secret, client.previous_secret_hash)
