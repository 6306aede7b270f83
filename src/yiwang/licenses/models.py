"""License types (证照目录), electronic licenses (电子证照), their signing keys (电子印章), events and uses.

A license row is written only through `licenses.services`; its signature covers the canonical payload
(`signing.canonical_payload`), so any change to what the license says is a new version with a new signature.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity import masking
from yiwang.identity.fields import EncryptedTextField
from yiwang.orgs.models import Organisation


class HolderKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ENTERPRISE = "enterprise", _("Legal person")


class TrustLevel(models.TextChoices):
    A = "A", _("A: signed by the issuer")
    B = "B", _("B: verified at a window")
    C = "C", _("C: uploaded by the holder")
    D = "D", _("D: declared by the holder")


class LicenseType(models.Model):
    """A kind of certificate the platform knows (e.g. 营业执照), with the bodies that issue it."""

    code = models.CharField(_("type code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    issuers = models.ManyToManyField(Organisation, blank=True, related_name="license_types", verbose_name=_("issuers"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    fields = models.JSONField(
        _("fields"),
        default=list,
        blank=True,
        help_text=_("A list of {name, label, type: text|date|number|choice, required, choices}."),
    )
    validity_years = models.PositiveSmallIntegerField(_("valid for years"), null=True, blank=True)
    validity_months = models.PositiveSmallIntegerField(_("valid for months"), null=True, blank=True)
    layout = models.JSONField(
        _("layout"),
        default=dict,
        blank=True,
        help_text=_('Which fields print where: {"template": "standard", "main": [names], "side": [names]}.'),
    )
    default_trust = models.CharField(
        _("default trust level"), max_length=1, choices=TrustLevel.choices, default=TrustLevel.A
    )
    number_field = models.CharField(
        _("certificate number field"),
        max_length=40,
        blank=True,
        help_text=_("The field that carries the certificate number the numbering rule gives (e.g. certificate_no)."),
    )
    number_pattern = models.CharField(
        _("numbering rule"),
        max_length=80,
        blank=True,
        help_text=_(
            "The issuer's certificate numbers, e.g. JY{choice:business_kind}{division}{serial:6}{check}; "
            "see docs/licenses.md."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("license type")
        verbose_name_plural = _("license types")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def has_expiry(self) -> bool:
        return bool(self.validity_years or self.validity_months)

    def issuer_ids(self) -> set[int]:
        """Ids of the issuing organisations, read from the link table alone.

        Going through `issuers` would join organisations and divisions for their default ordering — a plan that
        takes minutes on PostgreSQL inside the transaction that just inserted a whole demo city (no statistics).
        """
        return set(
            LicenseType.issuers.through.objects.filter(licensetype_id=self.pk).values_list("organisation_id", flat=True)
        )

    @property
    def is_numbered(self) -> bool:
        """Whether the platform gives the certificate numbers (the type has a numbering rule)."""
        return bool(self.number_pattern and self.number_field)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .numbering import pattern_problems

        problems = pattern_problems(self.number_pattern, self.number_field, self.field_specs())
        if problems:
            raise ValidationError({p.field: str(p) for p in problems})

    def field_specs(self) -> list[dict]:
        """The declared fields, each with defaults filled in (label = name, type text, optional)."""
        out = []
        for spec in self.fields or []:
            out.append(
                {
                    "name": spec["name"],
                    "label": spec.get("label") or spec["name"],
                    "type": spec.get("type", "text"),
                    "required": bool(spec.get("required", False)),
                    "choices": list(spec.get("choices") or []),
                }
            )
        return out


class SigningKey(models.Model):
    """An issuing organisation's SM2 key pair: the public half and its seal here, the private half in the key store."""

    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signing_keys", verbose_name=_("organisation")
    )
    public_key_pem = models.TextField(_("public key (PEM)"))
    seal_svg = models.TextField(_("seal image (SVG)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    class Meta:
        ordering = ["organisation_id", "-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        indexes = [models.Index(fields=["organisation", "rotated_at", "revoked_at"])]

    def __str__(self) -> str:
        return self.key_id

    @property
    def is_current(self) -> bool:
        return self.rotated_at is None and self.revoked_at is None


class Status(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded by a newer version")


class SerialCounter(models.Model):
    """The last serial handed out for one license type at one issuer (locked while a batch takes its range)."""

    license_type = models.ForeignKey(LicenseType, on_delete=models.CASCADE, related_name="+")
    issuer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["license_type", "issuer"], name="licenses_serial_unique")]

    def __str__(self) -> str:
        return f"{self.license_type_id}/{self.issuer_id}: {self.last}"


class CertificateCounter(models.Model):
    """The last certificate serial of one license type at one issuer in one year (year 0: a rule without the year).

    Incremented in place by `numbering.take`, which holds the row until its transaction commits."""

    license_type = models.ForeignKey(LicenseType, on_delete=models.CASCADE, related_name="+")
    issuer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["license_type", "issuer", "year"], name="licenses_certificate_counter")
        ]

    def __str__(self) -> str:
        return f"{self.license_type_id}/{self.issuer_id}/{self.year}: {self.last}"


