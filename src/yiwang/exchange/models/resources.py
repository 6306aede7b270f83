"""The information resource catalog (信息资源目录): resources, their versions, services, search tokens, the provider
data the embedded connector keeps, and each resource's last health check."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity.fields import EncryptedTextField
from yiwang.orgs.models import Organisation


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Shared without conditions")
    CONDITIONAL = "conditional", _("Shared on conditions")
    NOT_SHARED = "none", _("Not shared")


class Frequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    IRREGULAR = "irregular", _("Irregular")


class DataFormat(models.TextChoices):
    TABLE = "table", _("Database table")
    API = "api", _("Interface (API)")
    FILE = "file", _("File")


class Sensitivity(models.TextChoices):
    """How a field is shown to a consumer: public and internal fields as they are; sensitive fields masked unless
    the grant gives them in full."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    SENSITIVE = "sensitive", _("Sensitive (personal information)")


class FieldType(models.TextChoices):
    TEXT = "text", _("Plain text")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    ID_NUMBER = "id_number", _("ID number")
    CREDIT_CODE = "credit_code", _("Unified social credit code")


class SubjectKind(models.TextChoices):
    """Whom a record is about, so every call can name its data subject (by keyed hash) for My Space."""

    PERSON = "person", _("Natural person")
    ENTERPRISE = "enterprise", _("Legal person")
    OTHER = "other", _("Other (no personal data subject)")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class DataResource(models.Model):
    """One entry of the catalog: what a provider department shares, how, on which terms, and through what.

    `fields` is a list of {name, label, type, description, sensitivity}; `name` is the key consumers use
    (a short ASCII code), `label` the Chinese 信息项名称. Every change goes through `catalog.save_resource`, which
    bumps `version` and keeps a snapshot (ResourceVersion).
    """

    code = models.CharField(_("resource code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="data_resources", verbose_name=_("provider")
    )
    sharing = models.CharField(_("sharing type"), max_length=16, choices=SharingType.choices, default="conditional")
    sharing_basis = models.CharField(
        _("legal basis of the sharing type"),
        max_length=300,
        blank=True,
        help_text=_("The law or rule that makes the resource shared, conditional or not shared."),
    )
    conditions = models.CharField(_("conditions of sharing"), max_length=300, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    frequency = models.CharField(_("update frequency"), max_length=12, choices=Frequency.choices, default="daily")
    format = models.CharField(_("format"), max_length=8, choices=DataFormat.choices, default="table")
    subject_kind = models.CharField(_("data subject"), max_length=12, choices=SubjectKind.choices, default="person")
    subject_field = models.CharField(
        _("field naming the data subject"),
        max_length=40,
        blank=True,
        help_text=_("The field holding the ID number or credit code of the person or legal person a record is about."),
    )
    connector = models.CharField(_("connector"), max_length=20, default="table")
    connector_options = models.JSONField(_("connector options"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ResourceStatus.choices, default="published")
    public = models.BooleanField(
        _("listed for every department"),
        default=True,
        help_text=_("The catalog entry (not the data) is visible to every department."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    health_ok = models.BooleanField(_("healthy"), null=True, blank=True)
    health_detail = models.CharField(_("health check"), max_length=300, blank=True)
    health_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    health_checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")
        indexes = [models.Index(fields=["provider", "status"], name="resource_provider")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields if isinstance(f, dict) and f.get("name")]

    def field(self, name: str) -> dict | None:
        return next((f for f in self.fields if isinstance(f, dict) and f.get("name") == name), None)

    def sensitive_fields(self) -> list[str]:
        return [f["name"] for f in self.fields if isinstance(f, dict) and f.get("sensitivity") == Sensitivity.SENSITIVE]


class ResourceVersion(models.Model):
    """What a resource said after each change (the catalog is versioned: consumers see what changed and when)."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(default=dict)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="resource_version_once")]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"


class DataService(models.Model):
    """A query over a resource (数据服务): the key fields a consumer gives, and whether several records may come back."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(_("service code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    keys = models.JSONField(_("key fields"), default=list)
    many = models.BooleanField(_("may return several records"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data service")
        verbose_name_plural = _("data services")

    def __str__(self) -> str:
        return self.code


class ResourceToken(models.Model):
    """Search postings of published resources (catalog.searching.text tokens: words, pinyin, initials)."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    weight = models.FloatField(default=1.0)

    class Meta:
        indexes = [models.Index(fields=["token"], name="resource_token")]

    def __str__(self) -> str:
        return self.token


class ProvidedRecord(models.Model):
    """One record of a resource kept in Yiwang by the embedded `table` connector (filled by import or file drop).

    The record is encrypted at rest (SM4, identity.crypto); its key values are found by keyed hash (ProvidedKey).
    """

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="+")
    record_key = models.CharField(max_length=64)
    data = EncryptedTextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "record_key"], name="provided_record_once")]

    def __str__(self) -> str:
        return f"{self.resource_id}:{self.record_key[:8]}"


class ProvidedKey(models.Model):
    """The keyed hash of one key field's value of one record, for exact look-ups without the value in clear."""

    record = models.ForeignKey(ProvidedRecord, on_delete=models.CASCADE, related_name="keys")
    resource_id_copy = models.BigIntegerField()
    field = models.CharField(max_length=40)
    value_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["resource_id_copy", "field", "value_hash"], name="provided_key_lookup")]

    def __str__(self) -> str:
        return f"{self.field}:{self.value_hash[:8]}"
