"""Service items (政务服务事项), their versions (实施清单 entries) and what each version requires.

An item is the stable identity (its implementation code); everything a guide shows lives on a
version. A published version never changes: editing makes a new draft, and every later case
refers to the exact version it was applied under.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.identity.models import Level as IdentityLevel
from yiwang.orgs.models import Level, Organisation


class ItemType(models.TextChoices):
    LICENSING = "01", _("Administrative licensing")
    PENALTY = "02", _("Administrative penalty")
    COERCION = "03", _("Administrative coercion")
    LEVY = "04", _("Administrative levy")
    PAYMENT = "05", _("Administrative payment")
    CONFIRMATION = "06", _("Administrative confirmation")
    ADJUDICATION = "07", _("Administrative adjudication")
    REWARD = "08", _("Administrative reward")
    INSPECTION = "09", _("Administrative inspection")
    OTHER_POWER = "10", _("Other administrative power")
    PUBLIC_SERVICE = "20", _("Public service")


class HandlingItem(models.TextChoices):
    """业务办理项: the variant of an item; an item not split into variants has none."""

    NONE = "", _("Not split")
    NEW = "new", _("New (新设)")
    CHANGE = "change", _("Change (变更)")
    RENEW = "renew", _("Renewal (延续)")
    CANCEL = "cancel", _("Cancellation (注销)")


HANDLING_ITEM_DIGIT = {"": "0", "new": "1", "change": "2", "renew": "3", "cancel": "4"}


class HandlingKind(models.IntegerChoices):
    IMMEDIATE = 1, _("Done on the spot (即办件)")
    PROMISED = 2, _("Done within a promised time (承诺件)")


class OnlineDepth(models.IntegerChoices):
    DISCLOSURE = 1, _("I · Information published online")
    INTERACTION = 2, _("II · Forms and appointments online")
    ONE_VISIT = 3, _("III · Applied online, one visit")
    FULLY_ONLINE = 4, _("IV · Fully online, no visit")


class TimeUnit(models.TextChoices):
    WORKING_DAY = "wd", _("working days")
    NATURAL_DAY = "nd", _("calendar days")
    MONTH = "mo", _("months")


class ResultType(models.TextChoices):
    LICENSE = "license", _("Certificate or license")
    APPROVAL = "approval", _("Approval document")
    FILING = "filing", _("Filing receipt")
    PAYMENT = "payment", _("Payment")
    OTHER = "other", _("Other")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Audience(models.TextChoices):
    PERSON = "person", _("Natural persons")
    ENTERPRISE = "enterprise", _("Legal persons")


class FrozenVersionError(Exception):
    """A published or retired version was about to change; make a new draft instead."""

    def __init__(self, version: ItemVersion):
        super().__init__(f"version {version.pk} is {version.status} and cannot change; start a new draft")


def _guard_version(version_id: int | None) -> None:
    if version_id is not None:
        version = ItemVersion.objects.only("status").get(pk=version_id)
        if version.status != VersionStatus.DRAFT:
            raise FrozenVersionError(version)


class VersionPart(models.Model):
    """Base of the rows that belong to a version: they freeze with it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        _guard_version(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _guard_version(self.version_id)
        return super().delete(*args, **kwargs)


class Theme(models.Model):
    """A life event (persons) or business stage (enterprises) that groups items for browsing."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["audience", "order", "code"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """The stable identity of one implemented item; its content lives on versions."""

    item_code = models.CharField(_("implementation code"), max_length=31, unique=True)
    catalog_code = models.CharField(_("basic code"), max_length=12, db_index=True)
    handling_item = models.CharField(
        _("handling item"), max_length=8, choices=HandlingItem.choices, blank=True, default=""
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="items", verbose_name=_("implementing body")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The published version, kept here so lists and search need no subquery. Set only by
    # the publish/retire services in `services.py`.
    current = models.OneToOneField(
        "ItemVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["item_code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.current.name if self.current_id else self.item_code


class ItemVersion(models.Model):
    """One version of an item's implementation list entry: every standard element of its guide."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions", verbose_name=_("item"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)

    name = models.CharField(_("name"), max_length=200)
    aliases = models.JSONField(_("colloquial names"), default=list, blank=True)
    item_type = models.CharField(_("item type"), max_length=2, choices=ItemType.choices)
    level = models.PositiveSmallIntegerField(_("exercise level"), choices=Level.choices)
    competent_department = models.CharField(_("competent department"), max_length=100)
    legal_basis = models.TextField(_("legal basis"))
    for_persons = models.BooleanField(_("serves natural persons"), default=False)
    for_enterprises = models.BooleanField(_("serves legal persons"), default=False)
    acceptance_conditions = models.TextField(_("acceptance conditions"))
    statutory_limit = models.PositiveIntegerField(_("statutory time limit"))
    statutory_unit = models.CharField(
        _("statutory limit unit"), max_length=2, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAY
    )
    promised_limit = models.PositiveIntegerField(_("promised time limit"))
    promised_unit = models.CharField(
        _("promised limit unit"), max_length=2, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAY
    )
    handling_kind = models.PositiveSmallIntegerField(_("handling kind"), choices=HandlingKind.choices)
    visits_required = models.PositiveSmallIntegerField(_("visits required"))
    online_depth = models.PositiveSmallIntegerField(_("online depth"), choices=OnlineDepth.choices)
    min_identity_level = models.PositiveSmallIntegerField(
        _("minimum real-name level"),
        choices=IdentityLevel.choices,
        default=IdentityLevel.NONE,
        help_text=_("The real-name level an applicant needs before applying for this item."),
    )
    # The application form: [{name, label, type, required, choices, show_if, prefill, ...}] (see cases.forms).
    form_fields = models.JSONField(_("application form fields"), default=list, blank=True)
    fee_required = models.BooleanField(_("charges a fee"), default=False)
    # [{"name": ..., "standard": ..., "basis": ...}]
    fees = models.JSONField(_("fees"), default=list, blank=True)
    place = models.CharField(_("place"), max_length=300)
    hours = models.CharField(_("hours"), max_length=200)
    phone = models.CharField(_("consultation phone"), max_length=60)
    complaint_phone = models.CharField(_("complaint phone"), max_length=60, default="12345")
    result_type = models.CharField(_("result type"), max_length=10, choices=ResultType.choices)
    result_name = models.CharField(_("result name"), max_length=100, blank=True)
    result_license_type = models.CharField(_("result license type code"), max_length=40, blank=True)
    # Where each field of the result license comes from: {license field: "form:<field>" | "applicant:name" | …}
    # (see docs/licenses.md); fields left out are matched by name. Checked by the licenses module on publishing.
    result_fields = models.JSONField(_("result license fields"), default=dict, blank=True)
    result_sample = models.FileField(_("result sample"), upload_to="catalog/samples/", blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="versions", verbose_name=_("themes"))

    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["item", "-number"]
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="version_unique_number"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="published"), name="version_one_published"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="draft"), name="version_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._stored_status = obj.status
        return obj

    def save(self, *args, **kwargs) -> None:
        stored = getattr(self, "_stored_status", None)
        if stored is not None and stored != VersionStatus.DRAFT:
            allowed = {"status", "retired_at", "published_at"}
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= allowed:
                raise FrozenVersionError(self)
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def service_objects(self) -> list[str]:
        return [a for a, on in ((Audience.PERSON, self.for_persons), (Audience.ENTERPRISE, self.for_enterprises)) if on]


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("Provided by the applicant")
    LICENSE = "license", _("Electronic license")
    SHARED_DATA = "shared", _("Shared data")
    GOVERNMENT = "government", _("Produced by the department")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ELECTRONIC = "electronic", _("Electronic")
    ORIGINAL_AND_COPY = "both", _("Original and copy")


