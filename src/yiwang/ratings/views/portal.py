"""The people's pages: rate a case (portal and phone), the SMS link, a visit's phone link, the window's rating pad,
my ratings, complaints and suggestions. Each POST is one `services` function; pages only read the form and show
the answer. A case that is not the person's is "not found", exactly like a number that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.cases.actions import Caller
from yiwang.core.errors import ProblemsError
from yiwang.identity import access, space
from yiwang.identity.views import rate_limited
from yiwang.orgs.models import Window

from .. import casefacts, policy, services, visits
from ..models import About, ComplaintKind, Rating
from ..standard import Mode, Stage
from .common import answer_from, channel_of, errors_of, form_context, no_cache, over_limit

PAD_RESET_SECONDS = 6


def _rate_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return no_cache(render(request, "ratings/rate.html", context, status=status))


def _thanks(request: HttpRequest, rating: Rating, **extra: Any) -> HttpResponse:
    context = {
        "rating": rating,
        "rectify": hasattr(rating, "rectification") and rating.is_bad and not rating.anonymous,
        "days": services.rectify_days(),
        **extra,
    }
    return no_cache(render(request, "ratings/thanks.html", context))


# --- a case ------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rate_case(request: HttpRequest, case_number: str) -> HttpResponse:
    """一事一评 on the portal or a phone: the applicant's case, at the stage it is in."""
    a = access.actor(request)
    case = casefacts.visible_to_applicant(a, case_number)
    if case is None:
        raise Http404
    mode = casefacts.mode_of(case)
    may = casefacts.may_rate(a, case)
    stage = services.open_stage(case, a.person_id) if may else None
    context: dict[str, Any] = {
        "case": case,
        "stage": stage,
        "stage_label": Stage(stage).label if stage else "",
        "may": may,
        "action": reverse("ratings:rate_case", args=[case.case_number]),
        "back": reverse("cases:case", args=[case.case_number]),
        **form_context(mode),
    }
    if request.method == "POST":
        if over_limit(request, "rate"):
            return rate_limited(request)
        try:
            rating = services.rate_case(
                Caller.of(request), case, answer_from(request.POST, mode), channel=channel_of(request), stage=stage
            )
        except ProblemsError as exc:
            context.update(form_context(mode, request.POST, errors_of(exc.problems)))
            return _rate_page(request, context, status=400)
        if rating.is_bad:
            messages.success(
                request,
                _("Thank you. The department will call you back and put it right within %(days)s working days.")
                % {"days": services.rectify_days()},
            )
        else:
            messages.success(request, _("Thank you for rating the service."))
        return redirect(context["back"])
    return _rate_page(request, context)


@require_http_methods(["GET", "POST"])
def by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS link: rates for the person it was sent to, once, without signing in."""
    invite = services.invite_for_token(token)
    if invite is None:
        raise Http404
    case = casefacts.by_pk(invite.case_id)
    mode = casefacts.mode_of(case)
    problem = services.invite_problem(invite)
    context: dict[str, Any] = {
        "case": case,
        "stage": invite.stage if problem is None else None,
        "stage_label": Stage(invite.stage).label,
        "may": True,
        "action": reverse("ratings:by_token", args=[token]),
        "link_problem": str(problem) if problem else "",
        "masked_applicant": case.person.masked_name,
        **form_context(mode),
    }
    if request.method == "POST":
        if over_limit(request, "rate"):
            return rate_limited(request)
        try:
            rating = services.rate_by_invite(token, answer_from(request.POST, mode))
        except ProblemsError as exc:
            errors = errors_of(exc.problems)
            context.update(form_context(mode, request.POST, errors))
            if "token" in errors or "stage" in errors:
                context["link_problem"] = errors.get("token") or errors.get("stage")
                context["stage"] = None
            return _rate_page(request, context, status=400)
        return _thanks(request, rating)
    return _rate_page(request, context)


# --- a hall visit ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def by_visit(request: HttpRequest) -> HttpResponse:
    """The phone link printed on a finished queue ticket (source, ticket, code): one rating per visit."""
    params = request.POST if request.method == "POST" else request.GET
    source, ticket, code = (str(params.get(k, ""))[:60] for k in ("source", "ticket", "code"))
    if request.method == "POST" and over_limit(request, "rate"):
        return rate_limited(request)
    if request.method == "GET" and over_limit(request, "lookup"):
        return rate_limited(request)
    visit = visits.find(source, ticket, code)
    if visit is None:
        raise Http404
    window = Window.objects.select_related("hall").filter(pk=visit.window_id).first() if visit.window_id else None
    already = Rating.objects.filter(visit_key=visit.key).exists()
    context: dict[str, Any] = {
        "visit": visit,
        "window": window,
        "stage": None if already else Stage.VISIT,
        "stage_label": Stage.VISIT.label,
        "may": True,
        "link_problem": _("This visit has been rated already.") if already else "",
        "action": reverse("ratings:by_visit"),
        "hidden": {"source": source, "ticket": ticket, "code": code},
        **form_context(Mode.ONSITE),
    }
    if request.method == "POST":
        try:
            rating = services.rate_visit_by_link(
                Caller.of(request), visit, answer_from(request.POST, Mode.ONSITE), channel=channel_of(request)
            )
        except ProblemsError as exc:
            context.update(form_context(Mode.ONSITE, request.POST, errors_of(exc.problems)))
            return _rate_page(request, context, status=400)
        return _thanks(request, rating)
    return _rate_page(request, context)


@require_http_methods(["GET", "POST"])
def pad(request: HttpRequest, key: str) -> HttpResponse:
    """The window's rating pad: big buttons, the on-site indicators, back to blank after each rating."""
    found = services.pad_for_key(key)
    if found is None:
        raise Http404
    window = found.window
    visit = visits.latest_at_window(window.pk)
    if visit is not None and Rating.objects.filter(visit_key=visit.key).exists():
        visit = None
    context: dict[str, Any] = {
        "pad": found,
        "window": window,
        "visit": visit,
        "staff_name": (visit.staff_name if visit and visit.staff_name else "")
        or (found.staff.get_full_name() or found.staff.get_username() if found.staff else ""),
        "action": reverse("ratings:pad", args=[key]),
        "reset_seconds": PAD_RESET_SECONDS,
        **form_context(Mode.ONSITE),
    }
    if request.method == "POST":
        if over_limit(request, "rate"):
            return rate_limited(request)
        ticket = str(request.POST.get("visit", ""))
        chosen = visit if visit is not None and ticket == visit.key else None
        try:
            rating = services.rate_at_pad(found, answer_from(request.POST, Mode.ONSITE), visit=chosen)
        except ProblemsError as exc:
            context.update(form_context(Mode.ONSITE, request.POST, errors_of(exc.problems)))
            return no_cache(render(request, "ratings/pad.html", context, status=400))
        context["done"] = rating
        return no_cache(render(request, "ratings/pad.html", context))
    return no_cache(render(request, "ratings/pad.html", context))


