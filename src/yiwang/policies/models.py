"""Policy tables: the library (a policy and its versions, attachments, search tokens), the facts gathered about
enterprises and persons, the matches, and the 免申即享 grant rounds with their grants and recorded events.

A policy is the stable identity; what it says lives on versions. A published version never changes: editing makes
a new draft (the catalog's pattern). Each version carries its eligibility rule set and the test cases that must
pass before it is published, so every decision can be replayed on the version that made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.identity.fields import EncryptedTextField
from yiwang.orgs.models import Organisation


class Target(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprises")
    PERSON = "person", _("Persons")


class Scale(models.TextChoices):
    """企业规模 (大中小微), as the statistics bureau classifies enterprises."""

    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Period(models.TextChoices):
    ONCE = "once", _("Once")
    YEAR = "year", _("Every year")
    QUARTER = "quarter", _("Every quarter")
    MONTH = "month", _("Every month")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class FrozenPolicyError(Exception):
    """A published or retired version was about to change; start a new draft instead."""


class Policy(models.Model):
    """The stable identity of one policy; its content lives on versions."""

    code = models.CharField(_("policy code"), max_length=40, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="policies", verbose_name=_("issuing department")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The published version (set only by services.publish / retire), so lists need no subquery.
    current = models.OneToOneField(
        "PolicyVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.current.title if self.current_id else self.code


class PolicyVersion(models.Model):
    """One version of a policy: its document, who and what it is for, its benefits and its eligibility rules.

    `industries` lists GB/T 4754 sections or divisions ("C", "39"; empty: every industry), `scales` enterprise
    scales (empty: every scale), `divisions` administrative division codes (empty: everywhere). `benefits` is a
    list of {"kind": "amount"|"rate"|"service", "amount", "rate", "text"}; `rules` a list of {"name", "if",
    "message"} over facts (core.conditions), every one must hold; `tests` {"name", "facts", "expect"} cases.
    """

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions", verbose_name=_("policy"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)

    title = models.CharField(_("title"), max_length=200)
    doc_number = models.CharField(_("document number"), max_length=80)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    keywords = models.CharField(_("colloquial keywords"), max_length=300, blank=True)
    text = models.TextField(_("policy text"))
    interpretation = models.TextField(_("interpretation (解读)"), blank=True)
    target = models.CharField(_("for"), max_length=12, choices=Target.choices, default=Target.ENTERPRISE)
    industries = models.JSONField(_("industries (GB/T 4754)"), default=list, blank=True)
    scales = models.JSONField(_("enterprise scales"), default=list, blank=True)
    divisions = models.JSONField(_("regions (division codes)"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    benefits = models.JSONField(_("benefits"), default=list, blank=True)
    rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    tests = models.JSONField(_("rule test cases"), default=list, blank=True)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item to apply through (政策兑现)"),
    )
    auto_grant = models.BooleanField(_("granted without application (免申即享)"), default=False)
    grant_amount = models.DecimalField(
        _("amount granted (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    grant_period = models.CharField(_("grant period"), max_length=8, choices=Period.choices, default=Period.YEAR)

    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # Search text: jieba words, pinyin and initials of the title, keywords, summary and document number (services).
    tokens = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["policy", "-number"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(status="published"), name="policy_version_one_published"
            ),
            models.UniqueConstraint(fields=["policy"], condition=Q(status="draft"), name="policy_version_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._stored_status = obj.status
        return obj

    def save(self, *args, **kwargs) -> None:
        stored = getattr(self, "_stored_status", None)
        if stored is not None and stored != VersionStatus.DRAFT:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= {"status", "retired_at", "published_at"}:
                raise FrozenPolicyError(f"policy version {self.pk} is {stored}; start a new draft")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Attachment(models.Model):
    """A public file of a policy version (the signed document, an application form): served under /media/."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="policies/attachments/")

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class SubjectFacts(models.Model):
    """The facts last gathered about one enterprise or person (facts.gather): what bulk matching reads.

    `facts` is the JSON the rules see; `stamp` a hash of it, so re-gathering unchanged facts changes nothing.
    """

    enterprise = models.OneToOneField(
        "identity.Enterprise", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    person = models.OneToOneField("identity.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    facts = models.JSONField(default=dict)
    stamp = models.CharField(max_length=40, default="")
    gathered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=True) ^ Q(person__isnull=True), name="policy_facts_one_subject"
            )
        ]

    def __str__(self) -> str:
        return f"facts of {self.enterprise_id or self.person_id}"


class Match(models.Model):
    """An enterprise or person found eligible for a policy (by the version named), and what followed:
    told (a message sent), applied (a case through the policy's item), received (a grant paid)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="matches")
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        "identity.Enterprise", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey("identity.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    eligible = models.BooleanField(default=True)
    met = models.JSONField(default=list)
    matched_at = models.DateTimeField()
    told_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    case_number = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-matched_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "enterprise"], condition=Q(enterprise__isnull=False), name="policy_match_enterprise"
            ),
            models.UniqueConstraint(
                fields=["policy", "person"], condition=Q(person__isnull=False), name="policy_match_person"
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "eligible"], name="policy_match_ent"),
            models.Index(fields=["person", "eligible"], name="policy_match_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} ↔ {self.enterprise_id or self.person_id}"


class RoundState(models.TextChoices):
    REVIEWING = "reviewing", _("Under review by the department")
    APPROVED = "approved", _("Approved: enterprises confirm")
    CLOSED = "closed", _("Closed")


class GrantRound(models.Model):
    """One period's list of eligible enterprises for a 免申即享 policy, produced from its rules."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rounds")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=10)  # "2026", "2026Q3", "2026-07", "once"
    state = models.CharField(_("state"), max_length=10, choices=RoundState.choices, default=RoundState.REVIEWING)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["policy", "period"], name="policy_round_period")]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.period}"


class GrantState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (under review)")
    REMOVED = "removed", _("Removed by the department")
    APPROVED = "approved", _("Approved: waiting for the enterprise's confirmation")
    CONFIRMED = "confirmed", _("Confirmed: to be paid")
    PAID = "paid", _("Paid")
    DECLINED = "declined", _("Declined by the enterprise")


class Grant(models.Model):
    """One enterprise's benefit in one round: reviewed, confirmed (bank account, consent), then paid."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="grants")
    enterprise = models.ForeignKey("identity.Enterprise", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=GrantState.choices, default=GrantState.PROPOSED)
    met = models.JSONField(default=list)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = EncryptedTextField(_("bank account"), blank=True)
    account_name = models.CharField(_("account name"), max_length=200, blank=True)
    consent_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=80, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "enterprise"], name="policy_grant_once")]
        indexes = [models.Index(fields=["enterprise", "state"], name="policy_grant_ent")]

    def __str__(self) -> str:
        return f"{self.round} → {self.enterprise_id}: {self.state}"


class GrantEvent(models.Model):
    """Append-only record of each transition of a grant: who, what, when, from which state to which."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10)
    to_state = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.action}"
