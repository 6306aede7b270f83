"""Persons, enterprises, agents, real-name levels, the reference libraries, and the records identity keeps.

Personal data (document numbers, phone numbers, addresses) is stored encrypted (`fields.EncryptedTextField`)
beside a keyed lookup hash, so exact-value search works without the clear value in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.storage import private_storage

from . import crypto, masking
from .documents import DocType
from .fields import EncryptedTextField


class Level(models.IntegerChoices):
    """Real-name assurance levels; an item may demand a minimum (ItemVersion.min_identity_level)."""

    NONE = 0, _("Not verified")
    PHONE = 1, _("Phone verified")
    ID = 2, _("ID verified against the population library")
    STRONG = 3, _("Verified in person, by face or by bank card")


class HashedPiiMixin(models.Model):
    """Keeps every `<field>_hash` column in step with its encrypted `<field>` on save."""

    # field name → hash namespace
    HASHED: dict[str, str] = {}

    class Meta:
        abstract = True

    def refresh_hashes(self) -> None:
        for field, kind in self.HASHED.items():
            value = getattr(self, field)
            setattr(self, f"{field}_hash", crypto.lookup_hash(kind, value) if value else "")

    def save(self, *args, **kwargs):
        self.refresh_hashes()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *(f"{f}_hash" for f in self.HASHED)}
        super().save(*args, **kwargs)


def doc_hash(doc_type: str, number: str) -> str:
    return crypto.lookup_hash(f"doc:{doc_type}", number)


def phone_hash(phone: str) -> str:
    return crypto.lookup_hash("phone", phone)


class Person(HashedPiiMixin):
    """A natural person (自然人): the one identity behind every application they make, online or at a window.

    A person may exist without an online account: a clerk accepting a walk-in application records them too.
    """

    HASHED = {"phone": "phone"}

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=100)
    doc_type = models.CharField(_("document type"), max_length=20, choices=DocType.choices, default=DocType.RESIDENT_ID)
    doc_number = EncryptedTextField(_("document number"))
    doc_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    nationality = models.CharField(_("nationality"), max_length=3, default="CHN", help_text=_("ISO 3166 alpha-3"))
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    level = models.PositiveSmallIntegerField(_("real-name level"), choices=Level.choices, default=Level.NONE)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("natural person")
        verbose_name_plural = _("natural persons")

    def __str__(self) -> str:
        return f"{masking.mask_name(self.name)} ({self.masked_doc_number})"

    def refresh_hashes(self) -> None:
        super().refresh_hashes()
        self.doc_number_hash = doc_hash(self.doc_type, self.doc_number) if self.doc_number else ""

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "doc_number_hash"}
        super().save(*args, **kwargs)

    @property
    def masked_doc_number(self) -> str:
        return masking.mask_id_number(self.doc_number)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def masked_address(self) -> str:
        return masking.mask_address(self.address)

    @property
    def masked_name(self) -> str:
        return masking.mask_name(self.name)


class EnterpriseKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL_BUSINESS = "individual", _("Individual business")
    INSTITUTION = "institution", _("Public institution")
    SOCIAL_ORG = "social", _("Social organisation")
    OTHER = "other", _("Other organisation")


class Enterprise(models.Model):
    """A legal person (法人) identified by its unified social credit code; persons act for it as agents."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=EnterpriseKind.choices, default=EnterpriseKind.ENTERPRISE)
    legal_rep_name = models.CharField(_("legal representative"), max_length=100)
    legal_rep = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="represented",
        verbose_name=_("legal representative's identity"),
    )
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    level = models.PositiveSmallIntegerField(_("real-name level"), choices=Level.choices, default=Level.NONE)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("legal person")
        verbose_name_plural = _("legal persons")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class AgentPermission(models.TextChoices):
    APPLY = "apply", _("Apply for services in the enterprise's name")
    VIEW_CASES = "view_cases", _("See the enterprise's cases")
    MATERIALS = "materials", _("Use and upload the enterprise's materials")
    LICENSES = "licenses", _("Use the enterprise's e-licenses")
    MANAGE_AGENTS = "manage_agents", _("Grant and revoke other agents")


