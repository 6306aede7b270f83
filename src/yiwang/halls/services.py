"""The one write path of the halls module: every change to a hall's appointments, tickets, windows and surveys.

Pages, the API, the kiosk, the phone page, tasks and the demo seeding all call these functions; each checks its
input (refusing with a field error in Chinese and English), changes the rows in one transaction and writes a
`HallEvent`. The rules the database enforces, so that no interleaving of requests can break them:

- Capacity: a slot's seats are rows; `_claim_seats` takes free seats with a conditional UPDATE (only a seat with no
  appointment whose hold has lapsed matches), so the last seat goes to exactly one person. On PostgreSQL it first
  picks candidates with FOR UPDATE SKIP LOCKED and, when that finds too few, looks again waiting for the locks, so a
  seat held by a transaction that then rolls back is not wrongly reported full.
- Holds expire by themselves: a held seat is free again once `held_until` has passed, without any sweeper.
- Per-person daily limit: a `DailyQuota` row raised by an UPDATE … WHERE booked < limit.
- Queue numbers: an upsert on the (line, day) counter returns the next serial in one statement; (line, day, serial)
  and (hall, day, number) are unique.
- Ticket state: every change is a compare-and-set on (id, version, state); a window holds at most one ticket
  (partial unique index), so two windows never call the same ticket and one window never calls two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Case as DbCase
from django.db.models import F, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.core import outbox
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Hall, Window

from . import hours
from .models import (
    ACTIVE_TICKET_STATES,
    Appointment,
    AppointmentState,
    BusinessLine,
    DailyQuota,
    HallEvent,
    HallProfile,
    Hold,
    HoursException,
    OpeningHours,
    PriorityGroup,
    Seat,
    Slot,
    SurveyConclusion,
    SurveyOption,
    SurveyPhoto,
    SurveyRequest,
    SurveyState,
    Ticket,
    TicketCounter,
    TicketSource,
    TicketState,
    WindowItem,
    WindowLine,
    WindowState,
    WindowStatus,
)

log = logging.getLogger("yiwang.halls")

MAX_ITEMS = 10
NAME_MAX = 50
SURVEY_OPTIONS_MAX = 5
SURVEY_DAYS_AHEAD = 60
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_MAX = 12
# A checked-in booked ticket goes first from a few minutes before its slot.
BOOKED_EARLY = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class By:
    """Who acts and through which door (portal, mobile, kiosk, phone, desk, window, api, system)."""

    user: Any = None
    name: str = ""
    channel: str = "portal"

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)


SYSTEM = By(name="system", channel="system")


def _refuse(field: str, code: str, message: Any, params: dict | None = None):
    raise ProblemsError([Problem(field, message, code, params=params or None)])


def _event(
    action: str,
    by: By,
    *,
    hall_id: int | None,
    ticket: Ticket | None = None,
    appointment: Appointment | None = None,
    survey: SurveyRequest | None = None,
    window_id: int | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> HallEvent:
    if ticket is not None and hall_id is not None:
        publish_queue(hall_id, ticket.day, ticket)
    return HallEvent.objects.create(
        hall_id=hall_id,
        at=at or timezone.now(),
        action=action,
        actor=by.user if by.user_id else None,
        actor_name=(by.name or "")[:200],
        channel=by.channel[:12],
        ticket=ticket,
        appointment=appointment,
        survey=survey,
        window_id=window_id,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )


TICKET_TOPIC = "halls.ticket_changed"


def publish_queue(hall_id: int, day: dt.date, ticket: Ticket | None = None) -> None:
    """Announces a hall's queue after a ticket changed (outbox topic `halls.ticket_changed`, in the caller's
    transaction): the hall, the ticket and its state, and the day's waiting and at-a-window counts (one indexed
    count), so supervision's live queue table follows without reading halls' tables."""
    from django.db.models import Count, Min

    figures = Ticket.objects.filter(hall_id=hall_id, day=day).aggregate(
        waiting=Count("pk", filter=Q(state=TicketState.WAITING)),
        serving=Count("pk", filter=Q(state__in=(TicketState.CALLED, TicketState.SERVING))),
        oldest=Min("queued_at", filter=Q(state=TicketState.WAITING)),
    )
    outbox.publish(
        TICKET_TOPIC,
        {
            "hall_id": hall_id,
            "day": day.isoformat(),
            "ticket_id": ticket.pk if ticket is not None else None,
            "state": ticket.state if ticket is not None else "",
            "waiting": figures["waiting"],
            "serving": figures["serving"],
            "oldest_waiting_since": figures["oldest"].isoformat() if figures["oldest"] else None,
        },
        key=f"halls.hall:{hall_id}",
    )


def _sms(phone: str, text: str) -> bool:
    """Through the configured SMS provider (identity.providers); a failed delivery is logged, never raised."""
    from yiwang.identity import providers

    if not phone:
        return False
    try:
        providers.sms_sender().send(phone, text)
    except providers.DeliveryError as exc:
        log.warning("halls SMS not delivered: %s", exc)
        return False
    return True


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ===================================================================================================================
# Configuration: profile, hours, exceptions, lines, window service sets
# ===================================================================================================================


def ensure_profile(hall: Hall, **defaults: Any) -> HallProfile:
    profile, _created = HallProfile.objects.get_or_create(hall=hall, defaults=defaults)
    return profile


def _time_problems(field: str, opens: Any, closes: Any) -> tuple[dt.time | None, dt.time | None, list[Problem]]:
    out: list[dt.time | None] = []
    problems: list[Problem] = []
    for name, value in (("opens", opens), ("closes", closes)):
        if value in (None, ""):
            out.append(None)
            continue
        if isinstance(value, dt.time):
            out.append(value)
            continue
        try:
            out.append(dt.time.fromisoformat(str(value).strip()))
        except ValueError:
            out.append(None)
            problems.append(Problem(f"{field}.{name}", _("Enter a time as HH:MM."), "invalid"))
    a, b = out
    if a and b and a >= b:
        problems.append(Problem(f"{field}.closes", _("The closing time must be after the opening time."), "order"))
    return a, b, problems


@transaction.atomic
def set_weekly_hours(hall: Hall, weekly: dict[int, Sequence[tuple[Any, Any]]], by: By) -> None:
    """Replaces the opening sessions of the weekdays given (an empty list closes that weekday)."""
    problems: list[Problem] = []
    rows = []
    for weekday, sessions in weekly.items():
        if weekday not in range(7):
            problems.append(Problem("weekday", _("A weekday is 0 (Monday) to 6 (Sunday)."), "invalid"))
            continue
        for i, (opens, closes) in enumerate(sessions):
            a, b, p = _time_problems(f"hours.{weekday}.{i}", opens, closes)
            problems += p
            if a and b:
                rows.append(OpeningHours(hall=hall, weekday=weekday, opens=a, closes=b))
    if problems:
        raise ProblemsError(problems)
    OpeningHours.objects.filter(hall=hall, weekday__in=list(weekly)).delete()
    OpeningHours.objects.bulk_create(rows)
    _event("set_hours", by, hall_id=hall.pk, data={"weekdays": sorted(weekly)})


def add_exception(
    hall: Hall,
    *,
    date: Any,
    is_open: bool,
    reason: str,
    by: By,
    opens: Any = None,
    closes: Any = None,
) -> tuple[HoursException, int]:
    """Adds a closed day, a closed period or extra hours; appointments no longer inside the hours are cancelled
    (and told by SMS). Returns the exception and the number of appointments cancelled."""
    problems: list[Problem] = []
    day = _parse_date(date, "date", problems)
    a, b, p = _time_problems("exception", opens, closes)
    problems += p
    if not reason.strip():
        problems.append(Problem("reason", _("Say why the hours change (it is shown to the public)."), "required"))
    if is_open and not (a and b):
        problems.append(Problem("exception.opens", _("Extra opening hours need a start and an end time."), "required"))
    if bool(a) != bool(b):
        problems.append(Problem("exception.closes", _("Give both times, or neither for the whole day."), "required"))
    if day is not None and day < timezone.localdate():
        problems.append(Problem("date", _("The date cannot be in the past."), "past"))
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        exc = HoursException.objects.create(
            hall=hall,
            date=day,
            is_open=is_open,
            opens=a,
            closes=b,
            reason=reason.strip()[:200],
            created_by=by.user if by.user_id else None,
        )
        _event(
            "add_exception",
            by,
            hall_id=hall.pk,
            data={"date": str(day), "open": is_open, "from": str(a or ""), "until": str(b or ""), "reason": reason},
        )
        cancelled = _cancel_outside_hours(hall, day, by, reason.strip())
    return exc, cancelled


def remove_exception(exc: HoursException, by: By) -> int:
    with transaction.atomic():
        hall, day = exc.hall, exc.date
        _event("remove_exception", by, hall_id=hall.pk, data={"date": str(day), "reason": exc.reason})
        exc.delete()
        return _cancel_outside_hours(hall, day, by, gettext("Opening hours changed"))


def _cancel_outside_hours(hall: Hall, day: dt.date, by: By, reason: str) -> int:
    """Booked appointments of `day` whose slot no longer lies inside the opening sessions are cancelled."""
    sessions = hours.day(hall.pk, day).sessions
    done = 0
    for appt in Appointment.objects.filter(hall=hall, slot__date=day, state=AppointmentState.BOOKED).select_related(
        "slot"
    ):
        start = timezone.localtime(appt.starts_at).time()
        end = timezone.localtime(appt.ends_at).time()
        if any(a <= start and end <= b for a, b in sessions):
            continue
        if _cancel(appt, by, reason or gettext("The hall is closed at this time"), notify=True):
            done += 1
    return done


def add_line(hall: Hall, *, code: str, name: str, **fields: Any) -> BusinessLine:
    code = (code or "").strip().upper()
    problems = []
    if not (1 <= len(code) <= 2 and code.isalpha() and code.isascii()):
        problems.append(Problem("code", _("A line's letter is one or two Latin letters, e.g. A."), "invalid"))
    if not (name or "").strip():
        problems.append(Problem("name", _("Name the line."), "required"))
    if code and BusinessLine.objects.filter(hall=hall, code=code).exists():
        problems.append(Problem("code", _("Another line of this hall uses this letter."), "taken"))
    if problems:
        raise ProblemsError(problems)
    return BusinessLine.objects.create(hall=hall, code=code, name=name.strip(), **fields)


@transaction.atomic
def set_window_lines(window: Window, lines: Iterable[BusinessLine]) -> None:
    lines = list(lines)
    if any(line.hall_id != window.hall_id for line in lines):
        _refuse("lines", "other_hall", _("A window calls only lines of its own hall."))
    WindowLine.objects.filter(window=window).exclude(line__in=lines).delete()
    WindowLine.objects.bulk_create([WindowLine(window=window, line=line) for line in lines], ignore_conflicts=True)


@transaction.atomic
def set_window_items(window: Window, items: Iterable[Any]) -> None:
    """The window's service set (进驻事项)."""
    ids = sorted({getattr(i, "pk", i) for i in items})
    WindowItem.objects.filter(window=window).exclude(item_id__in=ids).delete()
    WindowItem.objects.bulk_create([WindowItem(window=window, item_id=i) for i in ids], ignore_conflicts=True)


