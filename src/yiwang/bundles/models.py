"""One-thing bundles (一件事一次办): several departments' items behind one form and one submission.

A `Bundle` names its items (`BundleItem`, in order), the questions that decide which of them apply, and how each
item's form fields map onto the bundle's one form (shared fields asked once). A `BundleApplication` is one
citizen's submission: the one number they follow, and one case per applicable item (`BundleCase`), each opened
through the one apply door (`cases.applying.apply`) and handled by its own department.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BundleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Bundle(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    keywords = models.CharField(_("everyday words"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The organisation that owns the bundle (its catalog administrators maintain it).
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("lead organisation")
    )
    # The questionnaire: a form definition (catalog.formdef) whose answers decide which items apply.
    questions = models.JSONField(_("questions"), default=list, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("promised working days"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BundleStatus.choices, default=BundleStatus.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("one-thing bundle")

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    order = models.PositiveSmallIntegerField(default=1)
    # {item field name: bundle field name}; unnamed fields keep their name, so equal names are asked once.
    field_map = models.JSONField(default=dict, blank=True)
    # A condition (core.conditions) on the questionnaire's answers; empty: the item always applies.
    applies_if = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="bundles_item_once")]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


class BundleApplication(models.Model):
    number = models.CharField(_("bundle application number"), max_length=24, unique=True)
    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, null=True, related_name="+")
    enterprise = models.ForeignKey("identity.Enterprise", on_delete=models.PROTECT, null=True, related_name="+")
    applicant_name = models.CharField(max_length=200)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    idempotency_scope = models.CharField(max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    answers = models.JSONField(default=dict)
    form_data = models.JSONField(default=dict)
    channel = models.CharField(max_length=12)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="bundles_application_idempotent",
            )
        ]

    def __str__(self) -> str:
        return self.number


class BundleCase(models.Model):
    application = models.ForeignKey(BundleApplication, on_delete=models.CASCADE, related_name="links")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.case_id}"
