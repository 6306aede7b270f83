"""The call log (X-Road style operational monitoring, never a payload) and its daily rollups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallStatus(models.TextChoices):
    OK = "ok", _("Answered")
    NOT_FOUND = "not_found", _("No record")
    DENIED = "denied", _("Refused: no grant")
    INVALID = "invalid", _("Refused: bad request")
    FAILED = "failed", _("Provider failed")


class CallChannel(models.TextChoices):
    API = "api", _("Department system (API)")
    CASE = "case", _("Application (material fetched)")
    PREFILL = "prefill", _("Form prefill")
    REVIEW = "review", _("Reviewer")
    PEER = "peer", _("Another platform")


def _ref(model: str, **kw) -> models.ForeignKey:
    # No database constraint and no index of its own: the log is written in bulk (COPY) and indexed for its reads.
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", **kw
    )


class DataCall(models.Model):
    """One call of a data service: who asked what, for what and on which basis, for which case and data subject
    (a keyed hash), how large, how it ended, and four timestamps (request in, sent to the provider, provider's
    answer in, response out). Written in batches by `calllog`; never updated.
    """

    # Taken from CallSequence in blocks by each process, so a call has its id before the batch writes it.
    id = models.BigIntegerField(primary_key=True)
    requested_at = models.DateTimeField(_("request received"))
    provider_sent_at = models.DateTimeField(_("sent to the provider"), null=True)
    provider_answered_at = models.DateTimeField(_("provider answered"), null=True)
    responded_at = models.DateTimeField(_("response sent"))
    consumer = _ref("orgs.Organisation", verbose_name=_("consumer"))
    client = _ref("identity.MachineClient", null=True, verbose_name=_("department system"))
    user = _ref(settings.AUTH_USER_MODEL, null=True)
    provider = _ref("orgs.Organisation", verbose_name=_("provider"))
    resource = _ref("exchange.DataResource", verbose_name=_("resource"))
    service = _ref("exchange.DataService", null=True, verbose_name=_("service"))
    channel = models.CharField(_("channel"), max_length=8, choices=CallChannel.choices, default=CallChannel.API)
    purpose = models.CharField(_("purpose"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    case_number = models.CharField(_("case"), max_length=40, blank=True)
    subject_hash = models.CharField(max_length=64, blank=True)
    request_bytes = models.PositiveIntegerField(default=0)
    response_bytes = models.PositiveIntegerField(default=0)
    records = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=CallStatus.choices)
    error = models.CharField(_("error"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("data call")
        verbose_name_plural = _("data calls")
        indexes = [
            models.Index(
                fields=["subject_hash", "requested_at"],
                condition=~models.Q(subject_hash=""),
                name="call_subject",
            ),
            models.Index(fields=["provider", "requested_at"], name="call_provider"),
            models.Index(fields=["consumer", "requested_at"], name="call_consumer"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.status}"

    @property
    def latency_ms(self) -> int:
        return int((self.responded_at - self.requested_at).total_seconds() * 1000)


# Upper bounds (ms) of the latency buckets a rollup row counts; the last bucket holds everything slower.
LATENCY_BUCKETS = (10, 30, 100, 300, 1000)


class CallDay(models.Model):
    """Calls of one day by one consumer to one service of one resource: counts, latency and bytes, kept current by
    the log writer in the same transaction as the calls it writes (statistics are seconds old, never recounted)."""

    day = models.DateField()
    consumer_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    resource_id = models.BigIntegerField()
    service_id = models.BigIntegerField(default=0)
    calls = models.BigIntegerField(default=0)
    ok = models.BigIntegerField(default=0)
    not_found = models.BigIntegerField(default=0)
    denied = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    latency_ms = models.BigIntegerField(default=0)
    latency_max_ms = models.BigIntegerField(default=0)
    lat_10 = models.BigIntegerField(default=0)
    lat_30 = models.BigIntegerField(default=0)
    lat_100 = models.BigIntegerField(default=0)
    lat_300 = models.BigIntegerField(default=0)
    lat_1000 = models.BigIntegerField(default=0)
    lat_slow = models.BigIntegerField(default=0)
    request_bytes = models.BigIntegerField(default=0)
    response_bytes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "consumer_id", "provider_id", "resource_id", "service_id"], name="call_day_once"
            )
        ]
        indexes = [
            models.Index(fields=["provider_id", "day"], name="call_day_provider"),
            models.Index(fields=["consumer_id", "day"], name="call_day_consumer"),
            models.Index(fields=["resource_id", "day"], name="call_day_resource"),
            models.Index(fields=["day"], name="call_day_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.consumer_id}→{self.resource_id}: {self.calls}"


class CallSequence(models.Model):
    """One row: the next call id not yet handed out. A process takes a block of ids at a time (`calllog.next_id`)."""

    next_id = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.next_id)
