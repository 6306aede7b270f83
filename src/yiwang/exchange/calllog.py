"""The call log: every data-service call recorded without slowing the call (X-Road's operational monitoring).

A call appends its record to an in-process buffer and returns; a background thread writes the buffer every
`EXCHANGE_CALL_LOG_INTERVAL` seconds (or at once when `EXCHANGE_CALL_LOG_BATCH` records wait) in one transaction:
the records in bulk (COPY on PostgreSQL, core.bulk) and, in the same transaction, the daily rollups (`CallDay`)
incremented by the batch's sums — so statistics are seconds old and never recounted from the log.

Each process keeps its own buffer and thread (nothing is shared between processes): a process that dies loses at
most one interval of records (the buffer is also written at exit). Call ids come from `CallSequence` in blocks, so a
call knows its id (answered to the consumer, kept on a case's material) before its record is written.

`EXCHANGE_CALL_LOG = "direct"` writes each record at once in the caller's transaction (the tests; a small site).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import defaultdict
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.core.bulk import insert_rows

from .models import LATENCY_BUCKETS, CallDay, CallSequence, CallStatus, DataCall

log = logging.getLogger(__name__)
ID_BLOCK = 1000


@dataclass
class CallRecord:
    """One call as it will be written (column order of DataCall)."""

    id: int
    requested_at: datetime
    provider_sent_at: datetime | None
    provider_answered_at: datetime | None
    responded_at: datetime
    consumer_id: int
    client_id: int | None
    user_id: int | None
    provider_id: int
    resource_id: int
    service_id: int | None
    channel: str
    purpose: str
    legal_basis: str
    case_number: str
    subject_hash: str
    request_bytes: int
    response_bytes: int
    records: int
    status: str
    error: str

    @property
    def latency_ms(self) -> int:
        return max(0, int((self.responded_at - self.requested_at).total_seconds() * 1000))

    @property
    def day(self) -> date:
        return timezone.localdate(self.requested_at)


COLUMNS = [f.name for f in fields(CallRecord)]


# --- ids ------------------------------------------------------------------------------------------------------

_id_lock = threading.Lock()
_id_block: list[int] = [0, 0]  # [next, end) of this process's block
_id_pid = [os.getpid()]


def _take_block(size: int) -> tuple[int, int]:
    with transaction.atomic():
        CallSequence.objects.get_or_create(pk=1)
        CallSequence.objects.filter(pk=1).update(next_id=F("next_id") + size)
        end = CallSequence.objects.filter(pk=1).values_list("next_id", flat=True).get()
    return end - size, end


def next_id() -> int:
    """A call id unique across processes (taken from a block this process owns)."""
    with _id_lock:
        if _id_pid[0] != os.getpid():
            _id_block[:] = [0, 0]
            _id_pid[0] = os.getpid()
        if _id_block[0] >= _id_block[1]:
            size = ID_BLOCK if mode() == "batched" else 1
            _id_block[:] = list(_take_block(size))
        value = _id_block[0]
        _id_block[0] += 1
        return value


# --- writing --------------------------------------------------------------------------------------------------


def _bucket_columns(ms: int) -> str:
    for bound in LATENCY_BUCKETS:
        if ms <= bound:
            return f"lat_{bound}"
    return "lat_slow"


SUM_COLUMNS = [
    "calls",
    "ok",
    "not_found",
    "denied",
    "failed",
    "latency_ms",
    *[f"lat_{b}" for b in LATENCY_BUCKETS],
    "lat_slow",
    "request_bytes",
    "response_bytes",
]
KEY_COLUMNS = ["day", "consumer_id", "provider_id", "resource_id", "service_id"]


def rollup_rows(records: list[CallRecord]) -> list[list[Any]]:
    """The batch's sums per (day, consumer, provider, resource, service): values in KEY + SUM + max order."""
    sums: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    maxima: dict[tuple, int] = defaultdict(int)
    for r in records:
        key = (r.day, r.consumer_id, r.provider_id, r.resource_id, r.service_id or 0)
        s = sums[key]
        ms = r.latency_ms
        s["calls"] += 1
        if r.status == CallStatus.OK:
            s["ok"] += 1
        elif r.status == CallStatus.NOT_FOUND:
            s["not_found"] += 1
        elif r.status in (CallStatus.DENIED, CallStatus.INVALID):
            s["denied"] += 1
        else:
            s["failed"] += 1
        s["latency_ms"] += ms
        s[_bucket_columns(ms)] += 1
        s["request_bytes"] += r.request_bytes
        s["response_bytes"] += r.response_bytes
        maxima[key] = max(maxima[key], ms)
    adapt = connection.ops.adapt_datefield_value
    return [
        [adapt(key[0]), *key[1:], *(sums[key][c] for c in SUM_COLUMNS), maxima[key]] for key in sorted(sums, key=str)
    ]


