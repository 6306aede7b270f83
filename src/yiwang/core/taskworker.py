"""The background-task worker loop: django-tasks-db's worker, made to outlive a locked database.

With the embedded SQLite, one process writes at a time; another writer waits up to SQLITE_BUSY_TIMEOUT and then
gets "database is locked". django-tasks-db's worker lets that error escape when it takes a task, and records a
task's outcome with three quick tries only, so a long write elsewhere (a catalog import) used to kill the worker
(and `run_demo` with it). This worker instead:

- waits and tries again, with a growing pause, when the database is locked while it looks for a task;
- records a task's outcome patiently (a finished task is never left "running" for want of a lock);
- puts a task that itself failed on a locked database back in the queue, a few times, instead of failing it.

Any other error behaves as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import OperationalError, connections
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

log = logging.getLogger("yiwang.worker")

T = TypeVar("T")

FIRST_PAUSE = 0.5  # seconds before the first retry on a locked database
LONGEST_PAUSE = 10.0
PATIENCE = 600.0  # seconds to keep trying to record a task's outcome
LOCKED_TASK_ATTEMPTS = 5  # runs of a task that keeps failing on a locked database before it counts as failed


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and is_locked_database_exception(exc)


def patiently(func: Callable[..., T], *args: Any, stop: Callable[[], bool] = lambda: False) -> T:
    """Calls `func` until no "database is locked" stops it (at most PATIENCE seconds), pausing longer each time."""
    pause, deadline = FIRST_PAUSE, time.monotonic() + PATIENCE
    while True:
        try:
            return func(*args)
        except OperationalError as exc:
            if not is_locked_database_exception(exc) or time.monotonic() > deadline or stop():
                raise
            log.warning("The database is locked (%s); trying again in %.1f s.", exc, pause)
            connections.close_all()
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)


class ResilientWorker(Worker):
    """django-tasks-db's Worker that waits out a locked database instead of dying on it."""

    def run(self) -> None:
        pause = FIRST_PAUSE
        while True:
            try:
                super().run()
                return
            except OperationalError as exc:
                if not is_locked_database_exception(exc) or not self.running:
                    raise
                log.warning("The database is locked while looking for a task (%s); trying again in %.1f s.", exc, pause)
                connections.close_all()
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
                self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Runs one claimed task and records its outcome (the library's run_task, with patience for locks)."""
        stop = lambda: not self.running  # noqa: E731
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            patiently(db_task_result.set_successful, value, stop=stop)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except BaseException as exc:  # as the library does: every failure is recorded on the task
            if is_locked(exc) and len(db_task_result.worker_ids) < LOCKED_TASK_ATTEMPTS:
                log.warning("Task %s met a locked database; it goes back in the queue.", db_task_result.id)
                patiently(self._again_later, db_task_result, stop=stop)
                return
            patiently(db_task_result.set_failed, exc, stop=stop)
            try:
                sender = type(db_task_result.task.get_backend())
                finished = db_task_result.task_result
            except Exception:
                log.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=finished)
        finally:
            self.running_task = False
            self._run_tasks += 1

    @staticmethod
    def _again_later(db_task_result: DBTaskResult) -> None:
        pause = timedelta(seconds=LONGEST_PAUSE * len(db_task_result.worker_ids))
        DBTaskResult.objects.filter(pk=db_task_result.pk).update(
            status=TaskResultStatus.READY, run_after=timezone.now() + pause, started_at=None
        )
