"""Public hall pages: the hall (hours, lines, queue), its QR code, taking a number on a phone, the ticket's own page,
the calling screen and the kiosk. Nothing here shows personal data: numbers, lines and windows only."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access as id_access
from yiwang.orgs.models import Hall

from .. import hours, queries, services
from ..models import (
    Appointment,
    BusinessLine,
    HallProfile,
    PriorityGroup,
    Ticket,
    TicketSource,
    TicketState,
    new_key,
)
from . import live_json, problem_map

TAKE_RATE = "30/h"
HOLDER_KEY = "halls_holder"


def _hall(hall_id: int) -> Hall:
    hall = Hall.objects.select_related("profile").filter(pk=hall_id, profile__isnull=False).first()
    if hall is None:
        raise Http404
    return hall


def _lines(hall: Hall) -> list[BusinessLine]:
    today = timezone.localdate()
    return list(
        BusinessLine.objects.filter(hall=hall, is_active=True)
        .annotate(waiting=Count("tickets", filter=Q(tickets__day=today, tickets__state=TicketState.WAITING)))
        .order_by("order", "code")
    )


@require_GET
def hall_list(request: HttpRequest) -> HttpResponse:
    halls = Hall.objects.filter(profile__is_active=True).select_related("division").order_by("division__code", "name")
    return render(request, "halls/list.html", {"halls": halls})


@require_GET
def item_where(request: HttpRequest, item_code: str) -> HttpResponse:
    """Where and when an item is handled (linked from its guide): the halls, windows and lines that handle it, this
    week's hours, booking and taking a number."""
    from yiwang.catalog.models import ServiceItem

    item = (
        ServiceItem.objects.select_related("current", "organisation")
        .filter(item_code=item_code, current__isnull=False)
        .first()
    )
    if item is None:
        raise Http404
    return render(request, "halls/item.html", {"item": item, "where": queries.where_item(item)})


