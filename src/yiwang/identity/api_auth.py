"""Identity API: sign-in and out, SMS codes, registration, sessions and passwords (the same flows as the pages).

CSRF: these endpoints use the session cookie, so every write carries the CSRF token as a form post would — send
the `csrftoken` cookie's value in the `X-CSRFToken` header. `GET /csrf` sets the cookie (and returns the token) for
a client that has not loaded a page yet. The anonymous writes (`/otp`, `/sign-in`, `/register`, `/password/reset`)
check it too, so another site cannot sign a browser into an account of its choosing. Machine clients do not use
these endpoints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.utils import check_csrf

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.clientip import client_ip
from yiwang.core.errors import Problem, ProblemsError, both_languages, problems_from_validation_error
from yiwang.orgs.models import Membership

from . import access, accounts, crypto, otp
from .middleware import end_sessions, sign_in
from .models import Enterprise, Person, UserSession
from .views import over_limit, rate_limited

router = Router(tags=["identity"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


def _csrf(request: HttpRequest) -> None:
    if check_csrf(request) is not None:
        raise PermissionDenied(_("The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header."))


# --- schemas ---------------------------------------------------------------------------------------------------


class CsrfOut(Schema):
    csrf_token: str


class OtpIn(Schema):
    purpose: Literal["sign_in", "register", "reset", "verify_phone"]
    phone: str = Field(..., max_length=20, description="Mainland mobile number, 11 digits")


class OtpOut(Schema):
    sent: bool = Field(
        ...,
        description="Always true once accepted; for sign-in and reset the code is delivered "
        "only when an account owns the number, which this answer never reveals.",
    )
    expires_in: int
    resend_after: int


class SignInIn(Schema):
    method: Literal["password", "sms"] = "password"
    identifier: str = Field("", max_length=100, description="ID number, mobile, credit code or account name")
    password: str = Field("", max_length=200)
    phone: str = Field("", max_length=20)
    code: str = Field("", max_length=10)


class PersonOut(Schema):
    name: str = Field(..., description="masked")
    doc_type: str
    doc_number: str = Field(..., description="masked")
    phone: str = Field(..., description="masked")
    level: int


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    legal_representative: bool
    permissions: list[str]
    level: int


class RoleOut(Schema):
    role: str
    organisation_id: int
    organisation: str
    covers_division: bool


class MeOut(Schema):
    account: str
    level: int = Field(..., description="the person's real-name level (0 for staff without a person)")
    person: PersonOut | None
    enterprises: list[EnterpriseOut]
    roles: list[RoleOut]
    is_staff: bool


class SessionOut(Schema):
    id: int
    method: str
    ip: str | None
    user_agent: str
    created_at: datetime
    current: bool


class EndedOut(Schema):
    ended: int


class RegisterIn(Schema):
    name: str = Field(..., max_length=100)
    doc_type: str = Field("resident_id", max_length=20)
    doc_number: str = Field(..., max_length=30)
    phone: str = Field(..., max_length=20)
    code: str = Field(..., max_length=10)
    password1: str = Field(..., max_length=200)
    password2: str = Field(..., max_length=200)


class RegisterOut(MeOut):
    verified: bool = Field(..., description="whether the population library confirmed the identity")


class EnterpriseIn(Schema):
    credit_code: str = Field(..., max_length=30)
    name: str = Field(..., max_length=200)
    kind: str = "enterprise"
    declared: bool = Field(..., description="the signed-in person declares they are the legal representative")


class ResetIn(Schema):
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    code: str = Field("", max_length=10)
    new_password1: str = Field("", max_length=200)
    new_password2: str = Field("", max_length=200)


class ResetOut(Schema):
    done: bool = Field(
        ...,
        description="true when the password was changed (phone and code); for an email, "
        "false: a link is mailed if an account has that address",
    )


class PasswordChangeIn(Schema):
    old_password: str = Field(..., max_length=200)
    new_password1: str = Field(..., max_length=200)
    new_password2: str = Field(..., max_length=200)


# --- helpers ---------------------------------------------------------------------------------------------------


def me_for(request: HttpRequest, user: Any) -> dict[str, Any]:
    """Who the account is: masked person, the enterprises it acts for, staff roles (a constant number of queries)."""
    person = Person.objects.filter(user=user).first()
    a = access.actor(request) if getattr(request, "user", None) == user else access.actor_for_user(user)
    ents = {e.pk: e for e in Enterprise.objects.filter(pk__in=list(a.agencies))}
    enterprises = [
        {
            "id": e.pk,
            "name": e.name,
            "credit_code": e.credit_code,
            "legal_representative": person is not None and e.legal_rep_id == person.pk,
            "permissions": sorted(a.agencies[e.pk]),
            "level": e.level,
        }
        for e in sorted(ents.values(), key=lambda e: e.name)
    ]
    roles = [
        {
            "role": m.role,
            "organisation_id": m.organisation_id,
            "organisation": m.organisation.name,
            "covers_division": m.covers_division,
        }
        for m in Membership.objects.filter(user=user).select_related("organisation").order_by("role", "pk")
    ]
    return {
        "account": user.get_username(),
        "level": person.level if person else 0,
        "person": (
            {
                "name": person.masked_name,
                "doc_type": person.doc_type,
                "doc_number": person.masked_doc_number,
                "phone": person.masked_phone,
                "level": person.level,
            }
            if person
            else None
        ),
        "enterprises": enterprises,
        "roles": roles,
        "is_staff": bool(user.is_staff or roles),
    }


# --- endpoints -------------------------------------------------------------------------------------------------


@router.get("/csrf", response=CsrfOut, summary="Set the CSRF cookie and return its token")
def csrf(request: HttpRequest):
    return {"csrf_token": get_token(request)}


@router.post("/otp", response={202: OtpOut, **ERRORS}, summary="Send a one-time code by SMS")
def send_code(request: HttpRequest, payload: OtpIn):
    """6 digits, valid 5 minutes, 5 tries, one use; a new code per number no sooner than 60 s; hourly caps per
    number and per address. CSRF token required."""
    _csrf(request)
    if over_limit(request, "send_code"):
        return rate_limited(request)
    try:
        otp.issue(payload.purpose, payload.phone, client_ip(request))
    except ProblemsError as exc:
        if any(p.code in ("too_soon", "too_many") for p in exc.problems):
            return Status(429, {"detail": exc.as_list()})
        raise
    return Status(202, {"sent": True, "expires_in": int(otp.LIFETIME.total_seconds()), "resend_after": 60})


@router.post("/sign-in", response={200: MeOut, **ERRORS}, summary="Sign in with a password or an SMS code")
def sign_in_api(request: HttpRequest, payload: SignInIn):
    """Sets the session cookie. Five failures for one identifier from one address lock it for 15 minutes (429).
    CSRF token required (GET /csrf first)."""
    _csrf(request)
    if over_limit(request, "sign_in"):
        return rate_limited(request)
    if payload.method == "password":
        problems = []
        if not payload.identifier.strip():
            problems.append(
                Problem(
                    "identifier", _("Enter your ID number, mobile number, credit code or account name."), "required"
                )
            )
        if not payload.password:
            problems.append(Problem("password", _("Enter your password."), "required"))
        if problems:
            raise ProblemsError(problems)
        user = authenticate(request, username=payload.identifier.strip(), password=payload.password)
        wrong = Problem("__all__", _("The account or the password is wrong."), "wrong_credentials")
    else:
        problems = []
        if p := otp.phone_problem(payload.phone):
            problems.append(p)
        if not payload.code.strip():
            problems.append(Problem("code", _("Enter the code from the text message."), "required"))
        if problems:
            raise ProblemsError(problems)
        user = authenticate(request, username=crypto.normalise(payload.phone), otp_code=payload.code.strip())
        wrong = Problem("code", _("The code is wrong or has expired."), "invalid")
    if user is None:
        if getattr(request, "axes_locked_out", False):
            request.axes_locked_out = False  # type: ignore[attr-defined]  (this answer, not axes's page)
            until = accounts.lockout_until(request)
            return Status(
                429,
                {
                    "detail": [
                        {
                            "field": "__all__",
                            "code": "locked_out",
                            **both_languages(
                                _("Too many failed sign-ins. Try again after %(until)s."), {"until": until}
                            ),
                            "retry_at": until,
                        }
                    ]
                },
            )
        raise ProblemsError([wrong])
    sign_in(request, user, payload.method)
    return Status(200, me_for(request, user))


@router.post("/sign-out", response={204: None, **ERRORS}, auth=session_auth, summary="Sign out this session")
def sign_out_api(request: HttpRequest):
    logout(request)
    return Status(204, None)


@router.get("/me", response={200: MeOut, **ERRORS}, auth=session_auth, summary="Who am I")
def me(request: HttpRequest):
    """The masked person, the enterprises the account acts for (with the permissions granted), staff roles."""
    return Status(200, me_for(request, request.user))


@router.get("/sessions", response={200: list[SessionOut], **ERRORS}, auth=session_auth, summary="My sessions")
def sessions(request: HttpRequest):
    here = request.session.session_key
    return Status(
        200,
        [
            {
                "id": s.pk,
                "method": s.method,
                "ip": s.ip,
                "user_agent": s.user_agent,
                "created_at": s.created_at,
                "current": s.session_key == here,
            }
            for s in UserSession.objects.filter(user=request.user).order_by("-created_at")
        ],
    )


@router.post(
    "/sessions/end-others", response={200: EndedOut, **ERRORS}, auth=session_auth, summary="Sign out everywhere else"
)
def end_others(request: HttpRequest):
    return Status(200, {"ended": end_sessions(request.user, keep=request.session.session_key)})


@router.delete(
    "/sessions/{session_id}", response={204: None, 404: ErrorOut, **ERRORS}, auth=session_auth, summary="End a session"
)
def end_session(request: HttpRequest, session_id: int):
    """Another account's session id answers 404, like one that does not exist."""
    row = access.get_or_404(UserSession.objects.filter(user=request.user), pk=session_id)
    if row.session_key == request.session.session_key:
        logout(request)
    else:
        end_sessions(request.user, only=row.pk)
    return Status(204, None)


