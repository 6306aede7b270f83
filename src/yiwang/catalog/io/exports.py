"""Catalog exports served from files the worker writes, so a download costs a file read, not a catalog's worth of work.

An export (one format, optionally one organisation or division) is written once into storage as an `ExportFile`,
stamped with the newest catalog event it includes. Downloads are served from that file (with ETag and
Last-Modified, so a client that has it gets 304). When the catalog changes (the editor publishes or retires, an
import commits a batch), the `refresh_exports` task writes the out-of-date files again; until it has, the previous
file is served. An export nobody asked for yet is written on the first request when it is small
(CATALOG_EXPORT_INLINE_ITEMS items at most), otherwise queued for the worker while the caller is asked to come
back shortly.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.crypto import get_random_string

from yiwang.catalog.models import CatalogEvent, ExportFile, ImportJob
from yiwang.orgs.models import Division, Organisation

from .writer import published_versions, write_json, write_xlsx

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "json")
# Catalog events that change what an export contains.
CHANGES = (CatalogEvent.Action.PUBLISHED, CatalogEvent.Action.RETIRED, CatalogEvent.Action.IMPORTED)
# The worker waits this long after a change before writing the files again, so a burst of changes costs one refresh.
REFRESH_DELAY = timedelta(seconds=10)
# Exports with filters that nobody downloaded for this long are dropped instead of refreshed.
FILTERED_KEPT = timedelta(days=7)


def export_key(fmt: str, organisation: Organisation | None = None, division: Division | None = None) -> str:
    return f"{fmt}|{organisation.credit_code if organisation else ''}|{division.code if division else ''}"


def parse_key(key: str) -> tuple[str, Organisation | None, Division | None]:
    fmt, credit, division = key.split("|")
    org = Organisation.objects.filter(credit_code=credit).first() if credit else None
    div = Division.objects.filter(code=division).first() if division else None
    return fmt, org, div


def current_stamp() -> int:
    """The id of the newest catalog event that changed the published catalog (0 for none)."""
    return CatalogEvent.objects.filter(action__in=CHANGES).order_by("-id").values_list("id", flat=True).first() or 0


def write_export(key: str, stamp: int | None = None) -> ExportFile | None:
    """Writes one export into storage and points its ExportFile at it (the previous file is deleted)."""
    fmt, org, div = parse_key(key)
    if fmt not in FORMATS or (key.split("|")[1] and org is None) or (key.split("|")[2] and div is None):
        for row in ExportFile.objects.filter(key=key):  # its organisation or division is gone
            default_storage.delete(row.file.name)
            row.delete()
        return None
    stamp = current_stamp() if stamp is None else stamp
    versions = published_versions(org, div)
    digest = hashlib.sha256()
    with tempfile.TemporaryFile(suffix=f".{fmt}") as fh:
        (write_xlsx if fmt == "xlsx" else write_json)(versions, fh)
        size = fh.tell()
        fh.seek(0)
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
        fh.seek(0)
        name = default_storage.save(f"exports/catalog/{fmt}-{stamp}-{get_random_string(12)}.{fmt}", File(fh))
    old = ExportFile.objects.filter(key=key).values_list("file", flat=True).first()
    row, _created = ExportFile.objects.update_or_create(
        key=key,
        defaults={
            "format": fmt,
            "file": name,
            "size": size,
            "etag": f'"{digest.hexdigest()[:32]}"',
            "items": versions.count(),
            "stamp": stamp,
            "written_at": timezone.now(),
        },
    )
    if old and old != name:
        default_storage.delete(old)
    return row


def export_for(fmt: str, organisation: Organisation | None, division: Division | None) -> ExportFile | None:
    """The file to serve for this export: up to date, or the previous one while the worker writes the next.

    None when there is no file yet and the export is too large to write in a request (the worker has it queued).
    """
    key = export_key(fmt, organisation, division)
    stamp = current_stamp()
    row = ExportFile.objects.filter(key=key).first()
    if row is not None and row.stamp >= stamp:
        return row
    inline = int(getattr(settings, "CATALOG_EXPORT_INLINE_ITEMS", 2000))
    if published_versions(organisation, division).count() <= inline:
        return write_export(key, stamp)
    schedule_refresh(key, now=row is None)
    return ExportFile.objects.filter(key=key).first()


def refresh(key: str | None = None) -> int:
    """Writes `key`'s export, and every export older than the catalog; returns how many files were written.

    While a background import is writing, the refresh waits for it: the job asks for one when it ends.
    """
    written = 0
    if key is not None and not ExportFile.objects.filter(key=key).exists():
        written += write_export(key) is not None
    busy = ImportJob.objects.filter(
        state=ImportJob.State.RUNNING, dry_run=False, started_at__gte=timezone.now() - timedelta(hours=6)
    ).exists()
    if busy:
        return written
    stamp = current_stamp()
    unused = timezone.now() - FILTERED_KEPT
    for row in ExportFile.objects.filter(stamp__lt=stamp):
        if row.key.split("|", 1)[1] != "|" and row.written_at < unused:
            default_storage.delete(row.file.name)
            row.delete()
            continue
        write_export(row.key, stamp)
        written += 1
    return written


def schedule_refresh(key: str | None = None, *, now: bool = False) -> None:
    """Queues `refresh_exports` (after REFRESH_DELAY unless `now`), once: a refresh already waiting covers this one.

    Nothing to do when no export has been written yet and none is asked for.
    """
    from yiwang.catalog.tasks import refresh_exports

    if key is None and not ExportFile.objects.exists():
        return
    task = refresh_exports
    backend = task.get_backend()
    if backend.supports_defer and key is None:
        if _waiting(task.module_path):
            return
        task = task.using(run_after=timezone.now() + REFRESH_DELAY)
    elif backend.supports_defer and not now:
        task = task.using(run_after=timezone.now() + REFRESH_DELAY)
    args: list[Any] = [key] if key is not None else []
    task.enqueue(*args)


def _waiting(task_path: str) -> bool:
    """A refresh is already queued (the database backend only; other backends run or drop tasks at once)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is installed with the project
        return False
    from django_tasks_db.compat import TaskResultStatus

    return DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).exists()