class Agent(models.Model):
    """An authorisation (经办人授权): a person acts for an enterprise with the permissions it granted, until revoked."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="agents", verbose_name=_("legal person")
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="agencies", verbose_name=_("agent"))
    permissions = models.JSONField(_("permissions"), default=list)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("agent authorisation")
        verbose_name_plural = _("agent authorisations")
        indexes = [models.Index(fields=["person", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.enterprise}"

    def is_active(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.revoked_at is None and (self.valid_until is None or self.valid_until >= today)


class Verification(models.Model):
    """Every real-name check made, passed or failed: which provider, what level, who asked (a clerk at a window)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="verifications", verbose_name=_("person")
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="verifications",
        verbose_name=_("legal person"),
    )
    level = models.PositiveSmallIntegerField(_("level sought"), choices=Level.choices)
    provider = models.CharField(_("provider"), max_length=40)
    method = models.CharField(_("method"), max_length=40)
    passed = models.BooleanField(_("passed"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("performed by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("real-name verification")
        verbose_name_plural = _("real-name verifications")

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.provider} · {self.passed}"


class RecordStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    CANCELLED = "cancelled", _("Cancelled")
    DECEASED = "deceased", _("Deceased")


class PopulationRecord(models.Model):
    """The platform's population library (自然人库): who exists, so a claimed name and ID number can be checked.

    Kept by keyed hash only; the library answers "does this name go with this number", never "whose number is it".
    """

    doc_type = models.CharField(_("document type"), max_length=20, choices=DocType.choices)
    doc_number_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.NORMAL)
    source = models.CharField(_("source"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("population library record")
        verbose_name_plural = _("population library")

    def __str__(self) -> str:
        return masking.mask_name(self.name)


class LegalPersonStatus(models.TextChoices):
    ACTIVE = "active", _("In business")
    DEREGISTERED = "deregistered", _("Deregistered")
    REVOKED = "revoked", _("Licence revoked")


class LegalPersonRecord(models.Model):
    """The platform's legal-person library (法人库): registered enterprises and organisations."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=EnterpriseKind.choices, default=EnterpriseKind.ENTERPRISE)
    legal_rep_name = models.CharField(_("legal representative"), max_length=100)
    legal_rep_doc_hash = models.CharField(max_length=64, blank=True)
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=LegalPersonStatus.choices, default=LegalPersonStatus.ACTIVE
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("legal-person library record")
        verbose_name_plural = _("legal-person library")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class UserSession(models.Model):
    """The signed-in sessions of an account, so a person can see them and sign out everywhere."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    method = models.CharField(_("sign-in method"), max_length=20)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class OneTimePurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign in")
    REGISTER = "register", _("Register")
    RESET = "reset", _("Reset password")
    VERIFY_PHONE = "verify_phone", _("Verify phone")


class OneTimeCode(models.Model):
    """An SMS code: only its hash is kept; it expires, allows few attempts and works once."""

    purpose = models.CharField(max_length=16, choices=OneTimePurpose.choices)
    phone_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_hash", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} · {self.created_at:%Y-%m-%d %H:%M}"


class PiiAccess(models.Model):
    """Each time someone saw a full, unmasked value: who, whose, which field, when and why."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("viewer")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("legal person")
    )
    field = models.CharField(_("field"), max_length=40)
    reason = models.CharField(_("reason"), max_length=300)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("full-value view")
        verbose_name_plural = _("full-value views")

    def __str__(self) -> str:
        return f"{self.viewer} · {self.field} · {self.at:%Y-%m-%d %H:%M}"


class ReuseCategory(models.TextChoices):
    PROFILE = "profile", _("Profile (name, document, phone, address) to pre-fill forms")
    MATERIALS = "materials", _("Stored materials")
    LICENSES = "licenses", _("E-licenses")
    SHARED_DATA = "shared_data", _("Data held by other departments")


class ReuseConsent(models.Model):
    """What a person or enterprise lets the platform reuse on their behalf; reuse is allowed unless switched off."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="consents")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="consents")
    category = models.CharField(_("category"), max_length=16, choices=ReuseCategory.choices)
    allowed = models.BooleanField(_("allowed"), default=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "category"], name="consent_unique_person"),
            models.UniqueConstraint(fields=["enterprise", "category"], name="consent_unique_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.allowed}"


def material_path(instance: ReusableMaterial, filename: str) -> str:
    owner = f"p{instance.person_id}" if instance.person_id else f"e{instance.enterprise_id}"
    return f"identity/materials/{owner}/{timezone.now():%Y%m}/{crypto.new_key()[:10].replace('/', '_')}-{filename}"


class ReusableMaterial(models.Model):
    """A material kept in My Space (ID copy, photo, diploma...) that later applications can reuse."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="materials")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="materials"
    )
    title = models.CharField(_("title"), max_length=120)
    # Private storage (core.storage): served only through the checked My Space pages and endpoints.
    file = models.FileField(_("file"), upload_to=material_path, storage=private_storage, max_length=300)
    content_type = models.CharField(_("content type"), max_length=80)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    reusable = models.BooleanField(_("may be reused"), default=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("stored material")
        verbose_name_plural = _("stored materials")

    def __str__(self) -> str:
        return self.title


class Address(models.Model):
    """One entry of a person's address book (收货地址), for results sent by post: personal data, stored encrypted."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=20, blank=True, help_text=_("For example: home, office"))
    recipient = EncryptedTextField(_("recipient"))
    phone = EncryptedTextField(_("phone"))
    address = EncryptedTextField(_("address"))
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name = _("address")
        verbose_name_plural = _("address book")

    def __str__(self) -> str:
        return f"{self.label or masking.mask_name(self.recipient)} · {self.masked_address}"

    @property
    def masked_address(self) -> str:
        return masking.mask_address(self.address)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def masked_recipient(self) -> str:
        return masking.mask_name(self.recipient)

    def postal_text(self) -> str:
        """The whole entry as a courier needs it: recipient, phone, address."""
        return f"{self.recipient} {self.phone} {self.address}"


class DataUse(models.Model):
    """Every reuse of a person's or enterprise's data: what, by whom, for which purpose or case, when."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="data_uses")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="data_uses"
    )
    category = models.CharField(_("category"), max_length=16, choices=ReuseCategory.choices)
    what = models.CharField(_("what"), max_length=200)
    used_by = models.CharField(_("used by"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200)
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("data use")
        verbose_name_plural = _("data uses")

    def __str__(self) -> str:
        return f"{self.what} · {self.used_by}"

    @property
    def what_label(self) -> str:
        """`what` as a person reads it: a profile use stores field names ("phone, address"), shown by their labels
        (手机号码、地址); other uses store a title already."""
        if self.category != ReuseCategory.PROFILE:
            return self.what
        model = Enterprise if self.enterprise_id else Person
        labels = []
        for name in (n.strip() for n in self.what.split(",")):
            try:
                labels.append(str(model._meta.get_field(name).verbose_name))
            except Exception:  # a field renamed since: its stored name, rather than nothing
                labels.append(name)
        return "、".join(label for label in labels if label)


class ClientKind(models.TextChoices):
    DEPARTMENT = "department", _("Department system")
    HOTLINE = "hotline", _("12345 platform")
    BANK = "bank", _("Bank outlet (政银通办)")
    OTHER = "other", _("Other system")


class MachineClient(models.Model):
    """A department system, the 12345 platform or a bank outlet calling the API with its own credentials.

    The OAuth2 application (django-oauth-toolkit) holds the client id and the hashed secret; this row holds
    what Yiwang adds: the owning organisation, the scopes it may ask for, its rate limit, and the previous
    secret's hash during a rotation's grace period.
    """

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="machine_client"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ClientKind.choices, default=ClientKind.DEPARTMENT)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="machine_clients", verbose_name=_("organisation")
    )
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    previous_secret_hash = models.CharField(max_length=255, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("machine client")
        verbose_name_plural = _("machine clients")

    def __str__(self) -> str:
        return self.name