@router.post("/register", response={201: RegisterOut, **ERRORS}, summary="Register a natural person")
def register_api(request: HttpRequest, payload: RegisterIn):
    """Send a code first (POST /otp with purpose "register"). Signs the new account in. CSRF token required."""
    _csrf(request)
    if over_limit(request, "register"):
        return rate_limited(request)
    _person, user, check = accounts.register_account(**payload.dict())
    sign_in(request, user, "sms")
    return Status(201, {**me_for(request, user), "verified": bool(check and check.passed)})


@router.post(
    "/register/enterprise",
    response={201: EnterpriseOut, **ERRORS},
    auth=session_auth,
    summary="Register the legal person I represent",
)
def register_enterprise_api(request: HttpRequest, payload: EnterpriseIn):
    """Checked against the legal-person library (name, code, legal representative); refused (400) otherwise."""
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        raise ProblemsError(
            [Problem("__all__", _("Only a registered natural person can register a legal person."), "no_person")]
        )
    ent = accounts.register_legal_person(person=person, **payload.dict())
    return Status(
        201,
        {
            "id": ent.pk,
            "name": ent.name,
            "credit_code": ent.credit_code,
            "legal_representative": True,
            "permissions": sorted(access.actor_for_user(request.user).agencies.get(ent.pk, ())),
            "level": ent.level,
        },
    )


