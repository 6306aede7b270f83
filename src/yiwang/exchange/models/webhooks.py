"""The webhook feed that keeps department systems in step with case events (业务系统对接, push side)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity.fields import EncryptedTextField


class Subscription(models.Model):
    """A department system's webhook: every event of the cases its organisation handles, signed, in order per case.

    Delivery is at-least-once (a receiver must ignore an event id it has already seen) and ordered per case: an
    event waits until the one before it for the same case was delivered.
    """

    client = models.ForeignKey(
        "identity.MachineClient", on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("client")
    )
    url = models.URLField(_("receiver URL"), max_length=500)
    secret = EncryptedTextField(_("signing secret"))
    actions = models.JSONField(_("actions"), default=list, blank=True, help_text=_("Empty means every action."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Gave up")


class Delivery(models.Model):
    """One event for one subscription; retried with growing pauses until delivered or given up."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    case_id = models.BigIntegerField()
    event_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["subscription", "event_id"], name="delivery_once")]
        indexes = [
            models.Index(fields=["subscription", "case_id", "status", "seq"], name="delivery_case_queue"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}:{self.event_id} {self.status}"
