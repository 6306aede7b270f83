"""What every task worker process does beside running tasks: hand over the outbox, say it is alive, run the
periodic jobs, and put back in the queue the tasks of workers that died.

`yiwang worker` starts one `Background` thread per worker process. Each round it:

1. (in a heartbeat thread of its own) writes its heartbeat (`WorkerBeat`, every BEAT_SECONDS, or a third of
   TASK_LEASE_SECONDS) under the worker id django-tasks records on the tasks it claims;
2. dispatches the outbox (`core.outbox.dispatch`; one dispatcher at a time across all processes, by lease);
3. runs the periodic jobs that are due (`JOBS`, a hook: each job runs at most once per its period across all
   processes, by a lease named after it).

The job `core.tasks.reap` is the answer to a worker killed while running a task: django-tasks-db marks a task
RUNNING when a worker claims it and nothing ever looks at it again, so it stayed RUNNING for ever. Here a RUNNING
task whose worker has not beaten for TASK_LEASE_SECONDS goes back to READY (another worker runs it again — tasks are
idempotent, docs/outbox.md), and after TASK_MAX_RUNS such runs it is marked FAILED with the reason. A task claimed
by a worker that never beat (a bare `db_worker`) is treated the same after TASK_ORPHAN_SECONDS. The job
`core.tasks.transient` runs again the tasks that failed because the database was away for a moment.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import timezone

from . import leases, outbox
from .models import WorkerBeat
from .plugins import Hook

log = logging.getLogger("yiwang.worker")

BEAT_SECONDS = 5.0


def beat_seconds() -> float:
    """How often a worker says it is alive: every 5 s, or a third of the task lease when that is shorter."""
    return max(0.5, min(BEAT_SECONDS, _setting("TASK_LEASE_SECONDS", 60) / 3))


@dataclass(frozen=True)
class Job:
    """A periodic job: `run()` every `every` seconds (at most once per period across all worker processes)."""

    every: float
    run: Callable[[], object]


JOBS: Hook[Job] = Hook(
    "core.background.jobs",
    entry_type=Job,
    doc="Periodic jobs the task workers run (`Job(every=seconds, run=callable)`), each once per period overall.",
)


class WorkerLost(Exception):
    """The worker running a task stopped (killed, or its machine lost) before it recorded the outcome."""


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def beat(worker_id: str, started_at: dt.datetime | None = None) -> None:
    """Records that `worker_id` is alive now."""
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now, "host": socket.gethostname()[:120], "pid": os.getpid()},
        create_defaults={
            "seen_at": now,
            "started_at": started_at or now,
            "host": socket.gethostname()[:120],
            "pid": os.getpid(),
        },
    )


def reap_stale_tasks(now: dt.datetime | None = None) -> int:
    """Puts the RUNNING tasks of dead workers back in the queue (or fails them after TASK_MAX_RUNS runs)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    grace = dt.timedelta(seconds=_setting("TASK_LEASE_SECONDS", 60))
    orphan = dt.timedelta(seconds=_setting("TASK_ORPHAN_SECONDS", 3600))
    most = int(_setting("TASK_MAX_RUNS", 5))
    beats = dict(WorkerBeat.objects.values_list("worker_id", "seen_at"))
    reaped = 0
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids", "started_at")
    for task in running:
        worker = task.worker_ids[-1] if task.worker_ids else ""
        seen = beats.get(worker)
        if seen is not None and seen >= now - grace:
            continue  # its worker is alive: still running
        if seen is None and task.started_at is not None and task.started_at >= now - orphan:
            continue  # a worker we do not know (no heartbeat): give it much longer
        still = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING)
        if len(task.worker_ids) >= most:
            changed = still.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"WorkerLost: the worker {worker} stopped while running this task, {len(task.worker_ids)} "
                f"times; not run again.",
            )
            if changed:
                log.error("task %s lost its worker %s times; marked failed", task.pk, len(task.worker_ids))
        else:
            changed = still.update(status=TaskResultStatus.READY, started_at=None)
            if changed:
                log.warning("task %s: its worker %s stopped beating; back in the queue", task.pk, worker or "?")
        reaped += changed
    return reaped


# A task that failed because the database was away (a restart, a failover) did nothing lasting: it runs again.
TRANSIENT = frozenset(
    {
        "django.db.utils.OperationalError",
        "django.db.utils.InterfaceError",
        "psycopg.OperationalError",
        "psycopg.InterfaceError",
    }
)