def _parse_date(value: Any, field: str, problems: list[Problem]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        problems.append(Problem(field, _("Enter a date as YYYY-MM-DD."), "invalid"))
        return None


# ===================================================================================================================
# Appointments
# ===================================================================================================================


@dataclass(frozen=True)
class Booker:
    """Who books: the person (and the enterprise they act for), their account and the door they use."""

    person: Any
    user: Any = None
    enterprise: Any = None
    channel: str = "portal"

    @property
    def by(self) -> By:
        return By(user=self.user, name=self.person.name if self.person else "", channel=self.channel)


def line_windows(line: BusinessLine) -> int:
    return WindowLine.objects.filter(line=line).count()


def slot_capacity(line: BusinessLine, slot_minutes: int, windows: int | None = None) -> int:
    """Windows calling the line × people one window serves in a slot (at least one per window)."""
    windows = line_windows(line) if windows is None else windows
    per_window = max(1, slot_minutes // max(1, line.service_minutes))
    return windows * per_window


def _profile(hall_id: int) -> HallProfile:
    profile = HallProfile.objects.filter(hall_id=hall_id).first()
    if profile is None or not profile.is_active:
        _refuse("hall", "inactive", _("This hall does not take appointments or numbers online."))
    return profile


def _slot_bounds(line: BusinessLine, profile: HallProfile, starts_at: Any, now: dt.datetime) -> tuple:
    """(start, end) when `starts_at` is one of the line's bookable slots now; otherwise a field error."""
    if isinstance(starts_at, str):
        try:
            starts_at = dt.datetime.fromisoformat(starts_at.strip())
        except ValueError:
            _refuse("starts_at", "invalid", _("Choose a time from the list of free times."))
    if not isinstance(starts_at, dt.datetime):
        _refuse("starts_at", "invalid", _("Choose a time from the list of free times."))
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if not line.bookable or not line.is_active:
        _refuse("line", "not_bookable", _("This line does not take appointments."))
    local = timezone.localtime(starts_at)
    if starts_at <= now:
        _refuse("starts_at", "past", _("This time has already begun; choose a later one."))
    if local.date() > timezone.localdate(now) + dt.timedelta(days=profile.book_days_ahead):
        _refuse(
            "starts_at",
            "too_far",
            _("Appointments open %(days)s days ahead; choose an earlier date."),
            {"days": profile.book_days_ahead},
        )
    for a, b in hours.slot_times(hours.day(line.hall_id, local.date()), profile.slot_minutes):
        if a == starts_at:
            return a, b
    _refuse("starts_at", "not_a_slot", _("The hall is not open for appointments at this time."))


def _slot_row(line: BusinessLine, starts_at: dt.datetime, ends_at: dt.datetime, profile: HallProfile) -> Slot:
    """The slot's row with its seats, created the first time someone holds or books it (race-safe)."""
    slot = Slot.objects.filter(line=line, starts_at=starts_at).first()
    if slot is not None:
        return slot
    capacity = slot_capacity(line, profile.slot_minutes)
    if capacity < 1:
        _refuse("line", "no_windows", _("No window serves this line; it cannot take appointments."))
    try:
        with transaction.atomic():
            slot = Slot.objects.create(
                hall_id=line.hall_id,
                line=line,
                date=timezone.localtime(starts_at).date(),
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
            )
            Seat.objects.bulk_create([Seat(slot=slot, number=n) for n in range(1, capacity + 1)])
    except IntegrityError:
        slot = Slot.objects.get(line=line, starts_at=starts_at)
    return slot


def _free(now: dt.datetime) -> Q:
    return Q(appointment__isnull=True) & (Q(held_until__isnull=True) | Q(held_until__lte=now))


def _full() -> None:
    _refuse("starts_at", "full", _("This time is fully booked; choose another."))


def _claim_seats(slot: Slot, n: int, now: dt.datetime, **assign: Any) -> list[int]:
    """Takes `n` free seats of `slot` for a hold or an appointment, or refuses with "full" (nothing taken).

    Must run inside a transaction: the UPDATE only matches seats still free, and a shortfall raises (rolling back
    whatever this transaction took)."""
    free = Seat.objects.filter(_free(now), slot=slot).order_by("number")
    ids: list[int] = []
    if connection.features.has_select_for_update_skip_locked:
        ids = list(free.select_for_update(skip_locked=True).values_list("pk", flat=True)[:n])
        if len(ids) < n:
            # Seats locked by others may yet come free (their transaction may roll back): wait for those locks and
            # read again; the database re-checks "free" on every row it had to wait for.
            ids = list(free.select_for_update().values_list("pk", flat=True))[:n]
    else:
        ids = list(free.values_list("pk", flat=True)[:n])
    if len(ids) < n:
        _full()
    if Seat.objects.filter(_free(now), pk__in=ids).update(**assign) != n:
        _full()
    return ids


def booking_block(person: Any, profile: HallProfile, today: dt.date | None = None) -> dt.date | None:
    """The date until which repeated no-shows limit this person's booking (None: not limited)."""
    if not profile.no_show_limit:
        return None
    today = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=profile.no_show_window_days)
    misses = list(
        Appointment.objects.filter(person=person, state=AppointmentState.NO_SHOW, starts_at__gte=since)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)[: profile.no_show_limit]
    )
    if len(misses) < profile.no_show_limit:
        return None
    until = timezone.localtime(misses[0]).date() + dt.timedelta(days=profile.no_show_block_days)
    return until if until > today else None


