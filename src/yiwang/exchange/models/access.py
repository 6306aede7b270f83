"""Who may query what: access requests (with purpose and legal basis) and the grants they lead to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Organisation

from .resources import DataResource


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the provider's decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AccessRequest(models.Model):
    """A consumer (a department, or one of its department systems) asks for a resource's fields for a purpose.

    An unconditionally shared resource is granted at once; a conditional one waits for the provider's data officer;
    a resource that is not shared is refused at once, with the negative list's grounds.
    """

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="requests")
    consumer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("consumer"))
    client = models.ForeignKey(
        "identity.MachineClient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department system"),
    )
    fields = models.JSONField(_("fields"), default=list)
    purpose = models.CharField(_("purpose"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    valid_until = models.DateField(_("wanted until"))
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        indexes = [models.Index(fields=["status", "resource"], name="access_request_status")]

    def __str__(self) -> str:
        return f"{self.consumer} → {self.resource.code}"


class Grant(models.Model):
    """The right of one consumer to query one resource's fields, for a purpose, until a date.

    `client` None: any of the consumer's department systems and the platform acting for the consumer (fetching a
    material for one of its cases). `masked`: fields returned masked (sensitive fields not granted in full).
    """

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="grants")
    consumer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("consumer"))
    client = models.ForeignKey(
        "identity.MachineClient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department system"),
    )
    fields = models.JSONField(_("fields"), default=list)
    masked = models.JSONField(_("masked fields"), default=list, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"))
    request = models.ForeignKey(AccessRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        indexes = [models.Index(fields=["consumer", "resource", "valid_until"], name="grant_lookup")]

    def __str__(self) -> str:
        return f"{self.consumer_id} → {self.resource_id}"

    def is_current(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.revoked_at is None and self.valid_from <= today <= self.valid_until
