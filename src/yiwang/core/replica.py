"""A read replica for read-only work: dashboards, statistics, search and public verification.

With DATABASE_REPLICA_URL set (a PostgreSQL streaming replica of DATABASE_URL), settings add the database alias
"replica" and this module's `Router`. A read goes to the replica only when all of these hold:

- the code doing it declared itself read-only work: a view or API operation decorated with `@reads`, or a block
  inside `with reading():` (dashboards, statistics, catalog search, public license verification);
- the request is a safe one (GET, HEAD, OPTIONS) — every POST, PUT, PATCH and DELETE reads from the primary;
- the person has not just written: any request that writes (or uses an unsafe method) sets a short-lived cookie
  (REPLICA_PIN_SECONDS, 10 s by default) that keeps their following requests on the primary, so they always read
  their own writes, however far the replica lags; and anything written earlier in the same request does too;
- no transaction is open on the primary (reads inside `atomic()` must see what the transaction wrote);
- the model is not one whose every read must be current (cache and rate counters, sessions, tasks, sign-in
  lockouts, OAuth tokens: REPLICA_EXCLUDED_APPS); writes to those (a session touched, a rate counted) do not pin.

Everything else — and everything when no replica is configured, as on SQLite — uses the primary, so the rest of
the code never has to think about it. Writes always go to the primary, and migrations never run on the replica.
Machine clients keep no cookies: a department system that must read its own write from a replica-routed endpoint
waits REPLICA_PIN_SECONDS or reads through an endpoint that is not routed (everything it writes to is not).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "yiwang_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_EXCLUDED_APPS = frozenset(
    {"django_cache", "sessions", "django_tasks_database", "axes", "oauth2_provider", "contenttypes", "admin"}
)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _RequestState:
    """What the router needs to know about the request being served."""

    eligible: bool  # safe method and not pinned to the primary
    wrote: bool = False  # something was written during this request


_state: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar("yiwang_replica_request", default=None)
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("yiwang_replica_wanted", default=False)


def configured() -> bool:
    """Whether a replica is configured (DATABASE_REPLICA_URL)."""
    return REPLICA in settings.DATABASES


def pin_seconds() -> int:
    return int(getattr(settings, "REPLICA_PIN_SECONDS", 10))


def _excluded_apps() -> frozenset[str]:
    return frozenset(getattr(settings, "REPLICA_EXCLUDED_APPS", DEFAULT_EXCLUDED_APPS))


@contextmanager
def reading() -> Iterator[None]:
    """Marks a block as read-only work that may read from the replica (outside requests too, e.g. a report job)."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def reads(view: F) -> F:
    """Decorates a Django view doing read-only work: its reads may come from the replica.

    For an API operation use `@ninja.decorators.decorate_view(reads)` below the route decorator, so the operation's
    own parsing and serialisation run inside it too."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reading():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def read_connection(model: Any) -> Any:
    """The connection a read of `model` uses here and now, for code that runs SQL itself (the catalog search)."""
    from django.db import router

    return connections[router.db_for_read(model) or DEFAULT_DB_ALIAS]


def would_read_from_replica() -> bool:
    """Whether a read here and now would go to the replica (for tests and the debug toolbar alike)."""
    return Router().db_for_read(_Probe) == REPLICA


class _ProbeMeta:
    app_label = "yiwang_probe"
    label = "yiwang_probe.Probe"


class _Probe:
    _meta = _ProbeMeta


class Router:
    """DATABASE_ROUTERS entry: the rules in the module docstring."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _wanted.get() or not configured():
            return None
        state = _state.get()
        if state is not None and (not state.eligible or state.wrote):
            return None
        if model._meta.app_label in _excluded_apps():
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        state = _state.get()
        if state is not None and model._meta.app_label not in _excluded_apps():
            # A write of the person's data (not a session touch or a rate count): the rest of this request reads
            # from the primary, and the cookie pins the person there for a while.
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaMiddleware:
    """Gives each request its state for the router, and pins a person who wrote to the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        safe = request.method in SAFE_METHODS
        state = _RequestState(eligible=safe and PIN_COOKIE not in request.COOKIES)
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote or not safe:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=pin_seconds(),
                httponly=True,
                samesite="Lax",
                secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
            )
        return response