def _check_block(booker: Booker, profile: HallProfile) -> None:
    until = booking_block(booker.person, profile)
    if until is not None:
        _refuse(
            "person",
            "no_show_limit",
            _(
                "You missed %(count)s appointments without cancelling; you can book again from %(date)s. "
                "You can still take a number at the hall."
            ),
            {"count": profile.no_show_limit, "date": until.isoformat()},
        )


def release_holds(user: Any, *, except_token: str = "") -> None:
    """A person keeps one hold at a time: choosing another time lets the previous seats go at once."""
    if not getattr(user, "pk", None):
        return
    old = Hold.objects.filter(user=user).exclude(token=except_token)
    Seat.objects.filter(hold__in=old, appointment__isnull=True).update(hold=None, held_until=None)
    old.delete()


def hold(line: BusinessLine, starts_at: Any, seats: int, booker: Booker) -> Hold:
    """Keeps `seats` places of a slot for `hold_minutes` while the person finishes the form."""
    profile = _profile(line.hall_id)
    now = timezone.now()
    if not isinstance(seats, int) or not 1 <= seats <= profile.max_party:
        _refuse(
            "seats",
            "invalid",
            _("An appointment is for 1 to %(max)s persons."),
            {"max": profile.max_party},
        )
    start, end = _slot_bounds(line, profile, starts_at, now)
    _check_block(booker, profile)
    with transaction.atomic():
        release_holds(booker.user)
        slot = _slot_row(line, start, end, profile)
        h = Hold.objects.create(
            slot=slot, seats=seats, user=booker.user, expires_at=now + dt.timedelta(minutes=profile.hold_minutes)
        )
        _claim_seats(slot, seats, now, hold=h, held_until=h.expires_at)
    return h


def _item_problems(line: BusinessLine, items: Sequence[Any]) -> tuple[list[Any], list[Problem]]:
    """The items of an appointment: published, at most MAX_ITEMS, each handled by a window calling this line."""
    from yiwang.catalog.models import ServiceItem

    codes = [getattr(i, "item_code", i) for i in items]
    codes = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if not codes:
        return [], [Problem("items", _("Choose at least one item to handle."), "required")]
    if len(codes) > MAX_ITEMS:
        return [], [
            Problem("items", _("One appointment takes at most %(max)s items."), "too_many", params={"max": MAX_ITEMS})
        ]
    served = set(
        WindowItem.objects.filter(
            window_id__in=WindowLine.objects.filter(line=line).values("window_id"), item__item_code__in=codes
        ).values_list("item__item_code", flat=True)
    )
    found = {
        i.item_code: i
        for i in ServiceItem.objects.filter(item_code__in=codes, current__isnull=False).select_related("current")
    }
    missing = [c for c in codes if c not in found or c not in served]
    if missing:
        return [], [
            Problem(
                "items",
                _("Not handled on this line of the hall: %(codes)s."),
                "not_served",
                params={"codes": ", ".join(missing)},
            )
        ]
    return [found[c] for c in codes], []


def _attendee_problems(attendees: Sequence[Any], profile: HallProfile) -> tuple[list[dict], list[Problem]]:
    names = [str(a.get("name", "") if isinstance(a, dict) else a).strip() for a in attendees]
    problems = []
    if not names:
        problems.append(Problem("attendees", _("Say who comes (at least one person)."), "required"))
    if len(names) > profile.max_party:
        problems.append(
            Problem(
                "attendees",
                _("An appointment is for 1 to %(max)s persons."),
                "too_many",
                params={"max": profile.max_party},
            )
        )
    for i, n in enumerate(names):
        if not n:
            problems.append(Problem(f"attendees.{i}", _("Enter this person's name."), "required"))
        elif len(n) > NAME_MAX:
            problems.append(Problem(f"attendees.{i}", _("A name has at most 50 characters."), "too_long"))
    return [{"name": n} for n in names], problems


def _take_quota(person: Any, day: dt.date, limit: int) -> None:
    DailyQuota.objects.get_or_create(person=person, date=day)
    if not DailyQuota.objects.filter(person=person, date=day, booked__lt=limit).update(booked=F("booked") + 1):
        _refuse(
            "starts_at",
            "daily_limit",
            _("You already have %(limit)s appointments on %(date)s; cancel one or choose another day."),
            {"limit": limit, "date": day.isoformat()},
        )


def _give_back_quota(person_id: int, day: dt.date) -> None:
    DailyQuota.objects.filter(person_id=person_id, date=day, booked__gt=0).update(booked=F("booked") - 1)


def book(
    line: BusinessLine,
    starts_at: Any,
    *,
    items: Sequence[Any],
    booker: Booker,
    attendees: Sequence[Any] | None = None,
    hold_token: str = "",
    case: Any = None,
) -> Appointment:
    """Books a slot for one or several items and persons: the seats held first, otherwise any free ones.

    `case` links the visit to the case it is for (a depth-III item applied for online, then one visit, 网上预审 +
    预约): the caller has checked the case is the booker's own; its item must be among the items booked."""
    profile = _profile(line.hall_id)
    now = timezone.now()
    if attendees is None:
        attendees = [booker.person.name]
    people, problems = _attendee_problems(attendees, profile)
    found, item_problems = _item_problems(line, items)
    problems += item_problems
    if case is not None and not any(i.pk == case.item_id for i in found):
        problems.append(Problem("items", _("Book the visit for the item of the case it belongs to."), "case_item"))
    if problems:
        raise ProblemsError(problems)
    start, end = _slot_bounds(line, profile, starts_at, now)
    _check_block(booker, profile)
    n = len(people)
    with transaction.atomic():
        _take_quota(booker.person, timezone.localtime(start).date(), profile.daily_limit)
        slot = _slot_row(line, start, end, profile)
        appt = Appointment.objects.create(
            hall_id=line.hall_id,
            line=line,
            slot=slot,
            starts_at=start,
            ends_at=end,
            person=booker.person,
            enterprise=booker.enterprise,
            user=booker.user if getattr(booker.user, "pk", None) else None,
            attendees=people,
            party_size=n,
            item_names=[i.current.name for i in found],
            channel=booker.channel,
            case=case,
        )
        appt.items.set(found)
        held: list[int] = []
        h = Hold.objects.filter(token=hold_token, slot=slot, user=booker.user).first() if hold_token else None
        if h is not None:
            held = list(
                Seat.objects.filter(hold=h, appointment__isnull=True).order_by("number").values_list("pk", flat=True)
            )[:n]
            Seat.objects.filter(pk__in=held).update(appointment=appt, hold=None, held_until=None)
        if len(held) < n:
            _claim_seats(slot, n - len(held), now, appointment=appt, hold=None, held_until=None)
        if h is not None:
            Seat.objects.filter(hold=h, appointment__isnull=True).update(hold=None, held_until=None)
            h.delete()
        _event(
            "book",
            booker.by,
            hall_id=line.hall_id,
            appointment=appt,
            to_state=AppointmentState.BOOKED,
            data={
                "line": line.code,
                "starts_at": start.isoformat(),
                "persons": n,
                "items": [i.item_code for i in found],
                **({"case": case.case_number} if case is not None else {}),
            },
        )
    return appt


