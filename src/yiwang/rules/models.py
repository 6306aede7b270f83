"""秒批 (instant approval): rules as data, versioned per item version, and the audit record of each decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class RuleSet(models.Model):
    """The rules that decide an item version's applications: every rule must hold for an approval.

    `rules` is a list of {"name", "if" (a core.conditions condition), "message"}; `tests` a list of
    {"name", "data", "expect": true|false} that must all pass before the set can be activated.
    """

    version = models.ForeignKey(
        "catalog.ItemVersion", on_delete=models.CASCADE, related_name="+", verbose_name=_("item version")
    )
    number = models.PositiveIntegerField(_("rule set version"))
    rules = models.JSONField(default=list)
    tests = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="rules_ruleset_number")]

    def __str__(self) -> str:
        return f"{self.version_id} v{self.number}"


class RuleDecision(models.Model):
    """One decision, with everything needed to replay it: the rule set, the inputs, the rules that failed."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="decisions")
    approved = models.BooleanField()
    inputs = models.JSONField(default=dict)
    failed = models.JSONField(default=list)
    elapsed_ms = models.FloatField(default=0)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.approved}"
