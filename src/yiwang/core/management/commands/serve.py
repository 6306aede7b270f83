"""`yiwang serve`: the production web server (gunicorn, several worker processes, static files by WhiteNoise).

Every worker is a separate process with its own database connections; nothing is shared between them but the
database, so the same command runs on one machine or on many behind a load balancer.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from yiwang.core.clientip import client_ip_from_meta

# %(h)s is the client's address as core.clientip sees it (behind PROXY_COUNT proxies, not the proxy's).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


def default_workers() -> int:
    """WEB_CONCURRENCY when set, else gunicorn's rule of thumb: 2 × cores + 1."""
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError as exc:
            raise CommandError(f"WEB_CONCURRENCY must be a whole number, not {raw!r}") from exc
        if value < 1:
            raise CommandError("WEB_CONCURRENCY must be at least 1")
        return value
    return 2 * (os.cpu_count() or 1) + 1


def default_bind() -> str:
    """BIND when set, else PORT (as on most platforms-as-a-service) on all interfaces, else loopback:8000."""
    if os.environ.get("BIND"):
        return os.environ["BIND"]
    if os.environ.get("PORT"):
        return f"0.0.0.0:{os.environ['PORT']}"
    return "127.0.0.1:8000"


def static_manifest_problem() -> str | None:
    """With a manifest storage, pages fail unless `collectstatic` has run; say so before starting."""
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if "Manifest" not in backend:
        return None
    manifest = os.path.join(settings.STATIC_ROOT, "staticfiles.json")
    if not os.path.exists(manifest):
        return f"Static files are not collected ({manifest} is missing): run `yiwang collectstatic --noinput` first."
    try:
        with open(manifest, encoding="utf-8") as fh:
            json.load(fh)
    except (OSError, ValueError) as exc:
        return f"The static files manifest {manifest} is unreadable ({exc}): run `yiwang collectstatic --noinput`."
    return None


class Command(BaseCommand):
    help = "Runs the web application under gunicorn with several worker processes (production server)."
    requires_system_checks = "__all__"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            "-b",
            default=None,
            help="Address to listen on, HOST:PORT or unix:PATH; repeatable as a comma list "
            "(default: $BIND, else 0.0.0.0:$PORT, else 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            "-w",
            type=int,
            default=None,
            help="Worker processes (default: $WEB_CONCURRENCY, else 2 × CPU cores + 1).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "1")),
            help="Threads per worker process (default: $WEB_THREADS or 1).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=int(os.environ.get("WEB_TIMEOUT", "60")),
            help="Seconds before a silent worker is killed and restarted (default: 60).",
        )
        parser.add_argument(
            "--max-requests",
            type=int,
            default=int(os.environ.get("WEB_MAX_REQUESTS", "2000")),
            help="Restart a worker after this many requests, with jitter (0 = never; default 2000).",
        )
        parser.add_argument(
            "--access-log",
            default=os.environ.get("ACCESS_LOG", "-"),
            help="Access log file, '-' for standard output, '' to turn it off (default: '-').",
        )
        parser.add_argument(
            "--forwarded-allow-ips",
            default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            help="Proxies trusted to set X-Forwarded-* headers (default: 127.0.0.1,::1).",
        )
        parser.add_argument(
            "--preload",
            action="store_true",
            help="Import the application once in the master before forking (less memory).",
        )
        parser.add_argument(
            "--skip-static-check", action="store_true", help="Start even when collectstatic has not run."
        )

    def gunicorn_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The gunicorn settings for these command-line options (separate so it can be tested)."""
        workers = options["workers"] if options["workers"] is not None else default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        bind = [b.strip() for b in (options["bind"] or default_bind()).split(",") if b.strip()]
        access_log = options["access_log"] or None
        return {
            "bind": bind,
            "workers": workers,
            "threads": max(1, options["threads"]),
            "worker_class": "gthread" if options["threads"] > 1 else "sync",
            "timeout": options["timeout"],
            "graceful_timeout": 30,
            "keepalive": 5,
            "max_requests": options["max_requests"],
            "max_requests_jitter": options["max_requests"] // 10 if options["max_requests"] else 0,
            "accesslog": access_log,
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": AccessLogger,
            "errorlog": "-",
            "loglevel": os.environ.get("LOG_LEVEL", "info").lower(),
            "forwarded_allow_ips": options["forwarded_allow_ips"],
            "preload_app": options["preload"],
            "proc_name": "yiwang-web",
            "control_socket_disable": True,
            # Temporary files of the heartbeat live in memory, not on a possibly slow disk.
            "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,  # noqa: S108
            "post_worker_init": post_worker_init,
        }

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["skip_static_check"] and (problem := static_manifest_problem()):
            raise CommandError(problem)
        config = self.gunicorn_options(options)

        from django.db import connections

        # The master never serves requests: close what the checks opened so no connection is shared by a fork.
        connections.close_all()
        YiwangApplication(config).run()


class AccessLogger(Logger):
    """Gunicorn's logger, with the client's address in the access log computed like every limit's (PROXY_COUNT)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = client_ip_from_meta(environ) or "-"
        return atoms


def post_worker_init(worker: Any) -> None:
    """Each worker runs every module's warm-up (search dictionaries, …) before its first request, not during it."""
    from yiwang.core.warmups import run_warm_ups

    run_warm_ups()


class YiwangApplication(BaseApplication):
    """Gunicorn application that takes its settings from a dict and serves Django's WSGI handler."""

    def __init__(self, config: dict[str, Any]):
        self.config_dict = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.config_dict.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
