"""The cards side's pages (staff workbench): cards, correction orders, the watch list and real-time monitoring.

Signed-out visitors are sent to sign in; a signed-in account without the page's role gets 403; a record out of
reach is 404 like a missing one. Every change is one `corrections` service function; its refusals come back as
field messages on the same page (400), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.cases.models import OPEN_STATES, Case, CaseStep
from yiwang.core import keyset
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.identity import access
from yiwang.identity.access import Actor
from yiwang.orgs.models import Organisation

from . import cards_access, checks, corrections, monitor
from .models.cards import Card, CardLevel, CorrectionEvent, CorrectionOrder, CorrectionState, Watch

PAGE_SIZE = 30


def _no_cache(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def errors_of(problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, render_message(p.message, p.params))
    return out


def _staff(request: HttpRequest) -> Actor:
    a = access.actor(request)
    if not cards_access.may_see_cards(a):
        raise PermissionDenied
    return a


def _supervisor(request: HttpRequest) -> Actor:
    a = access.actor(request)
    if not cards_access.is_supervisor(a):
        raise PermissionDenied
    return a


def _nav(a: Actor) -> dict[str, Any]:
    return {"is_supervisor": cards_access.is_supervisor(a)}


def card_rows(cards: list[Card]) -> list[dict[str, Any]]:
    return [
        {
            "card": c,
            "reason": checks.describe(c.rule, c.details, c.reason),
            "title": str(checks.CHECKS[c.rule].title) if c.rule in checks.CHECKS else c.rule,
        }
        for c in cards
    ]


# --- cards ---------------------------------------------------------------------------------------------------------


FILTER_STATES = ("open", "resolved", "all")


@login_required
@require_GET
def cards_page(request: HttpRequest) -> HttpResponse:
    """My cards, my department's (as its leader) and, for supervisors, every card in their reach."""
    a = _staff(request)
    qs = Card.objects.filter(cards_access.cards_q(a))
    level = request.GET.get("level", "")
    if level in CardLevel.values:
        qs = qs.filter(level=level)
    state = request.GET.get("state", "open")
    if state not in FILTER_STATES:
        state = "open"
    if state == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif state == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(staff_id=a.user_id)
    page = keyset.page(
        qs.select_related("organisation", "staff"),
        "issued_at",
        PAGE_SIZE,
        older=request.GET.get("older"),
        newer=request.GET.get("newer"),
    )
    summary = dict(
        Card.objects.filter(cards_access.cards_q(a), resolved_at__isnull=True)
        .values_list("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    base = {"level": level, "state": state, "mine": "1" if mine else ""}
    return _no_cache(
        render(
            request,
            "supervision/cards/cards.html",
            {
                **_nav(a),
                "rows": card_rows(page.rows),
                "page": page,
                "level": level,
                "state": state,
                "mine": mine,
                "query": "&".join(f"{k}={v}" for k, v in base.items() if v),
                "levels": CardLevel.choices,
                "states": [("open", _("Open")), ("resolved", _("Resolved")), ("all", _("All"))],
                "open_yellow": summary.get(CardLevel.YELLOW, 0),
                "open_red": summary.get(CardLevel.RED, 0),
                "rules": list(checks.CHECKS.values()),
            },
        )
    )


# --- correction orders ---------------------------------------------------------------------------------------------


def _may_use_corrections(a: Actor) -> bool:
    return cards_access.is_supervisor(a) or cards_access.department_of(a) != []


@login_required
@require_http_methods(["GET", "POST"])
def corrections_page(request: HttpRequest) -> HttpResponse:
    """The orders in reach (open first); a supervisor issues a new one here."""
    a = access.actor(request)
    if a.user_id is None or not _may_use_corrections(a):
        raise PermissionDenied
    errors: dict[str, str] = {}
    form = {"case_number": request.GET.get("case", ""), "step_id": "", "due": "", "text": ""}
    status = 200
    if request.method == "POST":
        if not cards_access.is_supervisor(a):
            raise PermissionDenied
        form = {k: request.POST.get(k, "") for k in form}
        try:
            order = corrections.issue(
                a,
                request.user,
                case_number=form["case_number"],
                step_id=form["step_id"],
                due=form["due"],
                text=form["text"],
            )
        except ProblemsError as exc:
            errors, status = errors_of(exc.problems), 400
        else:
            messages.success(request, _("Correction order %(number)s issued.") % {"number": order.number})
            return redirect("supervision:correction", pk=order.pk)
    state = request.GET.get("state", "")
    qs = corrections.visible(a).select_related("organisation")
    if state in CorrectionState.values:
        qs = qs.filter(state=state)
    page = keyset.page(qs, "issued_at", PAGE_SIZE, older=request.GET.get("older"), newer=request.GET.get("newer"))
    today = timezone.localdate()
    steps = []
    if form["case_number"]:
        case = Case.objects.filter(case_number=form["case_number"]).only("pk", "organisation_id").first()
        if case is not None and cards_access.may_supervise(a, case.organisation_id):
            steps = list(CaseStep.objects.filter(case=case).order_by("order").values_list("pk", "name"))
    return _no_cache(
        render(
            request,
            "supervision/cards/corrections.html",
            {
                **_nav(a),
                "orders": [{"o": o, "overdue": o.state == CorrectionState.OPEN and o.overdue_on(today)} for o in page],
                "page": page,
                "state": state,
                "states": CorrectionState.choices,
                "form": form,
                "errors": errors,
                "steps": steps,
            },
            status=status,
        )
    )


def _order_page(
    request: HttpRequest, a: Actor, order: CorrectionOrder, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    return _no_cache(
        render(
            request,
            "supervision/cards/correction.html",
            {
                **_nav(a),
                "order": order,
                "events": [
                    {"e": e, "label": corrections.action_label(e.action)}
                    for e in CorrectionEvent.objects.filter(order=order).select_related("actor")
                ],
                "overdue": order.overdue_on(today),
                "may_answer": order.state == CorrectionState.OPEN and cards_access.may_answer(a, order.organisation_id),
                "may_close": order.state in (CorrectionState.OPEN, CorrectionState.ANSWERED)
                and cards_access.may_supervise(a, order.organisation_id),
                "may_reopen": order.state in (CorrectionState.ANSWERED, CorrectionState.CLOSED)
                and cards_access.may_supervise(a, order.organisation_id),
                "errors": errors or {},
                "post": request.POST if request.method == "POST" else {},
            },
            status=status,
        )
    )


@login_required
@require_GET
def correction_page(request: HttpRequest, pk: int) -> HttpResponse:
    a = access.actor(request)
    if a.user_id is None or not _may_use_corrections(a):
        raise PermissionDenied
    return _order_page(request, a, corrections.get_visible(a, pk))


@login_required
@require_POST
def correction_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    a = access.actor(request)
    if a.user_id is None or not _may_use_corrections(a):
        raise PermissionDenied
    order = corrections.get_visible(a, pk)
    fn = corrections.TRANSITIONS.get(action)
    if fn is None:
        raise Http404
    p = request.POST
    kwargs: dict[str, Any] = {"revision": p.get("revision")}
    if action == "answer":
        kwargs["text"] = p.get("answer", "")
    elif action == "close":
        kwargs["note"] = p.get("note", "")
    else:
        kwargs.update(note=p.get("note", ""), due=p.get("due", ""))
    try:
        fn(a, request.user, order, **kwargs)
    except ProblemsError as exc:
        return _order_page(request, a, order, errors=errors_of(exc.problems), status=400)
    messages.success(request, _("Done: %(action)s.") % {"action": corrections.action_label(action)})
    return redirect("supervision:correction", pk=order.pk)


# --- the watch list ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def watch_page(request: HttpRequest) -> HttpResponse:
    a = _supervisor(request)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            corrections.watch(
                a,
                request.user,
                case_number=request.POST.get("case_number", ""),
                organisation_id=request.POST.get("organisation_id") or None,
                note=request.POST.get("note", ""),
            )
        except ProblemsError as exc:
            errors, status = errors_of(exc.problems), 400
        else:
            messages.success(request, _("Added to your watch list."))
            return redirect("supervision:watch")
    entries = list(Watch.objects.filter(user=request.user).select_related("case", "organisation").order_by("-id"))
    case_ids = [e.case_id for e in entries if e.case_id]
    org_ids = [e.organisation_id for e in entries if e.organisation_id]
    case_cards = dict(
        Card.objects.filter(case_id__in=case_ids, resolved_at__isnull=True)
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    org_open = dict(
        Case.objects.filter(organisation_id__in=org_ids, state__in=OPEN_STATES)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    org_cards = {
        row["organisation_id"]: row
        for row in Card.objects.filter(organisation_id__in=org_ids, resolved_at__isnull=True)
        .values("organisation_id")
        .annotate(
            yellow=Count("pk", filter=Q(level=CardLevel.YELLOW)),
            red=Count("pk", filter=Q(level=CardLevel.RED)),
        )
    }
    reach = cards_access.supervised(a)
    departments = Organisation.objects.filter(is_active=True).only("pk", "name").order_by("name")
    if reach is not None:
        departments = departments.filter(pk__in=reach)
    return _no_cache(
        render(
            request,
            "supervision/cards/watch.html",
            {
                **_nav(a),
                "cases": [
                    {"w": e, "cards": case_cards.get(e.case_id, 0), "today": timezone.localdate()}
                    for e in entries
                    if e.case_id
                ],
                "orgs": [
                    {
                        "w": e,
                        "open": org_open.get(e.organisation_id, 0),
                        "yellow": org_cards.get(e.organisation_id, {}).get("yellow", 0),
                        "red": org_cards.get(e.organisation_id, {}).get("red", 0),
                    }
                    for e in entries
                    if e.organisation_id
                ],
                "departments": list(departments[:500]),
                "errors": errors,
                "post": request.POST if request.method == "POST" else {},
            },
            status=status,
        )
    )


@login_required
@require_POST
def unwatch(request: HttpRequest, pk: int) -> HttpResponse:
    a = _supervisor(request)
    corrections.unwatch(a, request.user, pk)
    messages.success(request, _("Removed from your watch list."))
    return redirect("supervision:watch")


# --- monitoring ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def monitor_page(request: HttpRequest) -> HttpResponse:
    a = _supervisor(request)
    figures = monitor.figures(cards_access.supervised(a))
    return _no_cache(
        render(
            request,
            "supervision/cards/monitor.html",
            {**_nav(a), **figures, "now": timezone.localtime(), "today": timezone.localdate()},
        )
    )
