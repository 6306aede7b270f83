"""What the hall pages and the API read: where an item is handled, free times, the calling screen, a ticket's place
in the queue, a window's console and the manager's figures. Each function runs a fixed number of queries whatever
the number of tickets or appointments (no per-row queries)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, F, Max, Min, Q, Sum
from django.utils import timezone

from yiwang.orgs.models import Hall, Window

from . import hours
from .models import (
    Appointment,
    AppointmentState,
    BusinessLine,
    DayFigures,
    HallEvent,
    HallProfile,
    Seat,
    Slot,
    Ticket,
    TicketState,
    WindowItem,
    WindowLine,
    WindowState,
    WindowStatus,
)
from .services import call_order, callable_for, next_tickets, slot_capacity, window_lines

DISPLAY_CALLS = 20  # in the JSON: a screen that missed a poll still announces every call
DISPLAY_ROWS = 8  # on the screen
HISTORY_DAYS = 14


def _secs(delta: dt.timedelta | None) -> int | None:
    return None if delta is None else max(0, int(delta.total_seconds()))


# --- where and when an item is handled ------------------------------------------------------------------------------


@dataclass
class HallForItem:
    hall: Hall
    windows: list[Window] = field(default_factory=list)
    lines: list[BusinessLine] = field(default_factory=list)
    today: hours.DayHours | None = None
    week: list[hours.DayHours] = field(default_factory=list)
    bookable: bool = False


def where_item(item: Any, today: dt.date | None = None) -> list[HallForItem]:
    """The halls and windows that handle `item`, with this week's hours and the lines that take appointments."""
    today = today or timezone.localdate()
    windows = list(
        Window.objects.filter(pk__in=WindowItem.objects.filter(item=item).values("window_id"))
        .select_related("hall")
        .order_by("hall__name", "number")
    )
    if not windows:
        return []
    links = WindowLine.objects.filter(window__in=windows, line__is_active=True).select_related("line")
    lines_of: dict[int, dict[int, BusinessLine]] = {}
    for link in links:
        lines_of.setdefault(link.line.hall_id, {})[link.line_id] = link.line
    active = set(
        HallProfile.objects.filter(hall_id__in={w.hall_id for w in windows}, is_active=True).values_list(
            "hall_id", flat=True
        )
    )
    out: dict[int, HallForItem] = {}
    for w in windows:
        entry = out.setdefault(w.hall_id, HallForItem(hall=w.hall))
        entry.windows.append(w)
    for hall_id, entry in out.items():
        entry.lines = sorted(lines_of.get(hall_id, {}).values(), key=lambda x: (x.order, x.code))
        entry.week = hours.days(hall_id, today, 7)
        entry.today = entry.week[0]
        entry.bookable = hall_id in active and any(line.bookable for line in entry.lines)
    return list(out.values())


def lines_for_item(item: Any) -> list[BusinessLine]:
    """Bookable lines (of active halls) with a window that handles the item."""
    windows = WindowItem.objects.filter(item=item).values("window_id")
    return list(
        BusinessLine.objects.filter(
            window_links__window_id__in=windows,
            bookable=True,
            is_active=True,
            hall__profile__is_active=True,
        )
        .select_related("hall")
        .distinct()
        .order_by("hall__name", "order", "code")
    )


def items_of_line(line: BusinessLine) -> list[Any]:
    from yiwang.catalog.models import ServiceItem

    windows = WindowLine.objects.filter(line=line).values("window_id")
    return list(
        ServiceItem.objects.filter(
            pk__in=WindowItem.objects.filter(window_id__in=windows).values("item_id"), current__isnull=False
        )
        .select_related("current")
        .order_by("current__name")
    )


# --- free times -----------------------------------------------------------------------------------------------------


@dataclass
class SlotView:
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    free: int

    @property
    def key(self) -> str:
        return self.starts_at.isoformat()


@dataclass
class DayView:
    date: dt.date
    hours: hours.DayHours
    slots: list[SlotView]

    @property
    def free(self) -> int:
        return sum(s.free for s in self.slots)


