"""Exchange events for supervision: append-only, one row per fact (a demand answered late, a duty overdue …)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Organisation


class EventKind(models.TextChoices):
    DEMAND_OVERDUE = "demand_overdue", _("Demand not answered in time")
    DUTY_OVERDUE = "duty_overdue", _("Sharing duty not fulfilled in time")
    DEMAND_ANSWERED = "demand_answered", _("Demand answered")
    REQUEST_DECIDED = "request_decided", _("Access request decided")
    GRANT_REVOKED = "grant_revoked", _("Grant revoked")
    RESOURCE_PUBLISHED = "resource_published", _("Resource published")
    HEALTH_FAILED = "health_failed", _("Connector health check failed")
    CASE_FORWARDED = "case_forwarded", _("Case forwarded to another platform")
    CASE_RECEIVED = "case_received", _("Case received from another platform")


class ExchangeEvent(models.Model):
    """What supervision reads about the exchange; `organisation` is the department the fact is about."""

    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    subject = models.CharField(_("concerning"), max_length=200)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("exchange event")
        verbose_name_plural = _("exchange events")
        indexes = [models.Index(fields=["kind", "at"], name="exchange_event_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("exchange events are append-only")
        super().save(*args, **kwargs)