@require_GET
def hall_page(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = _hall(hall_id)
    week = hours.days(hall.pk, timezone.localdate(), 7)
    return render(
        request,
        "halls/hall.html",
        {
            "hall": hall,
            "profile": hall.profile,
            "week": week,
            "lines": _lines(hall),
            "open_now": hours.is_open_at(hall.pk),
        },
    )


def take_url(hall: Hall) -> str:
    return settings.SITE_URL + reverse("halls:take", args=[hall.pk])


@require_GET
def qr(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The hall's QR code: scanning it opens the page that takes a number on the phone."""
    hall = _hall(hall_id)
    out = io.BytesIO()
    segno.make(take_url(hall), error="m").save(
        out, kind="svg", scale=6, border=2, title=_("Scan to take a number"), xmldecl=True
    )
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _holder(request: HttpRequest) -> str:
    """Who holds a phone ticket: the signed-in person, else this browser's session."""
    a = id_access.actor(request)
    if a.person_id is not None:
        return f"p:{a.person_id}"
    key = request.session.get(HOLDER_KEY)
    if not key:
        key = request.session[HOLDER_KEY] = new_key()
    return f"s:{key}"


@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, hall_id: int) -> HttpResponse:
    """Taking a number on a phone (the page the hall's QR code opens); one live number per phone and hall."""
    hall = _hall(hall_id)
    holder = _holder(request)
    live = Ticket.objects.filter(hall=hall, holder=holder, state__in=("waiting", "called", "serving")).first()
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        if is_ratelimited(request, group="halls.take", key=ratelimit_key, rate=TAKE_RATE, increment=True):
            return render(
                request, "halls/take.html", {"hall": hall, "lines": _lines(hall), "limited": True}, status=429
            )
        line = BusinessLine.objects.filter(hall=hall, pk=_int(request.POST.get("line")), is_active=True).first()
        if line is None:
            problems = {"line": [_("Choose a line.")]}
        else:
            a = id_access.actor(request)
            person = None
            if a.person_id is not None:
                from yiwang.identity.models import Person

                person = Person.objects.filter(pk=a.person_id).first()
            try:
                ticket, _created = services.take_ticket(
                    line,
                    source=TicketSource.PHONE,
                    by=services.By(user=request.user if request.user.is_authenticated else None, channel="phone"),
                    holder=holder,
                    person=person,
                )
            except ProblemsError as exc:
                problems = problem_map(exc.problems)
            else:
                return redirect("halls:ticket", key=ticket.key)
    ctx = {
        "hall": hall,
        "lines": _lines(hall),
        "live": live,
        "problems": problems,
        "open_now": hall.profile.queue_outside_hours or hours.is_open_at(hall.pk),
    }
    return render(request, "halls/take.html", ctx, status=400 if problems else 200)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ticket(key: str) -> Ticket:
    ticket = Ticket.objects.select_related("line", "hall", "window").filter(key=key).first()
    if ticket is None:
        raise Http404
    return ticket


@require_GET
def ticket_page(request: HttpRequest, key: str) -> HttpResponse:
    """A number's own page (phone or kiosk slip QR): state, window when called, people ahead; it updates itself."""
    ticket = _ticket(key)
    state = queries.ticket_state(ticket)
    return render(request, "halls/ticket.html", {"ticket": ticket, "live": state})


@require_GET
def ticket_state(request: HttpRequest, key: str) -> HttpResponse:
    return live_json(request, queries.ticket_state(_ticket(key)))


@require_POST
def ticket_cancel(request: HttpRequest, key: str) -> HttpResponse:
    ticket = _ticket(key)
    try:
        services.cancel_ticket(ticket, services.By(channel="phone"))
    except ProblemsError as exc:
        return render(
            request,
            "halls/ticket.html",
            {"ticket": ticket, "live": queries.ticket_state(ticket), "problems": problem_map(exc.problems)},
            status=400,
        )
    return redirect("halls:ticket", key=ticket.key)


@require_GET
def display(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The calling screen (叫号屏): latest calls, waiting per line; it updates and reads calls aloud by itself."""
    hall = _hall(hall_id)
    return render(request, "halls/display.html", {"hall": hall, "live": queries.display_state(hall)})


@require_GET
def display_state(request: HttpRequest, hall_id: int) -> HttpResponse:
    return live_json(request, queries.display_state(_hall(hall_id)))


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, key: str) -> HttpResponse:
    """The hall's self-service kiosk (no sign-in; reached by the kiosk's own key): take a number, with a priority
    group, or check in an appointment by its code. A form's one-time id makes a double tap issue one number."""
    profile = HallProfile.objects.select_related("hall").filter(kiosk_key=key, is_active=True).first()
    if profile is None:
        raise Http404
    hall = profile.hall
    ctx = {"hall": hall, "key": key, "ref": new_key(16), "priorities": [c for c in PriorityGroup.choices if c[0]]}
    if request.method == "POST":
        by = services.By(channel="kiosk", name=_("kiosk"))
        try:
            if request.POST.get("op") == "check_in":
                code = request.POST.get("code", "").strip().upper()
                appt = Appointment.objects.filter(hall=hall, code=code).first()
                if appt is None:
                    raise ProblemsError([Problem("code", _("No appointment here has this code."), "not_found")])
                ticket = services.check_in(appt, by)
            else:
                line = BusinessLine.objects.filter(hall=hall, pk=_int(request.POST.get("line")), is_active=True).first()
                if line is None:
                    raise ProblemsError([Problem("line", _("Choose a line."), "required")])
                ticket, _created = services.take_ticket(
                    line,
                    source=TicketSource.KIOSK,
                    by=by,
                    priority_group=request.POST.get("priority", ""),
                    client_ref=request.POST.get("ref", "")[:64],
                )
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            ctx["lines"] = _lines(hall)
            return render(request, "halls/kiosk.html", ctx, status=400)
        url = settings.SITE_URL + reverse("halls:ticket", args=[ticket.key])
        ctx.update({"ticket": ticket, "live": queries.ticket_state(ticket), "ticket_qr": ticket_qr_svg(url)})
        return render(request, "halls/kiosk_slip.html", ctx)
    ctx["lines"] = _lines(hall)
    return render(request, "halls/kiosk.html", ctx)


def ticket_qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, title=_("Scan to follow this number on your phone"))
