"""A case (办件), the steps it goes through, and the append-only log of everything that happened to it.

State lives on `Case` for fast lists; every change also writes a `CaseEvent` in the same transaction, and only
`services.py` changes either. Deadlines are derived (statutory and promised, per case and per step) from the item
version, the working-day calendar and the suspensions, and stored for lists and warnings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.storage import private_storage


class Channel(models.TextChoices):
    PORTAL = "portal", _("Online portal")
    MOBILE = "mobile", _("Mobile portal")
    WINDOW = "window", _("Comprehensive window")
    KIOSK = "kiosk", _("Self-service kiosk")
    API = "api", _("Department system (API)")
    HELPER = "helper", _("Assisted handling (帮办代办)")
    BANK = "bank", _("Bank outlet (政银通办)")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    CORRECTION = "correction", _("Awaiting correction")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    IN_PROGRESS = "in_progress", _("Being processed")
    SUSPENDED = "suspended", _("Special procedure (clock stopped)")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    VOIDED = "voided", _("Voided")


OPEN_STATES = (State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED)
CONCLUDED_STATES = (State.APPROVED, State.REFUSED)
FINAL_STATES = (State.NOT_ACCEPTED, State.APPROVED, State.REFUSED, State.WITHDRAWN, State.VOIDED)


class Delivery(models.TextChoices):
    PICKUP = "pickup", _("Pick up at a window")
    POST = "post", _("Express post")
    ELECTRONIC = "electronic", _("Electronic delivery")


class Case(models.Model):
    case_number = models.CharField(_("case number"), max_length=24, unique=True)
    query_code_hash = models.CharField(max_length=64, editable=False)
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    version = models.ForeignKey(
        "catalog.ItemVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("item version")
    )
    item_name = models.CharField(_("item"), max_length=200)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("handling organisation")
    )
    division_path = models.CharField(max_length=120, db_index=True, editable=False)
    # The applicant: a person, or an enterprise represented by a person (the agent), recorded on every event too.
    person = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("applicant or agent")
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applying legal person"),
    )
    applicant_name = models.CharField(_("applicant"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    hall = models.ForeignKey(
        "orgs.Hall", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("hall")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who the idempotency key belongs to ("u:<user id>" or "c:<machine client id>"), so keys never collide.
    idempotency_scope = models.CharField(max_length=24, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    form_data = models.JSONField(_("form"), default=dict)
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.SUBMITTED)
    # Optimistic-lock counter: bumped by every transition (the API returns it; clients may send it back).
    revision = models.PositiveIntegerField(default=1)
    # The sequence number of the case's last event (the next event is event_seq + 1, no query needed).
    event_seq = models.PositiveIntegerField(default=0, editable=False)
    # The query code, SM4-encrypted, kept for a short while (CASE_QUERY_CODE_RETRY_SECONDS) so that a retried
    # submission whose first answer was lost gives the same submitter the same code; then cleared.
    query_code_retry = models.CharField(max_length=120, blank=True, editable=False)
    query_code_retry_until = models.DateTimeField(null=True, blank=True, editable=False)

    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    deemed_accepted = models.BooleanField(
        _("accepted by law (no correction notice within 5 working days)"), default=False
    )
    acceptance_due = models.DateField(_("acceptance decision due"), null=True, blank=True)
    statutory_due = models.DateField(_("statutory deadline"), null=True, blank=True)
    promised_due = models.DateField(_("promised deadline"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    outcome_reason = models.TextField(_("reason"), blank=True)
    result_document = models.CharField(_("result"), max_length=200, blank=True)
    result_license = models.CharField(_("result e-license identifier"), max_length=120, blank=True)

    # How the applicant asked for the result (on the form; empty when not asked, e.g. the API): where the clerk's
    # delivery starts. The address is a copy of the address-book entry chosen, so deleting the entry changes nothing.
    delivery_choice = models.CharField(
        _("delivery chosen by the applicant"), max_length=12, choices=Delivery.choices, blank=True
    )
    delivery_choice_address = models.TextField(_("address chosen by the applicant"), blank=True)
    delivery = models.CharField(_("result delivery"), max_length=12, choices=Delivery.choices, blank=True)
    delivery_address = models.TextField(_("delivery address"), blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="case_idempotent_submission",
            )
        ]
        indexes = [
            # An applicant's own list, newest first.
            models.Index(fields=["person", "-submitted_at"], name="case_person_recent"),
            models.Index(fields=["enterprise", "-submitted_at"], name="case_enterprise_recent"),
            # A window's acceptance queue and supervision by organisation and state.
            models.Index(fields=["organisation", "state", "promised_due"], name="case_org_state_due"),
            models.Index(fields=["state", "acceptance_due"], name="case_state_acceptance_due"),
            # The window's "results to deliver" list and its count: concluded, not yet delivered, oldest first
            # (without it every workbench page of a clerk scanned the whole cases table, 1.9 s at a million).
            models.Index(
                fields=["concluded_at", "id", "organisation"],
                name="case_to_deliver",
                condition=models.Q(state__in=["approved", "refused"], delivered_at__isnull=True),
            ),
            # The periodic job that forgets the query codes kept for retries.
            models.Index(
                fields=["query_code_retry_until"],
                condition=~models.Q(query_code_retry=""),
                name="case_query_code_retry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.item_name}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class StepState(models.TextChoices):
    WAITING = "waiting", _("Not started")
    ACTIVE = "active", _("Waiting to be claimed")
    CLAIMED = "claimed", _("In hand")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned")
    SKIPPED = "skipped", _("Not needed")


class Decision(models.TextChoices):
    PASS = "pass", _("Agree")
    REJECT = "reject", _("Disagree")


class CaseStep(models.Model):
    """One back-office step (承办 → 审核 → 批准, or a countersignature) as the item's process defines it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=12)
    name = models.CharField(_("name"), max_length=60)
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20)
    days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=StepState.choices, default=StepState.WAITING)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    # Denormalised for the to-do list (one index, no join to cases): the applicant's and the item's names.
    case_number = models.CharField(max_length=24)
    item_name = models.CharField(max_length=200)
    applicant_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["case", "order"]
        indexes = [
            # Work queues: active or claimed steps of a role in an organisation, most urgent first.
            models.Index(fields=["organisation", "role", "state", "due"], name="step_queue"),
            # The to-do list: only open steps are indexed, in the order the list shows them.
            models.Index(
                fields=["role", "organisation", "due", "id"],
                condition=models.Q(state__in=["active", "claimed"]),
                name="step_open_queue",
            ),
            models.Index(fields=["assignee", "state", "due"], name="step_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} · {self.name}"


class SuspensionKind(models.TextChoices):
    HEARING = "hearing", _("Hearing")
    EXPERT = "expert", _("Expert review")
    TESTING = "testing", _("Testing, inspection or quarantine")
    SURVEY = "survey", _("On-site survey")
    TENDER = "tender", _("Tender or auction")
    OTHER = "other", _("Other special procedure")


class Suspension(models.Model):
    """A special procedure (特别程序): the clock stops from start to end; both days recorded."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(_("kind"), max_length=10, choices=SuspensionKind.choices)
    reason = models.TextField(_("reason"))
    started_on = models.DateField(_("started on"))
    expected_end = models.DateField(_("expected end"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["case", "started_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.started_on}"


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded")
    MY_SPACE = "my_space", _("From My Space")
    LICENSE = "license", _("E-license (no paper needed)")
    SHARED = "shared", _("Shared data from another department")
    PAPER = "paper", _("Paper, checked at the window")


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material_name = models.CharField(_("material"), max_length=200)
    catalog_material_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=MaterialSource.choices)
    # Private storage (core.storage): served only through the checked case pages.
    file = models.FileField(upload_to="cases/%Y/%m/", storage=private_storage, max_length=300, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    needs_correction = models.BooleanField(default=False)
    correction_note = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.material_name


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance notice")
    CORRECTION = "correction", _("One-time correction notice")
    NOT_ACCEPTED = "not_accepted", _("Notice of non-acceptance")
    DECISION = "decision", _("Decision")


class Notice(models.Model):
    """A written notice given to the applicant; its content is frozen when issued (pages and PDFs render it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=14, choices=NoticeKind.choices)
    number = models.CharField(_("notice number"), max_length=40, unique=True)
    content = models.JSONField(default=dict)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["case", "issued_at"]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """Append-only: who (user or machine client), in which role and organisation, from which channel, did what."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=14, blank=True)
    to_state = models.CharField(max_length=14, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    on_behalf_of = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]
        indexes = [models.Index(fields=["at"], name="case_event_at")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise RuntimeError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("case events are append-only")


class CaseNumberCounter(models.Model):
    """Daily serials per division, for readable case numbers."""

    prefix = models.CharField(max_length=16, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.value}"


class Draft(models.Model):
    """An application in progress (草稿): the form as typed and the files already checked, per person and version.

    One draft per applicant (person, or person acting for an enterprise) and item version, so "save and come back
    later" resumes exactly where they stopped. Files are stored through Django storage when saved; submitting
    hands them to the case, discarding deletes them.
    """

    key = models.CharField(max_length=80, unique=True, editable=False)
    person = models.ForeignKey("identity.Person", on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    version = models.ForeignKey("catalog.ItemVersion", on_delete=models.CASCADE, related_name="+")
    form_data = models.JSONField(default=dict)
    # [{catalog_material_id, material_name, source, file, content_type, size, sha256, reference, original_name}]
    materials = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("draft application")
        verbose_name_plural = _("draft applications")
        indexes = [models.Index(fields=["person", "-updated_at"], name="draft_person_recent")]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def key_for(person_id: int, enterprise_id: int | None, version_id: int) -> str:
        return f"p{person_id}:e{enterprise_id or 0}:v{version_id}"


class Message(models.Model):
    """An in-site message (站内消息) to an applicant about one of their cases."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When its SMS and its email went out (a notice task run again sends only what is missing).
    sms_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            # At most one message per recipient and event: a re-delivered signal does not write twice.
            models.UniqueConstraint(fields=["recipient", "event"], name="message_once_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="message_inbox")]

    def __str__(self) -> str:
        return self.text[:40]
