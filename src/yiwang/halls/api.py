"""Halls API (/api/v1/halls/): what the hall pages do, for apps and screens.

Public reads: halls, opening hours, free times, where an item is handled, the calling screen's state, a ticket's
state by its key. People book, change and cancel with their session (CSRF token on writes); window clerks operate
their windows, hall managers read their figures, reviewers work on-site surveys. A hall, window, appointment or
survey out of reach answers 404 exactly like one that does not exist; a signed-in account without any hall role
gets 403 on the staff endpoints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from yiwang.catalog.models import ServiceItem
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access as id_access
from yiwang.identity.api_security import require_scope
from yiwang.identity.models import AgentPermission, Person
from yiwang.orgs.models import Hall, Role, Window

from . import access, hours, queries, services
from .models import (
    Appointment,
    BusinessLine,
    SurveyRequest,
    Ticket,
    TicketSource,
    WindowState,
)

router = Router(tags=["halls"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
HALL_ROLES = (Role.WINDOW_CLERK, Role.HALL_MANAGER, Role.SUPERVISOR)


# --- schemas -------------------------------------------------------------------------------------------------------


class LineOut(Schema):
    id: int
    code: str
    name: str
    bookable: bool
    service_minutes: int
    waiting: int = 0


class DayHoursOut(Schema):
    date: dt.date
    sessions: list[list[str]]
    reason: str


class HallQueueOut(Schema):
    id: int
    name: str
    address: str
    phone: str
    kind: str
    open_now: bool
    lines: list[LineOut]
    hours: list[DayHoursOut]


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    free: int


class BookingDayOut(Schema):
    date: dt.date
    open: bool
    slots: list[SlotOut]


class WhereOut(Schema):
    hall_id: int
    hall: str
    address: str
    windows: list[str]
    lines: list[LineOut]
    bookable: bool
    today: DayHoursOut


class HoldIn(Schema):
    line_id: int
    starts_at: dt.datetime
    seats: int = 1


class HoldOut(Schema):
    token: str
    expires_at: dt.datetime
    seats: int


class BookIn(Schema):
    line_id: int
    starts_at: dt.datetime
    items: list[str]
    attendees: list[str] = []
    hold_token: str = ""
    enterprise_id: int | None = None


class AppointmentOut(Schema):
    code: str
    hall_id: int
    hall: str
    line: str
    line_code: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: str
    party_size: int
    attendees: list[str]
    items: list[str]
    cancel_until: dt.datetime
    ticket: str | None = None


class CancelReasonIn(Schema):
    reason: str = ""


class RescheduleIn(Schema):
    starts_at: dt.datetime


class TicketIn(Schema):
    line_id: int
    priority_group: str = ""
    client_ref: str = ""


class TicketOut(Schema):
    key: str
    number: str
    state: str
    state_label: str
    line: str
    line_code: str
    window: str
    ahead: int
    estimate_minutes: int
    hall: str


class DisplayCallOut(Schema):
    id: int
    number: str
    window: str
    line: str
    recall: bool
    at: str


class DisplayLineOut(Schema):
    code: str
    name: str
    waiting: int


class DisplayOut(Schema):
    hall: str
    version: str
    calls: list[DisplayCallOut]
    lines: list[DisplayLineOut]
    open_windows: int


class WindowActIn(Schema):
    ticket_id: int | None = None
    version: int | None = None
    to_line_id: int | None = None
    to_window_id: int | None = None


class CallingWindowOut(Schema):
    window_id: int
    number: str
    status: str
    clerk: str
    current: TicketOut | None
    waiting: int
    upcoming: list[str] = Field(
        [], description="The next five numbers (only when reading the window, not after actions)"
    )
    called: TicketOut | None = None


class LineFiguresOut(Schema):
    code: str
    name: str
    issued: int
    waiting: int
    longest_wait_seconds: int
    served: int
    no_shows: int
    no_show_rate: float | None
    avg_wait_seconds: int | None
    avg_walk_seconds: int | None
    avg_service_seconds: int | None
    transfers: int


class FiguresOut(Schema):
    day: dt.date
    issued: int
    waiting: int
    longest_wait_seconds: int
    served: int
    no_shows: int
    no_show_rate: float | None
    avg_wait_seconds: int | None
    avg_service_seconds: int | None
    idle_seconds: int
    transfers: int
    windows_open: int
    windows_idle: int
    lines: list[LineFiguresOut]
    history: list[dict[str, Any]]


class SurveyOptionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


class SurveyOut(Schema):
    id: int
    case_number: str
    item_name: str
    state: str
    address: str
    note: str
    options: list[SurveyOptionOut]
    chosen_id: int | None
    suspended: bool
    conclusion: str
    findings: str
    photos: int


class ProposeIn(Schema):
    address: str
    note: str = ""
    options: list[tuple[dt.datetime, dt.datetime]]


class ChooseIn(Schema):
    option_id: int


# --- helpers -------------------------------------------------------------------------------------------------------


def _hall(hall_id: int) -> Hall:
    hall = Hall.objects.filter(pk=hall_id, profile__isnull=False).select_related("profile").first()
    if hall is None:
        raise Http404
    return hall


def _day(d: hours.DayHours) -> dict[str, Any]:
    return {
        "date": d.date,
        "sessions": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in d.sessions],
        "reason": d.reason,
    }


def _line(line: BusinessLine, waiting: int = 0) -> dict[str, Any]:
    return {
        "id": line.pk,
        "code": line.code,
        "name": line.name,
        "bookable": line.bookable,
        "service_minutes": line.service_minutes,
        "waiting": waiting,
    }


def _person(request: HttpRequest) -> Person:
    pid = id_access.actor(request).person_id
    person = Person.objects.filter(pk=pid).first() if pid is not None else None
    if person is None:
        raise PermissionDenied(_("Only a person's account can book a visit."))
    return person


def _booker(request: HttpRequest, person: Person, enterprise_id: int | None = None) -> services.Booker:
    from yiwang.identity.models import Enterprise

    enterprise = None
    if enterprise_id is not None:
        if not id_access.actor(request).acts_for(enterprise_id, AgentPermission.APPLY):
            raise Http404
        enterprise = Enterprise.objects.get(pk=enterprise_id)
    return services.Booker(person=person, user=request.user, enterprise=enterprise, channel="api")


def _by(request: HttpRequest, channel: str = "api") -> services.By:
    user = request.user
    return services.By(user=user, name=user.get_full_name() or user.username, channel=channel)


def _appointment(a: Appointment) -> dict[str, Any]:
    ticket = Ticket.objects.filter(appointment=a).values_list("number", flat=True).first()
    return {
        "code": a.code,
        "hall_id": a.hall_id,
        "hall": a.hall.name,
        "line": a.line.name,
        "line_code": a.line.code,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "state": a.state,
        "party_size": a.party_size,
        "attendees": [p.get("name", "") for p in a.attendees],
        "items": [i for i in a.item_names],
        "cancel_until": services.cutoff(a),
        "ticket": ticket,
    }


def _ticket(t: Ticket) -> dict[str, Any]:
    return {"key": t.key, **queries.ticket_state(t)}


def _staff(request: HttpRequest) -> id_access.Actor:
    a = id_access.actor(request)
    if not any(a.has_role(r) for r in HALL_ROLES):
        raise PermissionDenied(_("The hall workbench is for window clerks, hall managers and supervisors."))
    return a


def _line_or_404(line_id: int) -> BusinessLine:
    line = BusinessLine.objects.filter(pk=line_id, hall__profile__isnull=False).first()
    if line is None:
        raise Http404
    return line


# --- public --------------------------------------------------------------------------------------------------------


@router.get("/", response=list[HallQueueOut], summary="Halls that take appointments and numbers")
def list_halls(request: HttpRequest):
    today = timezone.localdate()
    out = []
    for hall in Hall.objects.filter(profile__is_active=True).select_related("profile").order_by("name")[:200]:
        out.append(_hall_out(hall, today))
    return out


def _hall_out(hall: Hall, today: dt.date) -> dict[str, Any]:
    from django.db.models import Count, Q

    lines = BusinessLine.objects.filter(hall=hall, is_active=True).annotate(
        waiting=Count("tickets", filter=Q(tickets__day=today, tickets__state="waiting"))
    )
    return {
        "id": hall.pk,
        "name": hall.name,
        "address": hall.address,
        "phone": hall.phone,
        "kind": hall.profile.kind,
        "open_now": hours.is_open_at(hall.pk),
        "lines": [_line(x, x.waiting) for x in lines.order_by("order", "code")],
        "hours": [_day(d) for d in hours.days(hall.pk, today, 7)],
    }


@router.get(
    "/{int:hall_id}", response={200: HallQueueOut, 404: ErrorOut}, summary="A hall: lines, people waiting, hours"
)
def get_hall(request: HttpRequest, hall_id: int):
    return _hall_out(_hall(hall_id), timezone.localdate())


@router.get("/{int:hall_id}/display", response={200: DisplayOut, 404: ErrorOut}, summary="The calling screen's state")
def display(request: HttpRequest, hall_id: int):
    return queries.display_state(_hall(hall_id))


@router.get(
    "/lines/{int:line_id}/availability",
    response={200: list[BookingDayOut], 404: ErrorOut},
    summary="Free appointment times",
)
def availability(request: HttpRequest, line_id: int, date_from: dt.date | None = None, days: int | None = None):
    line = _line_or_404(line_id)
    return [
        {"date": d.date, "open": d.hours.is_open, "slots": [s.__dict__ for s in d.slots]}
        for d in queries.availability(line, date_from, days)
    ]


@router.get("/items/{item_code}/where", response={200: list[WhereOut], 404: ErrorOut}, summary="Where and when")
def where(request: HttpRequest, item_code: str):
    item = ServiceItem.objects.filter(item_code=item_code, current__isnull=False).first()
    if item is None:
        raise Http404
    return [
        {
            "hall_id": h.hall.pk,
            "hall": h.hall.name,
            "address": h.hall.address,
            "windows": [f"{w.number} {w.name}" for w in h.windows],
            "lines": [_line(x) for x in h.lines],
            "bookable": h.bookable,
            "today": _day(h.today),
        }
        for h in queries.where_item(item)
    ]


@router.get("/tickets/{key}", response={200: TicketOut, 404: ErrorOut}, summary="A number's state (by its key)")
def ticket_state(request: HttpRequest, key: str):
    ticket = Ticket.objects.filter(key=key).select_related("line", "hall", "window").first()
    if ticket is None:
        raise Http404
    return _ticket(ticket)


@router.post("/tickets/{key}/cancel", response={200: TicketOut, **ERRORS}, summary="Give up a waiting number")
def ticket_cancel(request: HttpRequest, key: str):
    ticket = Ticket.objects.filter(key=key).select_related("line", "hall", "window").first()
    if ticket is None:
        raise Http404
    return _ticket(services.cancel_ticket(ticket, services.By(channel="api")))


# --- people --------------------------------------------------------------------------------------------------------


@router.post("/holds", response={201: HoldOut, **ERRORS}, auth=session_auth, summary="Hold a time while booking")
def hold(request: HttpRequest, payload: HoldIn):
    person = _person(request)
    h = services.hold(_line_or_404(payload.line_id), payload.starts_at, payload.seats, _booker(request, person))
    return 201, {"token": h.token, "expires_at": h.expires_at, "seats": h.seats}


@router.post("/appointments", response={201: AppointmentOut, **ERRORS}, auth=session_auth, summary="Book a visit")
def book(request: HttpRequest, payload: BookIn):
    person = _person(request)
    appt = services.book(
        _line_or_404(payload.line_id),
        payload.starts_at,
        items=payload.items,
        attendees=payload.attendees or None,
        booker=_booker(request, person, payload.enterprise_id),
        hold_token=payload.hold_token,
    )
    return 201, _appointment(appt)


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS}, auth=session_auth, summary="My visits")
def my_appointments(request: HttpRequest):
    qs = access.own_appointments(id_access.actor(request)).select_related("hall", "line").order_by("-starts_at")
    return [_appointment(a) for a in qs[:100]]


def _visible(request: HttpRequest, code: str) -> Appointment:
    appt = (
        access.appointments_visible(id_access.actor(request))
        .select_related("hall", "line")
        .filter(code=code.strip().upper())
        .first()
    )
    if appt is None:
        raise Http404
    return appt


def _is_owner(request: HttpRequest, appt: Appointment) -> bool:
    return access.own_appointments(id_access.actor(request)).filter(pk=appt.pk).exists()


@router.get("/appointments/{code}", response={200: AppointmentOut, **ERRORS}, auth=session_auth, summary="A visit")
def get_appointment(request: HttpRequest, code: str):
    return _appointment(_visible(request, code))


@router.post(
    "/appointments/{code}/cancel", response={200: AppointmentOut, **ERRORS}, auth=session_auth, summary="Cancel a visit"
)
def cancel(request: HttpRequest, code: str, payload: CancelReasonIn):
    appt = _visible(request, code)
    if _is_owner(request, appt):
        services.cancel_appointment(appt, _by(request), payload.reason)
    elif (
        access.clerk_halls(id_access.actor(request)).filter(pk=appt.hall_id).exists()
        or access.manager_halls(id_access.actor(request), write=True).filter(pk=appt.hall_id).exists()
    ):
        services.cancel_appointment(appt, _by(request, "workbench"), payload.reason, staff=True)
    else:
        raise PermissionDenied(_("You may not cancel this appointment."))
    appt.refresh_from_db()
    return _appointment(appt)


@router.post(
    "/appointments/{code}/change",
    response={200: AppointmentOut, **ERRORS},
    auth=session_auth,
    summary="Change the time",
)
def change(request: HttpRequest, code: str, payload: RescheduleIn):
    appt = _visible(request, code)
    if not _is_owner(request, appt):
        raise PermissionDenied(_("Only the person who booked may change the time."))
    return _appointment(services.change_appointment(appt, payload.starts_at, _booker(request, _person(request))))


@router.post(
    "/appointments/{code}/check-in", response={200: TicketOut, **ERRORS}, auth=session_auth, summary="Check in"
)
def check_in(request: HttpRequest, code: str):
    appt = _visible(request, code)
    a = id_access.actor(request)
    if _is_owner(request, appt):
        by = _by(request, "phone")
    elif access.clerk_halls(a).filter(pk=appt.hall_id).exists():
        by = _by(request, "desk")
    else:
        raise PermissionDenied(_("Check in at the hall's kiosk or front desk."))
    return _ticket(services.check_in(appt, by))


@router.post(
    "/{int:hall_id}/tickets",
    response={201: TicketOut, 200: TicketOut, **ERRORS},
    auth=[require_scope("halls:kiosk"), session_auth],
    summary="Take a number",
)
def take(request: HttpRequest, hall_id: int, payload: TicketIn):
    """A person takes a number (as from the hall's QR code); a clerk of the hall issues one from the front desk,
    with a priority group if the person belongs to one; a kiosk of the hall's operator (a machine client with
    scope halls:kiosk) issues one as the kiosk page does."""
    hall = _hall(hall_id)
    client = getattr(request, "machine_client", None)
    if client is not None and client.organisation_id != hall.organisation_id:
        raise Http404
    line = BusinessLine.objects.filter(hall=hall, pk=payload.line_id).first()
    if line is None:
        raise ProblemsError([Problem("line_id", _("Choose a line of this hall."), "invalid")])
    a = id_access.actor(request)
    if client is not None:
        ticket, created = services.take_ticket(
            line,
            source=TicketSource.KIOSK,
            by=services.By(name=client.name, channel="kiosk"),
            priority_group=payload.priority_group,
            client_ref=payload.client_ref,
        )
    elif access.clerk_halls(a).filter(pk=hall.pk).exists():
        ticket, created = services.take_ticket(
            line,
            source=TicketSource.DESK,
            by=_by(request, "desk"),
            priority_group=payload.priority_group,
            client_ref=payload.client_ref,
        )
    else:
        person = _person(request)
        if payload.priority_group:
            raise ProblemsError(
                [Problem("priority_group", _("Priority numbers are given at the front desk."), "desk_only")]
            )
        ticket, created = services.take_ticket(
            line,
            source=TicketSource.PHONE,
            by=_by(request, "phone"),
            holder=f"p:{person.pk}",
            person=person,
            client_ref=payload.client_ref,
        )
    return (201 if created else 200), _ticket(ticket)


# --- window clerks -------------------------------------------------------------------------------------------------


_UNKNOWN = object()


def _window_out(window: Window, called: Ticket | None = None, current: Any = _UNKNOWN) -> dict[str, Any]:
    """The window after an action: its state, its current ticket (passed in when the action knows it) and how
    many wait for it (two or three queries); the next five only when reading the window."""
    state = WindowState.objects.filter(window=window).select_related("user").first()
    if current is _UNKNOWN:
        current = (
            Ticket.objects.filter(window=window, state__in=("called", "serving"))
            .select_related("line", "hall", "window")
            .first()
        )
    waiting = services.callable_for(window, timezone.localdate(), services.window_line_ids(window)).count()
    out = _ticket(current) if current is not None else None
    return {
        "window_id": window.pk,
        "number": window.number,
        "status": state.status if state else "closed",
        "clerk": (state.user.get_full_name() or state.user.username) if state and state.user else "",
        "current": out,
        "waiting": waiting,
        "upcoming": [],
        "called": (out if current is not None and called.pk == current.pk else _ticket(called)) if called else None,
    }


@router.get(
    "/windows/{int:window_id}", response={200: CallingWindowOut, **ERRORS}, auth=session_auth, summary="A window"
)
def get_window(request: HttpRequest, window_id: int):
    window = access.window_or_404(_staff(request), window_id)
    out = _window_out(window)
    out["upcoming"] = [t.number for t in services.next_tickets(window, timezone.now(), 5)]
    return out


WINDOW_ACTIONS = {
    "open": "Sit down at the window (it starts calling)",
    "close": "Close the window",
    "pause": "Pause calling",
    "resume": "Resume calling",
    "call-next": "Call the next number",
    "recall": "Call the current number again",
    "start": "The person arrived: service starts",
    "finish": "Service finished",
    "skip": "Did not come (no-show)",
    "transfer": "Send the number to another line or window",
}


def _window_action(action: str):
    def endpoint(request: HttpRequest, window_id: int, payload: WindowActIn):
        window = access.window_or_404(_staff(request), window_id)
        by = _by(request, "window")
        t, v = payload.ticket_id, payload.version
        called = None
        current: Any = _UNKNOWN
        if action == "open":
            services.open_window(window, by)
        elif action == "close":
            services.close_window(window, by)
            current = None
        elif action == "pause":
            services.pause_window(window, by)
            current = None
        elif action == "resume":
            services.resume_window(window, by)
            current = None
        elif action == "call-next":
            called = services.call_next(window, by)
            current = called
        elif action == "recall":
            current = services.recall(window, by, t, v)
        elif action == "start":
            current = services.start_service(window, by, t, v)
        elif action == "finish":
            services.finish(window, by, t, v)
            current = None
        elif action == "skip":
            services.skip(window, by, t, v)
            current = None
        elif action == "transfer":
            to_line = BusinessLine.objects.filter(hall_id=window.hall_id, pk=payload.to_line_id).first()
            to_window = Window.objects.filter(hall_id=window.hall_id, pk=payload.to_window_id).first()
            services.transfer(window, by, to_line=to_line, to_window=to_window, ticket_id=t, version=v)
            current = None
        return _window_out(window, called, current)

    endpoint.__name__ = f"window_{action.replace('-', '_')}"
    return endpoint


for _action, _summary in WINDOW_ACTIONS.items():
    router.post(
        f"/windows/{{int:window_id}}/{_action}",
        response={200: CallingWindowOut, **ERRORS},
        auth=session_auth,
        summary=_summary,
    )(_window_action(_action))


@router.get("/{int:hall_id}/figures", response={200: FiguresOut, **ERRORS}, auth=session_auth, summary="Hall figures")
def figures(request: HttpRequest, hall_id: int, day: dt.date | None = None):
    hall = access.manager_hall_or_404(_staff(request), hall_id)
    now = timezone.now()
    today = timezone.localdate(now)
    day = day or today
    summary = queries.hall_summary(hall, day, now)
    windows = queries.windows_now(hall, now)
    return {
        "day": day,
        "issued": summary["issued"],
        "waiting": summary["waiting"],
        "longest_wait_seconds": summary["longest_wait"],
        "served": summary["served"],
        "no_shows": summary["no_shows"],
        "no_show_rate": summary["no_show_rate"],
        "avg_wait_seconds": summary["avg_wait"],
        "avg_service_seconds": summary["avg_service"],
        "idle_seconds": summary["idle_seconds"],
        "transfers": summary["transfers"],
        "windows_open": sum(1 for w in windows if w["status"] == "open"),
        "windows_idle": sum(1 for w in windows if w["idle"]),
        "lines": [
            {
                "code": r["line"].code,
                "name": r["line"].name,
                "issued": r["issued"],
                "waiting": r["waiting"],
                "longest_wait_seconds": r["longest_wait"],
                "served": r["served"],
                "no_shows": r["no_shows"],
                "no_show_rate": r["no_show_rate"],
                "avg_wait_seconds": r["avg_wait"],
                "avg_walk_seconds": r["avg_walk"],
                "avg_service_seconds": r["avg_service"],
                "transfers": r["transfers"],
            }
            for r in queries.line_figures(hall, day, now)
        ],
        "history": [{**h, "day": h["day"].isoformat()} for h in queries.history(hall, today - dt.timedelta(days=1))],
    }


# --- on-site surveys -----------------------------------------------------------------------------------------------


def _survey_out(s: SurveyRequest) -> dict[str, Any]:
    return {
        "id": s.pk,
        "case_number": s.case_number,
        "item_name": s.item_name,
        "state": s.state,
        "address": s.address,
        "note": s.note,
        "options": [{"id": o.pk, "starts_at": o.starts_at, "ends_at": o.ends_at} for o in s.options.all()],
        "chosen_id": s.chosen_id,
        "suspended": s.suspended,
        "conclusion": s.conclusion,
        "findings": s.findings,
        "photos": s.photos.count(),
    }


def _survey(request: HttpRequest, survey_id: int, *, staff: bool | None = None) -> SurveyRequest:
    a = id_access.actor(request)
    if staff is True:
        qs = access.surveys_for_staff(a)
    elif staff is False:
        qs = access.surveys_for_applicant(a)
    else:
        qs = access.surveys_for_staff(a) | access.surveys_for_applicant(a)
    survey = qs.select_related("case").filter(pk=survey_id).first()
    if survey is None:
        raise Http404
    return survey


@router.get("/surveys/{int:survey_id}", response={200: SurveyOut, **ERRORS}, auth=session_auth, summary="A survey")
def get_survey(request: HttpRequest, survey_id: int):
    return _survey_out(_survey(request, survey_id))


def _survey_role(request: HttpRequest, survey: SurveyRequest) -> str:
    a = id_access.actor(request)
    if not access.may_work_survey(a, survey):
        raise PermissionDenied(_("Only the case's reviewer or approver works its survey."))
    org = survey.case.organisation
    approver = a.may_write(Role.APPROVER) and a.reach(Role.APPROVER).covers(
        org.pk, org.parent_id, survey.case.division_path
    )
    return Role.APPROVER if approver else Role.REVIEWER


@router.post(
    "/surveys/{int:survey_id}/propose", response={200: SurveyOut, **ERRORS}, auth=session_auth, summary="Propose times"
)
def propose(request: HttpRequest, survey_id: int, payload: ProposeIn):
    survey = _survey(request, survey_id, staff=True)
    role = _survey_role(request, survey)
    services.propose_survey(
        survey, payload.options, _by(request, "api"), role=role, address=payload.address, note=payload.note
    )
    return _survey_out(survey)


@router.post(
    "/surveys/{int:survey_id}/choose", response={200: SurveyOut, **ERRORS}, auth=session_auth, summary="Choose a time"
)
def choose(request: HttpRequest, survey_id: int, payload: ChooseIn):
    survey = _survey(request, survey_id, staff=False)
    return _survey_out(services.choose_survey_time(survey, payload.option_id, _by(request, "api")))


@router.post(
    "/surveys/{int:survey_id}/result",
    response={200: SurveyOut, **ERRORS},
    auth=session_auth,
    summary="Record the result",
)
def result(
    request: HttpRequest,
    survey_id: int,
    conclusion: Form[str],
    findings: Form[str],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    survey = _survey(request, survey_id, staff=True)
    role = _survey_role(request, survey)
    services.record_survey_result(
        survey, _by(request, "api"), role=role, conclusion=conclusion, findings=findings, photos=photos or []
    )
    return _survey_out(survey)


# --- assisted handling (帮办代办) and bank outlets (政银通办) -------------------------------------------------------


class AssistPersonIn(Schema):
    name: str
    doc_type: str = "resident_id"
    doc_number: str


class AssistConsentIn(Schema):
    hall_id: int = Field(..., description="The service point where the helper works")
    applicant: AssistPersonIn
    enterprise: str = Field("", description="For an enterprise: its unified social credit code")
    item_code: str
    method: str = Field(..., description="sms (a code goes to the person's registered phone) or signature")
    signature_png: str = Field("", description="For signature: the PNG image, base64")


class AssistConsentOut(Schema):
    id: int
    method: str
    confirmed: bool
    expires_at: dt.datetime
    sent_to: str = Field("", description="The masked phone the SMS code went to")


class AssistCodeIn(Schema):
    code: str


class AssistApplyIn(Schema):
    consent_id: int
    form_data: dict[str, Any] = Field(default_factory=dict)
    material_ids: list[int] = Field(default_factory=list, description="Catalog materials seen on paper")
    project_id: int | None = Field(None, description="The enterprise project (代办) this case belongs to")


class BankApplyIn(Schema):
    hall_id: int | None = Field(None, description="Bank staff: their outlet (a smart teller's is its own)")
    item_code: str
    applicant: AssistPersonIn
    enterprise: str = ""
    form_data: dict[str, Any] = Field(default_factory=dict)
    material_ids: list[int] = Field(default_factory=list)


class AssistedOut(Schema):
    case_number: str
    item_name: str
    channel: str
    state: str
    hall_id: int
    hall: str
    helped_by: str
    applicant_name: str
    pickup_here: bool
    project_id: int | None
    query_code: str | None = Field(None, description="Only in the response that created the case: hand it over")


class AssistProjectOut(Schema):
    id: int
    name: str
    enterprise: str
    hall_id: int
    closed: bool
    cases: list[AssistedOut]


class BankItemOut(Schema):
    item_code: str
    name: str
    self_service: bool


def _assisted(row: Any, query_code: str = "") -> dict[str, Any]:
    case = row.case
    return {
        "case_number": case.case_number,
        "item_name": case.item_name,
        "channel": case.channel,
        "state": case.state,
        "hall_id": row.hall_id,
        "hall": row.hall.name,
        "helped_by": row.helper_name,
        "applicant_name": case.applicant_name,
        "pickup_here": row.pickup_here,
        "project_id": row.project_id,
        "query_code": query_code or None,
    }


def _staff_hall(request: HttpRequest, hall_id: int, kind: str) -> Hall:
    from . import assist

    halls = assist.staff_halls(request.user, kind)
    if not halls.exists():
        raise PermissionDenied(_("This is for helpers of service points and staff of bank outlets."))
    hall = halls.filter(pk=hall_id).first()
    if hall is None:
        raise Http404
    return hall


def _enterprise_ref(code: str) -> Any:
    from yiwang.cases import applying

    return applying.enterprise_by_code(code, "enterprise") if code.strip() else None


def _applied(request: HttpRequest, done: Any) -> tuple[int, dict[str, Any]]:
    from .models import AssistedCase

    row = AssistedCase.objects.select_related("case", "hall").get(case=done.case)
    return (201 if done.created else 200), _assisted(row, done.query_code)


@router.post(
    "/assist/consents", response={201: AssistConsentOut, **ERRORS}, auth=session_auth, summary="Record a consent"
)
def assist_consent(request: HttpRequest, payload: AssistConsentIn):
    """A helper asks the person's consent to apply for one item: an SMS code to confirm, or the signature."""
    import base64
    import binascii

    from . import assist
    from .models import StaffKind

    hall = _staff_hall(request, payload.hall_id, StaffKind.HELPER)
    a = payload.applicant
    person = assist.find_person(a.name, a.doc_type, a.doc_number)
    try:
        signature = base64.b64decode(payload.signature_png, validate=True) if payload.signature_png else None
    except (binascii.Error, ValueError):
        signature = b""
    started = assist.start_consent(
        request.user,
        hall,
        person=person,
        enterprise=_enterprise_ref(payload.enterprise),
        item_code=payload.item_code,
        method=payload.method,
        signature=signature,
    )
    c = started.consent
    return 201, {
        "id": c.pk,
        "method": c.method,
        "confirmed": c.confirmed_at is not None,
        "expires_at": c.expires_at,
        "sent_to": started.sent_to,
    }


