"""The platform's own tables: the transactional outbox, rate counters and the task workers' heartbeats.

- `OutboxEvent`: one row per domain event, written in the same transaction as the change it announces
  (`core.outbox.publish`), handed to every subscriber by the worker, then marked done.
- `OutboxRetry`: a subscriber that failed on an event keeps its own line here (retries with growing pauses, then a
  dead letter an operator revives), so one failing subscriber neither blocks the others nor loses the event.
- `Lease`: one holder at a time for the dispatcher and each periodic job, with a time limit, so a worker that died
  hands over to another when its lease runs out.
- `RateCounter`: the counters behind every rate limit (`core.counters.CounterCache`), one upsert per check.
- `WorkerBeat`: each task worker process says it is alive every few seconds; a task left "running" by a worker
  that stopped beating is put back in the queue (`core.background`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A domain event waiting for (or already handed to) the subscribers of its topic."""

    topic = models.CharField(_("topic"), max_length=60)
    # Events with the same key reach each subscriber in order (e.g. "cases.case:42").
    key = models.CharField(_("ordering key"), max_length=80, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            # The dispatcher's question: the oldest events not yet handed over (a small partial index).
            models.Index(fields=["id"], condition=models.Q(done_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["done_at"], name="outbox_done_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic} {self.key}"


class RetryStatus(models.TextChoices):
    RETRYING = "retrying", _("Retrying")
    DEAD = "dead", _("Given up (dead letter)")


class OutboxRetry(models.Model):
    """One subscriber's failed (or held back) hand-over of one event."""

    subscriber = models.CharField(_("subscriber"), max_length=80)
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="retries", verbose_name=_("event"))
    key = models.CharField(_("ordering key"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RetryStatus.choices, default=RetryStatus.RETRYING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("outbox retry")
        verbose_name_plural = _("outbox retries")
        constraints = [models.UniqueConstraint(fields=["subscriber", "event"], name="outbox_retry_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_retry_due"),
            models.Index(fields=["subscriber", "key", "status", "event"], name="outbox_retry_line"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} #{self.event_id} {self.status}"


class Lease(models.Model):
    """One holder at a time, until a time: the outbox dispatcher, each periodic job (`core.leases`)."""

    name = models.CharField(max_length=80, primary_key=True)
    holder = models.CharField(max_length=120)
    until = models.DateTimeField()

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.until:%Y-%m-%d %H:%M:%S}"


class RateCounter(models.Model):
    """A rate-limit counter: hits within one window (the key names the window), forgotten after `expires_at`."""

    key = models.CharField(max_length=250, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class WorkerBeat(models.Model):
    """A task worker process's heartbeat (its django-tasks worker id, where it runs, when it last said so)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=120, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
