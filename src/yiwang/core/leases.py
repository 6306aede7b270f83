"""Leases: one holder at a time for a named piece of work, for a limited time (SQLite and PostgreSQL alike).

`acquire(name, holder, seconds)` is one statement — an upsert that takes the lease when it is free, expired, or
already ours — so any number of worker processes on any number of machines agree on who dispatches the outbox or
runs a periodic job, and a holder that died (kill -9, a lost machine) hands over by itself when its time runs out.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading

from django.db import connection
from django.utils import timezone

from .models import Lease


def holder_name() -> str:
    """This process and thread, as a lease holder: host, process id and thread id."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident()}"


def acquire(name: str, holder: str, seconds: float, now: dt.datetime | None = None, *, renew: bool = True) -> bool:
    """Takes the lease `name` for `seconds` (or, with `renew`, extends it when `holder` has it already); True when
    `holder` now holds it. Without `renew` the lease is taken only once it ran out (a periodic job's schedule)."""
    now = now or timezone.now()
    until = now + dt.timedelta(seconds=seconds)
    table = connection.ops.quote_name(Lease._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (name, holder, until) VALUES (%s, %s, %s) "  # noqa: S608 - our own table name
            f"ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            f"WHERE {table}.until < %s {'OR ' + table + '.holder = excluded.holder' if renew else ''} "
            f"RETURNING holder",
            [name, holder, adapt(until), adapt(now)],
        )
        return cur.fetchone() is not None


def release(name: str, holder: str) -> None:
    """Gives the lease back at once (when still ours), so the next taker need not wait for it to run out."""
    Lease.objects.filter(name=name, holder=holder).update(until=timezone.now() - dt.timedelta(seconds=1))