@router.post(
    "/assist/consents/{int:consent_id}/confirm",
    response={200: AssistConsentOut, **ERRORS},
    auth=session_auth,
    summary="Confirm a consent with the SMS code",
)
def assist_confirm(request: HttpRequest, consent_id: int, payload: AssistCodeIn):
    from . import assist
    from .models import Consent, StaffKind

    if not assist.is_staff(request.user, StaffKind.HELPER):
        raise PermissionDenied(_("This is for helpers of service points and staff of bank outlets."))
    if not Consent.objects.filter(pk=consent_id, helper=request.user).exists():
        raise Http404
    c = assist.confirm_consent(request.user, consent_id, payload.code)
    return {"id": c.pk, "method": c.method, "confirmed": True, "expires_at": c.expires_at}


@router.post(
    "/assist/applications",
    response={200: AssistedOut, 201: AssistedOut, **ERRORS},
    auth=session_auth,
    summary="Apply for the person who consented",
)
def assist_apply(request: HttpRequest, payload: AssistApplyIn):
    """The one apply door with channel "helper"; send an Idempotency-Key header to make a retry safe."""
    from yiwang.cases.actions import Caller
    from yiwang.cases.models import Channel

    from . import assist
    from .models import Consent, StaffKind

    if not assist.is_staff(request.user, StaffKind.HELPER):
        raise PermissionDenied(_("This is for helpers of service points and staff of bank outlets."))
    consent = (
        Consent.objects.select_related("hall", "person", "enterprise")
        .filter(pk=payload.consent_id, helper=request.user)
        .first()
    )
    if consent is None:
        raise Http404
    done = assist.apply_assisted(
        Caller.of(request),
        channel=Channel.HELPER,
        hall=consent.hall,
        item_code=consent.item_code,
        person=consent.person,
        enterprise=consent.enterprise,
        form=payload.form_data,
        material_ids=tuple(payload.material_ids),
        consent_id=consent.pk,
        project_id=payload.project_id,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return _applied(request, done)


@router.get(
    "/assist/projects", response={200: list[AssistProjectOut], **ERRORS}, auth=session_auth, summary="My 代办 projects"
)
def assist_projects(request: HttpRequest):
    """The enterprise projects assigned to the signed-in helper, with their cases."""
    from . import assist
    from .models import StaffKind

    if not assist.is_staff(request.user, StaffKind.HELPER):
        raise PermissionDenied(_("This is for helpers of service points and staff of bank outlets."))
    out = []
    for p in assist.projects_of(request.user)[:200]:
        out.append(
            {
                "id": p.pk,
                "name": p.name,
                "enterprise": p.enterprise.name,
                "hall_id": p.hall_id,
                "closed": p.closed_at is not None,
                "cases": [_assisted(row) for row in p.cases.select_related("case", "hall")],
            }
        )
    return out


@router.post(
    "/bank/applications",
    response={200: AssistedOut, 201: AssistedOut, **ERRORS},
    auth=[require_scope("halls:bank"), session_auth],
    summary="Apply at a bank outlet",
)
def bank_apply(request: HttpRequest, payload: BankApplyIn):
    """The one apply door with channel "bank": the outlet's staff (session) or its smart teller (a machine client
    with scope halls:bank registered at the outlet), for items the city opened to bank outlets."""
    from yiwang.cases import applying
    from yiwang.cases.actions import Caller
    from yiwang.cases.models import Channel

    from . import assist
    from .models import StaffKind

    client = getattr(request, "machine_client", None)
    if client is not None:
        hall = assist.teller_hall(client)
        if hall is None:
            raise PermissionDenied(_("This machine client is not a smart teller of a bank outlet."))
    else:
        hall = _staff_hall(request, payload.hall_id or 0, StaffKind.BANK)
    a = payload.applicant
    done = assist.apply_assisted(
        Caller.of(request),
        channel=Channel.BANK,
        hall=hall,
        item_code=payload.item_code,
        person=applying.PersonRef(name=a.name, doc_type=a.doc_type, doc_number=a.doc_number),
        enterprise=applying.EnterpriseRef(credit_code=payload.enterprise) if payload.enterprise.strip() else None,
        form=payload.form_data,
        material_ids=tuple(payload.material_ids),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return _applied(request, done)


@router.get("/bank/items", response={200: list[BankItemOut]}, summary="Items open at bank outlets")
def bank_items(request: HttpRequest):
    """Public: the items the city opened to bank outlets, and which of them smart tellers take."""
    from . import assist

    return [
        {"item_code": b.item.item_code, "name": b.item.current.name, "self_service": b.self_service}
        for b in assist.bank_items()[:1000]
    ]
