"""`yiwang worker`: the background-task worker (django-tasks' database backend).

Tasks wait in a database table; any number of worker processes, on any number of machines, take them one at a
time with row locks, so adding workers is how background work scales out. Each process runs
`yiwang.core.taskworker.ResilientWorker` (django-tasks-db's worker loop that waits out a locked SQLite database
instead of dying on it) and, beside it, `yiwang.core.background.Background`: the outbox dispatcher, its heartbeat
(so a task it was running when it died goes back in the queue) and the periodic jobs. A database that goes away
(a PostgreSQL restart, a failover) does not end the process: it waits, then goes on under a new worker id.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from yiwang.core import outbox
from yiwang.core.background import Background
from yiwang.core.processes import Supervisor, child_env, yiwang_command
from yiwang.core.taskworker import ResilientWorker

log = logging.getLogger("yiwang.worker")


def default_processes() -> int:
    raw = os.environ.get("WORKER_CONCURRENCY", "1").strip() or "1"
    try:
        return max(1, int(raw))
    except ValueError as exc:
        raise CommandError(f"WORKER_CONCURRENCY must be a whole number, not {raw!r}") from exc


class Command(BaseCommand):
    help = "Runs background tasks from the database queue (one or several worker processes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            default=os.environ.get("WORKER_QUEUES", "default"),
            help="Queues to take tasks from, comma separated, '*' for all (default: $WORKER_QUEUES or 'default').",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=float(os.environ.get("WORKER_INTERVAL", "1")),
            help="Seconds to wait before looking again when the queue is empty (default: 1).",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Worker processes to run side by side (default: $WORKER_CONCURRENCY or 1).",
        )
        parser.add_argument("--batch", action="store_true", help="Run every waiting task, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many tasks.")
        parser.add_argument("--reload", action="store_true", help="Restart on code changes (development only).")

    def handle(self, *args: Any, **options: Any) -> None:
        processes = options["processes"] if options["processes"] is not None else default_processes()
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        if options["interval"] <= 0:
            raise CommandError("--interval must be more than 0 seconds")
        if processes == 1:
            self.run_one(options)
            return
        if options["reload"]:
            raise CommandError("--reload works with one process only")
        argv = ["worker", "--processes", "1", "--queue", options["queue"], "--interval", str(options["interval"])]
        if options["batch"]:
            argv.append("--batch")
        if options["max_tasks"]:
            argv += ["--max-tasks", str(options["max_tasks"])]
        if options["verbosity"] != 1:
            argv += ["--verbosity", str(options["verbosity"])]
        supervisor = Supervisor(
            {f"worker-{n + 1}": yiwang_command(*argv) for n in range(processes)},
            env=child_env(),
            # A pool keeps its size; in batch mode (or with --max-tasks) a finished process is simply done.
            restart=not options["batch"] and not options["max_tasks"],
            wait_all=bool(options["batch"] or options["max_tasks"]),
        )
        code = supervisor.run()
        if code:
            raise CommandError(f"a worker process failed (exit code {code})", returncode=code)

    def run_one(self, options: dict[str, Any]) -> None:
        """One worker process in this process (what django-tasks-db's `db_worker` does, with our worker loop), the
        outbox dispatcher and periodic jobs in a thread beside it."""
        DbWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(options["verbosity"])
        worker_id = get_random_string(32)
        worker = ResilientWorker(
            queue_names=options["queue"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=True,
            max_tasks=options["max_tasks"] or None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        background = Background(worker_id)
        if options["batch"]:
            outbox.drain()  # hand over what waits first: subscribers enqueue tasks this run should do
        if options["reload"] and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
                background.start()
            try:
                run_with_reloader(worker.run)
            finally:
                background.stop()
            return
        worker.configure_signals()
        if not options["batch"]:
            background.start()
        pause = 0.5
        try:
            while True:
                try:
                    worker.run()
                    break
                except (OperationalError, InterfaceError) as exc:
                    if options["batch"] or not worker.running:
                        raise
                    # The database went away (a restart, a failover): wait for it, then go on under a new worker
                    # id, so the task that was interrupted is put back in the queue when its lease runs out.
                    log.warning("the database is unavailable (%s); the worker goes on in %.1f s", exc, pause)
                    connections.close_all()
                    time.sleep(pause)
                    pause = min(pause * 2, 10.0)
                    worker.worker_id = background.worker_id = get_random_string(32)
                    worker.startup_delay = False
        finally:
            background.stop()
        if options["batch"]:
            outbox.drain()
