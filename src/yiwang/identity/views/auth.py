"""How people and staff get in and out: sign-in (password or SMS code), registration, sessions, password reset.

The flows themselves (registration, password reset, legal-person registration) are in `identity.accounts`, which
the API (`identity.api_auth`) calls too; these views only turn requests into those calls and answers into pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.clientip import client_ip
from yiwang.core.errors import ProblemsError

from .. import accounts, crypto, oidc, otp
from ..documents import DocType
from ..masking import mask_phone
from ..middleware import end_sessions, sign_in
from ..models import EnterpriseKind, OneTimePurpose, Person, UserSession
from . import over_limit, rate_limited

RESET_PHONE = "_yiwang_reset_phone"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` when it is a path or URL on this site, else the default after sign-in (never another site)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    try:
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    except NoReverseMatch:  # My Space not installed
        return "/"


def _landing(request: HttpRequest, target: str) -> str:
    """After sign-in: the page asked for, else a staff member's own to-do list (identity.navigation), else My Space.

    The header's sign-in link always asks for the page it was on; the home page and My Space are no real choice
    for staff, so those land on the to-do list too."""
    if target not in ("/", resolve_url(settings.LOGIN_REDIRECT_URL)):
        return target
    from ..access import actor_for_user
    from ..navigation import landing

    return landing(actor_for_user(request.user)) or target


def locked_out(request: HttpRequest) -> HttpResponse:
    """The lockout page with the time to come back; django-axes's middleware then leaves this answer alone."""
    from axes.helpers import get_failure_limit

    request.axes_locked_out = False  # type: ignore[attr-defined]
    ctx = {"failure_limit": get_failure_limit(request, None), "until": accounts.lockout_until(request)}
    return render(request, "identity/locked_out.html", ctx, status=429)


def _errors(exc: ProblemsError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.field, []).append(str(p))
    return out


def _base_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"next": request.POST.get("next") or request.GET.get("next", ""), "errors": {}, **extra}