def cutoff(appt: Appointment) -> dt.datetime:
    profile = HallProfile.objects.filter(hall_id=appt.hall_id).first()
    minutes = profile.cancel_cutoff_minutes if profile else 0
    return appt.starts_at - dt.timedelta(minutes=minutes)


def _cancel(appt: Appointment, by: By, reason: str, *, notify: bool = False) -> bool:
    """Frees the seats and the day's quota (inside the caller's transaction); False when already not booked."""
    now = timezone.now()
    if not Appointment.objects.filter(pk=appt.pk, state=AppointmentState.BOOKED).update(
        state=AppointmentState.CANCELLED, cancelled_at=now, cancel_reason=reason[:200]
    ):
        return False
    Seat.objects.filter(appointment=appt).update(appointment=None)
    _give_back_quota(appt.person_id, timezone.localtime(appt.starts_at).date())
    _event(
        "cancel",
        by,
        hall_id=appt.hall_id,
        appointment=appt,
        from_state=AppointmentState.BOOKED,
        to_state=AppointmentState.CANCELLED,
        data={"reason": reason},
    )
    appt.state, appt.cancelled_at, appt.cancel_reason = AppointmentState.CANCELLED, now, reason[:200]
    if notify:
        transaction.on_commit(lambda: _tell_cancelled(appt.pk))
    return True


def _tell_cancelled(appointment_id: int) -> None:
    appt = Appointment.objects.select_related("person", "hall").filter(pk=appointment_id).first()
    if appt is None:
        return
    with translation.override("zh-hans"):
        text = gettext(
            "Your appointment %(code)s at %(hall)s on %(time)s is cancelled: %(reason)s. Please book another time."
        ) % {"code": appt.code, "hall": appt.hall.name, "time": _local(appt.starts_at), "reason": appt.cancel_reason}
    _sms(appt.person.phone, text)


def cancel_appointment(appt: Appointment, by: By, reason: str = "", *, staff: bool = False) -> Appointment:
    """The applicant cancels until the cut-off; hall staff cancel at any time, with a reason."""
    if appt.state != AppointmentState.BOOKED:
        _refuse(
            "state",
            "not_booked",
            _("This appointment is “%(state)s” and cannot be cancelled."),
            {"state": AppointmentState(appt.state).label},
        )
    if staff and not reason.strip():
        _refuse("reason", "required", _("Say why the appointment is cancelled (the applicant is told)."))
    if not staff and timezone.now() > cutoff(appt):
        _refuse(
            "state",
            "cutoff",
            _("Appointments can be cancelled or changed until %(time)s; please contact the hall."),
            {"time": _local(cutoff(appt))},
        )
    with transaction.atomic():
        if not _cancel(appt, by, reason.strip() or gettext("Cancelled by the applicant"), notify=staff):
            _refuse("state", "stale", _("This appointment changed a moment ago; reload the page."))
    return appt


def change_appointment(appt: Appointment, starts_at: Any, booker: Booker) -> Appointment:
    """Moves a booking to another slot of the same line (same persons and items) until the cut-off."""
    if appt.state != AppointmentState.BOOKED:
        _refuse(
            "state",
            "not_booked",
            _("This appointment is “%(state)s” and cannot be changed."),
            {"state": AppointmentState(appt.state).label},
        )
    now = timezone.now()
    if now > cutoff(appt):
        _refuse(
            "state",
            "cutoff",
            _("Appointments can be cancelled or changed until %(time)s; please contact the hall."),
            {"time": _local(cutoff(appt))},
        )
    line = appt.line
    profile = _profile(line.hall_id)
    start, end = _slot_bounds(line, profile, starts_at, now)
    if start == appt.starts_at:
        return appt
    old_day, new_day = timezone.localtime(appt.starts_at).date(), timezone.localtime(start).date()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appt.pk)
        if locked.state != AppointmentState.BOOKED or locked.starts_at != appt.starts_at:
            _refuse("state", "stale", _("This appointment changed a moment ago; reload the page."))
        if new_day != old_day:
            _take_quota(appt.person, new_day, profile.daily_limit)
            _give_back_quota(appt.person_id, old_day)
        slot = _slot_row(line, start, end, profile)
        old_seats = list(Seat.objects.filter(appointment=appt).values_list("pk", flat=True))
        _claim_seats(slot, appt.party_size, now, appointment=appt, hold=None, held_until=None)
        Seat.objects.filter(pk__in=old_seats).update(appointment=None)
        before = appt.starts_at
        Appointment.objects.filter(pk=appt.pk).update(slot=slot, starts_at=start, ends_at=end, reminded_at=None)
        appt.slot, appt.starts_at, appt.ends_at, appt.reminded_at = slot, start, end, None
        _event(
            "change",
            booker.by,
            hall_id=appt.hall_id,
            appointment=appt,
            from_state=AppointmentState.BOOKED,
            to_state=AppointmentState.BOOKED,
            data={"from": before.isoformat(), "to": start.isoformat()},
        )
    return appt


def check_in(appt: Appointment, by: By) -> Ticket:
    """Arrival at the hall (kiosk, front desk, phone): a ticket that goes first within the booked slot."""
    now = timezone.now()
    if appt.state == AppointmentState.CHECKED_IN and hasattr(appt, "ticket"):
        return appt.ticket
    if appt.state != AppointmentState.BOOKED:
        _refuse(
            "code",
            "not_booked",
            _("This appointment is “%(state)s”; take a number instead."),
            {"state": AppointmentState(appt.state).label},
        )
    profile = _profile(appt.hall_id)
    opens = appt.starts_at - dt.timedelta(minutes=profile.checkin_early_minutes)
    if now < opens:
        _refuse("code", "too_early", _("Check-in for this appointment opens at %(time)s."), {"time": _local(opens)})
    if now > appt.ends_at:
        _refuse("code", "too_late", _("This appointment's time has passed; please take a number."))
    with transaction.atomic():
        if not Appointment.objects.filter(pk=appt.pk, state=AppointmentState.BOOKED).update(
            state=AppointmentState.CHECKED_IN, checked_in_at=now
        ):
            _refuse("code", "stale", _("This appointment changed a moment ago; try again."))
        appt.state, appt.checked_in_at = AppointmentState.CHECKED_IN, now
        _event(
            "check_in",
            by,
            hall_id=appt.hall_id,
            appointment=appt,
            from_state=AppointmentState.BOOKED,
            to_state=AppointmentState.CHECKED_IN,
        )
        ticket, _created = take_ticket(
            appt.line,
            source=TicketSource.APPOINTMENT,
            by=by,
            appointment=appt,
            person=appt.person,
            holder=f"a:{appt.pk}",
            now=now,
        )
    return ticket


def sweep_no_shows(now: dt.datetime | None = None) -> int:
    """Booked appointments whose slot ended without a check-in are recorded as no-shows."""
    now = now or timezone.now()
    done = 0
    for appt in Appointment.objects.filter(state=AppointmentState.BOOKED, ends_at__lt=now).iterator():
        with transaction.atomic():
            if Appointment.objects.filter(pk=appt.pk, state=AppointmentState.BOOKED).update(
                state=AppointmentState.NO_SHOW
            ):
                _event(
                    "no_show",
                    SYSTEM,
                    hall_id=appt.hall_id,
                    appointment=appt,
                    from_state=AppointmentState.BOOKED,
                    to_state=AppointmentState.NO_SHOW,
                )
                done += 1
    return done


def reminder_text(appt: Appointment) -> str:
    with translation.override("zh-hans"):
        return gettext(
            "Reminder: appointment %(code)s at %(hall)s, %(time)s, %(line)s. Please bring your materials and check in "
            "at the kiosk or the front desk. Cancel or change before %(cutoff)s if you cannot come."
        ) % {
            "code": appt.code,
            "hall": appt.hall.name,
            "time": _local(appt.starts_at),
            "line": appt.line.name,
            "cutoff": _local(cutoff(appt)),
        }