# --- my ratings and complaints -----------------------------------------------------------------------------------


@login_required
@require_GET
def my_ratings(request: HttpRequest) -> HttpResponse:
    """The person's ratings, what became of the bad ones, cases waiting for a rating, complaints."""
    a = access.actor(request)
    subject = space.acting_for(request) or space.person_of(request)
    from ..panels import space_context

    panel = space_context(request, subject) if subject is not None else {"empty": True}
    ratings = list(
        policy.own_ratings(a)
        .select_related("rectification", "window__hall")
        .prefetch_related("rectification__callbacks")
        .order_by("-rated_at", "-id")[:50]
    )
    complaints = (
        list(policy.complaints_visible(a).filter(person_id=a.person_id).order_by("-filed_at")[:50])
        if a.person_id
        else []
    )
    context = {"panel": panel, "ratings": ratings, "complaints": complaints, "subject": subject}
    return no_cache(render(request, "ratings/my.html", context))


@login_required
@require_http_methods(["GET", "POST"])
def complain(request: HttpRequest) -> HttpResponse:
    """A complaint or a suggestion about one of my cases, a window, a staff member of my case, or the platform."""
    a = access.actor(request)
    if a.person_id is None:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    case_number = str(params.get("case", "") or "")[:24]
    case = casefacts.visible_to_applicant(a, case_number) if case_number else None
    staff = casefacts.staff_of(case.pk) if case is not None else []
    window = None
    raw_window = str(params.get("window", "") or "")
    if raw_window.isdigit():
        window = Window.objects.select_related("hall").filter(pk=int(raw_window)).first()
    context: dict[str, Any] = {
        "case": case,
        "staff": staff,
        "window": window,
        "abouts": About.choices,
        "kinds": ComplaintKind.choices,
        "chosen": {
            "kind": params.get("kind", ComplaintKind.COMPLAINT),
            "about": params.get("about", About.CASE if case else (About.WINDOW if window else About.PLATFORM)),
            "staff": str(params.get("staff", "")),
            "text": params.get("text", ""),
        },
        "errors": {},
        "days": services.complaint_days(),
    }
    if request.method == "POST":
        if over_limit(request, "complain"):
            return rate_limited(request)
        raw_staff = str(request.POST.get("staff", ""))
        try:
            c = services.file_complaint(
                Caller.of(request),
                kind=str(request.POST.get("kind", "")),
                about=str(request.POST.get("about", "")),
                text=str(request.POST.get("text", "")),
                case_number=case_number if str(request.POST.get("about")) in (About.CASE, About.STAFF) else "",
                window_id=window.pk if window is not None else None,
                staff_id=int(raw_staff) if raw_staff.isdigit() else None,
                channel=channel_of(request),
            )
        except ProblemsError as exc:
            context["errors"] = errors_of(exc.problems)
            return no_cache(render(request, "ratings/complain.html", context, status=400))
        return redirect("ratings:my_complaint", number=c.number)
    return no_cache(render(request, "ratings/complain.html", context))


@login_required
@require_GET
def my_complaint(request: HttpRequest, number: str) -> HttpResponse:
    a = access.actor(request)
    c = access.get_or_404(
        policy.complaints_visible(a).filter(person_id=a.person_id or 0).select_related("organisation", "window__hall"),
        number=number,
    )
    return no_cache(render(request, "ratings/complaint.html", {"c": c, "today": timezone.localdate()}))
