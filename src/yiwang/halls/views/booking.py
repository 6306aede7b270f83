"""Booking a visit (预约) from a guide or My Space, confirming the held time, and the person's own appointments
(cancel, change). Staff accounts have no person record and cannot book (403); someone else's appointment or hold is
not found (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.catalog.models import ServiceItem
from yiwang.core.errors import ProblemsError
from yiwang.identity import access as id_access
from yiwang.identity import space
from yiwang.identity.models import AgentPermission

from .. import access, queries, services
from ..models import Appointment, AppointmentState, BusinessLine, HallProfile, Hold
from . import problem_map


def _person(request: HttpRequest):
    person = space.person_of(request)
    if person is None:
        raise PermissionDenied(_("Only a person's account can book a visit."))
    return person


def _booker(request: HttpRequest, person) -> services.Booker:
    """The person, and the enterprise they act for when they may apply in its name."""
    mobile = request.GET.get("via") == "m" or request.POST.get("via") == "m"
    enterprise = space.acting_for(request)
    if enterprise is not None and not id_access.actor(request).acts_for(enterprise.pk, AgentPermission.APPLY):
        enterprise = None
    return services.Booker(
        person=person, user=request.user, enterprise=enterprise, channel="mobile" if mobile else "portal"
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _slots_context(line: BusinessLine, chosen: dt.date | None) -> dict[str, Any]:
    days = [d for d in queries.availability(line) if d.hours.is_open]
    day = next((d for d in days if d.date == chosen), None) or next((d for d in days if d.free), None)
    return {"days": days, "day": day}


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Choose where (for an item: the halls and lines that handle it), the day and the time; holding it opens the
    confirmation form."""
    person = _person(request)
    item = None
    code = request.GET.get("item") or request.POST.get("item") or ""
    if code:
        item = ServiceItem.objects.filter(item_code=code, current__isnull=False).select_related("current").first()
        if item is None:
            raise Http404
    lines = (
        queries.lines_for_item(item)
        if item is not None
        else list(
            BusinessLine.objects.filter(bookable=True, is_active=True, hall__profile__is_active=True)
            .select_related("hall")
            .order_by("hall__name", "order", "code")
        )
    )
    line_id = _int(request.POST.get("line") or request.GET.get("line"))
    line = next((x for x in lines if x.pk == line_id), None)
    if line is None and len(lines) == 1:
        line = lines[0]
    case = _own_case(request, request.GET.get("case") or request.POST.get("case") or "")
    ctx: dict[str, Any] = {
        "item": item,
        "lines": lines,
        "line": line,
        "problems": {},
        "via": request.GET.get("via", ""),
        "case_number": case.case_number if case is not None else "",
    }
    if line is not None:
        ctx["profile"] = HallProfile.objects.get(hall_id=line.hall_id)
        query = {
            "line": line.pk,
            **({"item": item.item_code} if item is not None else {}),
            **({"case": case.case_number} if case is not None else {}),
        }
        ctx["slot_base"] = urlencode(query) + "&"
        ctx.update(_slots_context(line, _date(request.GET.get("date"))))
    if request.method == "POST":
        if line is None:
            raise Http404
        seats = _int(request.POST.get("seats")) or 0
        try:
            h = services.hold(line, request.POST.get("starts_at", ""), seats, _booker(request, person))
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            ctx.update(_slots_context(line, _date(request.POST.get("date"))))
            return render(request, "halls/book.html", ctx, status=400)
        query = {
            **({"item": item.item_code} if item is not None else {}),
            **({"case": case.case_number} if case else {}),
        }
        return redirect(f"{_confirm_url(h)}{'?' + urlencode(query) if query else ''}")
    return render(request, "halls/book.html", ctx)


def _own_case(request: HttpRequest, case_number: str) -> Any:
    """The signed-in applicant's own case with this number (a visit booked for it after applying online), else
    None: a number that is not theirs is ignored, never shown."""
    if not case_number:
        return None
    from yiwang.cases import policy

    return policy.applicant_cases(id_access.actor(request)).filter(case_number=case_number.strip()).first()


