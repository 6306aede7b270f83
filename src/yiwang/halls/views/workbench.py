"""The hall workbench: the clerk's window console (call next, recall, start, finish, skip, transfer, pause), the
front desk (numbers with priority, appointment check-in), and the manager's page (queues now, windows, figures over
time, closed days). Staff without a hall role are refused (403); a hall or window out of reach is not found (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access as id_access
from yiwang.orgs.models import Membership, Role, Window

from .. import access, hours, queries, services
from ..models import (
    Appointment,
    AppointmentState,
    BusinessLine,
    HoursException,
    PriorityGroup,
    Ticket,
    TicketSource,
    WindowLine,
    WindowState,
    WindowStatus,
    new_key,
)
from . import live_json, problem_map

HALL_ROLES = (Role.WINDOW_CLERK, Role.HALL_MANAGER, Role.SUPERVISOR)


def _staff(request: HttpRequest) -> id_access.Actor:
    a = id_access.actor(request)
    if not any(a.has_role(r) for r in HALL_ROLES):
        raise PermissionDenied(_("The hall workbench is for window clerks, hall managers and supervisors."))
    return a


def _by(request: HttpRequest, channel: str = "window") -> services.By:
    user = request.user
    return services.By(user=user, name=user.get_full_name() or user.username, channel=channel)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The halls the staff member works in: one hall's windows at a time (a clerk covering a division reaches
    dozens of halls), the hall they sit in, else their own organisation's, first."""
    a = _staff(request)
    clerk_halls = list(access.clerk_halls(a).select_related("organisation").order_by("division__code", "name")[:500])
    mine = (
        WindowState.objects.filter(user=request.user)
        .exclude(status=WindowStatus.CLOSED)
        .select_related("window__hall")
        .first()
    )
    own_orgs = set(Membership.objects.filter(user=request.user).values_list("organisation_id", flat=True))
    chosen = next((h for h in clerk_halls if h.pk == _int(request.GET.get("hall"))), None)
    if chosen is None and mine is not None:
        chosen = next((h for h in clerk_halls if h.pk == mine.window.hall_id), None)
    if chosen is None:
        chosen = next((h for h in clerk_halls if h.organisation_id in own_orgs), None) or (
            clerk_halls[0] if clerk_halls else None
        )
    rows = []
    if chosen is not None:
        windows = list(Window.objects.filter(hall=chosen).order_by("number"))
        states = {s.window_id: s for s in WindowState.objects.filter(window__in=windows).select_related("user")}
        rows = [{"window": w, "state": states.get(w.pk)} for w in windows]
    return render(
        request,
        "halls/workbench/index.html",
        {
            "clerk_halls": clerk_halls,
            "chosen": chosen,
            "windows": rows,
            "mine": mine,
            "managed": list(access.manager_halls(a).order_by("division__code", "name")[:500]),
        },
    )


def _console_context(window: Window, request: HttpRequest) -> dict[str, Any]:
    ctx = queries.console(window)
    ctx.update(
        {
            "window": window,
            "hall": window.hall,
            "mine": ctx["state"] is not None and ctx["state"].user_id == request.user.pk,
            "all_lines": BusinessLine.objects.filter(hall=window.hall, is_active=True).order_by("order", "code"),
            "other_windows": Window.objects.filter(hall=window.hall).exclude(pk=window.pk).order_by("number"),
        }
    )
    return ctx


@login_required
@require_GET
def console(request: HttpRequest, window_id: int) -> HttpResponse:
    a = _staff(request)
    window = access.window_or_404(a, window_id)
    return render(request, "halls/workbench/console.html", _console_context(window, request))