def _upsert_rollups(rows: list[list[Any]]) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(CallDay._meta.db_table)
    cols = KEY_COLUMNS + SUM_COLUMNS + ["latency_max_ms"]
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in SUM_COLUMNS)
    updates += f", {qn('latency_max_ms')} = {greatest}({table}.{qn('latency_max_ms')}, excluded.{qn('latency_max_ms')})"
    placeholders = ", ".join(["%s"] * len(cols))
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) VALUES ({placeholders}) "  # noqa: S608 - quoted names
        f"ON CONFLICT ({', '.join(qn(c) for c in KEY_COLUMNS)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def write(records: list[CallRecord]) -> None:
    """Writes records and their rollups in one transaction (a failure writes neither)."""
    if not records:
        return
    rows = [astuple(r) for r in records]
    if connection.vendor != "postgresql":  # COPY takes aware datetimes; other backends take Django's column form
        adapt = connection.ops.adapt_datetimefield_value
        rows = [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in rows]
    with transaction.atomic():
        insert_rows(DataCall._meta.db_table, COLUMNS, rows)
        _upsert_rollups(rollup_rows(records))


# --- the buffer -----------------------------------------------------------------------------------------------


def mode() -> str:
    return getattr(settings, "EXCHANGE_CALL_LOG", "batched")


class Buffer:
    """This process's records waiting to be written, and the thread that writes them."""

    MAX_WAITING = 200_000  # beyond this (the database down for long) the oldest records are dropped, and logged

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[CallRecord] = []
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()
        self.dropped = 0

    def _ensure_thread(self) -> None:
        if self.pid != os.getpid():  # forked: the parent's records and thread are not ours
            self.records, self.thread, self.pid = [], None, os.getpid()
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="yiwang-call-log", daemon=True)
            self.thread.start()

    def add(self, record: CallRecord) -> None:
        with self.lock:
            self._ensure_thread()
            self.records.append(record)
            if len(self.records) > self.MAX_WAITING:
                del self.records[: len(self.records) - self.MAX_WAITING]
                self.dropped += 1
            full = len(self.records) >= int(getattr(settings, "EXCHANGE_CALL_LOG_BATCH", 500))
        if full:
            self.wake.set()

    def take(self) -> list[CallRecord]:
        with self.lock:
            taken, self.records = self.records, []
        return taken

    def flush(self) -> int:
        """Writes what waits now; on failure the records go back to the front of the buffer (retried)."""
        taken = self.take()
        if not taken:
            return 0
        try:
            write(taken)
        except Exception:
            log.exception("call log: %s records could not be written; retrying", len(taken))
            with self.lock:
                self.records = taken + self.records
            close_old_connections()
            return 0
        return len(taken)

    def _run(self) -> None:
        interval = float(getattr(settings, "EXCHANGE_CALL_LOG_INTERVAL", 1.0))
        while True:
            self.wake.wait(interval)
            self.wake.clear()
            try:
                self.flush()
            finally:
                close_old_connections()


BUFFER = Buffer()


def add(record: CallRecord) -> None:
    """Records one call: written at once in "direct" mode, else by this process's writer thread."""
    if mode() == "direct":
        write([record])
    else:
        BUFFER.add(record)


def flush() -> int:
    """Writes this process's waiting records now (tests, benchmarks, exit)."""
    return BUFFER.flush()


@atexit.register
def _at_exit() -> None:  # pragma: no cover - process exit
    try:
        BUFFER.flush()
    except Exception:
        log.exception("call log: records lost at exit")