@sensitive_post_parameters("password", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_page(request: HttpRequest) -> HttpResponse:
    """Password or SMS code; tabs are links (work without JavaScript); `next` only within this site."""
    method = request.POST.get("method") or request.GET.get("method") or "password"
    if method not in ("password", "sms"):
        method = "password"
    ctx = _base_context(
        request,
        method=method,
        identifier="",
        phone="",
        code_sent=False,
        expired=request.GET.get("expired") == "1",
        oidc=oidc.enabled(),
        oidc_name=oidc.platform_name() if oidc.enabled() else "",
    )
    if request.method == "POST":
        if over_limit(request, "sign_in"):
            return rate_limited(request)
        target = safe_next(request, request.POST.get("next"))
        if method == "password":
            identifier = request.POST.get("identifier", "").strip()[:100]
            password = request.POST.get("password", "")
            ctx["identifier"] = identifier
            if not identifier or not password:
                ctx["errors"] = {
                    k: [str(v)]
                    for k, v in (
                        ("identifier", _("Enter your ID number, mobile number, credit code or account name.")),
                        ("password", _("Enter your password.")),
                    )
                    if not request.POST.get(k, "").strip()
                }
            else:
                user = authenticate(request, username=identifier, password=password)
                if user is not None:
                    sign_in(request, user, "password")
                    return HttpResponseRedirect(_landing(request, target))
                if getattr(request, "axes_locked_out", False):
                    return locked_out(request)
                ctx["errors"] = {"__all__": [str(_("The account or the password is wrong."))]}
        else:
            phone = crypto.normalise(request.POST.get("phone", ""))[:20]
            ctx["phone"] = phone
            if request.POST.get("action") == "send":
                if over_limit(request, "send_code"):
                    return rate_limited(request)
                try:
                    otp.issue(OneTimePurpose.SIGN_IN, phone, client_ip(request))
                    ctx["code_sent"] = True
                except ProblemsError as exc:
                    ctx["errors"] = _errors(exc)
            else:
                code = request.POST.get("code", "").strip()
                ctx["code_sent"] = True
                problems = {}
                if p := otp.phone_problem(phone):
                    problems["phone"] = [str(p)]
                if not code:
                    problems["code"] = [str(_("Enter the code from the text message."))]
                if problems:
                    ctx["errors"] = problems
                else:
                    user = authenticate(request, username=phone, otp_code=code)
                    if user is not None:
                        sign_in(request, user, "sms")
                        return HttpResponseRedirect(_landing(request, target))
                    if getattr(request, "axes_locked_out", False):
                        return locked_out(request)
                    ctx["errors"] = {"code": [str(_("The code is wrong or has expired."))]}
    return render(request, "identity/auth/sign_in.html", ctx, status=400 if ctx["errors"] else 200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """POST only (a link or an image cannot sign a person out)."""
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL or "/")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """The account's sessions (end one, or all others) and the password change."""
    form = PasswordChangeForm(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        here = request.session.session_key
        if action == "end":
            try:
                session_id = int(request.POST.get("session", ""))
            except ValueError:
                session_id = -1
            row = UserSession.objects.filter(user=request.user, pk=session_id).first()
            if row is not None and row.session_key == here:
                logout(request)
                return redirect(settings.LOGIN_URL)
            if end_sessions(request.user, keep=here, only=session_id):
                messages.success(request, _("That session has been signed out."))
            return redirect("identity:security")
        if action == "end_others":
            n = end_sessions(request.user, keep=here)
            messages.success(request, _("Signed out on %(n)s other devices.") % {"n": n})
            return redirect("identity:security")
        if action == "password":
            form = PasswordChangeForm(request.user, request.POST)
            if form.is_valid():
                form.save()
                update_session_auth_hash(request, form.user)
                end_sessions(request.user, keep=request.session.session_key)
                messages.success(request, _("Your password has been changed. Other devices have been signed out."))
                return redirect("identity:security")
    here = request.session.session_key
    sessions = list(UserSession.objects.filter(user=request.user).order_by("-created_at"))
    person = Person.objects.filter(user=request.user).first()
    return render(
        request,
        "identity/auth/security.html",
        {"sessions": sessions, "here": here, "form": form, "person": person},
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("new_password1", "new_password2", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    """Step 1: a mobile number (a code follows) or an email address (a link follows). The answer never says whether
    an account exists."""
    ctx: dict[str, Any] = {"errors": {}, "account": ""}
    if request.method == "POST":
        if over_limit(request, "reset"):
            return rate_limited(request)
        account = request.POST.get("account", "").strip()[:254]
        ctx["account"] = account
        if "@" in account:
            try:
                validate_email(account)
            except ValidationError:
                ctx["errors"] = {"account": [str(_("Enter a mobile number or an email address."))]}
            else:
                accounts.send_reset_email(account, domain=request.get_host(), use_https=request.is_secure())
                return redirect("identity:reset_email_sent")
        else:
            try:
                otp.issue(OneTimePurpose.RESET, account, client_ip(request))
            except ProblemsError as exc:
                ctx["errors"] = {"account": [str(p) for p in exc.problems]}
            else:
                request.session[RESET_PHONE] = crypto.normalise(account)
                return redirect("identity:reset_code")
    return render(request, "identity/auth/reset.html", ctx, status=400 if ctx["errors"] else 200)


@sensitive_post_parameters("new_password1", "new_password2", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def reset_code(request: HttpRequest) -> HttpResponse:
    """Step 2 by SMS: the code and the new password twice."""
    phone = request.session.get(RESET_PHONE)
    if not phone:
        return redirect("identity:reset")
    ctx: dict[str, Any] = {"errors": {}, "masked_phone": mask_phone(phone)}
    if request.method == "POST":
        if over_limit(request, "reset"):
            return rate_limited(request)
        try:
            accounts.reset_with_code(
                phone=phone,
                code=request.POST.get("code", ""),
                password1=request.POST.get("new_password1", ""),
                password2=request.POST.get("new_password2", ""),
            )
        except ProblemsError as exc:
            ctx["errors"] = _errors(exc)
        else:
            request.session.pop(RESET_PHONE, None)
            messages.success(request, _("Your password has been reset. Sign in with the new password."))
            return redirect("identity:sign_in")
    return render(request, "identity/auth/reset_code.html", ctx, status=400 if ctx["errors"] else 200)


def reset_email_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/auth/reset_email_sent.html")


class ResetConfirm(auth_views.PasswordResetConfirmView):
    """The email link: Django's token check; after the new password every session of the account ends."""

    template_name = "identity/auth/reset_confirm.html"
    success_url = reverse_lazy("identity:reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        end_sessions(form.user)
        return response


class ResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "identity/auth/reset_complete.html"


@sensitive_post_parameters("password1", "password2", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A natural person opens an account: document, mobile number proven by a code, password."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(safe_next(request, None))
    fields = ("name", "doc_type", "doc_number", "phone", "code")
    values = {f: request.POST.get(f, "").strip()[:100] for f in fields}
    values["doc_type"] = values["doc_type"] or DocType.RESIDENT_ID
    ctx: dict[str, Any] = _base_context(request, v=values, doc_types=DocType.choices, code_sent=False)
    if request.method == "POST":
        if request.POST.get("action") == "send":
            if over_limit(request, "send_code"):
                return rate_limited(request)
            try:
                otp.issue(OneTimePurpose.REGISTER, values["phone"], client_ip(request))
                ctx["code_sent"] = True
            except ProblemsError as exc:
                ctx["errors"] = _errors(exc)
        else:
            if over_limit(request, "register"):
                return rate_limited(request)
            try:
                _person, user, check = accounts.register_account(
                    **values,
                    password1=request.POST.get("password1", ""),
                    password2=request.POST.get("password2", ""),
                )
            except ProblemsError as exc:
                ctx["errors"] = _errors(exc)
                ctx["code_sent"] = bool(values["code"])
            else:
                sign_in(request, user, "sms")
                if check is not None and check.passed:
                    messages.success(request, _("Your account is ready and your identity has been verified."))
                else:
                    messages.warning(
                        request,
                        _(
                            "Your account is ready. Your identity could not be checked against the population library "
                            "yet; some services need that: verify at any service window with your document."
                        ),
                    )
                return HttpResponseRedirect(safe_next(request, request.POST.get("next")))
    return render(request, "identity/auth/register.html", ctx, status=400 if ctx["errors"] else 200)


@csrf_protect
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def register_enterprise(request: HttpRequest) -> HttpResponse:
    """The legal representative registers their enterprise (checked against the legal-person library)."""
    person = Person.objects.filter(user=request.user).first()
    values = {f: request.POST.get(f, "").strip()[:200] for f in ("credit_code", "name", "kind")}
    values["kind"] = values["kind"] or EnterpriseKind.ENTERPRISE
    ctx: dict[str, Any] = {"errors": {}, "v": values, "kinds": EnterpriseKind.choices, "person": person}
    if request.method == "POST" and person is not None:
        try:
            enterprise = accounts.register_legal_person(
                person=person,
                credit_code=values["credit_code"],
                name=values["name"],
                kind=values["kind"],
                declared=request.POST.get("declared") == "on",
            )
        except ProblemsError as exc:
            ctx["errors"] = _errors(exc)
            ctx["reason"] = next((p.extra.get("reason") for p in exc.problems if p.extra.get("reason")), "")
        else:
            messages.success(
                request,
                _("%(name)s is registered and verified. You act for it as its legal representative.")
                % {"name": enterprise.name},
            )
            return HttpResponseRedirect(safe_next(request, None))
    return render(request, "identity/auth/register_enterprise.html", ctx, status=400 if ctx["errors"] else 200)


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """/admin/login/ → the one sign-in page, keeping a same-site `next`."""
    target = reverse("identity:sign_in")
    nxt = request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        target += "?" + urlencode({"next": nxt})
    return HttpResponseRedirect(target)


urlpatterns = [
    path("accounts/sign-in/", sign_in_page, name="sign_in"),
    path("accounts/sign-out/", sign_out, name="sign_out"),
    path("accounts/security/", security, name="security"),
    path("accounts/reset/", reset, name="reset"),
    path("accounts/reset/code/", reset_code, name="reset_code"),
    path("accounts/reset/email-sent/", reset_email_sent, name="reset_email_sent"),
    path("accounts/reset/done/", ResetComplete.as_view(), name="reset_complete"),
    path("accounts/reset/<uidb64>/<token>/", ResetConfirm.as_view(), name="reset_confirm"),
    path("accounts/register/", register, name="register"),
    path("accounts/register/enterprise/", register_enterprise, name="register_enterprise"),
]