class License(models.Model):
    """One version of an electronic license. Changing or renewing makes the next version; this one is superseded."""

    identifier = models.CharField(_("identifier"), max_length=120, unique=True)
    license_type = models.ForeignKey(
        LicenseType, on_delete=models.PROTECT, related_name="licenses", verbose_name=_("license type")
    )
    issuer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="issued_licenses", verbose_name=_("issuer")
    )
    serial = models.CharField(_("serial"), max_length=20)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    holder_name = models.CharField(_("holder name"), max_length=200)
    # Persons: the document number encrypted, found by its keyed hash. Enterprises: the credit code, public anyway.
    holder_doc_type = models.CharField(_("holder document type"), max_length=20, blank=True)
    holder_number = EncryptedTextField(_("holder document number"), blank=True)
    holder_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    holder_code = models.CharField(_("holder credit code"), max_length=18, blank=True, db_index=True)
    person = models.ForeignKey(
        "identity.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="licenses"
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.SET_NULL, null=True, blank=True, related_name="licenses"
    )
    field_values = models.JSONField(_("fields"), default=dict, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next", verbose_name=_("previous version")
    )
    trust_level = models.CharField(_("trust level"), max_length=1, choices=TrustLevel.choices, default=TrustLevel.A)
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="licenses")
    signature = models.BinaryField(_("signature (DER)"))
    payload_hash = models.CharField(_("payload SM3 hash"), max_length=64)
    case_number = models.CharField(_("case number"), max_length=64, blank=True)
    # The type's certificate number (its number_field), kept as a column so that no two can be the same.
    certificate_no = models.CharField(_("certificate number"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("electronic license")
        verbose_name_plural = _("electronic licenses")
        constraints = [
            models.UniqueConstraint(
                fields=["license_type", "issuer", "serial", "version"], name="licenses_version_unique"
            ),
            models.UniqueConstraint(
                fields=["license_type", "issuer", "certificate_no", "version"],
                condition=~models.Q(certificate_no=""),
                name="licenses_certificate_no_unique",
            ),
        ]
        indexes = [models.Index(fields=["issuer", "status"]), models.Index(fields=["license_type", "holder_code"])]

    def __str__(self) -> str:
        return self.identifier

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today

    def effective_status(self, today=None) -> str:
        """valid | suspended | revoked | superseded | expired (expiry computed from the date, never stored)."""
        if self.status == Status.VALID and self.is_expired(today):
            return "expired"
        return self.status

    @property
    def holder_id_number(self) -> str:
        return self.holder_code or self.holder_number

    @property
    def masked_holder_number(self) -> str:
        if self.holder_code:
            return self.holder_code
        return masking.mask_id_number(self.holder_number)

    @property
    def masked_holder_name(self) -> str:
        return self.holder_name if self.holder_kind == HolderKind.ENTERPRISE else masking.mask_name(self.holder_name)


class LicenseEvent(models.Model):
    """Every change to a license (issued, changed, renewed, suspended, reinstated, revoked, re-signed)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        IMPORTED = "imported", _("Imported")
        CHANGED = "changed", _("Changed")
        RENEWED = "renewed", _("Renewed")
        SUSPENDED = "suspended", _("Suspended")
        REINSTATED = "reinstated", _("Reinstated")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")
        RESIGNED = "resigned", _("Re-signed under a new key")

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # A department system that acted through the API (a machine client holding licenses:issue).
    client = models.ForeignKey(
        "identity.MachineClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    case_number = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class LicenseUse(models.Model):
    """A license presented in place of paper: who used it, for what (a case number or purpose), when."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="uses")
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey("identity.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=200)
    case_number = models.CharField(_("case number"), max_length=64, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("license use")
        verbose_name_plural = _("license uses")

    def __str__(self) -> str:
        return f"{self.purpose} {self.at:%Y-%m-%d %H:%M}"