def send_reminders(day: dt.date | None = None) -> int:
    """SMS the day before: every appointment of `day` (tomorrow by default) not reminded yet, exactly once."""
    day = day or timezone.localdate() + dt.timedelta(days=1)
    sent = 0
    qs = Appointment.objects.filter(
        state=AppointmentState.BOOKED, slot__date=day, reminded_at__isnull=True
    ).select_related("person", "hall", "line")
    for appt in qs.iterator():
        # Claim the reminder first: a second worker running the same task finds nothing left to send.
        if not Appointment.objects.filter(pk=appt.pk, reminded_at__isnull=True).update(reminded_at=timezone.now()):
            continue
        if _sms(appt.person.phone, reminder_text(appt)):
            sent += 1
            _event("remind", SYSTEM, hall_id=appt.hall_id, appointment=appt)
        else:
            Appointment.objects.filter(pk=appt.pk).update(reminded_at=None)  # try again on the next run
    return sent


# ===================================================================================================================
# Queue tickets
# ===================================================================================================================


def _next_serial(line: BusinessLine, day: dt.date) -> int:
    """One statement: insert the (line, day) counter at 1 or raise it by one, returning the new value."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (line_id, day, value) VALUES (%s, %s, 1) "  # noqa: S608 - our own table name
            f"ON CONFLICT (line_id, day) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [line.pk, day],
        )
        return int(cursor.fetchone()[0])


def format_number(line: BusinessLine, serial: int) -> str:
    return f"{line.code}{serial:03d}"


def take_ticket(
    line: BusinessLine,
    *,
    source: str,
    by: By,
    priority_group: str = "",
    holder: str = "",
    client_ref: str = "",
    person: Any = None,
    appointment: Appointment | None = None,
    now: dt.datetime | None = None,
) -> tuple[Ticket, bool]:
    """Issues the next number of the line (A001, A002 … per day); returns (ticket, created).

    The same `client_ref` (a kiosk form's one-time id) returns the ticket already issued; a `holder` (a phone's
    session, a signed-in person) with a live ticket in this hall gets that one back instead of a second.
    """
    now = now or timezone.now()
    if source not in TicketSource.values:
        _refuse("source", "invalid", _("Unknown ticket source."))
    if priority_group not in PriorityGroup.values:
        _refuse("priority_group", "invalid", _("Choose a priority group from the list."))
    client_ref, holder = (client_ref or "")[:64], (holder or "")[:80]
    if client_ref:
        existing = Ticket.objects.filter(hall_id=line.hall_id, client_ref=client_ref).first()
        if existing is not None:
            return existing, False
    if holder:
        existing = Ticket.objects.filter(hall_id=line.hall_id, holder=holder, state__in=ACTIVE_TICKET_STATES).first()
        if existing is not None:
            return existing, False
    if not line.is_active:
        _refuse("line", "inactive", _("This line takes no numbers today."))
    profile = _profile(line.hall_id)
    if (
        source != TicketSource.APPOINTMENT
        and not profile.queue_outside_hours
        and not hours.is_open_at(line.hall_id, now)
    ):
        _refuse("line", "closed", _("The hall is closed now; numbers are issued during opening hours."))
    day = timezone.localdate(now)
    try:
        with transaction.atomic():
            serial = _next_serial(line, day)
            if line.daily_cap and serial > line.daily_cap:
                _refuse("line", "sold_out", _("Today's numbers for this line are all taken; please come tomorrow."))
            booked_from = appointment.starts_at if appointment is not None else None
            ticket = Ticket.objects.create(
                hall_id=line.hall_id,
                line=line,
                first_line=line,
                day=day,
                serial=serial,
                number=format_number(line, serial),
                source=source,
                priority_group=priority_group,
                appointment=appointment,
                booked_from=booked_from,
                booked_until=appointment.ends_at if appointment is not None else None,
                person=person,
                holder=holder,
                client_ref=client_ref,
                taken_at=now,
                queued_at=now,
            )
            _event(
                "issue",
                by,
                hall_id=line.hall_id,
                ticket=ticket,
                to_state=TicketState.WAITING,
                data={"number": ticket.number, "line": line.code, "source": source, "priority": priority_group},
                at=now,
            )
    except IntegrityError:
        # Lost a race on the same client_ref or holder: the other request's ticket is the answer.
        existing = Ticket.objects.filter(
            Q(hall_id=line.hall_id)
            & (
                (Q(client_ref=client_ref) & ~Q(client_ref=""))
                | (Q(holder=holder) & ~Q(holder="") & Q(state__in=ACTIVE_TICKET_STATES))
            )
        ).first()
        if existing is None:
            raise
        return existing, False
    return ticket, True


def cancel_ticket(ticket: Ticket, by: By) -> Ticket:
    """The holder gives up a number still waiting (from the phone page)."""
    return _move(ticket, (TicketState.WAITING,), TicketState.CANCELLED, by, "cancel", finished_at=timezone.now())


def _stale() -> None:
    _refuse("ticket", "stale", _("This number changed a moment ago (another window or a reload); look again."))


def _move(
    ticket: Ticket,
    sources: Iterable[str],
    to: str,
    by: By,
    action: str,
    *,
    window_id: int | None = None,
    data: dict | None = None,
    **fields: Any,
) -> Ticket:
    """Compare-and-set on (id, version, state): the change happens only if nobody moved the ticket meanwhile."""
    sources = tuple(sources)
    if ticket.state not in sources:
        _refuse(
            "ticket",
            "illegal",
            _("Number %(number)s is “%(state)s”; this is not possible now."),
            {"number": ticket.number, "state": TicketState(ticket.state).label},
        )
    with transaction.atomic():
        updated = Ticket.objects.filter(pk=ticket.pk, version=ticket.version, state__in=sources).update(
            state=to, version=F("version") + 1, **fields
        )
        if not updated:
            _stale()
        before = ticket.state
        ticket = Ticket.objects.select_related("line", "hall", "window").get(pk=ticket.pk)
        _event(
            action,
            by,
            hall_id=ticket.hall_id,
            ticket=ticket,
            window_id=window_id or ticket.window_id,
            from_state=before,
            to_state=to,
            data={"number": ticket.number, **(data or {})},
        )
    return ticket


# --- windows --------------------------------------------------------------------------------------------------------


def window_state(window: Window) -> WindowState:
    state, _created = WindowState.objects.get_or_create(window=window)
    return state


def current_ticket(window: Window) -> Ticket | None:
    return Ticket.objects.filter(window=window, state__in=(TicketState.CALLED, TicketState.SERVING)).first()


def _window_event(action: str, window: Window, by: By, before: str, after: str) -> None:
    _event(action, by, hall_id=window.hall_id, window_id=window.pk, from_state=before, to_state=after)


def open_window(window: Window, by: By) -> WindowState:
    """The clerk sits down at the window: it starts calling (one window per clerk, one clerk per window)."""
    now = timezone.now()
    state = window_state(window)
    if state.status != WindowStatus.CLOSED:
        if state.user_id == by.user_id:
            return state
        _refuse("window", "taken", _("Window %(number)s is already open by someone else."), {"number": window.number})
    try:
        with transaction.atomic():
            if not WindowState.objects.filter(window=window, status=WindowStatus.CLOSED, version=state.version).update(
                status=WindowStatus.OPEN,
                user=by.user,
                opened_at=now,
                paused_at=None,
                free_since=now,
                version=F("version") + 1,
            ):
                _refuse("window", "stale", _("This window changed a moment ago; look again."))
            _window_event("open_window", window, by, WindowStatus.CLOSED, WindowStatus.OPEN)
    except IntegrityError:
        other = WindowState.objects.filter(user_id=by.user_id).exclude(status=WindowStatus.CLOSED).first()
        _refuse(
            "window",
            "elsewhere",
            _("You are still at window %(number)s; close it first."),
            {"number": getattr(getattr(other, "window", None), "number", "?")},
        )
    state.refresh_from_db()
    return state


def _my_window(window: Window, by: By, statuses: tuple[str, ...] = (WindowStatus.OPEN, WindowStatus.PAUSED)):
    """The window's state when this clerk sits at it in one of `statuses`; otherwise a clear refusal."""
    state = window_state(window)
    if state.status == WindowStatus.CLOSED or state.user_id != by.user_id:
        _refuse("window", "not_yours", _("Open this window first (sit down at it) to work there."))
    if state.status not in statuses:
        if state.status == WindowStatus.PAUSED:
            _refuse("window", "paused", _("The window is paused; resume it to call numbers."))
        _refuse("window", "not_paused", _("The window is not paused."))
    return state


