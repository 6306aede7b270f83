"""Rate counters in one statement, leases, worker heartbeats and the reaper of tasks whose worker died."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_ratelimit.core import get_usage
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.core.sample_tasks import write_marker
from yiwang.core import background, leases
from yiwang.core.counters import CounterCache, cull
from yiwang.core.models import Lease, RateCounter, WorkerBeat

pytestmark = pytest.mark.django_db


# --- rate counters -------------------------------------------------------------------------------------------------


def _check(request, rate="3/m"):
    return get_usage(request, group="test.counter", key=lambda g, r: "client:7", rate=rate, increment=True)


def test_django_ratelimit_counts_in_one_statement_and_limits(settings):
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    request = RequestFactory().get("/")
    assert isinstance(caches["ratelimit"], CounterCache)
    seen = []
    for _ in range(4):
        with CaptureQueriesContext(connection) as q:
            usage = _check(request)
        assert len(q.captured_queries) == 1, [x["sql"] for x in q.captured_queries]
        seen.append((usage["count"], usage["should_limit"]))
    assert seen == [(1, False), (2, False), (3, False), (4, True)]
    # Looking without counting does not count.
    peek = get_usage(request, group="test.counter", key=lambda g, r: "client:7", rate="3/m", increment=False)
    assert peek["count"] == 4


def test_a_counter_starts_again_when_its_window_has_passed():
    cache = caches["ratelimit"]
    assert cache.add("w", 1, 60) is True
    assert cache.add("w", 1, 60) is False and cache.incr("w") == 2
    RateCounter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert cache.get("w") is None
    assert cache.add("w", 1, 60) is True and cache.get("w") == 1
    assert cull() == 0
    RateCounter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert cull() == 1 and not RateCounter.objects.exists()


def test_the_counter_cache_holds_counters_only():
    with pytest.raises(TypeError):
        caches["ratelimit"].add("x", "text")


# --- leases --------------------------------------------------------------------------------------------------------


def test_a_lease_has_one_holder_until_it_runs_out():
    assert leases.acquire("job", "a", 30)
    assert not leases.acquire("job", "b", 30)
    assert leases.acquire("job", "a", 30)  # renewed by its holder
    assert not leases.acquire("job", "a", 30, renew=False)  # a schedule: not before it ran out
    Lease.objects.filter(name="job").update(until=timezone.now() - dt.timedelta(seconds=1))
    assert leases.acquire("job", "b", 30)
    leases.release("job", "b")
    assert leases.acquire("job", "c", 30)


def test_periodic_jobs_run_once_per_period_across_processes(monkeypatch):
    runs = []
    monkeypatch.setattr(background.JOBS, "_entries", {})
    monkeypatch.setattr(background.JOBS, "_sorted", None)
    background.JOBS.add("test.job", background.Job(every=60, run=lambda: runs.append(1)))
    assert background.run_due_jobs("worker-1", {}) == ["test.job"]
    assert background.run_due_jobs("worker-2", {}) == []  # another process, same period: its lease says no
    assert runs == [1]


# --- tasks whose worker died ---------------------------------------------------------------------------------------


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TASK_LEASE_SECONDS = 60
    settings.TASK_ORPHAN_SECONDS = 3600
    settings.TASK_MAX_RUNS = 3


def _running(worker: str, started_ago: float, runs: int = 1) -> DBTaskResult:
    write_marker.enqueue("/dev/null", "x")
    task = DBTaskResult.objects.get()
    task.status = TaskResultStatus.RUNNING
    task.started_at = timezone.now() - dt.timedelta(seconds=started_ago)
    task.worker_ids = [f"w{i}" for i in range(runs - 1)] + [worker]
    task.save()
    return task


def test_a_task_whose_worker_stopped_beating_goes_back_in_the_queue(db_tasks):
    task = _running("dead", started_ago=300)
    WorkerBeat.objects.create(worker_id="dead", seen_at=timezone.now() - dt.timedelta(seconds=90))
    assert background.reap_stale_tasks() == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY and task.started_at is None
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()


def test_a_live_worker_keeps_its_task(db_tasks):
    task = _running("alive", started_ago=600)
    background.beat("alive")
    assert background.reap_stale_tasks() == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_task_of_an_unknown_worker_waits_much_longer(db_tasks):
    task = _running("bare-db-worker", started_ago=120)
    assert background.reap_stale_tasks() == 0
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
    assert background.reap_stale_tasks() == 1


def test_a_task_that_keeps_losing_its_worker_fails_with_the_reason(db_tasks):
    task = _running("dead", started_ago=300, runs=3)
    WorkerBeat.objects.create(worker_id="dead", seen_at=timezone.now() - dt.timedelta(seconds=90))
    assert background.reap_stale_tasks() == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path.endswith("WorkerLost") and "stopped while running" in task.traceback


def test_the_background_round_dispatches_and_its_heartbeat_beats(settings):
    settings.OUTBOX_DISPATCH_ON_COMMIT = False
    from yiwang.core import outbox

    outbox.publish("t.nobody", {"n": 1})
    bg = background.Background("w-round")
    assert bg.round() == 1
    bg.stop()
    # The beat the heartbeat thread records (its loop closes its thread's connections when it ends, which in this
    # thread would close the test's own transaction on PostgreSQL).
    background.beat("w-round")
    assert WorkerBeat.objects.filter(worker_id="w-round").exists()


def test_a_task_that_failed_while_the_database_was_away_runs_again(db_tasks):
    write_marker.enqueue("/dev/null", "x")
    task = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        worker_ids=["w1"],
        exception_class_path="django.db.utils.OperationalError",
    )
    assert background.retry_transient_failures() == 1
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()
    # A task that failed for its own reasons stays failed.
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now(), exception_class_path="builtins.ValueError"
    )
    assert background.retry_transient_failures() == 0
