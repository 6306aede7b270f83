"""`yiwang run_demo`: the web server and the background-task worker together, as child processes.

`make demo` ends with this. The demo runs like production — several gunicorn workers, DEBUG off, static files
from WhiteNoise, the friendly error pages — only with the development settings' SQLite file and secret key.
Ctrl-C (or SIGTERM) stops both children cleanly.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from yiwang.core.management.commands.serve import static_manifest_problem
from yiwang.core.processes import Supervisor, child_env, yiwang_command

WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]", ""}


def split_bind(bind: str) -> tuple[str, int]:
    """'127.0.0.1:8000' → ('127.0.0.1', 8000); '[::1]:8000' → ('[::1]', 8000)."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise CommandError(f"--bind must look like HOST:PORT, not {bind!r}")
    return host, int(port)


def public_url(bind: str) -> str:
    """The address a person on this machine opens for a bind address."""
    host, port = split_bind(bind)
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = "Runs the web server (gunicorn) and the background-task worker together; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on (default 127.0.0.1:8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Web worker processes (default: $WEB_CONCURRENCY, else 2 × cores + 1).",
        )
        parser.add_argument("--task-workers", type=int, default=1, help="Background-task worker processes (default 1).")
        parser.add_argument(
            "--debug",
            action="store_true",
            help="Keep DEBUG on (tracebacks in the browser) instead of production-like pages.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"]
        host, _port = split_bind(bind)
        if problem := static_manifest_problem():
            raise CommandError(problem)
        env = child_env(DEBUG="1" if options["debug"] else "0")
        env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", "yiwang.conf.dev"))
        allowed = [h for h in env.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
        bare_host = host.strip("[]")
        if host in WILDCARD_HOSTS:
            # Reachable from other machines under names we cannot know: accept any host name (demo only).
            allowed.append("*")
        elif bare_host not in allowed:
            allowed.append(bare_host)
        env["ALLOWED_HOSTS"] = ",".join(allowed)

        serve = ["serve", "--bind", bind]
        if options["workers"]:
            serve += ["--workers", str(options["workers"])]
        worker = ["worker", "--processes", str(max(1, options["task_workers"]))]
        # A task worker that ends is started again (it outlives a locked database itself; this covers the rest);
        # the web server ending stops the demo.
        supervisor = Supervisor(
            {"web": yiwang_command(*serve), "worker": yiwang_command(*worker)}, env=env, restart={"worker"}
        )

        url = public_url(bind)
        started = time.monotonic()
        warned = False

        def announce() -> bool:
            nonlocal warned
            try:
                with urllib.request.urlopen(url + "healthz", timeout=10) as response:  # noqa: S310 - our own server
                    if response.status != 200:
                        return False
            except (urllib.error.URLError, OSError):
                if not warned and time.monotonic() - started > 60:
                    warned = True
                    self.stderr.write(f"The web server has not answered at {url} for 60 s; still waiting…")
                return False
            self.stdout.write(self.style.SUCCESS(f"\nYiwang is running at {url}"))
            self.stdout.write(f"  Sign in:  {url.rstrip('/')}{reverse('identity:sign_in')}")
            self.stdout.write("  Demo accounts: printed above by `yiwang demo_accounts` (run it again to list them).")
            self.stdout.write(f"  API:      {url}api/v1/docs")
            self.stdout.write("  Press Ctrl-C to stop the web server and the worker.\n")
            self.stdout.flush()
            return True

        code = supervisor.run(ready=announce)
        if code:
            raise CommandError(f"the demo stopped because a process failed (exit code {code})", returncode=code)
        self.stdout.write("Yiwang demo stopped.")
