"""The transactional outbox: every domain event leaves its module through one table, written in the same transaction
as the change it announces, and reaches every subscriber at least once (ADR 0007, docs/outbox.md).

Publishing (any module, inside its write transaction):

    from yiwang.core import outbox
    outbox.publish("cases.case_changed", {"case_id": 42, "event_id": 7, "action": "accept"}, key="cases.case:42")

One INSERT, committed or rolled back with the change: no event for a change that did not happen, and none lost
when the process dies right after the commit.

Subscribing (a module above, in its AppConfig.ready()):

    outbox.subscribe("exchange.webhooks", {"cases.case_changed"}, on_case_changed)

`on_case_changed(event)` gets an `Event` (id, topic, key, payload, created_at). It runs in its own transaction;
it must be quick (write rows, enqueue a task for anything slow: HTTP, signing, SMS) and idempotent, keyed on
`event.id`, because an event can be handed over more than once (a dispatcher that died mid-batch).

Handing over (`dispatch`): one dispatcher at a time holds the lease "outbox.dispatcher" (`core.leases`); it takes
the oldest events not yet handed over, a batch at a time, gives each to every subscriber of its topic, and marks the
batch done. Each `yiwang worker` process runs it in its background thread (`core.background`); a dispatcher that
dies lets another take over when its lease runs out, and the events it had not marked done are handed over again.

Failures: a subscriber that raises gets an `OutboxRetry` row for that event — retried with growing pauses, then a
dead letter after OUTBOX_MAX_ATTEMPTS, visible in the admin and `yiwang outbox status`, revived with
`yiwang outbox retry`. The other subscribers are not held up; the failing one's later events with the same key wait
behind the failed one (per-key order for each subscriber), events of other keys go on.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, Exists, Min, OuterRef
from django.utils import timezone

from . import leases
from .models import OutboxEvent, OutboxRetry, RetryStatus
from .plugins import Hook

log = logging.getLogger("yiwang.outbox")

LEASE_NAME = "outbox.dispatcher"
LEASE_SECONDS = 30.0


@dataclass(frozen=True)
class Event:
    """One event as a subscriber sees it; `id` is unique for ever (use it to ignore a repeated hand-over)."""

    id: int
    topic: str
    key: str
    payload: Mapping[str, Any]
    created_at: dt.datetime

    @classmethod
    def of(cls, row: OutboxEvent) -> Event:
        return cls(id=row.pk, topic=row.topic, key=row.key, payload=row.payload, created_at=row.created_at)


@dataclass(frozen=True)
class Subscriber:
    """Who hears which topics (`topics` empty: every topic), and the function that takes one event."""

    topics: frozenset[str]
    handle: Callable[[Event], object]

    def wants(self, topic: str) -> bool:
        return not self.topics or topic in self.topics


SUBSCRIBERS: Hook[Subscriber] = Hook(
    "core.outbox.subscribers",
    entry_type=Subscriber,
    doc="Outbox subscribers by name: `Subscriber(topics, handle)`; `handle(event)` is idempotent on event.id.",
)


def subscribe(name: str, topics: Collection[str], handle: Callable[[Event], object], *, order: int = 100) -> None:
    """Registers `handle` for `topics` under `name` (the name its retries and dead letters are filed under)."""
    SUBSCRIBERS.add(name, Subscriber(topics=frozenset(topics), handle=handle), order=order)


# --- publishing ----------------------------------------------------------------------------------------------------


def _after_commit() -> None:
    if getattr(settings, "OUTBOX_DISPATCH_ON_COMMIT", False):
        transaction.on_commit(drain)


def publish(topic: str, payload: Mapping[str, Any], *, key: str = "") -> None:
    """Writes one event in the caller's transaction (call it inside the transaction that makes the change)."""
    OutboxEvent.objects.create(topic=topic, key=key[:80], payload=dict(payload))
    _after_commit()