def _set_window(window: Window, state: WindowState, by: By, action: str, to: str, **fields: Any) -> WindowState:
    with transaction.atomic():
        if not WindowState.objects.filter(window=window, version=state.version, status=state.status).update(
            status=to, version=F("version") + 1, **fields
        ):
            _refuse("window", "stale", _("This window changed a moment ago; look again."))
        _window_event(action, window, by, state.status, to)
    state.refresh_from_db()
    return state


def pause_window(window: Window, by: By) -> WindowState:
    state = _my_window(window, by, (WindowStatus.OPEN,))
    if current_ticket(window) is not None:
        _refuse("window", "busy", _("Finish, transfer or skip the current number first."))
    return _set_window(window, state, by, "pause_window", WindowStatus.PAUSED, paused_at=timezone.now())


def resume_window(window: Window, by: By) -> WindowState:
    state = _my_window(window, by, (WindowStatus.PAUSED,))
    now = timezone.now()
    return _set_window(window, state, by, "resume_window", WindowStatus.OPEN, paused_at=None, free_since=now)


def close_window(window: Window, by: By) -> WindowState:
    state = _my_window(window, by)
    if current_ticket(window) is not None:
        _refuse("window", "busy", _("Finish, transfer or skip the current number first."))
    return _set_window(
        window, state, by, "close_window", WindowStatus.CLOSED, user=None, paused_at=None, free_since=None
    )


# --- calling --------------------------------------------------------------------------------------------------------


def call_order(qs: QuerySet[Ticket], now: dt.datetime) -> QuerySet[Ticket]:
    """The line's rules: checked-in appointments within their slot first, then priority groups, then arrival."""
    rank = DbCase(
        When(Q(booked_from__isnull=False) & Q(booked_from__lte=now + BOOKED_EARLY), then=Value(0)),
        When(~Q(priority_group=""), then=Value(1)),
        default=Value(2),
    )
    return qs.annotate(rank=rank).order_by("rank", "queued_at", "id")


def callable_for(window: Window, day: dt.date, lines: Any = None) -> QuerySet[Ticket]:
    """Waiting tickets this window may call: its lines' (not sent to another window) and those sent to it.

    `lines`: the window's line ids (a list, read once) or None to read them here; a list keeps the ordered reads on
    the partial indexes, a subquery (`window_line_ids(window)`) saves a round trip where only a count is needed."""
    if lines is None:
        lines = window_lines(window)
    return Ticket.objects.filter(
        Q(line_id__in=lines, target_window__isnull=True) | Q(target_window=window),
        hall_id=window.hall_id,
        day=day,
        state=TicketState.WAITING,
    )


def window_lines(window: Window) -> list[int]:
    return list(window_line_ids(window))


def window_line_ids(window: Window) -> QuerySet:
    return WindowLine.objects.filter(window=window).values_list("line_id", flat=True)


def next_tickets(
    window: Window, now: dt.datetime, limit: int = 1, *, lock: bool = False, lines: list[int] | None = None
) -> list[Ticket]:
    """The next `limit` tickets for the window in calling order (the same order as `call_order`) in two short reads:
    first the few that go first (booked within their slot, priority groups; a partial index holds just them),
    then the plain queue in arrival order (another partial index) — never a sort of the whole queue. With `lock`
    (inside a transaction) the rows are locked, skipping those another window is taking at this moment."""
    base = callable_for(window, timezone.localdate(now), lines)
    first = call_order(
        base.filter(Q(booked_from__isnull=False, booked_from__lte=now + BOOKED_EARLY) | ~Q(priority_group="")), now
    )
    plain = base.order_by("queued_at", "id")
    if lock and connection.features.has_select_for_update_skip_locked:
        first = first.select_for_update(skip_locked=True, of=("self",))
        plain = plain.select_for_update(skip_locked=True, of=("self",))
    out = list(first[:limit])
    if len(out) < limit:
        out.extend(plain.exclude(pk__in=[t.pk for t in out])[: limit - len(out)])
    return out


def call_next(window: Window, by: By) -> Ticket | None:
    """Calls the next ticket for this window; None when nobody waits. Never the same ticket at two windows."""
    state = _my_window(window, by, (WindowStatus.OPEN,))
    # No separate "is the window busy?" read: the partial unique index on the window's current ticket refuses a
    # second one (IntegrityError below), which also covers a double click racing this call.
    for _attempt in range(8):
        now = timezone.now()
        try:
            with transaction.atomic():
                picked = next_tickets(window, now, 1, lock=True)
                pick = picked[0] if picked else None
                if pick is None:
                    if current_ticket(window) is not None:
                        _refuse("window", "busy", _("Finish, transfer or skip the current number first."))
                    return None
                idle = int((now - state.free_since).total_seconds()) if state.free_since else None
                updated = Ticket.objects.filter(pk=pick.pk, version=pick.version, state=TicketState.WAITING).update(
                    state=TicketState.CALLED,
                    version=F("version") + 1,
                    window=window,
                    target_window=None,
                    served_by=by.user if by.user_id else None,
                    called_at=pick.called_at or now,
                    last_called_at=now,
                    idle_before_seconds=max(0, idle) if idle is not None else None,
                )
                if not updated:
                    continue  # another window took it between our read and our write: try the next one
                WindowState.objects.filter(window=window).update(free_since=None)
                pick = Ticket.objects.select_related("line", "hall", "window").get(pk=pick.pk)
                _event(
                    "call",
                    by,
                    hall_id=window.hall_id,
                    ticket=pick,
                    window_id=window.pk,
                    from_state=TicketState.WAITING,
                    to_state=TicketState.CALLED,
                    data={"number": pick.number, "window": window.number, "line": pick.line.code},
                    at=now,
                )
                return pick
        except IntegrityError:
            # The window already holds a ticket (a double click raced this one).
            _refuse("window", "busy", _("Finish, transfer or skip the current number first."))
    _refuse("window", "busy_hall", _("Many windows are calling at once; press again."))


def _current_or_refuse(window: Window, ticket_id: int | None, version: int | None) -> Ticket:
    ticket = current_ticket(window)
    if ticket is None or (ticket_id is not None and ticket.pk != ticket_id):
        _refuse("ticket", "not_current", _("This number is not the one at your window."))
    if version is not None and version != ticket.version:
        _stale()
    return ticket


def recall(window: Window, by: By, ticket_id: int | None = None, version: int | None = None) -> Ticket:
    _my_window(window, by)
    ticket = _current_or_refuse(window, ticket_id, version)
    return _move(
        ticket,
        (TicketState.CALLED,),
        TicketState.CALLED,
        by,
        "recall",
        window_id=window.pk,
        data={"window": window.number, "line": ticket.line.code},
        last_called_at=timezone.now(),
        recalls=F("recalls") + 1,
    )


def start_service(window: Window, by: By, ticket_id: int | None = None, version: int | None = None) -> Ticket:
    """The person has reached the window: walking ends, service starts."""
    _my_window(window, by)
    ticket = _current_or_refuse(window, ticket_id, version)
    return _move(ticket, (TicketState.CALLED,), TicketState.SERVING, by, "start", started_at=timezone.now())


