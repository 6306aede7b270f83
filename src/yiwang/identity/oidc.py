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
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
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


def _setting(name: str, default: Any = "") -> Any:
    return getattr(settings, name, default)


def _record(
    *, passed: bool, detail: str, person: Person | None = None, enterprise: Enterprise | None = None
) -> Verification:
    return Verification.objects.create(
        person=person,
        enterprise=enterprise,
        level=int(_setting("OIDC_TRUSTED_LEVEL", 2)),
        provider=PROVIDER,
        method=METHOD,
        passed=passed,
        detail=detail[:300],
    )


class ProvincialOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with a verified ID token and Yiwang's identities instead of e-mail matching."""

    def authenticate(self, request: HttpRequest | None, **kwargs) -> Any | None:
        # Only the OIDC callback passes a nonce; password and SMS sign-ins never reach the provider.
        if request is None or not _setting("OIDC_ENABLED", False) or "nonce" not in kwargs:
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
        issuer = _setting("OIDC_OP_ISSUER", "") or None
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
        id_number = normalise(str(claims.get(_setting("OIDC_CLAIM_ID_NUMBER", "id_number")) or ""))
        credit_code = normalise(str(claims.get(_setting("OIDC_CLAIM_CREDIT_CODE", "credit_code")) or ""))
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
        level = int(_setting("OIDC_TRUSTED_LEVEL", 2))
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
            name = str(claims.get(_setting("OIDC_CLAIM_NAME", "name")) or "").strip()
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
            name = str(claims.get(_setting("OIDC_CLAIM_ENTERPRISE_NAME", "enterprise_name")) or "").strip()
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
    if not _setting("OIDC_ENABLED", False):
        raise Http404


def _provider_name() -> Any:
    return _setting("OIDC_OP_DISPLAY_NAME", "") or _("the provincial government services platform")


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
        context = {"message": refusal.message, "code": refusal.code, "provider": _provider_name()}
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