@router.post("/password/reset", response={200: ResetOut, 202: ResetOut, **ERRORS}, summary="Reset a password")
def password_reset(request: HttpRequest, payload: ResetIn):
    """By email: 202, a link is mailed if an account has the address. By phone: send a code first (POST /otp,
    purpose "reset"), then phone + code + the new password twice: 200, and every session of the account ends.
    Neither way reveals whether an account exists. CSRF token required."""
    _csrf(request)
    if over_limit(request, "reset"):
        return rate_limited(request)
    if payload.email.strip():
        try:
            validate_email(payload.email.strip())
        except ValidationError:
            raise ProblemsError([Problem("email", _("Enter a valid email address."), "invalid")]) from None
        accounts.send_reset_email(payload.email.strip(), domain=request.get_host(), use_https=request.is_secure())
        return Status(202, {"done": False})
    accounts.reset_with_code(
        phone=payload.phone, code=payload.code, password1=payload.new_password1, password2=payload.new_password2
    )
    return Status(200, {"done": True})


@router.post("/password/change", response={204: None, **ERRORS}, auth=session_auth, summary="Change my password")
def password_change(request: HttpRequest, payload: PasswordChangeIn):
    """Keeps this session; every other session of the account ends."""
    form = PasswordChangeForm(request.user, payload.dict())
    if not form.is_valid():
        raise ProblemsError(problems_from_validation_error(ValidationError(form.errors.as_data())))
    form.save()
    update_session_auth_hash(request, form.user)
    end_sessions(request.user, keep=request.session.session_key)
    return Status(204, None)