def _free_window(window: Window, now: dt.datetime) -> None:
    WindowState.objects.filter(window=window).update(free_since=now)


def finish(window: Window, by: By, ticket_id: int | None = None, version: int | None = None) -> Ticket:
    """Service done (from "called" too, when the clerk did not press start: the walk then counts as service)."""
    _my_window(window, by)
    ticket = _current_or_refuse(window, ticket_id, version)
    now = timezone.now()
    fields: dict[str, Any] = {"finished_at": now}
    if ticket.started_at is None:
        fields["started_at"] = ticket.last_called_at or now
    with transaction.atomic():
        ticket = _move(ticket, (TicketState.CALLED, TicketState.SERVING), TicketState.FINISHED, by, "finish", **fields)
        _free_window(window, now)
        if ticket.appointment_id:
            Appointment.objects.filter(pk=ticket.appointment_id, state=AppointmentState.CHECKED_IN).update(
                state=AppointmentState.SERVED
            )
    return ticket


def skip(window: Window, by: By, ticket_id: int | None = None, version: int | None = None) -> Ticket:
    """Called and not come (过号): the number is closed as a no-show."""
    _my_window(window, by)
    ticket = _current_or_refuse(window, ticket_id, version)
    now = timezone.now()
    with transaction.atomic():
        ticket = _move(ticket, (TicketState.CALLED,), TicketState.NO_SHOW, by, "skip", finished_at=now)
        _free_window(window, now)
    return ticket


def transfer(
    window: Window,
    by: By,
    *,
    to_line: BusinessLine | None = None,
    to_window: Window | None = None,
    ticket_id: int | None = None,
    version: int | None = None,
) -> Ticket:
    """Sends the current ticket to another line (it keeps its number and its place by arrival) or to one window."""
    _my_window(window, by)
    ticket = _current_or_refuse(window, ticket_id, version)
    if to_line is None and to_window is None:
        _refuse("to", "required", _("Choose the line or the window to send this number to."))
    if to_line is not None and to_line.hall_id != window.hall_id:
        _refuse("to_line", "other_hall", _("Choose a line of this hall."))
    if to_window is not None and (to_window.hall_id != window.hall_id or to_window.pk == window.pk):
        _refuse("to_window", "invalid", _("Choose another window of this hall."))
    line = to_line or ticket.line
    if to_window is not None and to_line is None:
        lines = list(WindowLine.objects.filter(window=to_window).values_list("line_id", flat=True))
        if ticket.line_id not in lines and lines:
            line = BusinessLine.objects.get(pk=lines[0])
    now = timezone.now()
    with transaction.atomic():
        ticket = _move(
            ticket,
            (TicketState.CALLED, TicketState.SERVING),
            TicketState.WAITING,
            by,
            "transfer",
            window_id=window.pk,
            data={
                "from_line": ticket.line.code,
                "to_line": line.code,
                "to_window": to_window.number if to_window else "",
                "from_window": window.number,
            },
            line=line,
            target_window=to_window,
            window=None,
            started_at=None,
            transfers=F("transfers") + 1,
        )
        _free_window(window, now)
    ticket.refresh_from_db()
    return ticket


def link_case(ticket: Ticket, case: Any, by: By) -> Ticket:
    """Records the case handled for this number (the case keeps the hall; the ticket keeps the case)."""
    with transaction.atomic():
        if not Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(case=case, version=F("version") + 1):
            _stale()
        ticket.case, ticket.version = case, ticket.version + 1
        _event(
            "link_case",
            by,
            hall_id=ticket.hall_id,
            ticket=ticket,
            window_id=ticket.window_id,
            data={"number": ticket.number, "case_number": case.case_number},
        )
    return ticket


def close_day(day: dt.date | None = None) -> int:
    """After a day: numbers still waiting or at a window are closed as not served; the day's figures rolled up."""
    from . import queries

    day = day or timezone.localdate() - dt.timedelta(days=1)
    ids = list(Ticket.objects.filter(day__lte=day, state__in=ACTIVE_TICKET_STATES).values_list("pk", flat=True))
    done = 0
    for pk in ids:
        done += Ticket.objects.filter(pk=pk, state__in=ACTIVE_TICKET_STATES).update(
            state=TicketState.EXPIRED, version=F("version") + 1
        )
    WindowState.objects.exclude(status=WindowStatus.CLOSED).filter(opened_at__date__lte=day).update(
        status=WindowStatus.CLOSED, user=None, free_since=None, paused_at=None, version=F("version") + 1
    )
    for hall_id in Ticket.objects.filter(day=day).values_list("hall_id", flat=True).distinct():
        queries.roll_up(hall_id, day)
        with transaction.atomic():
            publish_queue(hall_id, day)
    return done


# ===================================================================================================================
# On-site surveys (现勘现审)
# ===================================================================================================================

SURVEY_WORDS = ("勘", "现场核查", "现场检查", "现场审查", "踏勘", "survey")


def survey_step(case: Any) -> Any:
    """The case's survey step (kind "survey", or a step named for an on-site survey), or None."""
    from yiwang.cases.models import CaseStep

    for step in CaseStep.objects.filter(case=case).order_by("order"):
        if step.kind == "survey" or any(w in step.name for w in SURVEY_WORDS):
            return step
    return None