class Requirement(models.TextChoices):
    REQUIRED = "required", _("Required")
    CONDITIONAL = "conditional", _("Required when a condition applies")
    OPTIONAL = "optional", _("Optional")


class Material(VersionPart):
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=12, choices=MaterialSource.choices, default="applicant")
    license_type_code = models.CharField(_("license type code"), max_length=40, blank=True)
    data_resource_code = models.CharField(_("data resource code"), max_length=40, blank=True)
    form = models.CharField(_("form"), max_length=12, choices=MaterialForm.choices, default="electronic")
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    requirement = models.CharField(_("required"), max_length=12, choices=Requirement.choices, default="required")
    condition = models.CharField(_("when required"), max_length=300, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    blank_form = models.FileField(_("blank form"), upload_to="catalog/forms/", blank=True)
    sample = models.FileField(_("filled-in sample"), upload_to="catalog/samples/", blank=True)

    class Meta(VersionPart.Meta):
        abstract = False
        ordering = ["version", "order", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    ACCEPT = "accept", _("Acceptance (受理)")
    UNDERTAKE = "undertake", _("Undertaking (承办)")
    REVIEW = "review", _("Review (审核)")
    APPROVE = "approve", _("Approval (批准)")
    COUNTERSIGN = "countersign", _("Countersignature (会签)")
    DELIVER = "deliver", _("Result delivery (办结送达)")


class ProcessStep(VersionPart):
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=StepKind.choices)
    name = models.CharField(_("name"), max_length=60)
    days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=0)
    description = models.CharField(_("description"), max_length=300, blank=True)
    countersign_org = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigning organisation"),
    )

    class Meta(VersionPart.Meta):
        abstract = False
        ordering = ["version", "order", "id"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")

    def __str__(self) -> str:
        return self.name


class SearchDoc(models.Model):
    """Indexed text shared by identical entries; the postings belong to it, not to each entry.

    A "text" doc holds what one base item's implementations say alike (name, colloquial names,
    materials); a "department" doc the names of one department. The same base item implemented
    in 745 villages thus has its words posted once, and a search sums a few rows per base item.
    """

    # sha1 of the kind and the indexed text (see searching.indexer.doc_key)
    key = models.CharField(max_length=40, unique=True)
    # Text docs: the base item (basic code + handling-item digit); "" for department docs.
    group_key = models.CharField(max_length=13, default="")
    entries = models.PositiveIntegerField(default=0)  # how many entries refer to it
    # Text docs: the entry shown when no filter applies (highest boost, then lowest id).
    lead = models.PositiveIntegerField(null=True)
    lead_boost = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return self.key


class SearchEntry(models.Model):
    """Denormalised search document of an item's published version (rebuilt on publish/retire).

    Filters read these columns so a search is one indexed query whatever the catalog size.
    """

    item = models.OneToOneField(ServiceItem, on_delete=models.CASCADE, related_name="search_entry")
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="+")
    # The shared docs whose postings stand for this entry's name/aliases/materials and its department.
    text = models.ForeignKey(SearchDoc, on_delete=models.PROTECT, null=True, related_name="+")
    department = models.ForeignKey(SearchDoc, on_delete=models.PROTECT, null=True, related_name="+")
    item_code = models.CharField(max_length=31, default="")
    # Basic code + handling-item digit: the implementations of one base item in many places share it,
    # so results can show one line per base item instead of one per county.
    group_key = models.CharField(max_length=13, default="", db_index=True)
    name = models.CharField(max_length=200)
    aliases = models.TextField(blank=True)  # one per line
    materials = models.TextField(blank=True)  # one per line
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    organisation_name = models.CharField(max_length=100)
    division_name = models.CharField(max_length=60, default="")
    division_path = models.CharField(max_length=120, db_index=True)
    promised_limit = models.PositiveIntegerField(default=0)
    promised_unit = models.CharField(max_length=2, default="wd")
    handling_kind = models.PositiveSmallIntegerField(default=2)
    level = models.PositiveSmallIntegerField(db_index=True)
    for_persons = models.BooleanField(default=False)
    for_enterprises = models.BooleanField(default=False)
    online_depth = models.PositiveSmallIntegerField()
    visits_required = models.PositiveSmallIntegerField()
    item_type = models.CharField(max_length=2)
    themes = models.CharField(max_length=400, blank=True)  # "|code|code|"
    # Prior used to order equally good matches: higher levels and broader services first.
    boost = models.FloatField(default=0.0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "level"], name="search_org_level"),
            models.Index(fields=["text", "department"], name="search_text_dept"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchToken(models.Model):
    """Posting list row: `token` occurs in `doc` with `weight` (name > alias > material > department)."""

    token = models.CharField(max_length=64)
    doc = models.ForeignKey(SearchDoc, on_delete=models.CASCADE, related_name="tokens")
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["token", "doc", "weight"], name="search_token_doc")]

    def __str__(self) -> str:
        return self.token


