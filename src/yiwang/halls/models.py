"""Service halls (政务服务大厅): opening hours, business lines, what each window serves, appointments, queue tickets,
on-site surveys, and the append-only log of everything that happened in a hall.

Halls and windows themselves live in `orgs` (Hall, Window); this module adds its own tables around them and never
changes theirs. Only `services.py` writes these tables (the admin edits the static configuration: hours, lines,
window service sets). Two rules the database itself enforces, whatever the concurrency:

- a slot never holds more people than it has seats: each seat is a row, taken by a conditional UPDATE that only
  matches a free seat (`services._claim_seats`), so two people can never take the last one;
- a queue number is never issued twice: (line, day, serial) is unique and the serial comes from an upsert on a
  counter row; and a window never holds two tickets at once (partial unique index on the window's current ticket).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRTUWXY23456789"


def new_key(length: int = 22) -> str:
    """An unguessable key for URLs that open without sign-in (a kiosk, a ticket's phone page)."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


def new_code(length: int = 8) -> str:
    """A short appointment code people read aloud or type at a kiosk (no 0/O, 1/I/L, S/5 confusion)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class HallKind(models.TextChoices):
    CENTER = "center", _("Government service centre")
    SERVICE_POINT = "service_point", _("Service point (township, village)")
    BANK = "bank", _("Bank outlet")


class HallProfile(models.Model):
    """How one hall (orgs.Hall) takes appointments and numbers: the rules its manager sets."""

    hall = models.OneToOneField(
        "orgs.Hall", on_delete=models.CASCADE, primary_key=True, related_name="profile", verbose_name=_("hall")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=HallKind.choices, default=HallKind.CENTER)
    is_active = models.BooleanField(_("takes appointments and numbers"), default=True)
    slot_minutes = models.PositiveSmallIntegerField(_("appointment slot length (minutes)"), default=30)
    book_days_ahead = models.PositiveSmallIntegerField(_("bookable days ahead"), default=14)
    daily_limit = models.PositiveSmallIntegerField(
        _("appointments per person per day"), default=2, help_text=_("Across every hall, counted by the booker.")
    )
    max_party = models.PositiveSmallIntegerField(_("persons per appointment"), default=5)
    hold_minutes = models.PositiveSmallIntegerField(_("minutes a chosen slot is held"), default=10)
    cancel_cutoff_minutes = models.PositiveIntegerField(
        _("cancel or change until (minutes before the slot)"), default=120
    )
    checkin_early_minutes = models.PositiveSmallIntegerField(_("check-in opens (minutes before the slot)"), default=30)
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows before booking is limited"), default=3, help_text=_("0 turns the limit off.")
    )
    no_show_window_days = models.PositiveSmallIntegerField(_("no-shows counted over (days)"), default=90)
    no_show_block_days = models.PositiveSmallIntegerField(_("booking limited for (days)"), default=30)
    makeup_day_weekday = models.PositiveSmallIntegerField(
        _("make-up working days follow the hours of"),
        default=0,
        help_text=_("0 Monday … 6 Sunday: an official make-up working day (调休) opens with that weekday's hours."),
    )
    queue_outside_hours = models.BooleanField(
        _("numbers may be taken outside opening hours"),
        default=False,
        help_text=_("Normally numbers are issued only while the hall is open."),
    )
    kiosk_key = models.CharField(_("kiosk key"), max_length=32, unique=True, default=new_key)

    class Meta:
        verbose_name = _("hall settings")
        verbose_name_plural = _("hall settings")

    def __str__(self) -> str:
        return str(self.hall)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class OpeningHours(models.Model):
    """One opening session of a weekday (a hall may open 9:00–12:00 and 13:30–17:00)."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["hall", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="halls_hours_opens_before_closes"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="halls_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class HoursException(models.Model):
    """A date that differs: closed all day, closed for part of it, or open outside the usual hours."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="hours_exceptions")
    date = models.DateField(_("date"))
    is_open = models.BooleanField(_("open (extra hours)"), default=False)
    opens = models.TimeField(_("from"), null=True, blank=True)
    closes = models.TimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["hall", "date", "opens"]
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        indexes = [models.Index(fields=["hall", "date"], name="halls_exception_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class BusinessLine(models.Model):
    """A queue of a hall (综合受理, 不动产, 社保, 出件, 帮办): its letter prefixes the numbers (A001)."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="lines", verbose_name=_("hall"))
    code = models.CharField(_("letter"), max_length=2)
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    service_minutes = models.PositiveSmallIntegerField(
        _("average service time (minutes)"), default=15, help_text=_("Sets how many people a slot takes per window.")
    )
    bookable = models.BooleanField(_("takes appointments"), default=True)
    daily_cap = models.PositiveIntegerField(_("numbers per day (0: no limit)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["hall", "order", "code"]
        verbose_name = _("business line")
        verbose_name_plural = _("business lines")
        constraints = [models.UniqueConstraint(fields=["hall", "code"], name="halls_line_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WindowLine(models.Model):
    """A window calls the tickets of these lines."""

    window = models.ForeignKey("orgs.Window", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(BusinessLine, on_delete=models.CASCADE, related_name="window_links")

    class Meta:
        verbose_name = _("line a window calls")
        verbose_name_plural = _("lines windows call")
        constraints = [models.UniqueConstraint(fields=["window", "line"], name="halls_window_line_once")]

    def __str__(self) -> str:
        return f"{self.window_id} → {self.line}"


class WindowItem(models.Model):
    """A window's service set (进驻事项): the items it handles, so a guide says where an item is handled."""

    window = models.ForeignKey("orgs.Window", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("item a window handles")
        verbose_name_plural = _("items windows handle")
        constraints = [models.UniqueConstraint(fields=["window", "item"], name="halls_window_item_once")]
        indexes = [models.Index(fields=["item", "window"], name="halls_item_windows")]

    def __str__(self) -> str:
        return f"{self.window_id} · {self.item_id}"


class WindowStatus(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")


class WindowState(models.Model):
    """Who sits at a window now and whether it calls; `free_since` measures idle time between tickets."""

    window = models.OneToOneField("orgs.Window", on_delete=models.CASCADE, primary_key=True, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=WindowStatus.choices, default=WindowStatus.CLOSED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    free_since = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("window state")
        verbose_name_plural = _("window states")
        constraints = [
            # A clerk sits at one window at a time.
            models.UniqueConstraint(fields=["user"], condition=~Q(status="closed"), name="halls_one_window_per_clerk")
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.status}"


# --- appointments ---------------------------------------------------------------------------------------------------


class Slot(models.Model):
    """One bookable period of a line, created when first held or booked; its seats are its capacity."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(BusinessLine, on_delete=models.CASCADE, related_name="slots")
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))

    class Meta:
        ordering = ["line", "starts_at"]
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        constraints = [models.UniqueConstraint(fields=["line", "starts_at"], name="halls_slot_once")]
        indexes = [models.Index(fields=["hall", "date"], name="halls_slot_day")]

    def __str__(self) -> str:
        return f"{self.line} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class Hold(models.Model):
    """Seats kept for a person finishing the booking form; worthless once `expires_at` has passed."""

    token = models.CharField(max_length=32, unique=True, default=new_key)
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="holds")
    seats = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="halls_hold_user")]

    def __str__(self) -> str:
        return self.token

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    SERVED = "served", _("Served")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


class Appointment(models.Model):
    """A visit booked for one or several items and one or several persons (a family, an enterprise's agent)."""

    code = models.CharField(_("appointment code"), max_length=12, unique=True, default=new_code)
    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    line = models.ForeignKey(BusinessLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("line"))
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The booker: a person, or a person acting for an enterprise.
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # [{"name": "张三"}, ...]: who comes; one seat each.
    attendees = models.JSONField(_("persons"), default=list)
    party_size = models.PositiveSmallIntegerField(_("persons"), default=1)
    items = models.ManyToManyField("catalog.ServiceItem", related_name="+", verbose_name=_("items"))
    item_names = models.JSONField(default=list)
    channel = models.CharField(_("channel"), max_length=10)
    state = models.CharField(
        _("state"), max_length=10, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    created_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Linked when a case is applied for from (or handled at) this visit; set by another round's flows.
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["person", "starts_at"], name="halls_appt_person"),
            models.Index(fields=["state", "starts_at"], name="halls_appt_state"),
            models.Index(fields=["hall", "starts_at"], name="halls_appt_hall"),
        ]

    def __str__(self) -> str:
        return self.code


class Seat(models.Model):
    """One place in a slot: free, held until `held_until`, or taken by an appointment."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="seats")
    number = models.PositiveSmallIntegerField()
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="seats")
    hold = models.ForeignKey(Hold, on_delete=models.SET_NULL, null=True, blank=True, related_name="seat_rows")
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot", "number"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "number"], name="halls_seat_once"),
            models.CheckConstraint(
                condition=Q(appointment__isnull=True) | Q(hold__isnull=True), name="halls_seat_held_or_taken"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot_id}#{self.number}"


class DailyQuota(models.Model):
    """Appointments a person holds on one day: raised by a conditional UPDATE that refuses past the limit."""

    person = models.ForeignKey("identity.Person", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "date"], name="halls_quota_once")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.date} {self.booked}"


# --- queue tickets --------------------------------------------------------------------------------------------------


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    PHONE = "phone", _("Phone (hall QR code)")
    APPOINTMENT = "appointment", _("Appointment check-in")
    DESK = "desk", _("Front desk")


class PriorityGroup(models.TextChoices):
    NONE = "", _("None")
    ELDERLY = "elderly", _("Elderly (65 and over)")
    DISABLED = "disabled", _("Person with a disability")
    PREGNANT = "pregnant", _("Pregnant or with an infant")
    MILITARY = "military", _("Serviceman or veteran")


class TicketState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    FINISHED = "finished", _("Finished")
    NO_SHOW = "no_show", _("Did not come when called")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Not served (day ended)")


ACTIVE_TICKET_STATES = (TicketState.WAITING, TicketState.CALLED, TicketState.SERVING)


class TicketCounter(models.Model):
    """The last serial issued per line and day (upserted, so the row lock lasts one statement)."""

    line = models.ForeignKey(BusinessLine, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "day"], name="halls_counter_once")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.day} {self.value}"


class Ticket(models.Model):
    """A queue number (取号): who took it where, and every time it reached a window."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(BusinessLine, on_delete=models.PROTECT, related_name="tickets")
    first_line = models.ForeignKey(BusinessLine, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    serial = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=12)
    key = models.CharField(max_length=32, unique=True, default=new_key)
    source = models.CharField(_("taken at"), max_length=12, choices=TicketSource.choices)
    priority_group = models.CharField(
        _("priority group"), max_length=10, choices=PriorityGroup.choices, blank=True, default=""
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    # The booked slot of a checked-in appointment: within it the ticket goes first.
    booked_from = models.DateTimeField(null=True, blank=True)
    booked_until = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey("identity.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Who holds the number (a signed-in person "p:<id>" or a browser session "s:<hash>"): one live ticket per hall.
    holder = models.CharField(max_length=80, blank=True)
    client_ref = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TicketState.choices, default=TicketState.WAITING)
    version = models.PositiveIntegerField(default=0)
    window = models.ForeignKey("orgs.Window", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A transfer to one window: only that window calls it.
    target_window = models.ForeignKey("orgs.Window", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)  # arrival order; a transfer keeps it
    called_at = models.DateTimeField(null=True, blank=True)  # first call
    last_called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(default=0)
    transfers = models.PositiveSmallIntegerField(default=0)
    # Seconds the window stood open and free before calling this ticket.
    idle_before_seconds = models.PositiveIntegerField(null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["hall", "day", "queued_at", "id"]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        constraints = [
            models.UniqueConstraint(fields=["first_line", "day", "serial"], name="halls_ticket_serial_once"),
            models.UniqueConstraint(fields=["hall", "day", "number"], name="halls_ticket_number_once"),
            models.UniqueConstraint(
                fields=["window"], condition=Q(state__in=["called", "serving"]), name="halls_one_ticket_per_window"
            ),
            models.UniqueConstraint(
                fields=["hall", "holder"],
                condition=Q(state__in=["waiting", "called", "serving"]) & ~Q(holder=""),
                name="halls_one_live_ticket_per_holder",
            ),
            models.UniqueConstraint(
                fields=["hall", "client_ref"], condition=~Q(client_ref=""), name="halls_ticket_ref"
            ),
        ]
        indexes = [
            models.Index(fields=["line", "queued_at"], condition=Q(state="waiting"), name="halls_ticket_waiting"),
            # The few that go first (booked, priority groups): call-next reads them before the plain queue.
            models.Index(
                fields=["line", "queued_at"],
                condition=Q(state="waiting") & (~Q(priority_group="") | Q(booked_from__isnull=False)),
                name="halls_ticket_waiting_first",
            ),
            models.Index(fields=["hall", "day", "state"], name="halls_ticket_day"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def wait_seconds(self) -> int | None:
        """Taken → first called."""
        return _seconds(self.taken_at, self.called_at)

    @property
    def walk_seconds(self) -> int | None:
        """Last called → service started (walking to the window)."""
        return _seconds(self.last_called_at, self.started_at)

    @property
    def service_seconds(self) -> int | None:
        """Service started → finished."""
        return _seconds(self.started_at, self.finished_at)


def _seconds(a, b) -> int | None:
    if a is None or b is None:
        return None
    return max(0, int((b - a).total_seconds()))


# --- on-site surveys (现勘现审) --------------------------------------------------------------------------------------


class SurveyState(models.TextChoices):
    TO_PROPOSE = "to_propose", _("Waiting for proposed times")
    PROPOSED = "proposed", _("Times proposed, waiting for the applicant")
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Survey done")
    CANCELLED = "cancelled", _("Cancelled")


class SurveyConclusion(models.TextChoices):
    PASS = "pass", _("Meets the conditions")
    RECTIFY = "rectify", _("Meets the conditions after rectification")
    FAIL = "fail", _("Does not meet the conditions")


class SurveyRequest(models.Model):
    """An on-site survey of a case whose process has a survey step: proposed times, the choice, the result."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey("cases.CaseStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(max_length=24)
    item_name = models.CharField(max_length=200)
    applicant_name = models.CharField(max_length=200)
    state = models.CharField(_("state"), max_length=12, choices=SurveyState.choices, default=SurveyState.TO_PROPOSE)
    version = models.PositiveIntegerField(default=0)
    address = models.CharField(_("site address"), max_length=300, blank=True)
    note = models.CharField(_("note to the applicant"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    chosen = models.ForeignKey("SurveyOption", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    chosen_at = models.DateTimeField(null=True, blank=True)
    chosen_via = models.CharField(max_length=10, blank=True)
    # The clock stopped (cases special procedure "survey") while waiting for the survey.
    suspended = models.BooleanField(default=False)
    conclusion = models.CharField(_("conclusion"), max_length=8, choices=SurveyConclusion.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("on-site survey")
        verbose_name_plural = _("on-site surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=["to_propose", "proposed", "scheduled"]),
                name="halls_one_open_survey_per_case",
            )
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="halls_survey_queue")]

    def __str__(self) -> str:
        return f"{self.case_number} {self.state}"


class SurveyOption(models.Model):
    survey = models.ForeignKey(SurveyRequest, on_delete=models.CASCADE, related_name="options")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["survey", "starts_at"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class SurveyPhoto(models.Model):
    survey = models.ForeignKey(SurveyRequest, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="halls/surveys/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["survey", "id"]

    def __str__(self) -> str:
        return self.caption or self.file.name


# --- the log and the daily figures ----------------------------------------------------------------------------------


class HallEvent(models.Model):
    """Append-only: who did what in a hall (a ticket called, an appointment booked, a survey proposed), when, how."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=12, blank=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    survey = models.ForeignKey(SurveyRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    window = models.ForeignKey("orgs.Window", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["hall", "action", "-id"], name="halls_event_calls"),
            models.Index(fields=["at"], name="halls_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("hall events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("hall events are append-only")


class DayFigures(models.Model):
    """One line's day, rolled up from its tickets after the day (the manager's "over time" view reads these)."""

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(BusinessLine, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    issued = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    unserved = models.PositiveIntegerField(default=0)
    wait_seconds = models.PositiveBigIntegerField(default=0)
    waits = models.PositiveIntegerField(default=0)
    max_wait_seconds = models.PositiveIntegerField(default=0)
    walk_seconds = models.PositiveBigIntegerField(default=0)
    walks = models.PositiveIntegerField(default=0)
    service_seconds = models.PositiveBigIntegerField(default=0)
    services = models.PositiveIntegerField(default=0)
    idle_seconds = models.PositiveBigIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    appointments = models.PositiveIntegerField(default=0)
    appointment_no_shows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hall", "day", "line"]
        constraints = [models.UniqueConstraint(fields=["line", "day"], name="halls_figures_once")]
        indexes = [models.Index(fields=["hall", "day"], name="halls_figures_day")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.day}"


# --- assisted handling (帮办代办) and bank outlets (政银通办) -------------------------------------------------------


class StaffKind(models.TextChoices):
    HELPER = "helper", _("Helper (帮办代办)")
    BANK = "bank", _("Bank outlet staff (政银通办)")


class HallStaff(models.Model):
    """An account working at a service point as a helper, or at a bank outlet as its staff.

    Helpers and bank staff are not government employees with an organisation role: the hall's manager names them
    here (back office), and what they may do follows from the hall's kind (a helper at a service point, bank
    staff at a bank outlet). Ending the assignment (`ended_at`) ends every right at once.
    """

    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="+", verbose_name=_("hall"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=StaffKind.choices)
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("helper or bank outlet staff")
        verbose_name_plural = _("helpers and bank outlet staff")
        constraints = [models.UniqueConstraint(fields=["hall", "user", "kind"], name="halls_staff_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hall_id} ({self.kind})"


class BankItem(models.Model):
    """An item the city opened to bank outlets (政银通办): handled at their counters, and at their smart tellers
    when `self_service`."""

    item = models.OneToOneField(
        "catalog.ServiceItem", on_delete=models.CASCADE, related_name="+", verbose_name=_("service item")
    )
    self_service = models.BooleanField(_("on smart tellers too"), default=False)
    opened_at = models.DateTimeField(_("opened to bank outlets at"), default=timezone.now)

    class Meta:
        verbose_name = _("item opened to bank outlets")
        verbose_name_plural = _("items opened to bank outlets")

    def __str__(self) -> str:
        return str(self.item_id)


class SmartTeller(models.Model):
    """A bank outlet's smart teller: a machine client (scope halls:bank) standing in one bank outlet."""

    client = models.OneToOneField(
        "identity.MachineClient", on_delete=models.CASCADE, related_name="+", verbose_name=_("machine client")
    )
    hall = models.ForeignKey("orgs.Hall", on_delete=models.CASCADE, related_name="+", verbose_name=_("bank outlet"))

    class Meta:
        verbose_name = _("smart teller")
        verbose_name_plural = _("smart tellers")

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.hall_id}"


class ConsentMethod(models.TextChoices):
    SMS = "sms", _("SMS confirmation code")
    SIGNATURE = "signature", _("Signature")


class Consent(models.Model):
    """A person's consent that a helper applies for one item on their behalf (or their enterprise's).

    By SMS: a 6-digit code sent to the person's registered phone, stored hashed, valid 10 minutes, 5 tries. By
    signature: the person signs on the helper's screen (PNG kept as evidence). A consent serves one application
    (`case` is set in the submit transaction by a conditional update, so it is never used twice).
    """

    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, related_name="+")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item_code = models.CharField(_("item code"), max_length=40)
    method = models.CharField(_("method"), max_length=10, choices=ConsentMethod.choices)
    code_hash = models.CharField(max_length=128, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    signature = models.BinaryField(null=True, blank=True)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent to assisted handling")
        verbose_name_plural = _("consents to assisted handling")

    def __str__(self) -> str:
        return f"{self.method} {self.item_code} ({self.person_id})"


class AgencyProject(models.Model):
    """Free agency (代办) for an enterprise's project: an assigned helper follows it through its cases."""

    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    name = models.CharField(_("project"), max_length=200)
    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, related_name="+", verbose_name=_("service point"))
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned helper")
    )
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    closed_at = models.DateTimeField(_("project closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enterprise agency project (代办)")
        verbose_name_plural = _("enterprise agency projects (代办)")
        indexes = [models.Index(fields=["helper", "closed_at"], name="halls_project_helper")]

    def __str__(self) -> str:
        return self.name


class AssistedCase(models.Model):
    """Who helped, where and for whom: one row per case applied through a helper or at a bank outlet."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=StaffKind.choices)
    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, related_name="+", verbose_name=_("where"))
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        "identity.MachineClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    helper_name = models.CharField(_("helped by"), max_length=150)
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    project = models.ForeignKey(AgencyProject, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    pickup_here = models.BooleanField(_("result picked up here"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["person", "created_at"], name="halls_assisted_person"),
            models.Index(fields=["helper", "created_at"], name="halls_assisted_helper"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} @ {self.hall_id}"