def _confirm_url(h: Hold) -> str:
    from django.urls import reverse

    return reverse("halls:confirm", args=[h.token])


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The held time: who comes and which items, then book (the hold lapses by itself after a few minutes)."""
    person = _person(request)
    h = Hold.objects.select_related("slot__line__hall").filter(token=token, user=request.user).first()
    if h is None:
        raise Http404
    line = h.slot.line
    items = queries.items_of_line(line)
    case = _own_case(request, request.POST.get("case") or request.GET.get("case") or "")
    chosen = request.POST.getlist("items") if request.method == "POST" else [request.GET.get("item", "")]
    names = (
        [request.POST.get(f"name_{i}", "") for i in range(h.seats)]
        if request.method == "POST"
        else [person.name] + [""] * (h.seats - 1)
    )
    ctx = {
        "hold": h,
        "line": line,
        "hall": line.hall,
        "items": items,
        "chosen": set(chosen),
        "chosen_count": sum(1 for it in items if it.item_code in set(chosen)),
        "others": sum(1 for it in items if it.item_code not in set(chosen)),
        "names": names,
        "acting_for": space.acting_for(request),
        "problems": {},
        "case": case,
    }
    if request.method == "POST":
        try:
            appt = services.book(
                line,
                h.slot.starts_at,
                items=chosen,
                attendees=[n for n in names if n.strip()] or [""],
                booker=_booker(request, person),
                hold_token=h.token,
                case=case,
            )
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            return render(request, "halls/confirm.html", ctx, status=400)
        return redirect("halls:appointment", code=appt.code)
    return render(request, "halls/confirm.html", ctx)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    a = id_access.actor(request)
    qs = access.own_appointments(a).select_related("hall", "line").order_by("-starts_at")
    now = timezone.now()
    upcoming = [x for x in qs[:200] if x.ends_at >= now and x.state in ("booked", "checked_in")]
    past = [x for x in qs[:200] if x not in upcoming]
    return render(request, "halls/mine.html", {"upcoming": upcoming, "past": past[:50]})


def _own(request: HttpRequest, code: str) -> Appointment:
    appt = (
        access.own_appointments(id_access.actor(request))
        .select_related("hall", "line", "slot")
        .prefetch_related("items")
        .filter(code=code.strip().upper())
        .first()
    )
    if appt is None:
        raise Http404
    return appt


def _detail(request: HttpRequest, appt: Appointment, problems: dict | None = None, status: int = 200) -> HttpResponse:
    ctx: dict[str, Any] = {"appt": appt, "problems": problems or {}, "ticket": getattr(appt, "ticket", None)}
    if appt.state == AppointmentState.BOOKED:
        ctx["cutoff"] = services.cutoff(appt)
        ctx["may_change"] = timezone.now() <= ctx["cutoff"]
        if ctx["may_change"] and request.GET.get("change"):
            ctx.update(_slots_context(appt.line, _date(request.GET.get("date"))))
            ctx["changing"] = True
            ctx["slot_base"] = "change=1&"
    return render(request, "halls/appointment.html", ctx, status=status)


@login_required
@require_GET
def appointment(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _own(request, code))


@login_required
@require_POST
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    appt = _own(request, code)
    person = space.person_of(request)
    by = services.By(user=request.user, name=person.name if person else "", channel="portal")
    try:
        services.cancel_appointment(appt, by, request.POST.get("reason", ""))
    except ProblemsError as exc:
        return _detail(request, appt, problem_map(exc.problems), 400)
    return redirect("halls:appointment", code=appt.code)


@login_required
@require_POST
def change(request: HttpRequest, code: str) -> HttpResponse:
    appt = _own(request, code)
    person = _person(request)
    try:
        services.change_appointment(appt, request.POST.get("starts_at", ""), _booker(request, person))
    except ProblemsError as exc:
        return _detail(request, appt, problem_map(exc.problems), 400)
    return redirect("halls:appointment", code=appt.code)