def open_survey(case: Any) -> SurveyRequest | None:
    """A survey to schedule for an accepted case whose process has a survey step (idempotent)."""
    step = survey_step(case)
    if step is None:
        return None
    existing = SurveyRequest.objects.filter(
        case=case, state__in=(SurveyState.TO_PROPOSE, SurveyState.PROPOSED, SurveyState.SCHEDULED)
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            survey = SurveyRequest.objects.create(
                case=case,
                step=step,
                organisation_id=case.organisation_id,
                case_number=case.case_number,
                item_name=case.item_name,
                applicant_name=case.applicant_name,
            )
            _event("survey_open", SYSTEM, hall_id=None, survey=survey, to_state=SurveyState.TO_PROPOSE)
    except IntegrityError:
        return (
            SurveyRequest.objects.filter(case=case).exclude(state__in=(SurveyState.DONE, SurveyState.CANCELLED)).first()
        )
    return survey


def _survey_move(survey: SurveyRequest, sources: tuple[str, ...], to: str, **fields: Any) -> None:
    if survey.state not in sources or not SurveyRequest.objects.filter(
        pk=survey.pk, version=survey.version, state__in=sources
    ).update(state=to, version=F("version") + 1, **fields):
        _refuse("survey", "stale", _("This survey changed a moment ago; reload the page."))
    survey.state, survey.version = to, survey.version + 1
    for k, v in fields.items():
        setattr(survey, k, v)


def _case_who(by: By, role: str, organisation_id: int | None) -> Any:
    from yiwang.cases.services import Who

    return Who(user=by.user, name=by.name, role=role, organisation_id=organisation_id, channel=by.channel)


def propose_survey(
    survey: SurveyRequest,
    options: Sequence[tuple[Any, Any]],
    by: By,
    *,
    role: str,
    address: str = "",
    note: str = "",
) -> SurveyRequest:
    """The reviewer proposes survey times; the case's clock stops (special procedure "survey") until the result."""
    from yiwang.cases import services as cases
    from yiwang.cases.models import State

    now = timezone.now()
    problems: list[Problem] = []
    parsed: list[tuple[dt.datetime, dt.datetime]] = []
    if not options:
        problems.append(Problem("options", _("Propose at least one time."), "required"))
    if len(options) > SURVEY_OPTIONS_MAX:
        problems.append(Problem("options", _("Propose at most 5 times."), "too_many"))
    for i, (a, b) in enumerate(options):
        start, end = _aware(a), _aware(b)
        if start is None or end is None:
            problems.append(Problem(f"options.{i}", _("Enter a date and time, e.g. 2026-12-08 09:30."), "invalid"))
            continue
        if end <= start:
            problems.append(Problem(f"options.{i}", _("The end must be after the start."), "order"))
        elif start <= now:
            problems.append(Problem(f"options.{i}", _("A proposed time must be in the future."), "past"))
        elif start > now + dt.timedelta(days=SURVEY_DAYS_AHEAD):
            problems.append(Problem(f"options.{i}", _("Propose times within the next 60 days."), "too_far"))
        else:
            parsed.append((start, end))
    if not address.strip():
        problems.append(Problem("address", _("Give the address of the site to survey."), "required"))
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        case = survey.case
        case.refresh_from_db()
        _survey_move(
            survey,
            (SurveyState.TO_PROPOSE, SurveyState.PROPOSED),
            SurveyState.PROPOSED,
            proposed_by=by.user if by.user_id else None,
            proposed_at=now,
            address=address.strip()[:300],
            note=note.strip()[:500],
        )
        SurveyOption.objects.filter(survey=survey).delete()
        SurveyOption.objects.bulk_create([SurveyOption(survey=survey, starts_at=a, ends_at=b) for a, b in parsed])
        if not survey.suspended and case.state == State.IN_PROGRESS:
            last = max(timezone.localtime(b).date() for _a, b in parsed)
            cases.suspend(
                case,
                _case_who(by, role, survey.organisation_id),
                kind="survey",
                reason=gettext("On-site survey: waiting for the survey at %(address)s") % {"address": address.strip()},
                expected_end=last,
            )
            SurveyRequest.objects.filter(pk=survey.pk).update(suspended=True)
            survey.suspended = True
        _event(
            "survey_propose",
            by,
            hall_id=None,
            survey=survey,
            from_state=SurveyState.TO_PROPOSE,
            to_state=SurveyState.PROPOSED,
            data={"options": [a.isoformat() for a, _b in parsed]},
        )
        transaction.on_commit(lambda: _tell_survey_proposed(survey.pk))
    return survey


def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def survey_token(survey: SurveyRequest) -> str:
    """A signed link for the applicant's SMS (no sign-in needed to pick a time; valid 30 days)."""
    from django.core import signing

    return signing.dumps({"s": survey.pk, "v": survey.case_id}, salt="halls.survey")


def survey_from_token(token: str) -> SurveyRequest | None:
    from django.core import signing

    try:
        data = signing.loads(token, salt="halls.survey", max_age=30 * 24 * 3600)
    except signing.BadSignature:
        return None
    return SurveyRequest.objects.filter(pk=data.get("s"), case_id=data.get("v")).first()


def _tell_survey_proposed(survey_id: int) -> None:
    from django.conf import settings
    from django.urls import reverse

    survey = SurveyRequest.objects.select_related("case__person").filter(pk=survey_id).first()
    if survey is None:
        return
    link = settings.SITE_URL + reverse("halls:survey_token", args=[survey_token(survey)])
    with translation.override("zh-hans"):
        text = gettext("Case %(number)s (%(item)s) needs an on-site survey. Choose a time here: %(link)s") % {
            "number": survey.case_number,
            "item": survey.item_name,
            "link": link,
        }
    _sms(survey.case.person.phone, text)


def choose_survey_time(survey: SurveyRequest, option_id: int, by: By) -> SurveyRequest:
    """The applicant picks one of the proposed times (page, phone, or the SMS link)."""
    option = SurveyOption.objects.filter(survey=survey, pk=option_id).first()
    if option is None:
        _refuse("option", "invalid", _("Choose one of the proposed times."))
    if option.starts_at <= timezone.now():
        _refuse("option", "past", _("This time has passed; choose a later one or call the department."))
    with transaction.atomic():
        _survey_move(
            survey,
            (SurveyState.PROPOSED, SurveyState.SCHEDULED),
            SurveyState.SCHEDULED,
            chosen=option,
            chosen_at=timezone.now(),
            chosen_via=by.channel[:10],
        )
        _event(
            "survey_choose",
            by,
            hall_id=None,
            survey=survey,
            to_state=SurveyState.SCHEDULED,
            data={"starts_at": option.starts_at.isoformat()},
        )
    return survey


def _read_photo(upload: Any) -> tuple[bytes, str, str]:
    size = getattr(upload, "size", None)
    if size is not None and size > PHOTO_MAX_BYTES:
        _refuse("photos", "too_large", _("A photo is larger than 10 MB."))
    content = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    if len(content) > PHOTO_MAX_BYTES:
        _refuse("photos", "too_large", _("A photo is larger than 10 MB."))
    if content.startswith(b"\xff\xd8\xff"):
        return content, "image/jpeg", "jpg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return content, "image/png", "png"
    _refuse("photos", "type", _("Photos must be JPEG or PNG images."))


def record_survey_result(
    survey: SurveyRequest,
    by: By,
    *,
    role: str,
    conclusion: str,
    findings: str,
    photos: Sequence[Any] = (),
    captions: Sequence[str] = (),
) -> SurveyRequest:
    """The survey's conclusion, findings and photos; the case's clock runs again (special procedure ended)."""
    from yiwang.cases import services as cases
    from yiwang.cases.models import State

    problems: list[Problem] = []
    if conclusion not in SurveyConclusion.values:
        problems.append(Problem("conclusion", _("Choose the survey's conclusion."), "invalid"))
    if not findings.strip():
        problems.append(Problem("findings", _("Write what the survey found."), "required"))
    if len(photos) > PHOTOS_MAX:
        problems.append(Problem("photos", _("At most 12 photos per survey."), "too_many"))
    read: list[tuple[bytes, str, str]] = []
    for upload in photos:
        try:
            read.append(_read_photo(upload))
        except ProblemsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    stored: list[SurveyPhoto] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            _survey_move(
                survey,
                (SurveyState.PROPOSED, SurveyState.SCHEDULED),
                SurveyState.DONE,
                conclusion=conclusion,
                findings=findings.strip(),
                recorded_by=by.user if by.user_id else None,
                recorded_at=now,
            )
            for i, (content, ctype, ext) in enumerate(read):
                digest = hashlib.sha256(content).hexdigest()
                photo = SurveyPhoto(
                    survey=survey,
                    content_type=ctype,
                    size=len(content),
                    sha256=digest,
                    caption=(captions[i] if i < len(captions) else "")[:200],
                    uploaded_by=by.user if by.user_id else None,
                )
                photo.file.save(f"{digest[:16]}.{ext}", ContentFile(content), save=False)
                stored.append(photo)
                photo.save()
            case = survey.case
            case.refresh_from_db()
            if survey.suspended and case.state == State.SUSPENDED:
                label = str(SurveyConclusion(conclusion).label)
                cases.resume(
                    case,
                    _case_who(by, role, survey.organisation_id),
                    result=gettext("On-site survey done: %(conclusion)s. %(findings)s")
                    % {"conclusion": label, "findings": findings.strip()[:300]},
                )
            _event(
                "survey_result",
                by,
                hall_id=None,
                survey=survey,
                to_state=SurveyState.DONE,
                data={"conclusion": conclusion, "photos": len(read)},
            )
    except Exception:
        for photo in stored:
            photo.file.delete(save=False)
        raise
    return survey


def cancel_open_surveys(case: Any, reason: str) -> int:
    """The case ended (withdrawn, voided, concluded): its open surveys are cancelled."""
    done = 0
    for survey in SurveyRequest.objects.filter(
        case=case, state__in=(SurveyState.TO_PROPOSE, SurveyState.PROPOSED, SurveyState.SCHEDULED)
    ):
        with transaction.atomic():
            if SurveyRequest.objects.filter(pk=survey.pk, version=survey.version).update(
                state=SurveyState.CANCELLED, version=F("version") + 1
            ):
                _event(
                    "survey_cancel",
                    SYSTEM,
                    hall_id=None,
                    survey=survey,
                    to_state=SurveyState.CANCELLED,
                    data={"reason": reason},
                )
                done += 1
    return done
