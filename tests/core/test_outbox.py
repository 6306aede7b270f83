"""The transactional outbox: written with the change or not at all, handed to every subscriber at least once, one
failing subscriber never holding up the others nor losing an event, one dispatcher at a time by lease."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from yiwang.core import leases, outbox
from yiwang.core.models import Lease, OutboxEvent, OutboxRetry, RetryStatus

pytestmark = pytest.mark.django_db


class Recorder:
    """A subscriber that records what it got, and fails while `failing` names the event's key."""

    def __init__(self) -> None:
        self.got: list[tuple[int, str]] = []
        self.failing: set[str] = set()

    def __call__(self, event: outbox.Event) -> None:
        if event.key in self.failing:
            raise RuntimeError(f"receiver down for {event.key}")
        self.got.append((event.id, event.payload["n"]))


@pytest.fixture
def subs(settings):
    settings.OUTBOX_DISPATCH_ON_COMMIT = False
    saved = dict(outbox.SUBSCRIBERS._entries)
    outbox.SUBSCRIBERS._entries.clear()
    outbox.SUBSCRIBERS._sorted = None
    a, b, other = Recorder(), Recorder(), Recorder()
    outbox.subscribe("test.a", {"t.changed"}, a)
    outbox.subscribe("test.b", {"t.changed"}, b)
    outbox.subscribe("test.other", {"t.other"}, other)
    yield a, b, other
    outbox.SUBSCRIBERS._entries.clear()
    outbox.SUBSCRIBERS._entries.update(saved)
    outbox.SUBSCRIBERS._sorted = None


def publish(n: str, key: str = "k:1", topic: str = "t.changed") -> None:
    outbox.publish(topic, {"n": n}, key=key)