def availability(line: BusinessLine, first: dt.date | None = None, days: int | None = None) -> list[DayView]:
    """Every bookable slot of the line from `first` (today) for `days` (the hall's booking horizon), with free seats.

    Slots nobody has held or booked yet have no row: their capacity is computed from the windows calling the line.
    """
    now = timezone.now()
    profile = HallProfile.objects.filter(hall_id=line.hall_id).first()
    if profile is None or not profile.is_active or not line.bookable or not line.is_active:
        return []
    today = timezone.localdate(now)
    first = max(first or today, today)
    horizon = today + dt.timedelta(days=profile.book_days_ahead)
    days = min(days or profile.book_days_ahead + 1, (horizon - first).days + 1)
    if days <= 0:
        return []
    windows = WindowLine.objects.filter(line=line).count()
    virtual_capacity = slot_capacity(line, profile.slot_minutes, windows)
    last = first + dt.timedelta(days=days - 1)
    rows = {
        s["starts_at"]: s
        for s in Slot.objects.filter(line=line, date__gte=first, date__lte=last)
        .annotate(
            free=Count(
                "seats",
                filter=Q(seats__appointment__isnull=True)
                & (Q(seats__held_until__isnull=True) | Q(seats__held_until__lte=now)),
            )
        )
        .values("starts_at", "capacity", "free")
    }
    out = []
    for day in hours.days(line.hall_id, first, days):
        slots = []
        for a, b in hours.slot_times(day, profile.slot_minutes):
            if a <= now:
                continue
            row = rows.get(a)
            if row is not None:
                slots.append(SlotView(a, b, row["capacity"], row["free"]))
            elif virtual_capacity > 0:
                slots.append(SlotView(a, b, virtual_capacity, virtual_capacity))
        out.append(DayView(day.date, day, slots))
    return out


def seats_taken(slot: Slot) -> int:
    return Seat.objects.filter(slot=slot, appointment__isnull=False).count()


# --- the calling screen and the phone page --------------------------------------------------------------------------


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:20]


