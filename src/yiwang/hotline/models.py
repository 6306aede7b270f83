"""12345 hotline work orders (工单), city events, the knowledge base, routing, deadlines and statistics.

State lives on `WorkOrder` for fast lists; every change also writes a `WorkOrderEvent` in the same transaction, and
only `services.py` changes either (GB/T 33358-2016: 受理 → 派单 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价).
Callers' phone numbers are personal data: SM4-encrypted at rest and found by keyed hash (identity.crypto).
Statistics come from rollup tables (`DailyStat`, `HotSpot`) updated by the same transactions, never full scans.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity import crypto
from yiwang.identity.fields import EncryptedTextField


class OrderType(models.TextChoices):
    CONSULT = "consult", _("Consultation")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report (whistle-blowing)")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WEB = "web", _("Website")
    MOBILE = "mobile", _("Mobile page")
    WECHAT = "wechat", _("WeChat")
    APP = "app", _("Mobile app")
    API = "api", _("Other system (API)")
    EMAIL = "email", _("Email")
    GRID = "grid", _("Grid inspector (city event)")
    OPEN311 = "open311", _("Open311 app")


class State(models.TextChoices):
    RECEIVED = "received", _("Received, to dispatch")
    DISPATCHED = "dispatched", _("Dispatched, awaiting sign-off")
    HANDLING = "handling", _("Being handled")
    RETURNED = "returned", _("Sent back, the centre decides")
    REPLIED = "replied", _("Replied, awaiting callback")
    CONCLUDED = "concluded", _("Concluded")
    MERGED = "merged", _("Merged into another order")
    VOIDED = "voided", _("Void (not a valid request)")


OPEN_STATES = (State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURNED, State.REPLIED)
CLOCK_STATES = (State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURNED)
FINAL_STATES = (State.CONCLUDED, State.MERGED, State.VOIDED)


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")
    VERY_UNSATISFIED = "very_unsatisfied", _("Very unsatisfied")


GOOD_SATISFACTION = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASIC)
BAD_SATISFACTION = (Satisfaction.UNSATISFIED, Satisfaction.VERY_UNSATISFIED)


class Centre(models.Model):
    """A 12345 centre: the organisation whose operators take calls for a division (the city's, or a county's)."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    is_default = models.BooleanField(_("default centre"), default=False)

    class Meta:
        verbose_name = _("12345 centre")
        verbose_name_plural = _("12345 centres")

    def __str__(self) -> str:
        return str(self.organisation)


class Category(models.Model):
    """A node of the configurable category tree (also the Open311 services: `code` is the service_code)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=400, editable=False, db_index=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True, help_text=_("Separated by spaces"))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Open311 service definition attributes: [{code, datatype, required, description, order, values: [{key, name}]}]
    attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = (self.parent.path if self.parent_id else "/") + self.code + "/"
        super().save(*args, **kwargs)

    @property
    def top_code(self) -> str:
        return self.path.strip("/").split("/")[0]


class Caller(models.Model):
    """Someone who called or wrote: found again by the keyed hash of their phone number, never by its clear value."""

    phone = EncryptedTextField(_("phone"))
    phone_hash = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_order_at = models.DateTimeField(null=True, blank=True)
    orders_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("caller")
        verbose_name_plural = _("callers")

    def __str__(self) -> str:
        from yiwang.identity.masking import mask_phone

        return mask_phone(self.phone)

    @staticmethod
    def hash_of(phone: str) -> str:
        return crypto.lookup_hash("hotline-phone", phone)

    def save(self, *args, **kwargs) -> None:
        self.phone_hash = self.hash_of(self.phone)
        super().save(*args, **kwargs)


class DeadlinePolicy(models.Model):
    """One version of the time limits per type and urgency; orders keep the version they were received under.

    `limits` = {"<type>": {"<urgency>": [amount, unit]}} with unit "h" (hours), "wd" (working days of the official
    calendar) or "nd" (natural days). A change is a new version (never an edit), effective from a moment.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    limits = models.JSONField(_("limits"))
    note = models.CharField(_("legal basis or note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return f"v{self.version}"


class RoutingRule(models.Model):
    """Ordered: the first active rule whose conditions all hold proposes the department (category × division ×
    keywords × type). Empty conditions match anything. Each change bumps `version`, recorded on the orders it
    routed, so a decision can be replayed."""

    position = models.PositiveIntegerField(_("position"), default=100, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("division")
    )
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Any of these words in the text (space separated)")
    )
    order_types = models.JSONField(_("types"), default=list, blank=True)
    department = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    sub_unit = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-unit (second-level dispatch)"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.position} {self.name}"


class RoutingCase(models.Model):
    """A test case of the routing rules: this request must go to that department (run them after any change)."""

    description = models.CharField(_("description"), max_length=200)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("category"))
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("division")
    )
    order_type = models.CharField(_("type"), max_length=12, choices=OrderType.choices, default=OrderType.COMPLAINT)
    text = models.TextField(_("text"), blank=True)
    expected_department = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("routing test case")
        verbose_name_plural = _("routing test cases")

    def __str__(self) -> str:
        return self.description


