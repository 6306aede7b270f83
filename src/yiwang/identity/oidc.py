"""Sign-in through the provincial unified identity platform (OpenID Connect authorisation-code flow).

The platform has already verified the person's real name; Yiwang trusts the ID number (or the enterprise's
unified social credit code) it puts in a *verified* ID token, and nothing else:

- the ID token must be signed with the configured algorithm (RS256 by default) by a key from the platform's
  JWKS, be addressed to this client (``aud``), come from the configured issuer, be unexpired, and carry the
  nonce this browser was given;
- the ID number claim (``OIDC_CLAIM_ID_NUMBER``) finds the person by keyed hash; an unknown person is
  registered with an account at ``OIDC_TRUSTED_LEVEL`` through the identity services, and a known person's
  level is raised to it, never lowered;
- the credit code claim (``OIDC_CLAIM_CREDIT_CODE``) signs in the enterprise's legal representative (or an
  authorised agent, when the ID number names one);
- a missing claim or a malformed number refuses the sign-in; no account is made.

Every attempt, passed or refused, leaves a `Verification` row with provider "oidc". The views here answer 404
while OIDC is switched off, and show a friendly page, never an error, when the sign-in is refused.

The platform is a plugin slot (docs/plugins.md): `OIDC_PROVIDER` is ``off`` (the default while no client id is
set) or ``oidc``, whose options are the OIDC_* settings (mozilla-django-oidc reads the same settings); the
start-up check reports a missing client id or endpoint and a malformed one.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Literal

import jwt
import requests
from django.conf import settings
from django.core import checks
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView, OIDCLogoutView
from pydantic import Field, field_validator

from yiwang.core import plugins
from yiwang.core.codes import credit_code_error
from yiwang.core.errors import ProblemsError

from . import services
from .crypto import normalise
from .documents import DocType, document_number_error
from .models import Agent, Enterprise, Person, Verification

log = logging.getLogger(__name__)

PROVIDER = "oidc"
METHOD = "id_token"
CLOCK_LEEWAY_SECONDS = 60


class Refused(Exception):
    """The identity platform's answer cannot sign anyone in; `message` is what the person is told."""

    def __init__(self, code: str, message: Any, person: Person | None = None, enterprise: Enterprise | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.person = person
        self.enterprise = enterprise


class IdentityPlatform(plugins.Provider):
    """Interface: whether sign-in through the provincial identity platform is on, and with which options."""

    enabled: ClassVar[bool] = False


def _default_platform() -> str:
    # Older deployments switch OIDC on by setting a client id (OIDC_ENABLED follows it in the settings).
    return "oidc" if getattr(settings, "OIDC_ENABLED", False) else "off"


PLATFORM: plugins.Slot[IdentityPlatform] = plugins.Slot(
    "identity.oidc",
    IdentityPlatform,
    setting="OIDC_PROVIDER",
    default=_default_platform,
    doc="Sign-in through the provincial unified identity platform (OpenID Connect).",
)


@PLATFORM.register("off")
class NoPlatform(IdentityPlatform):
    """No identity platform: /oidc/… answers 404 and the sign-in page offers no button."""


def _url(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


@PLATFORM.register("oidc")
class OpenIDConnectPlatform(IdentityPlatform):
    """The provincial platform over OpenID Connect; the options are the OIDC_* settings (docs/configuration.md)."""

    enabled = True
    option_settings = {
        "client_id": "OIDC_RP_CLIENT_ID",
        "client_secret": "OIDC_RP_CLIENT_SECRET",
        "sign_algo": "OIDC_RP_SIGN_ALGO",
        "scopes": "OIDC_RP_SCOPES",
        "authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
        "user_endpoint": "OIDC_OP_USER_ENDPOINT",
        "jwks_endpoint": "OIDC_OP_JWKS_ENDPOINT",
        "issuer": "OIDC_OP_ISSUER",
        "logout_endpoint": "OIDC_OP_LOGOUT_ENDPOINT",
        "display_name": "OIDC_OP_DISPLAY_NAME",
        "claim_id_number": "OIDC_CLAIM_ID_NUMBER",
        "claim_credit_code": "OIDC_CLAIM_CREDIT_CODE",
        "claim_enterprise_name": "OIDC_CLAIM_ENTERPRISE_NAME",
        "claim_name": "OIDC_CLAIM_NAME",
        "trusted_level": "OIDC_TRUSTED_LEVEL",
    }

    class Options(plugins.Options):
        client_id: str = Field(min_length=1)
        client_secret: str = ""
        sign_algo: Literal[
            "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512"
        ] = "RS256"
        scopes: str = "openid profile"
        authorization_endpoint: str = Field(min_length=1)
        token_endpoint: str = Field(min_length=1)
        user_endpoint: str = ""
        jwks_endpoint: str = Field(min_length=1)
        issuer: str = ""
        logout_endpoint: str = ""
        display_name: str = ""
        claim_id_number: str = Field(default="id_number", min_length=1)
        claim_credit_code: str = Field(default="credit_code", min_length=1)
        claim_enterprise_name: str = Field(default="enterprise_name", min_length=1)
        claim_name: str = Field(default="name", min_length=1)
        #: the real-name level the platform vouches for: 1 phone, 2 ID checked, 3 face / bank card
        trusted_level: int = Field(default=2, ge=1, le=3)

        @field_validator(
            "authorization_endpoint", "token_endpoint", "user_endpoint", "jwks_endpoint", "logout_endpoint", "issuer"
        )
        @classmethod
        def endpoints_are_urls(cls, value: str) -> str:
            return _url(value)

    def check(self) -> list[str | checks.CheckMessage]:
        if self.options.issuer:
            return []
        return [
            checks.Warning(
                "OIDC_OP_ISSUER is empty: the issuer of ID tokens is not checked.",
                hint="Set OIDC_OP_ISSUER to the platform's issuer in production.",
                obj="OIDC_PROVIDER",
                id="yiwang.W102",
            )
        ]


def enabled() -> bool:
    """Whether sign-in through the identity platform is on (its options are checked at start-up, not here)."""
    return PLATFORM.active_class().enabled


def _options() -> Any:
    """The platform's options (only called while it is on)."""
    return PLATFORM.get().options


def _record(
    *, passed: bool, detail: str, person: Person | None = None, enterprise: Enterprise | None = None
) -> Verification:
    return Verification.objects.create(
        person=person,
        enterprise=enterprise,
        level=_options().trusted_level,
        provider=PROVIDER,
        method=METHOD,
        passed=passed,
        detail=detail[:300],
    )


class ProvincialOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with a verified ID token and Yiwang's identities instead of e-mail matching."""

    def authenticate(self, request: HttpRequest | None, **kwargs) -> Any | None:
        # Only the OIDC callback passes a nonce; password and SMS sign-ins never reach the provider.
        if request is None or not enabled() or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except Refused as exc:
            refusal = exc
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            log.warning("OIDC ID token refused: %s", exc)
            refusal = Refused("token", _("The identity platform's answer could not be verified."))
        except (requests.RequestException, ValueError, KeyError) as exc:
            log.warning("OIDC provider unreachable or answered badly: %s", exc)
            refusal = Refused("provider", _("The identity platform could not be reached. Try again later."))
        request._yiwang_oidc_refusal = refusal  # type: ignore[attr-defined]
        # A person or enterprise made inside the refused sign-in was rolled back with it.
        person = refusal.person if refusal.person and Person.objects.filter(pk=refusal.person.pk).exists() else None
        enterprise = refusal.enterprise
        if enterprise is not None and not Enterprise.objects.filter(pk=enterprise.pk).exists():
            enterprise = None
        _record(passed=False, detail=refusal.code, person=person, enterprise=enterprise)
        return None

    # -- the ID token ------------------------------------------------------------------------------------
    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        """Signature, algorithm, audience, issuer and lifetime; the base class checks neither audience nor issuer."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token algorithm {header.get('alg')!r} is not {self.OIDC_RP_SIGN_ALGO!r}")
        issuer = _options().issuer or None
        claims = jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "aud", "sub"], "verify_iss": issuer is not None},
        )
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token has several audiences and another authorised party")
        return claims

    # -- from verified claims to an account ---------------------------------------------------------------
    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """The ID token's claims decide; userinfo may add a name, and must be about the same subject."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = self.get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject")
            claims = {**info, **payload}
        return self.user_for_claims(claims)

    def user_for_claims(self, claims: dict[str, Any]) -> Any:
        """The account the verified claims name, made if need be; raises `Refused` when they name none."""
        options = _options()
        id_number = normalise(str(claims.get(options.claim_id_number) or ""))
        credit_code = normalise(str(claims.get(options.claim_credit_code) or ""))
        if not id_number and not credit_code:
            raise Refused(
                "missing_claim", _("The identity platform did not send an ID number or a unified social credit code.")
            )
        if id_number and document_number_error(DocType.RESIDENT_ID, id_number):
            raise Refused("malformed_id_number", _("The ID number sent by the identity platform is not valid."))
        if credit_code and credit_code_error(credit_code):
            raise Refused(
                "malformed_credit_code", _("The unified social credit code sent by the identity platform is not valid.")
            )
        level = options.trusted_level
        with transaction.atomic():
            person = self._person(id_number, claims, level) if id_number else None
            enterprise = None
            if credit_code:
                enterprise, person = self._enterprise(credit_code, person, claims, level)
            assert person is not None
            user = person.user if person.user_id else services.create_account(person, None)
        if not user.is_active:
            raise Refused("inactive", _("This account is disabled. Contact the service centre."), person, enterprise)
        _record(passed=True, detail=f"sub {str(claims.get('sub', ''))[:200]}", person=person, enterprise=enterprise)
        self.request._yiwang_sign_in_method = "oidc"
        return user

    def _person(self, id_number: str, claims: dict[str, Any], level: int) -> Person:
        person = services.find_person(DocType.RESIDENT_ID, id_number)
        if person is None:
            name = str(claims.get(_options().claim_name) or "").strip()
            if not name:
                raise Refused(
                    "missing_name", _("The identity platform did not send your name, so no account can be made.")
                )
            try:
                person = services.register_person(
                    name=name, doc_type=DocType.RESIDENT_ID, doc_number=id_number, level=level
                )
            except ProblemsError as exc:
                raise Refused("invalid_profile", _("The identity platform's details could not be registered.")) from exc
        else:
            services.raise_level(person=person, level=level)
        return person

    def _enterprise(
        self, credit_code: str, person: Person | None, claims: dict[str, Any], level: int
    ) -> tuple[Enterprise, Person]:
        enterprise = Enterprise.objects.select_for_update().filter(credit_code=credit_code).first()
        if enterprise is None:
            name = str(claims.get(_options().claim_enterprise_name) or "").strip()
            if person is None or not name:
                raise Refused(
                    "unknown_enterprise",
                    _("This legal person is not registered here yet; sign in with the legal representative's ID."),
                    person,
                )
            try:
                enterprise = services.register_enterprise(
                    credit_code=credit_code, name=name, legal_rep_name=person.name, legal_rep=person, level=level
                )
            except ProblemsError as exc:
                raise Refused("invalid_enterprise", _("The legal person's details could not be registered.")) from exc
            return enterprise, person
        if person is None:
            person = enterprise.legal_rep
            if person is None:
                raise Refused(
                    "no_legal_rep",
                    _("The legal representative of this legal person is not known here; sign in with their ID."),
                    enterprise=enterprise,
                )
        elif enterprise.legal_rep_id is None:
            # The platform vouches that this person acts for the legal person as its representative.
            enterprise.legal_rep = person
            enterprise.save(update_fields=["legal_rep"])
        elif enterprise.legal_rep_id != person.pk and not self._is_agent(enterprise, person):
            raise Refused(
                "not_authorised",
                _("You are neither the legal representative nor an authorised agent of this legal person."),
                person,
                enterprise,
            )
        if enterprise.legal_rep_id == person.pk:
            services.raise_level(enterprise=enterprise, level=level)
        return enterprise, person

    @staticmethod
    def _is_agent(enterprise: Enterprise, person: Person) -> bool:
        today = timezone.localdate()
        return (
            Agent.objects.filter(enterprise=enterprise, person=person, revoked_at__isnull=True)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .exists()
        )


# ---------------------------------------------------------------------------------------------------------
# Views (mounted at /oidc/ under mozilla-django-oidc's URL names)
# ---------------------------------------------------------------------------------------------------------


def _enabled() -> None:
    if not enabled():
        raise Http404


def platform_name() -> Any:
    """The platform's name on the sign-in button and pages (a generic name while its options are unusable)."""
    try:
        name = _options().display_name
    except plugins.PluginError:  # reported by the start-up check; a page still renders
        name = ""
    return name or _("the provincial government services platform")


class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the identity platform (404 while OIDC is off)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _enabled()
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the identity platform: signed in, or a page saying why not (never a server error)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _enabled()
        try:
            return super().get(request)
        except SuspiciousOperation:
            # An unknown or replayed state: this browser did not start this sign-in.
            request._yiwang_oidc_refusal = Refused(  # type: ignore[attr-defined]
                "state", _("This sign-in link has expired or was already used. Start again.")
            )
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, "_yiwang_oidc_refusal", None)
        if refusal is None:
            if self.request.GET.get("error"):
                refusal = Refused("cancelled", _("The sign-in was cancelled or refused at the identity platform."))
            else:
                refusal = Refused("state", _("This sign-in link has expired or was already used. Start again."))
        context = {"message": refusal.message, "code": refusal.code, "provider": platform_name()}
        return render(self.request, "identity/oidc_failed.html", context, status=403)


class SignOutView(OIDCLogoutView):
    def post(self, request: HttpRequest) -> HttpResponse:
        _enabled()
        return super().post(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        _enabled()
        return super().get(request)


urlpatterns = [
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
    path("authenticate/", SignInView.as_view(), name="oidc_authentication_init"),
    path("logout/", SignOutView.as_view(), name="oidc_logout"),
]
