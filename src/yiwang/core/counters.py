"""Rate-limit counters in the database, one statement per check (the `ratelimit` cache, RATELIMIT_USE_CACHE).

django-ratelimit counts through a Django cache: `add(key, 1)` for the first hit of a window, else `incr(key)`
(`add(key, 0)` then `get(key)` to look without counting). Over Django's database cache that is about ten
statements per check. `CounterCache` does it in one: `add` is an upsert that creates the counter, or adds the value
to it, and returns the count (INSERT … ON CONFLICT DO UPDATE … RETURNING, on SQLite and PostgreSQL alike); the
`incr` or `get` django-ratelimit sends next for the same key, in the same thread, is answered from that result
without another statement. The counter is atomic in the database, so every process and machine agrees, and the
embedded default needs no set-up. A deployment with its own cache (Redis, memcached) may name it in
RATELIMIT_USE_CACHE instead.

It holds integer counters only (it is not a general cache). Expired counters are deleted by the worker's periodic
job `core.counters.cull` (their keys name the window, so each window is a row).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connection
from django.utils import timezone

from .models import RateCounter

_stash = threading.local()


def _table() -> str:
    return connection.ops.quote_name(RateCounter._meta.db_table)


def _adapt(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


class CounterCache(BaseCache):
    """A Django cache of integer counters in the `core_ratecounter` table; see the module's docstring."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    # -- the two calls django-ratelimit makes per check -----------------------------------------------------------

    def _expiry(self, timeout: Any) -> dt.datetime:
        at = self.get_backend_timeout(timeout)
        seconds = 365 * 86400 if at is None else max(0.0, at - time.time())
        return timezone.now() + dt.timedelta(seconds=seconds)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        """Counts `value` (0 or 1) onto the counter in one statement; True when the counter now equals `value`
        (it was new or expired). The count is kept for the `incr`/`get` that follows for the same key."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("CounterCache holds integer counters only")
        key = self.make_and_validate_key(key, version)
        now = timezone.now()
        t = _table()
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO {t} ("key", "value", expires_at) VALUES (%s, %s, %s) '  # noqa: S608 - our own table
                f'ON CONFLICT ("key") DO UPDATE SET '
                f'"value" = CASE WHEN {t}.expires_at <= %s THEN excluded."value" ELSE {t}."value" + excluded."value" END, '
                f"expires_at = CASE WHEN {t}.expires_at <= %s THEN excluded.expires_at ELSE {t}.expires_at END "
                f'RETURNING "value"',
                [key, value, _adapt(self._expiry(timeout)), _adapt(now), _adapt(now)],
            )
            count = int(cur.fetchone()[0])
        _stash.last = (key, count)
        return count == value

    def _stashed(self, key: str) -> int | None:
        last = getattr(_stash, "last", None)
        if last is not None and last[0] == key:
            _stash.last = None
            return last[1]
        return None

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version)
        stashed = self._stashed(key)
        if stashed is not None:
            return stashed  # `add` already counted this hit
        with connection.cursor() as cur:
            cur.execute(
                f'UPDATE {_table()} SET "value" = "value" + %s WHERE "key" = %s AND expires_at > %s RETURNING "value"',  # noqa: S608
                [delta, key, _adapt(timezone.now())],
            )
            row = cur.fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return int(row[0])

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version)
        stashed = self._stashed(key)
        if stashed is not None:
            return stashed
        row = RateCounter.objects.filter(key=key, expires_at__gt=timezone.now()).values_list("value", flat=True)
        found = row.first()
        return default if found is None else found

    # -- the rest of the cache interface ---------------------------------------------------------------------------

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("CounterCache holds integer counters only")
        key = self.make_and_validate_key(key, version)
        RateCounter.objects.update_or_create(key=key, defaults={"value": value, "expires_at": self._expiry(timeout)})

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version)
        return bool(RateCounter.objects.filter(key=key).update(expires_at=self._expiry(timeout)))

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version)
        deleted, _ = RateCounter.objects.filter(key=key).delete()
        return bool(deleted)

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version)
        return RateCounter.objects.filter(key=key, expires_at__gt=timezone.now()).exists()

    def clear(self) -> None:
        RateCounter.objects.all().delete()


def cull() -> int:
    """Deletes expired counters (the worker's periodic job); returns how many."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