class WorkOrder(models.Model):
    number = models.CharField(_("work order number"), max_length=20, unique=True)
    query_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    order_type = models.CharField(_("type"), max_length=12, choices=OrderType.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    title = models.CharField(_("summary"), max_length=120)
    content = models.TextField(_("content"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    address_key = models.CharField(max_length=40, blank=True, editable=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    geo_cell = models.CharField(max_length=24, blank=True, editable=False)
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("division")
    )
    division_path = models.CharField(max_length=120, blank=True, editable=False)
    # The hotline centre that received the order (its operators reach it).
    centre = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")

    # The caller: anonymous allowed; a report (举报) or an anonymous caller is hidden from departments.
    caller = models.ForeignKey(Caller, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    caller_name = models.CharField(_("caller's name"), max_length=100, blank=True)
    caller_email = EncryptedTextField(_("caller's email"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    hide_reporter = models.BooleanField(default=False, editable=False)
    person = models.ForeignKey("identity.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_client_id = models.BigIntegerField(null=True, blank=True)
    # Idempotency: a retried intake (API key, mail Message-ID, Open311 token) returns the first order.
    source_ref = models.CharField(max_length=200, blank=True)

    # Enterprise appeals (有诉即办) and complaints about a case: the case and the department that handled it.
    enterprise_appeal = models.BooleanField(_("enterprise appeal"), default=False)
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    enterprise_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    case_number = models.CharField(_("case number"), max_length=24, blank=True, db_index=True)
    case_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    revision = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    department = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    # The deadline: derived from the policy version kept here, the official calendar and approved extensions.
    policy = models.ForeignKey(DeadlinePolicy, on_delete=models.PROTECT, related_name="+")
    limit_amount = models.PositiveIntegerField(default=0)
    limit_unit = models.CharField(max_length=2, default="wd")
    extension_amount = models.PositiveIntegerField(default=0)
    # The limit counts from here: reception, or the moment an unsatisfied caller's order was reopened.
    clock_started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)

    routing_rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    knowledge_entry = models.ForeignKey(
        "KnowledgeEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_contact = models.BooleanField(_("resolved at first contact"), default=False)
    reply_text = models.TextField(_("reply"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True)
    send_backs = models.PositiveSmallIntegerField(default=0)
    reopened = models.PositiveSmallIntegerField(default=0)
    pending_decision = models.BooleanField(default=False)
    master = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("master")
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [("supervise", _("Supervise the hotline centre (extensions, send-backs, rules, statistics)"))]
        constraints = [
            models.UniqueConstraint(fields=["source_ref"], condition=~models.Q(source_ref=""), name="wo_source_once")
        ]
        indexes = [
            # The centre's queues and the supervision timers, most urgent first.
            models.Index(fields=["centre", "state", "due_at"], name="wo_centre_state_due"),
            models.Index(fields=["department", "state", "due_at"], name="wo_dept_state_due"),
            models.Index(fields=["state", "warn_at"], name="wo_state_warn"),
            models.Index(fields=["state", "due_at"], name="wo_state_due"),
            # Duplicate suggestion: same category near the same place (grid cell) or address, recent first.
            models.Index(fields=["category", "geo_cell", "received_at"], name="wo_dup_geo"),
            models.Index(fields=["category", "address_key", "received_at"], name="wo_dup_address"),
            models.Index(fields=["caller", "received_at"], name="wo_caller_recent"),
            models.Index(fields=["person", "received_at"], name="wo_person_recent"),
            models.Index(fields=["received_at"], name="wo_received"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class AssignmentState(models.TextChoices):
    DISPATCHED = "dispatched", _("Awaiting sign-off")
    SIGNED = "signed", _("Signed for")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Sent back")
    WITHDRAWN = "withdrawn", _("Withdrawn by the centre")


class Assignment(models.Model):
    """A department's part in an order: the lead (一级派单) or a co-handler (joint handling); `sub_unit` is the
    second-level dispatch inside it (a section or a township)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    sub_unit = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lead = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=AssignmentState.choices, default=AssignmentState.DISPATCHED)
    dispatched_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)
    sent_back = models.BooleanField(default=False)  # this department has used its one send-back

    class Meta:
        ordering = ["order", "-lead", "id"]
        indexes = [
            models.Index(fields=["organisation", "state"], name="wo_assign_org_state"),
            models.Index(fields=["sub_unit", "state"], name="wo_assign_sub_state"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.organisation_id}"


class DecisionKind(models.TextChoices):
    EXTENSION = "extension", _("Extension")
    SEND_BACK = "send_back", _("Send-back")


class DecisionRequest(models.Model):
    """A department asks the centre: more time (延期) or to hand the order back (退单); the centre decides."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="decisions")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    reason = models.TextField()
    amount = models.PositiveIntegerField(default=0)  # extension: in the order's limit unit
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved = models.BooleanField(null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["approved", "requested_at"], name="wo_decision_pending")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class Attachment(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="hotline/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.file.name


class Callback(models.Model):
    """A callback (回访) by the centre: reached or not, and the caller's satisfaction."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="callbacks")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reached = models.BooleanField(default=True)
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "at"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.at:%Y-%m-%d %H:%M}"


class WorkOrderEvent(models.Model):
    """Append-only: who (user or machine client), in which role and organisation, from which channel, did what."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    # Shown to the caller (a public step of the timeline) or kept internal.
    public = models.BooleanField(default=False)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="wo_event_seq")]
        indexes = [models.Index(fields=["at"], name="wo_event_at"), models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("work order events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("work order events are append-only")


class NumberCounter(models.Model):
    """Daily serials for readable work order numbers."""

    prefix = models.CharField(max_length=16, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.value}"


# --- knowledge base -------------------------------------------------------------------------------------------


class KnowledgeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Awaiting review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    RETIRED = "retired", _("Retired")


class KnowledgeEntry(models.Model):
    """A knowledge base entry owned by a department; its text lives in versions, one of them current."""

    key = models.CharField(max_length=20, unique=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    current = models.ForeignKey("KnowledgeVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["key"]
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge entries")

    def __str__(self) -> str:
        return self.key


class KnowledgeVersion(models.Model):
    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("question"), max_length=200)
    aliases = models.TextField(_("other ways people ask"), blank=True, help_text=_("One per line"))
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    items = models.ManyToManyField("catalog.ServiceItem", blank=True, related_name="+", verbose_name=_("items"))
    review_due = models.DateField(_("review by"))
    status = models.CharField(max_length=10, choices=KnowledgeStatus.choices, default=KnowledgeStatus.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["entry", "-number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="kb_version_number")]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"

    @property
    def item_codes(self) -> str:
        return " ".join(i.item_code for i in self.items.all()) if self.pk else ""


class KnowledgeToken(models.Model):
    """Posting row of the knowledge search: `token` occurs in the current version of `entry` with `weight`."""

    token = models.CharField(max_length=64)
    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["token", "entry", "weight"], name="kb_token_entry")]

    def __str__(self) -> str:
        return self.token


class KnowledgeTerm(models.Model):
    """How many published entries hold each token (idf); the row "#all" counts the entries."""

    token = models.CharField(max_length=64, unique=True)
    df = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.token}:{self.df}"


# --- statistics (rollups maintained by the services, never computed by scanning orders) ------------------------


class DailyStat(models.Model):
    day = models.DateField()
    centre_id = models.BigIntegerField()
    order_type = models.CharField(max_length=12)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)
    department_id = models.BigIntegerField(default=0)  # 0: not dispatched
    received = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    concluded = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    first_contact = models.IntegerField(default=0)
    sent_back = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    repeated = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "centre_id", "order_type", "category", "channel", "department_id"],
                name="hotline_daily_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.order_type}"


class HotSpot(models.Model):
    """Orders per week, category and place (a ~250 m grid cell, or the address when there are no coordinates)."""

    week = models.DateField()  # the Monday
    centre_id = models.BigIntegerField()
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    place = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "centre_id", "category", "place"], name="hotline_hotspot_key")
        ]
        indexes = [models.Index(fields=["week", "-count"], name="hotline_hotspot_top")]

    def __str__(self) -> str:
        return f"{self.week} {self.label}"


class RepeatStat(models.Model):
    """Repeated complaints: how often one caller came back about the same category in a week."""

    week = models.DateField()
    centre_id = models.BigIntegerField()
    caller = models.ForeignKey(Caller, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "centre_id", "caller", "category"], name="hotline_repeat_key")
        ]
        indexes = [models.Index(fields=["week", "-count"], name="hotline_repeat_top")]

    def __str__(self) -> str:
        return f"{self.week} {self.caller_id}"


# --- third-party intake ---------------------------------------------------------------------------------------


class ApiKey(models.Model):
    """An Open311 API key of a third-party app (only its hash is kept)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    centre = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IntakeToken(models.Model):
    """Open311 asynchronous intake: the request as posted, until it becomes an order."""

    token = models.CharField(max_length=40, unique=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField(default=dict)
    order = models.ForeignKey(WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.token