def publish_many(events: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
    """Writes several events — (topic, key, payload) — in one statement, in the caller's transaction."""
    rows = [OutboxEvent(topic=t, key=k[:80], payload=dict(p)) for t, k, p in events]
    if rows:
        OutboxEvent.objects.bulk_create(rows)
        _after_commit()


# --- handing over --------------------------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Pause before the next try: 10 s, 40 s, 2.7 min, 11 min … at most 6 hours."""
    return dt.timedelta(seconds=min(10 * 4 ** max(attempts - 1, 0), 6 * 3600))


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 12))


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]


def _hand(name: str, sub: Subscriber, event: Event) -> BaseException | None:
    """Gives one event to one subscriber in its own transaction; the exception it raised, if any.

    A database that went away (OperationalError, InterfaceError) is not the subscriber's failure: it stops the whole
    round, nothing is recorded, and the events not marked done are handed over again once the database is back.
    """
    try:
        with transaction.atomic():
            sub.handle(event)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # a subscriber's failure is recorded, never spread to the others
        log.warning("outbox subscriber %s failed on event %s (%s): %s", name, event.id, event.topic, exc)
        return exc
    return None


class _Holder:
    """The dispatcher's lease, renewed while a batch runs long."""

    def __init__(self, holder: str | None) -> None:
        self.name = holder or leases.holder_name()
        self.renewed = 0.0

    def take(self) -> bool:
        ok = leases.acquire(LEASE_NAME, self.name, LEASE_SECONDS)
        self.renewed = time.monotonic()
        return ok

    def keep(self) -> bool:
        if time.monotonic() - self.renewed < LEASE_SECONDS / 3:
            return True
        return self.take()


def dispatch(limit: int | None = None, *, holder: str | None = None) -> int:
    """Hands the oldest waiting events (at most `limit`) to their subscribers; returns how many were handed over.

    Does nothing (returns 0) while another dispatcher holds the lease.
    """
    limit = limit or int(getattr(settings, "OUTBOX_BATCH", 200))
    lease = _Holder(holder)
    if not lease.take():
        return 0
    rows = list(OutboxEvent.objects.filter(done_at__isnull=True).order_by("id")[:limit])
    if not rows:
        return 0
    subscribers = SUBSCRIBERS.items()
    keys = {r.key for r in rows if r.key}
    waiting = set(
        OutboxRetry.objects.filter(status=RetryStatus.RETRYING, key__in=keys).values_list("subscriber", "key")
    )
    now = timezone.now()
    retries: list[OutboxRetry] = []
    handed: list[int] = []
    for row in rows:
        if not lease.keep():
            log.warning("outbox: lost the dispatcher lease mid-batch; stopping")
            break
        event = Event.of(row)
        for name, sub in subscribers:
            if not sub.wants(event.topic):
                continue
            if event.key and (name, event.key) in waiting:
                retries.append(
                    OutboxRetry(
                        subscriber=name,
                        event=row,
                        key=event.key,
                        next_attempt_at=now,
                        last_error="waiting for an earlier event of the same key",
                    )
                )
                continue
            exc = _hand(name, sub, event)
            if exc is not None:
                retries.append(
                    OutboxRetry(
                        subscriber=name,
                        event=row,
                        key=event.key,
                        attempts=1,
                        next_attempt_at=timezone.now() + backoff(1),
                        last_error=_error_text(exc),
                    )
                )
                if event.key:
                    waiting.add((name, event.key))
        handed.append(row.pk)
    with transaction.atomic():
        OutboxRetry.objects.bulk_create(retries, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=handed).update(done_at=timezone.now())
    return len(handed)


def _heads(now: dt.datetime, limit: int, subscriber: str | None = None):
    """Retries that are due and first in their line (no earlier retrying event of the same subscriber and key)."""
    earlier = OutboxRetry.objects.filter(
        subscriber=OuterRef("subscriber"),
        key=OuterRef("key"),
        status=RetryStatus.RETRYING,
        event_id__lt=OuterRef("event_id"),
    ).exclude(key="")
    qs = OutboxRetry.objects.filter(status=RetryStatus.RETRYING, next_attempt_at__lte=now).exclude(Exists(earlier))
    if subscriber:
        qs = qs.filter(subscriber=subscriber)
    return list(qs.select_related("event").order_by("event_id")[:limit])


