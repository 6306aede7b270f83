"""Ratings (好差评), rectification of bad reviews (差评整改), appeals (申诉复核), complaints and suggestions (投诉建议).

Only `services.py` writes these tables; every change also writes a `RatingEvent` (append-only) in the same
transaction. Statistics are read from `Rollup` (per day and per month, per department, item, hall, window and staff
member), kept up to date by the same transactions, so no page ever counts ratings.

Ratings reference cases, items, organisations, halls and windows but never change them; what ratings needs to
know about a case (its department, item, hall, the staff who acted, when it concluded) is copied into
`CaseRecord` when the case's events arrive (subscriber.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.storage import private_storage

from .standard import CallbackChannel, CallbackOutcome, Category, Channel, Level, Mode, Stage


class Kind(models.TextChoices):
    CASE = "case", _("Case (一事一评)")
    VISIT = "visit", _("Hall visit (一次一评)")


class Rating(models.Model):
    """One evaluation by one person (or an anonymous visitor) of one case at one stage, or of one hall visit."""

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    mode = models.CharField(_("indicator set"), max_length=8, choices=Mode.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    indicators = models.JSONField(_("indicators"), default=dict)
    reasons = models.JSONField(_("reasons"), default=list)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    is_default = models.BooleanField(_("default rating"), default=False)
    # The rater: a person (real name), acting for an enterprise or not; both empty = anonymous (on-site only).
    person = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("rater")
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    case_number = models.CharField(_("case number"), max_length=24, blank=True)
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    item_version = models.PositiveIntegerField(null=True, blank=True)
    item_name = models.CharField(_("item"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible department")
    )
    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    window = models.ForeignKey("orgs.Window", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A hall visit: "<source>:<ticket>" from a visit source (halls), unique: one rating per visit.
    visit_key = models.CharField(max_length=80, blank=True)
    pad = models.ForeignKey("Pad", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    work_order = models.CharField(_("12345 work order"), max_length=40, blank=True)
    # Who typed it when not the rater: a 12345 operator; or the machine client that sent it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        "identity.MachineClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)
    day = models.DateField(_("day"), db_index=True)
    # In the statistics: not replaced by a later stage of the same case, and not removed by an upheld appeal.
    counted = models.BooleanField(default=True)
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    excluded = models.BooleanField(_("removed from statistics (appeal upheld)"), default=False)

    class Meta:
        ordering = ["-rated_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            # 一事一评: one rating per case and stage, whoever sends it and through whichever channel.
            models.UniqueConstraint(
                fields=["case", "stage"], condition=Q(kind="case"), name="rating_once_per_case_stage"
            ),
            # 一次一评: one rating per hall visit.
            models.UniqueConstraint(fields=["visit_key"], condition=~Q(visit_key=""), name="rating_once_per_visit"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["person", "-rated_at"], name="rating_person_recent"),
            models.Index(fields=["organisation", "-rated_at"], name="rating_org_recent"),
            models.Index(fields=["case", "stage"], name="rating_case_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number or self.visit_key or self.pk} {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level <= 2

    @property
    def anonymous(self) -> bool:
        return self.person_id is None


class RatingStaff(models.Model):
    """A staff member whose work the rating judges: the clerk and reviewers of the case, or the window's clerk."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rating", "user"], name="rating_staff_once")]
        indexes = [models.Index(fields=["user", "rating"], name="rating_staff_user")]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.name}"


class RectState(models.TextChoices):
    OPEN = "open", _("Awaiting callback")
    VERIFIED = "verified", _("Called back, awaiting classification")
    CLASSIFIED = "classified", _("Being rectified")
    SUBMITTED = "submitted", _("Awaiting the supervisor's review")
    APPEALED = "appealed", _("Appeal awaiting decision")
    CLOSED = "closed", _("Rectified and closed")
    EXCLUDED = "excluded", _("Appeal upheld: removed from statistics")


OPEN_RECT_STATES = (RectState.OPEN, RectState.VERIFIED, RectState.CLASSIFIED, RectState.SUBMITTED, RectState.APPEALED)


class Rectification(models.Model):
    """The department's answer to one real-name bad review: callback, classification, rectification, review."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible department")
    )
    division_path = models.CharField(max_length=120, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=12, choices=RectState.choices, default=RectState.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due = models.DateField(_("due"))
    # The urgency last announced (ok, warn, over), so a sweep emits each warning once.
    warning = models.CharField(max_length=8, default="ok")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, blank=True)
    finding = models.TextField(_("finding"), blank=True)
    measures = models.TextField(_("what was done"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    on_time = models.BooleanField(null=True)
    review_opinion = models.TextField(_("review opinion"), blank=True)
    returned = models.PositiveSmallIntegerField(default=0)
    person_told_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [
            models.Index(fields=["organisation", "state", "due"], name="rect_org_state_due"),
            models.Index(fields=["state", "due"], name="rect_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_RECT_STATES


class Callback(models.Model):
    """A call (or message, or visit) to the person who gave the bad review: when, how, and what came of it."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="callbacks")
    at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=10, choices=CallbackChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallbackOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_name = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rectification", "at", "id"]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.outcome}"


