"""Information resource catalog (信息资源目录), and the webhook feed that keeps department systems in step."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity.fields import EncryptedTextField
from yiwang.orgs.models import Organisation


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Shared without conditions")
    CONDITIONAL = "conditional", _("Shared on conditions")
    NOT_SHARED = "none", _("Not shared")


class DataResource(models.Model):
    code = models.CharField(_("resource code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="data_resources", verbose_name=_("provider")
    )
    sharing = models.CharField(_("sharing type"), max_length=16, choices=SharingType.choices, default="conditional")
    fields = models.JSONField(_("fields"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


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