@login_required
@require_GET
def console_state(request: HttpRequest, window_id: int) -> HttpResponse:
    a = _staff(request)
    window = access.window_or_404(a, window_id)
    ctx = queries.console(window)
    current = ctx["current"]
    return live_json(
        request,
        {
            "version": ctx["version"],
            "status": ctx["status"],
            "waiting": ctx["waiting"],
            "current": current.number if current else "",
            "upcoming": [t.number for t in ctx["upcoming"]],
        },
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ACTIONS = ("open", "close", "pause", "resume", "call", "recall", "start", "finish", "skip", "transfer", "link")


@login_required
@require_POST
def act(request: HttpRequest, window_id: int, action: str) -> HttpResponse:
    """One button of the console; every ticket change is a compare-and-set on the version the page showed."""
    a = _staff(request)
    window = access.window_or_404(a, window_id)
    if action not in ACTIONS:
        raise Http404
    by = _by(request)
    ticket_id, version = _int(request.POST.get("ticket")), _int(request.POST.get("version"))
    try:
        if action == "open":
            services.open_window(window, by)
        elif action == "close":
            services.close_window(window, by)
        elif action == "pause":
            services.pause_window(window, by)
        elif action == "resume":
            services.resume_window(window, by)
        elif action == "call":
            if services.call_next(window, by) is None:
                messages.info(request, _("Nobody is waiting for this window."))
        elif action == "recall":
            services.recall(window, by, ticket_id, version)
        elif action == "start":
            services.start_service(window, by, ticket_id, version)
        elif action == "finish":
            services.finish(window, by, ticket_id, version)
        elif action == "skip":
            services.skip(window, by, ticket_id, version)
        elif action == "transfer":
            to_line = BusinessLine.objects.filter(hall=window.hall, pk=_int(request.POST.get("to_line"))).first()
            to_window = Window.objects.filter(hall=window.hall, pk=_int(request.POST.get("to_window"))).first()
            services.transfer(window, by, to_line=to_line, to_window=to_window, ticket_id=ticket_id, version=version)
        elif action == "link":
            _link_case(request, a, window, by, ticket_id, version)
    except ProblemsError as exc:
        ctx = _console_context(window, request)
        ctx["problems"] = problem_map(exc.problems)
        return render(request, "halls/workbench/console.html", ctx, status=400)
    return redirect("halls:console", window_id=window.pk)


def _link_case(request, a, window: Window, by: services.By, ticket_id, version) -> None:
    from yiwang.cases import policy

    ticket = services.current_ticket(window)
    if ticket is None or ticket.pk != ticket_id:
        raise ProblemsError([Problem("ticket", _("This number is not the one at your window."), "not_current")])
    number = request.POST.get("case_number", "").strip()
    case = policy.visible_cases(a).filter(case_number=number).first() if number else None
    if case is None:
        raise ProblemsError([Problem("case_number", _("No case you may open has this number."), "not_found")])
    if version is not None and version != ticket.version:
        raise ProblemsError([Problem("ticket", _("This number changed a moment ago; look again."), "stale")])
    services.link_case(ticket, case, by)


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The front desk (导服台): numbers for people who need help or priority, and appointment check-in."""
    a = _staff(request)
    hall = access.clerk_hall_or_404(a, hall_id)
    today = timezone.localdate()
    lines = list(BusinessLine.objects.filter(hall=hall, is_active=True).order_by("order", "code"))
    ctx: dict[str, Any] = {
        "hall": hall,
        "lines": lines,
        "priorities": [c for c in PriorityGroup.choices if c[0]],
        "appointments": Appointment.objects.filter(hall=hall, slot__date=today)
        .exclude(state=AppointmentState.CANCELLED)
        .select_related("line")
        .order_by("starts_at")[:200],
        "problems": {},
    }
    if request.method == "POST":
        by = _by(request, "desk")
        try:
            if request.POST.get("op") == "check_in":
                code = request.POST.get("code", "").strip().upper()
                appt = Appointment.objects.filter(hall=hall, code=code).first()
                if appt is None:
                    raise ProblemsError([Problem("code", _("No appointment here has this code."), "not_found")])
                ticket = services.check_in(appt, by)
            else:
                line = next((x for x in lines if x.pk == _int(request.POST.get("line"))), None)
                if line is None:
                    raise ProblemsError([Problem("line", _("Choose a line."), "required")])
                ticket, _created = services.take_ticket(
                    line,
                    source=TicketSource.DESK,
                    by=by,
                    priority_group=request.POST.get("priority", ""),
                    client_ref=request.POST.get("ref", "")[:64],
                )
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            return render(request, "halls/workbench/desk.html", ctx, status=400)
        messages.success(
            request, _("Number %(number)s issued (%(line)s).") % {"number": ticket.number, "line": ticket.line.name}
        )
        return redirect(reverse("halls:desk", args=[hall.pk]) + f"?issued={ticket.key}")
    issued = request.GET.get("issued")
    if issued:
        ctx["issued"] = Ticket.objects.filter(hall=hall, key=issued).select_related("line").first()
    ctx["ref"] = new_key(16)
    return render(request, "halls/workbench/desk.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The hall manager's page: queues and windows now, today's and past days' figures, opening exceptions."""
    a = _staff(request)
    hall = access.manager_hall_or_404(a, hall_id)
    may_write = access.manager_halls(a, write=True).filter(pk=hall.pk).exists()
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        if not may_write:
            raise Http404
        by = _by(request, "workbench")
        try:
            if request.POST.get("op") == "remove_exception":
                exc = HoursException.objects.filter(hall=hall, pk=_int(request.POST.get("exception"))).first()
                if exc is None:
                    raise Http404
                services.remove_exception(exc, by)
            else:
                _exc, cancelled = services.add_exception(
                    hall,
                    date=request.POST.get("date", ""),
                    is_open=request.POST.get("kind") == "open",
                    opens=request.POST.get("opens") or None,
                    closes=request.POST.get("closes") or None,
                    reason=request.POST.get("reason", ""),
                    by=by,
                )
                if cancelled:
                    messages.warning(
                        request,
                        _("%(count)s appointments fell outside the new hours; they were cancelled and told by SMS.")
                        % {"count": cancelled},
                    )
        except ProblemsError as exc:
            problems = problem_map(exc.problems)
        else:
            return redirect("halls:manage", hall_id=hall.pk)
    now = timezone.now()
    today = timezone.localdate(now)
    ctx = {
        "hall": hall,
        "may_write": may_write,
        "summary": queries.hall_summary(hall, today, now),
        "lines": queries.line_figures(hall, today, now),
        "windows": queries.windows_now(hall, now),
        "history": queries.history(hall, today - dt.timedelta(days=1)),
        "week": hours.days(hall.pk, today, 7),
        "exceptions": HoursException.objects.filter(hall=hall, date__gte=today).order_by("date", "opens"),
        "problems": problems,
        "window_lines": WindowLine.objects.filter(window__hall=hall).select_related("window", "line"),
        "open_count": WindowState.objects.filter(window__hall=hall, status=WindowStatus.OPEN).count(),
    }
    return render(request, "halls/workbench/manage.html", ctx, status=400 if problems else 200)