def retry_due(limit: int = 100, *, holder: str | None = None) -> tuple[int, int]:
    """Tries again the retries whose time has come, in order per subscriber and key; returns (done, failed)."""
    lease = _Holder(holder)
    if not lease.take():
        return 0, 0
    done = failed = 0
    most = max_attempts()
    for _round in range(limit):
        heads = _heads(timezone.now(), limit - done - failed)
        if not heads:
            break
        for retry in heads:
            if not lease.keep():
                return done, failed
            sub = SUBSCRIBERS.get(retry.subscriber)
            exc: BaseException | None
            if sub is None:
                exc = LookupError(f"no outbox subscriber is registered as {retry.subscriber!r}")
            else:
                exc = _hand(retry.subscriber, sub, Event.of(retry.event))
            if exc is None:
                retry.delete()
                done += 1
                continue
            failed += 1
            retry.attempts += 1
            retry.last_error = _error_text(exc)
            retry.updated_at = timezone.now()
            if retry.attempts >= most:
                retry.status = RetryStatus.DEAD
                log.error("outbox: %s gave up on event %s after %s attempts", retry.subscriber, retry.event_id, most)
            else:
                retry.next_attempt_at = retry.updated_at + backoff(retry.attempts)
            retry.save(update_fields=["attempts", "last_error", "updated_at", "status", "next_attempt_at"])
        if done + failed >= limit:
            break
    return done, failed


def drain(max_rounds: int = 100) -> int:
    """Dispatches until nothing waits and runs the retries that are due (tests, `yiwang outbox dispatch`)."""
    total = 0
    for _ in range(max_rounds):
        n = dispatch()
        total += n
        if n == 0:
            break
    retry_due()
    return total


# --- operating -----------------------------------------------------------------------------------------------------


def revive(*, subscriber: str | None = None, event_id: int | None = None, dead_only: bool = True) -> int:
    """Puts dead letters (or, with dead_only=False, every retry) back to be tried now; returns how many."""
    qs = OutboxRetry.objects.all()
    if dead_only:
        qs = qs.filter(status=RetryStatus.DEAD)
    if subscriber:
        qs = qs.filter(subscriber=subscriber)
    if event_id is not None:
        qs = qs.filter(event_id=event_id)
    now = timezone.now()
    return qs.update(status=RetryStatus.RETRYING, attempts=0, next_attempt_at=now, updated_at=now)


def redeliver(event_id: int, subscriber: str | None = None) -> int:
    """Hands one already-delivered event again to a subscriber (or all of its topic's); returns how many failed.

    For operators and tests: the subscribers must ignore it (they are idempotent on the event id).
    """
    row = OutboxEvent.objects.get(pk=event_id)
    failures = 0
    for name, sub in SUBSCRIBERS.items():
        if (subscriber is None or name == subscriber) and sub.wants(row.topic):
            failures += _hand(name, sub, Event.of(row)) is not None
    return failures


def prune(days: float | None = None) -> int:
    """Deletes events handed over more than `days` ago (OUTBOX_KEEP_DAYS, default 7) with no retry left."""
    keep = float(days if days is not None else getattr(settings, "OUTBOX_KEEP_DAYS", 7))
    before = timezone.now() - dt.timedelta(days=keep)
    pending_retry = OutboxRetry.objects.filter(event_id=OuterRef("pk"))
    old = OutboxEvent.objects.filter(done_at__lt=before).exclude(Exists(pending_retry))
    deleted, _ = old.delete()
    return deleted


def status() -> dict[str, Any]:
    """What waits: events not yet handed over (and the oldest one's age), retries and dead letters by subscriber."""
    waiting = OutboxEvent.objects.filter(done_at__isnull=True).aggregate(n=Count("id"), oldest=Min("created_at"))
    by_sub: dict[str, dict[str, int]] = {}
    for row in OutboxRetry.objects.values("subscriber", "status").annotate(n=Count("id")):
        by_sub.setdefault(row["subscriber"], {})[row["status"]] = row["n"]
    age = (timezone.now() - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0.0
    return {"waiting": waiting["n"], "oldest_seconds": age, "subscribers": by_sub}