def retry_transient_failures(now: dt.datetime | None = None) -> int:
    """Puts back in the queue the tasks that failed in the last hour because the database was unavailable (fewer
    than TASK_MAX_RUNS runs); returns how many."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    most = int(_setting("TASK_MAX_RUNS", 5))
    again = 0
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        finished_at__gte=now - dt.timedelta(hours=1),
        exception_class_path__in=sorted(TRANSIENT),
    ).only("id", "worker_ids")
    for task in failed:
        if len(task.worker_ids) >= most:
            continue
        again += DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, started_at=None, finished_at=None, exception_class_path="", traceback=""
        )
        log.warning("task %s failed while the database was away; back in the queue", task.pk)
    return again


def prune_beats(days: float = 1.0) -> int:
    deleted, _ = WorkerBeat.objects.filter(seen_at__lt=timezone.now() - dt.timedelta(days=days)).delete()
    return deleted


def run_due_jobs(holder: str, next_due: dict[str, float]) -> list[str]:
    """Runs each job whose period has passed (locally, then by its lease overall); returns the keys run."""
    ran = []
    clock = time.monotonic()
    for key, job in JOBS.items():
        if next_due.get(key, 0.0) > clock:
            continue
        next_due[key] = clock + job.every
        if not leases.acquire(f"job:{key}", holder, job.every, renew=False):
            continue
        try:
            job.run()
            ran.append(key)
        except Exception:
            log.exception("periodic job %s failed", key)
            connections.close_all()
    return ran


class Heartbeat(threading.Thread):
    """Says the worker is alive every `beat_seconds()`, on its own: a long outbox batch or job never delays it."""

    def __init__(self, owner: Background) -> None:
        super().__init__(name="yiwang-heartbeat", daemon=True)
        self.owner = owner

    def run(self) -> None:
        while True:
            try:
                beat(self.owner.worker_id, self.owner.started)
            except Exception:
                log.exception("heartbeat failed")
                connections.close_all()
            if self.owner.stopping.wait(beat_seconds()):
                break
        connections.close_all()


class Background(threading.Thread):
    """The worker process's second thread: outbox dispatch and periodic jobs, with a heartbeat thread beside it
    (see the module docstring). `worker_id` may change while it runs (a worker that goes on under a new id)."""

    def __init__(self, worker_id: str, poll: float | None = None) -> None:
        super().__init__(name="yiwang-background", daemon=True)
        self.worker_id = worker_id
        self.poll = poll if poll is not None else _setting("OUTBOX_POLL_SECONDS", 0.5)
        self.stopping = threading.Event()
        self.started = timezone.now()
        self.holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{worker_id[:12]}"
        self.heartbeat = Heartbeat(self)
        self._next_due: dict[str, float] = {}

    def start(self) -> None:
        self.heartbeat.start()
        super().start()

    def round(self) -> int:
        """One round; returns how many outbox events were handed over."""
        handed = outbox.dispatch(holder=self.holder)
        run_due_jobs(self.holder, self._next_due)
        return handed

    def run(self) -> None:
        pause = self.poll
        while not self.stopping.is_set():
            try:
                handed = self.round()
                pause = self.poll
            except Exception:
                log.exception("background round failed; trying again in %.1f s", pause)
                connections.close_all()
                handed = 0
                pause = min(max(pause * 2, 1.0), 30.0)
            if not handed:
                self.stopping.wait(pause)
        connections.close_all()

    def stop(self) -> None:
        self.stopping.set()


def register_core_jobs() -> None:
    """The core's own periodic jobs (CoreConfig.ready())."""
    from . import counters

    JOBS.add("core.outbox.retries", Job(every=5, run=outbox.retry_due), order=10)
    # Looked at four times per lease: a dead worker's task is back in the queue within 1¼ leases of its last beat.
    reap_every = max(1.0, min(15.0, _setting("TASK_LEASE_SECONDS", 60) / 4))
    JOBS.add("core.tasks.reap", Job(every=reap_every, run=reap_stale_tasks), order=20)
    JOBS.add("core.tasks.transient", Job(every=30, run=retry_transient_failures), order=25)
    JOBS.add("core.counters.cull", Job(every=300, run=counters.cull), order=80)
    JOBS.add("core.outbox.prune", Job(every=3600, run=outbox.prune), order=90)
    JOBS.add("core.workers.prune", Job(every=3600, run=prune_beats), order=90)
