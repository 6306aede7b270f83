"""How the API knows who is calling: a person's web session, or a machine client's bearer token.

`client_auth` accepts an OAuth2 access token issued to a live machine client (the token endpoint is /oauth/token/,
client-credentials grant). It checks the token's expiry and the client's revocation, counts the request
against the client's own per-minute limit (django-ratelimit, in the shared cache, so every worker agrees) and
sets the request's `access.Actor` to the client: its organisation, and the scopes the token carries.

`require_scope("catalog:write")` is the same check plus a scope: a valid token without the scope is refused
with 403 (the caller is known, the act is not allowed); a missing, expired or revoked token is 401.
`session_or_client` lets an endpoint take either a signed-in person or a client.

A request that carries an Authorization header is judged by that header alone (`BearerOnlyMiddleware`): a token
that is not valid is refused with 401 before any endpoint runs, and the session cookie is never consulted — a bad
token plus a browser's cookie must not act as the person signed in.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from ninja.security import HttpBearer
from oauth2_provider.models import AccessToken

from yiwang.core.api_auth import session_auth
from yiwang.core.errors import both_languages

from .access import Actor, Reach, actor_for_client
from .models import MachineClient

RATE_GROUP = "yiwang.api.client"


class RateLimited(Exception):
    """A machine client went over its requests per minute; the API answers 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__("rate limited")
        self.retry_after = max(1, retry_after)


def _token(raw: str) -> AccessToken | None:
    raw = (raw or "").strip()
    if not raw or len(raw) > 255:
        return None
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return (
        AccessToken.objects.select_related("application__machine_client")
        .filter(token_checksum=checksum, user__isnull=True)
        .first()
    )


_BEARER = "_yiwang_bearer"


def bearer_token(request: HttpRequest) -> AccessToken | None:
    """The live machine-client token in the request's `Authorization: Bearer` header (looked up once), or None."""
    cached = getattr(request, _BEARER, False)
    if cached is not False:
        return cached
    scheme, _sep, raw = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    access = _token(raw) if scheme.lower() == "bearer" else None
    if access is not None:
        client = getattr(access.application, "machine_client", None)
        if access.expires <= timezone.now() or client is None or client.revoked_at is not None:
            access = None
    setattr(request, _BEARER, access)
    return access


class BearerOnlyMiddleware:
    """Under /api/: an Authorization header that is not a live token is 401; with one, the session is ignored.

    Place after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META:
            if bearer_token(request) is None:
                message = _("The access token is missing, malformed, expired or revoked.")
                response = JsonResponse(
                    {"detail": [{"field": "__all__", "code": "unauthenticated", **both_languages(message)}]},
                    status=401,
                )
                response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return response
            request.user = AnonymousUser()  # the token speaks for the request, never a cookie beside it
        return self.get_response(request)


def _check_rate(request: HttpRequest, client: MachineClient) -> None:
    usage = get_usage(
        request,
        group=RATE_GROUP,
        key=lambda group, req: f"client:{client.pk}",
        rate=f"{client.rate_limit_per_minute}/m",
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise RateLimited(math.ceil(usage["time_left"]))


class ClientAuth(HttpBearer):
    """Bearer tokens of machine clients; with `scopes`, the token must carry at least one of them."""

    def __init__(self, *scopes: str):
        super().__init__()
        self.scopes = frozenset(scopes)

    def authenticate(self, request: HttpRequest, token: str) -> MachineClient | None:
        access = bearer_token(request)
        if access is None:
            return None
        client = access.application.machine_client
        _check_rate(request, client)
        granted = frozenset(access.scope.split()) & frozenset(client.scopes)
        if self.scopes and not (granted & self.scopes):
            wanted = " / ".join(sorted(self.scopes))
            raise PermissionDenied(
                format_lazy(_("This client's token does not carry the scope {scope}."), scope=wanted)
            )
        request._yiwang_actor = actor_for_client(client, granted)  # type: ignore[attr-defined]
        request.machine_client = client  # type: ignore[attr-defined]
        return client


client_auth = ClientAuth()


def require_scope(*scopes: str) -> ClientAuth:
    """Client authentication that also demands one of `scopes` (403 when the token lacks them)."""
    return ClientAuth(*scopes)


session_or_client = [client_auth, session_auth]


def scoped_client(request: HttpRequest, scope: str) -> MachineClient | None:
    """On a public endpoint: the machine client whose bearer token carries `scope`, or None (no token, an unusable
    one, or one without the scope — the caller is then treated as the public). A client found is counted against
    its own rate limit (RateLimited when over it) and becomes the request's actor."""
    kind, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "bearer" or not raw.strip():
        return None
    access = _token(raw)
    if access is None or access.expires <= timezone.now():
        return None
    client = getattr(access.application, "machine_client", None)
    if client is None or client.revoked_at is not None:
        return None
    granted = frozenset(access.scope.split()) & frozenset(client.scopes)
    if scope not in granted:
        return None
    _check_rate(request, client)
    request._yiwang_actor = actor_for_client(client, granted)  # type: ignore[attr-defined]
    request.machine_client = client  # type: ignore[attr-defined]
    return client


def client_actor(request: HttpRequest) -> Actor | None:
    """The machine client's actor when a client (not a person) made this request."""
    a = getattr(request, "_yiwang_actor", None)
    return a if a is not None and a.client_id is not None else None


def client_reach(a: Actor) -> Reach:
    """A client reaches its own organisation and that organisation's children."""
    if a.client_org_id is None:
        return Reach()
    return Reach(org_ids=frozenset({a.client_org_id}), parent_ids=frozenset({a.client_org_id}))