class RectificationFile(models.Model):
    """Evidence of what was done (a photo, a revised guide, a notice), kept in private storage."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="ratings/%Y/%m/", storage=private_storage, max_length=300)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rectification", "id"]

    def __str__(self) -> str:
        return self.name


class AppealKind(models.TextChoices):
    MISTAKEN = "mistaken", _("Mistaken: not about this department's service")
    MALICIOUS = "malicious", _("Malicious or false")


class AppealState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Appeal(models.Model):
    """申诉复核: the department asks the supervising office to remove a mistaken or malicious review."""

    rectification = models.OneToOneField(Rectification, on_delete=models.PROTECT, related_name="appeal")
    kind = models.CharField(_("kind"), max_length=10, choices=AppealKind.choices)
    reason = models.TextField(_("reason"))
    filed_at = models.DateTimeField(default=timezone.now)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state_before = models.CharField(max_length=12)
    state = models.CharField(_("state"), max_length=10, choices=AppealState.choices, default=AppealState.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("decision"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "filed_at"], name="appeal_state")]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.state}"


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")


class About(models.TextChoices):
    CASE = "case", _("A case")
    WINDOW = "window", _("A window")
    STAFF = "staff", _("A staff member")
    PLATFORM = "platform", _("The platform")


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", _("Received, awaiting verification")
    VERIFIED = "verified", _("Verified, being handled")
    HANDLED = "handled", _("Handled, reply being written")
    REPLIED = "replied", _("Replied, awaiting review")
    CLOSED = "closed", _("Closed")


OPEN_COMPLAINT_STATES = (
    ComplaintState.SUBMITTED,
    ComplaintState.VERIFIED,
    ComplaintState.HANDLED,
    ComplaintState.REPLIED,
)


class Complaint(models.Model):
    """A complaint or suggestion about a case, a window, a staff member or the platform, routed to a department."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ComplaintKind.choices)
    about = models.CharField(_("about"), max_length=10, choices=About.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    case_number = models.CharField(max_length=24, blank=True)
    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    window = models.ForeignKey("orgs.Window", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff_name = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    work_order = models.CharField(_("12345 work order"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible department")
    )
    division_path = models.CharField(max_length=120, db_index=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=ComplaintState.choices, default=ComplaintState.SUBMITTED
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    day = models.DateField()
    due = models.DateField(_("due"))
    warning = models.CharField(max_length=8, default="ok")
    verify_note = models.TextField(_("verification"), blank=True)
    handling = models.TextField(_("handling"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("review"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("complaint or suggestion")
        verbose_name_plural = _("complaints and suggestions")
        indexes = [
            models.Index(fields=["organisation", "state", "due"], name="complaint_org_state_due"),
            models.Index(fields=["person", "-filed_at"], name="complaint_person_recent"),
            models.Index(fields=["state", "due"], name="complaint_state_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_COMPLAINT_STATES


class RatingEvent(models.Model):
    """Append-only: who did what to a rating, a rectification, an appeal or a complaint, when and through which
    channel."""

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="rating_event_at")]

    def __str__(self) -> str:
        return f"{self.pk} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("rating events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("rating events are append-only")


class CaseRecord(models.Model):
    """What ratings knows of a case, from its events: department, item, hall, the staff who acted, and when it was
    accepted and concluded (for 未评价率: concluded cases nobody rated)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    hall = models.ForeignKey("orgs.Hall", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff_ids = models.JSONField(default=list)
    accepted_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_day = models.DateField(null=True, blank=True)
    # A person (not the default) rated it at some stage.
    rated = models.BooleanField(default=False)
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The daily default-rating sweep: concluded, unrated cases, oldest first.
            models.Index(
                fields=["concluded_day"], condition=Q(rated=False, concluded_day__isnull=False), name="caserec_unrated"
            )
        ]

    def __str__(self) -> str:
        return str(self.case_id)


class HandledEvent(models.Model):
    """Case events already taken into account (the subscriber is idempotent on the event id)."""

    event_id = models.BigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.event_id)


class Invite(models.Model):
    """An SMS invitation to rate: a signed, one-use link to one stage of one case for its applicant."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="invite_once_per_case_stage")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"


class Pad(models.Model):
    """A window's rating pad (评价器): a tablet bound to one window by a secret link a clerk made for it."""

    window = models.ForeignKey("orgs.Window", on_delete=models.PROTECT, related_name="+", verbose_name=_("window"))
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=60, blank=True)
    # Who serves at the window while the pad shows no visit of its own (the clerk who set it up, or a later one).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_rating_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rating pad")
        verbose_name_plural = _("rating pads")

    def __str__(self) -> str:
        return f"{self.window_id} {self.label}"


class Period(models.TextChoices):
    DAY = "d", _("Day")
    MONTH = "m", _("Month")


class Dim(models.TextChoices):
    DEPARTMENT = "dept", _("Department")
    ITEM = "item", _("Item")
    HALL = "hall", _("Hall")
    WINDOW = "window", _("Window")
    STAFF = "staff", _("Staff member")


# The counters of a rollup row, in column order (rollup.py adds to them; stats.py derives the rates).
COUNTERS: tuple[str, ...] = (
    "level5",
    "level4",
    "level3",
    "level2",
    "level1",
    "active",  # counted ratings a person gave (not the default)
    "active_good",
    "defaults",
    *(
        f"{prefix}_{code}"
        for code in (
            "overall",
            "efficiency",
            "guide_accuracy",
            "convenience",
            "usability",
            "service_efficiency",
            "service_level",
            "attitude",
        )
        for prefix in ("isum", "icnt")
    ),
    "bad_named",  # real-name bad reviews (each opens a rectification)
    "rectified",
    "rectified_on_time",
    "appeals",
    "appeals_upheld",
    "excluded",
    "concluded",  # cases concluded (for 未评价率)
    "rated_concluded",  # of those, rated by a person
    "complaints",
    "complaints_closed",
)


class Rollup(models.Model):
    """Figures of one day (or one month) for one department, item, hall, window or staff member.

    Every counter is changed only by adding to it (INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c), in
    the transaction that changes the rating, so the figures agree with the ratings whatever the concurrency and
    without any page counting ratings.
    """

    period = models.CharField(max_length=1, choices=Period.choices)
    day = models.DateField()  # the day, or the first of the month
    dim = models.CharField(max_length=6, choices=Dim.choices)
    key = models.BigIntegerField()
    level5 = models.IntegerField(default=0)
    level4 = models.IntegerField(default=0)
    level3 = models.IntegerField(default=0)
    level2 = models.IntegerField(default=0)
    level1 = models.IntegerField(default=0)
    active = models.IntegerField(default=0)
    active_good = models.IntegerField(default=0)
    defaults = models.IntegerField(default=0)
    isum_overall = models.IntegerField(default=0)
    icnt_overall = models.IntegerField(default=0)
    isum_efficiency = models.IntegerField(default=0)
    icnt_efficiency = models.IntegerField(default=0)
    isum_guide_accuracy = models.IntegerField(default=0)
    icnt_guide_accuracy = models.IntegerField(default=0)
    isum_convenience = models.IntegerField(default=0)
    icnt_convenience = models.IntegerField(default=0)
    isum_usability = models.IntegerField(default=0)
    icnt_usability = models.IntegerField(default=0)
    isum_service_efficiency = models.IntegerField(default=0)
    icnt_service_efficiency = models.IntegerField(default=0)
    isum_service_level = models.IntegerField(default=0)
    icnt_service_level = models.IntegerField(default=0)
    isum_attitude = models.IntegerField(default=0)
    icnt_attitude = models.IntegerField(default=0)
    bad_named = models.IntegerField(default=0)
    rectified = models.IntegerField(default=0)
    rectified_on_time = models.IntegerField(default=0)
    appeals = models.IntegerField(default=0)
    appeals_upheld = models.IntegerField(default=0)
    excluded = models.IntegerField(default=0)
    concluded = models.IntegerField(default=0)
    rated_concluded = models.IntegerField(default=0)
    complaints = models.IntegerField(default=0)
    complaints_closed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dim", "key", "period", "day"], name="rollup_one_row"),
        ]
        indexes = [models.Index(fields=["dim", "period", "day"], name="rollup_dim_period_day")]

    def __str__(self) -> str:
        return f"{self.dim}:{self.key} {self.period}{self.day}"


class ExportState(models.TextChoices):
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportRun(models.Model):
    """One day's ratings handed to the provincial 好差评 system (or why not)."""

    day = models.DateField()
    provider = models.CharField(max_length=40)
    state = models.CharField(max_length=8, choices=ExportState.choices)
    count = models.PositiveIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)
    location = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["day", "provider"], name="export_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.provider} {self.state}"