def test_an_event_is_written_with_its_change_or_not_at_all(subs):
    with transaction.atomic():
        publish("kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("rolled back")
        raise RuntimeError("the change failed")
    assert [e.payload["n"] for e in OutboxEvent.objects.all()] == ["kept"]


def test_every_subscriber_of_the_topic_gets_every_event_once(subs):
    a, b, other = subs
    for n in ("1", "2", "3"):
        publish(n, key=f"k:{n}")
    publish("x", topic="t.other")
    assert outbox.dispatch() == 4
    assert [n for _i, n in a.got] == ["1", "2", "3"] == [n for _i, n in b.got]
    assert [n for _i, n in other.got] == ["x"]
    assert not OutboxEvent.objects.filter(done_at__isnull=True).exists()
    assert outbox.dispatch() == 0  # nothing handed over twice


def test_a_failing_subscriber_holds_up_nobody_and_loses_nothing(subs):
    a, b, _other = subs
    b.failing = {"k:1"}
    publish("1", key="k:1")
    publish("2", key="k:2")
    publish("3", key="k:1")  # after a failure of the same key: waits behind it, for b only
    assert outbox.dispatch() == 3
    assert [n for _i, n in a.got] == ["1", "2", "3"]
    assert [n for _i, n in b.got] == ["2"]
    lines = {r.event.payload["n"]: r for r in OutboxRetry.objects.select_related("event")}
    assert set(lines) == {"1", "3"} and lines["1"].attempts == 1 and "receiver down" in lines["1"].last_error
    assert lines["3"].attempts == 0  # never tried: waiting for "1"

    # Not yet due: nothing happens. Due, still failing: one more attempt, the line keeps its order.
    assert outbox.retry_due() == (0, 0)
    OutboxRetry.objects.update(next_attempt_at=timezone.now())
    assert outbox.retry_due() == (0, 1)
    assert OutboxRetry.objects.get(event__payload__n="1").attempts == 2

    # The receiver is back: the retries arrive in order, and the lines are gone.
    b.failing = set()
    OutboxRetry.objects.update(next_attempt_at=timezone.now())
    assert outbox.retry_due() == (2, 0)
    assert [n for _i, n in b.got] == ["2", "1", "3"]
    assert not OutboxRetry.objects.exists()
    assert [n for _i, n in a.got] == ["1", "2", "3"]  # a was never asked twice


def test_dead_letters_after_the_last_attempt_and_revived_by_an_operator(subs, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    _a, b, _other = subs
    b.failing = {"k:1"}
    publish("1")
    outbox.dispatch()
    OutboxRetry.objects.update(next_attempt_at=timezone.now())
    outbox.retry_due()
    dead = OutboxRetry.objects.get()
    assert dead.status == RetryStatus.DEAD and dead.attempts == 2
    out = StringIO()
    call_command("outbox", "status", stdout=out)
    assert "test.b: dead 1" in out.getvalue()
    # A dead letter no longer holds up its key.
    b.failing = set()
    publish("2")
    outbox.dispatch()
    assert OutboxRetry.objects.count() == 1 and [n for _i, n in b.got] == ["2"]
    out = StringIO()
    call_command("outbox", "retry", "--subscriber", "test.b", stdout=out)
    assert "1 delivered" in out.getvalue()
    assert [n for _i, n in b.got] == ["2", "1"]
    assert not OutboxRetry.objects.exists()


def test_one_dispatcher_at_a_time_and_a_dead_one_hands_over_when_its_lease_ends(subs):
    a, _b, _other = subs
    publish("1")
    # Another process holds the lease (and died without marking anything done).
    assert leases.acquire(outbox.LEASE_NAME, "elsewhere:1:1", outbox.LEASE_SECONDS)
    assert outbox.dispatch(holder="here") == 0 and a.got == []
    Lease.objects.filter(name=outbox.LEASE_NAME).update(until=timezone.now() - dt.timedelta(seconds=1))
    assert outbox.dispatch(holder="here") == 1 and [n for _i, n in a.got] == ["1"]


def test_a_batch_not_marked_done_is_handed_over_again(subs, monkeypatch):
    """At least once: a dispatcher that dies after the subscribers ran, before marking the batch done."""
    a, _b, _other = subs
    publish("1")
    real_update = OutboxEvent.objects.filter

    def dies(*args, **kwargs):
        if "pk__in" in kwargs:
            raise SystemExit("killed")
        return real_update(*args, **kwargs)

    monkeypatch.setattr(OutboxEvent.objects, "filter", dies)
    with pytest.raises(SystemExit):
        outbox.dispatch()
    monkeypatch.undo()
    assert outbox.dispatch() == 1
    assert [n for _i, n in a.got] == ["1", "1"]  # twice, with the same event id: the subscriber ignores the second
    assert a.got[0][0] == a.got[1][0]


def test_pruning_keeps_what_is_recent_or_still_retried(subs):
    _a, b, _other = subs
    b.failing = {"k:old"}
    publish("old", key="k:old")
    publish("done", key="k:2")
    outbox.dispatch()
    OutboxEvent.objects.update(done_at=timezone.now() - dt.timedelta(days=30))
    publish("new", key="k:3")
    outbox.dispatch()
    assert outbox.prune(days=7) == 1
    assert sorted(e.payload["n"] for e in OutboxEvent.objects.all()) == ["new", "old"]


def test_dispatch_on_commit_for_a_single_process(subs, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_DISPATCH_ON_COMMIT = True
    a, _b, _other = subs
    with django_capture_on_commit_callbacks(execute=True):
        publish("1")
    assert [n for _i, n in a.got] == ["1"]


def test_a_database_that_went_away_is_nobodys_failure(subs):
    """The round stops, nothing is recorded against the subscriber, and the event is handed over again later."""
    from django.db import OperationalError

    a, _b, _other = subs
    publish("1")

    def away(event):
        raise OperationalError("server closed the connection unexpectedly")

    with (
        outbox.SUBSCRIBERS.contributed("test.b", outbox.Subscriber(frozenset({"t.changed"}), away)),
        pytest.raises(OperationalError),
    ):
        outbox.dispatch()
    assert not OutboxRetry.objects.exists()
    assert outbox.dispatch() == 1 and len(a.got) == 2  # handed over again, a ignores the repeat by id