def display_state(hall: Hall, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the hall's screen shows: the latest calls (newest first), people waiting per line, windows open.

    `version` changes whenever anything shown changes (a digest of the content, not an event id: ids can commit out
    of order), so a screen polling with If-None-Match gets 304 until there is something new.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    calls = list(
        HallEvent.objects.filter(hall=hall, action__in=("call", "recall"), at__gte=start)
        .order_by("-id")
        .values("id", "action", "at", "data")[:DISPLAY_CALLS]
    )
    lines = list(BusinessLine.objects.filter(hall=hall, is_active=True).order_by("order", "code"))
    waiting = {
        r["line_id"]: r
        for r in Ticket.objects.filter(hall=hall, day=today, state=TicketState.WAITING)
        .values("line_id")
        .annotate(n=Count("id"), first=Min("queued_at"))
    }
    open_windows = WindowState.objects.filter(window__hall=hall, status=WindowStatus.OPEN).count()
    payload = {
        "hall": hall.name,
        "calls": [
            {
                "id": c["id"],
                "number": c["data"].get("number", ""),
                "window": c["data"].get("window", ""),
                "line": c["data"].get("line", ""),
                "recall": c["action"] == "recall",
                "at": timezone.localtime(c["at"]).strftime("%H:%M:%S"),
            }
            for c in calls
        ],
        "lines": [
            {
                "code": line.code,
                "name": line.name,
                "waiting": waiting.get(line.pk, {}).get("n", 0),
            }
            for line in lines
        ],
        "open_windows": open_windows,
    }
    payload["version"] = _digest(payload)
    return payload


def ahead_of(ticket: Ticket, now: dt.datetime | None = None) -> int:
    """How many waiting tickets a window calling this ticket's line would call first."""
    if ticket.state != TicketState.WAITING:
        return 0
    now = now or timezone.now()
    base = Ticket.objects.filter(day=ticket.day, state=TicketState.WAITING).exclude(pk=ticket.pk)
    if ticket.target_window_id:
        base = base.filter(target_window_id=ticket.target_window_id)
    else:
        base = base.filter(line_id=ticket.line_id, target_window__isnull=True)
    mine = call_order(Ticket.objects.filter(pk=ticket.pk), now).values_list("rank", flat=True).first() or 0
    return (
        call_order(base, now)
        .filter(
            Q(rank__lt=mine)
            | Q(rank=mine, queued_at__lt=ticket.queued_at)
            | Q(rank=mine, queued_at=ticket.queued_at, id__lt=ticket.pk)
        )
        .count()
    )


def ticket_state(ticket: Ticket, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the ticket's phone page shows (and polls): number, state, window when called, people ahead."""
    now = now or timezone.now()
    ahead = ahead_of(ticket, now)
    waiting = ticket.state == TicketState.WAITING
    windows = max(1, WindowLine.objects.filter(line_id=ticket.line_id).count()) if waiting else 1
    payload = {
        "number": ticket.number,
        "state": ticket.state,
        "state_label": str(TicketState(ticket.state).label),
        "line": ticket.line.name,
        "line_code": ticket.line.code,
        "window": ticket.window.number if ticket.window_id and ticket.state in ("called", "serving") else "",
        "window_name": ticket.window.name if ticket.window_id and ticket.state in ("called", "serving") else "",
        "ahead": ahead,
        "estimate_minutes": (ahead * ticket.line.service_minutes) // windows if waiting else 0,
        "recalls": ticket.recalls,
        "hall": ticket.hall.name,
        "taken_at": timezone.localtime(ticket.taken_at).strftime("%H:%M"),
    }
    payload["version"] = _digest(payload)
    return payload


# --- a window's console ---------------------------------------------------------------------------------------------


def console(window: Window, now: dt.datetime | None = None, *, full: bool = True) -> dict[str, Any]:
    """A window's state, its current ticket and how many wait for it; with `full`, also the next five and the
    lines it calls (the console page; the API's action answers leave those out)."""
    now = now or timezone.now()
    state = WindowState.objects.filter(window=window).select_related("user").first()
    lines = window_lines(window)
    waiting = callable_for(window, timezone.localdate(now), lines).count()
    current = (
        Ticket.objects.filter(window=window, state__in=(TicketState.CALLED, TicketState.SERVING))
        .select_related("line", "hall", "window", "case")
        .first()
    )
    upcoming = next_tickets(window, now, 5, lines=lines) if full and waiting else []
    line_rows = list(BusinessLine.objects.filter(pk__in=lines).order_by("order", "code")) if full else []
    return {
        "state": state,
        "status": state.status if state else WindowStatus.CLOSED,
        "current": current,
        "waiting": waiting,
        "upcoming": upcoming,
        "lines": line_rows,
        "idle_seconds": _secs(now - state.free_since) if state and state.free_since else None,
        "version": _digest(
            {
                "status": state.status if state else "",
                "current": [current.pk, current.version] if current else None,
                "waiting": waiting,
                "next": [t.pk for t in upcoming],
            }
        ),
    }


# --- the manager's figures ------------------------------------------------------------------------------------------


def _day_tickets(hall_id: int, day: dt.date):
    return Ticket.objects.filter(hall_id=hall_id, day=day)


def line_figures(hall: Hall, day: dt.date, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per line, for one day: waiting now, longest wait, served, no-shows, average wait, walk and service."""
    now = now or timezone.now()
    rows = {
        r["line_id"]: r
        for r in _day_tickets(hall.pk, day)
        .values("line_id")
        .annotate(
            issued=Count("id"),
            waiting=Count("id", filter=Q(state=TicketState.WAITING)),
            oldest=Min("queued_at", filter=Q(state=TicketState.WAITING)),
            served=Count("id", filter=Q(state=TicketState.FINISHED)),
            no_shows=Count("id", filter=Q(state=TicketState.NO_SHOW)),
            avg_wait=Avg(F("called_at") - F("taken_at"), filter=Q(called_at__isnull=False)),
            avg_walk=Avg(F("started_at") - F("last_called_at"), filter=Q(state=TicketState.FINISHED)),
            avg_service=Avg(F("finished_at") - F("started_at"), filter=Q(state=TicketState.FINISHED)),
            transfers=Sum("transfers"),
        )
    }
    out = []
    for line in BusinessLine.objects.filter(hall=hall).order_by("order", "code"):
        r = rows.get(line.pk, {})
        served, misses = r.get("served", 0), r.get("no_shows", 0)
        out.append(
            {
                "line": line,
                "issued": r.get("issued", 0),
                "waiting": r.get("waiting", 0),
                "longest_wait": _secs(now - r["oldest"]) if r.get("oldest") else 0,
                "served": served,
                "no_shows": misses,
                "no_show_rate": round(100 * misses / (served + misses), 1) if served + misses else None,
                "avg_wait": _avg_secs(r.get("avg_wait")),
                "avg_walk": _avg_secs(r.get("avg_walk")),
                "avg_service": _avg_secs(r.get("avg_service")),
                "transfers": r.get("transfers") or 0,
            }
        )
    return out


def _avg_secs(value: Any) -> int | None:
    """Avg of a duration: a timedelta on PostgreSQL, microseconds (a number) on SQLite."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return int(float(value) / 1_000_000)


def windows_now(hall: Hall, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    windows = list(Window.objects.filter(hall=hall).order_by("number"))
    states = {s.window_id: s for s in WindowState.objects.filter(window__in=windows).select_related("user")}
    current = {
        t.window_id: t
        for t in Ticket.objects.filter(window__in=windows, state__in=(TicketState.CALLED, TicketState.SERVING))
    }
    served = dict(
        Ticket.objects.filter(hall=hall, day=timezone.localdate(now), state=TicketState.FINISHED, window__in=windows)
        .values("window_id")
        .annotate(n=Count("id"))
        .values_list("window_id", "n")
    )
    out = []
    for w in windows:
        s = states.get(w.pk)
        status = s.status if s else WindowStatus.CLOSED
        out.append(
            {
                "window": w,
                "status": status,
                "status_label": str(WindowStatus(status).label),
                "clerk": (s.user.get_full_name() or s.user.username) if s and s.user else "",
                "current": current.get(w.pk),
                "idle": status == WindowStatus.OPEN and w.pk not in current,
                "idle_seconds": _secs(now - s.free_since) if s and s.free_since and w.pk not in current else None,
                "served": served.get(w.pk, 0),
            }
        )
    return out


def hall_summary(hall: Hall, day: dt.date, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    qs = _day_tickets(hall.pk, day)
    agg = qs.aggregate(
        issued=Count("id"),
        waiting=Count("id", filter=Q(state=TicketState.WAITING)),
        oldest=Min("queued_at", filter=Q(state=TicketState.WAITING)),
        served=Count("id", filter=Q(state=TicketState.FINISHED)),
        no_shows=Count("id", filter=Q(state=TicketState.NO_SHOW)),
        avg_wait=Avg(F("called_at") - F("taken_at"), filter=Q(called_at__isnull=False)),
        avg_service=Avg(F("finished_at") - F("started_at"), filter=Q(state=TicketState.FINISHED)),
        idle=Sum("idle_before_seconds"),
        transfers=Sum("transfers"),
    )
    served, misses = agg["served"], agg["no_shows"]
    appts = Appointment.objects.filter(hall=hall, starts_at__date=day).aggregate(
        booked=Count("id", filter=~Q(state=AppointmentState.CANCELLED)),
        no_shows=Count("id", filter=Q(state=AppointmentState.NO_SHOW)),
        checked_in=Count("id", filter=Q(state__in=(AppointmentState.CHECKED_IN, AppointmentState.SERVED))),
    )
    return {
        "issued": agg["issued"],
        "waiting": agg["waiting"],
        "longest_wait": _secs(now - agg["oldest"]) if agg["oldest"] else 0,
        "served": served,
        "no_shows": misses,
        "no_show_rate": round(100 * misses / (served + misses), 1) if served + misses else None,
        "avg_wait": _avg_secs(agg["avg_wait"]),
        "avg_service": _avg_secs(agg["avg_service"]),
        "idle_seconds": agg["idle"] or 0,
        "transfers": agg["transfers"] or 0,
        "appointments": appts,
    }


def roll_up(hall_id: int, day: dt.date) -> int:
    """Writes (or rewrites) the day's figures of every line of the hall from its tickets and appointments."""
    rows = (
        _day_tickets(hall_id, day)
        .values("line_id")
        .annotate(
            issued=Count("id"),
            served=Count("id", filter=Q(state=TicketState.FINISHED)),
            no_shows=Count("id", filter=Q(state=TicketState.NO_SHOW)),
            cancelled=Count("id", filter=Q(state=TicketState.CANCELLED)),
            unserved=Count("id", filter=Q(state__in=(TicketState.EXPIRED, TicketState.WAITING))),
            waits=Count("id", filter=Q(called_at__isnull=False)),
            walks=Count("id", filter=Q(state=TicketState.FINISHED, started_at__isnull=False)),
            services=Count("id", filter=Q(state=TicketState.FINISHED)),
            transfers=Sum("transfers"),
            idle=Sum("idle_before_seconds"),
        )
    )
    # Durations are summed in Python (a few thousand rows a day per hall at most): portable across databases.
    sums: dict[int, dict[str, int]] = {}
    for t in _day_tickets(hall_id, day).only(
        "line_id", "taken_at", "called_at", "last_called_at", "started_at", "finished_at", "state"
    ):
        s = sums.setdefault(t.line_id, {"wait": 0, "max_wait": 0, "walk": 0, "service": 0})
        if t.wait_seconds is not None:
            s["wait"] += t.wait_seconds
            s["max_wait"] = max(s["max_wait"], t.wait_seconds)
        if t.state == TicketState.FINISHED:
            s["walk"] += t.walk_seconds or 0
            s["service"] += t.service_seconds or 0
    appts = {
        r["line_id"]: r
        for r in Appointment.objects.filter(hall_id=hall_id, slot__date=day)
        .values("line_id")
        .annotate(
            n=Count("id", filter=~Q(state=AppointmentState.CANCELLED)),
            misses=Count("id", filter=Q(state=AppointmentState.NO_SHOW)),
        )
    }
    written = 0
    with transaction.atomic():
        for r in rows:
            s = sums.get(r["line_id"], {})
            a = appts.get(r["line_id"], {})
            DayFigures.objects.update_or_create(
                line_id=r["line_id"],
                day=day,
                defaults={
                    "hall_id": hall_id,
                    "issued": r["issued"],
                    "served": r["served"],
                    "no_shows": r["no_shows"],
                    "cancelled": r["cancelled"],
                    "unserved": r["unserved"],
                    "waits": r["waits"],
                    "walks": r["walks"],
                    "services": r["services"],
                    "transfers": r["transfers"] or 0,
                    "idle_seconds": r["idle"] or 0,
                    "wait_seconds": s.get("wait", 0),
                    "max_wait_seconds": s.get("max_wait", 0),
                    "walk_seconds": s.get("walk", 0),
                    "service_seconds": s.get("service", 0),
                    "appointments": a.get("n", 0),
                    "appointment_no_shows": a.get("misses", 0),
                },
            )
            written += 1
    return written


def history(hall: Hall, last: dt.date, days: int = HISTORY_DAYS) -> list[dict[str, Any]]:
    """The hall's days from the rolled-up figures (all lines together), oldest first."""
    first = last - dt.timedelta(days=days - 1)
    rows = {
        r["day"]: r
        for r in DayFigures.objects.filter(hall=hall, day__gte=first, day__lte=last)
        .values("day")
        .annotate(
            issued=Sum("issued"),
            served=Sum("served"),
            no_shows=Sum("no_shows"),
            wait=Sum("wait_seconds"),
            waits=Sum("waits"),
            service=Sum("service_seconds"),
            services=Sum("services"),
            max_wait=Max("max_wait_seconds"),
        )
    }
    out = []
    peak = max([r["issued"] or 0 for r in rows.values()] + [1])
    for i in range(days):
        day = first + dt.timedelta(days=i)
        r = rows.get(day)
        if r is None:
            out.append({"day": day, "issued": 0, "bar": 0})
            continue
        served, misses = r["served"] or 0, r["no_shows"] or 0
        out.append(
            {
                "day": day,
                "issued": r["issued"] or 0,
                "served": served,
                "no_shows": misses,
                "no_show_rate": round(100 * misses / (served + misses), 1) if served + misses else None,
                "avg_wait": (r["wait"] // r["waits"]) if r["waits"] else None,
                "avg_service": (r["service"] // r["services"]) if r["services"] else None,
                "max_wait": r["max_wait"] or 0,
                "bar": round(100 * (r["issued"] or 0) / peak),
            }
        )
    return out
