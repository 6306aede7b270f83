"""The three lists (三张清单): demands (需求清单), duties (责任清单) and the negative list (负面清单)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Organisation

from .resources import DataResource


class DemandStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    LINKED = "linked", _("Answered with a resource")
    REFUSED = "refused", _("Refused with grounds")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Demand(models.Model):
    """A department's demand for data (需求清单), against the items and materials it needs it for.

    The provider answers by linking a resource or refusing with grounds before `due`; an open demand past its due
    date is overdue (an ExchangeEvent for supervision, written once by `yiwang exchange_timers`).
    """

    requester = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("requesting department")
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("department asked")
    )
    title = models.CharField(_("data needed"), max_length=200)
    item_code = models.CharField(_("item code"), max_length=40, blank=True)
    item_name = models.CharField(_("item"), max_length=200, blank=True)
    material_name = models.CharField(_("material it replaces"), max_length=200, blank=True)
    fields = models.CharField(_("fields needed"), max_length=500, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    due = models.DateField(_("answer due"))
    status = models.CharField(_("status"), max_length=10, choices=DemandStatus.choices, default=DemandStatus.OPEN)
    resource = models.ForeignKey(
        DataResource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("resource")
    )
    answer = models.CharField(_("answer or grounds"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(_("reported overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data demand")
        verbose_name_plural = _("data demands")
        indexes = [models.Index(fields=["status", "due"], name="demand_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == DemandStatus.OPEN and self.due < timezone.localdate()


class DutyStatus(models.TextChoices):
    PENDING = "pending", _("To be provided")
    FULFILLED = "fulfilled", _("Provided")


class Duty(models.Model):
    """What a department must provide (责任清单), by when; fulfilled by publishing the resource that provides it."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible department")
    )
    title = models.CharField(_("data to provide"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    due = models.DateField(_("deadline"))
    resource = models.ForeignKey(
        DataResource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("resource")
    )
    status = models.CharField(_("status"), max_length=10, choices=DutyStatus.choices, default=DutyStatus.PENDING)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(_("reported overdue at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("sharing duty")
        verbose_name_plural = _("sharing duties")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == DutyStatus.PENDING and self.due < timezone.localdate()


class NegativeEntry(models.Model):
    """Data a department does not share (负面清单), and why, with the legal basis."""

    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    title = models.CharField(_("data not shared"), max_length=200)
    reason = models.CharField(_("reason"), max_length=500)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    resource = models.ForeignKey(
        DataResource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("resource")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["provider", "title"]
        verbose_name = _("negative list entry")
        verbose_name_plural = _("negative list entries")

    def __str__(self) -> str:
        return self.title