class SearchTerm(models.Model):
    """Frequency of each token: `df` entries hold it (for idf), in `docs` shared docs (posting rows)."""

    token = models.CharField(max_length=64, unique=True)
    df = models.PositiveIntegerField(default=0)
    docs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.token


class CatalogEvent(models.Model):
    """Append-only record of every change to the catalog: who did what to which item, when."""

    class Action(models.TextChoices):
        CREATED = "created", _("Item created")
        DRAFTED = "drafted", _("Draft started")
        EDITED = "edited", _("Draft edited")
        PUBLISHED = "published", _("Version published")
        RETIRED = "retired", _("Version retired")
        IMPORTED = "imported", _("Imported")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(ItemVersion, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    channel = models.CharField(max_length=12, default="web")  # web, api, admin, import, cli
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("catalog event")
        verbose_name_plural = _("catalog events")

    def __str__(self) -> str:
        return f"{self.item_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """A catalog file imported in the background (files above CATALOG_IMPORT_SYNC_MAX_BYTES): who, what, how far.

    The upload waits in storage (under imports/catalog/, never served) until the worker has read it, and is deleted
    then. The workbench page and `GET /api/v1/catalog/imports/{id}` show the job to the person or client who started
    it, and to nobody else.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused: the file has problems")
        FAILED = "failed", _("Failed")

    class Phase(models.TextChoices):
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking every item")
        WRITING = "writing", _("Writing")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        "identity.MachineClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=12, default="import")
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to="imports/catalog/", blank=True)
    size = models.PositiveBigIntegerField(_("size to read (bytes)"), default=0)
    dry_run = models.BooleanField(_("dry run"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # ImportResult.as_dict() once done.
    result = models.JSONField(_("result"), null=True, blank=True)
    # The problems as the API reports them ({field, code, message, message_en, sheet, row, column, ...}).
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("catalog import job")
        verbose_name_plural = _("catalog import jobs")

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.REFUSED, self.State.FAILED)

    @property
    def percent(self) -> int:
        """How far the job is, 0–100: reading counts for the first 10, checking to 40, writing to 100."""
        if self.finished:
            return 100
        if self.phase == self.Phase.READING or not self.total:
            return 5 if self.phase else 0
        share = min(1.0, self.done / self.total)
        if self.phase == self.Phase.CHECKING:
            return int(10 + 30 * share)
        return int(40 + 60 * share)


class ExportFile(models.Model):
    """A catalog export written by the worker, served as it is to everyone who downloads it.

    `key` names the export (format and filters); `stamp` is the id of the newest catalog event (publish, retire,
    import) the file includes: a newer event means the file is out of date and the worker writes a new one.
    """

    key = models.CharField(max_length=120, unique=True)
    format = models.CharField(max_length=4)
    file = models.FileField(upload_to="exports/catalog/")
    size = models.PositiveBigIntegerField(default=0)
    etag = models.CharField(max_length=80)
    items = models.PositiveIntegerField(default=0)
    stamp = models.BigIntegerField(default=0)
    written_at = models.DateTimeField()

    class Meta:
        verbose_name = _("catalog export file")
        verbose_name_plural = _("catalog export files")

    def __str__(self) -> str:
        return self.key
