"""Background catalog imports: a large file is stored, queued, and imported by the worker with its progress recorded.

A web worker must never spend minutes (or a city's worth of memory) on one upload. Files that read to more than
CATALOG_IMPORT_SYNC_MAX_BYTES (an xlsx archive's unpacked size, a JSON file's size) become an `ImportJob`: the
upload is stored, the `run_import_job` task is queued, and the request answers at once. The worker runs the very
same `import_catalog`, recording the phase and counts as it goes, then the result or the problems.
"""

from __future__ import annotations

import logging
import time
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import ImportJob
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Organisation

from .reader import unpacked_size
from .service import check_may_import, import_catalog

log = logging.getLogger(__name__)

# A job keeps this many problems to show (the count says how many there were).
JOB_PROBLEMS = 10_000
# Progress is written to the job at most this often (seconds).
PROGRESS_EVERY = 1.0


def runs_in_background(fileobj: IO[bytes]) -> int | None:
    """The size that decides, when the file is to be imported by the worker; None to import it right away.

    A file that will be refused anyway (not a catalog file, over a cap) is answered at once.
    """
    size = unpacked_size(fileobj)
    if size is not None and size > int(getattr(settings, "CATALOG_IMPORT_SYNC_MAX_BYTES", 1024 * 1024)):
        return size
    return None


def start_job(
    fileobj: IO[bytes],
    *,
    filename: str,
    size: int,
    user=None,
    client_id: int | None = None,
    channel: str,
    dry_run: bool,
) -> ImportJob:
    """Stores the upload and queues its import; refuses at once whoever may not import at all.

    `client_id` is the machine client's (which imports for its organisation and that organisation's children).
    """
    if client_id is None:
        check_may_import(user)
    job = ImportJob(
        created_by=user if client_id is None and getattr(user, "pk", None) else None,
        client_id=client_id,
        channel=channel,
        filename=(filename or "catalog")[-255:],
        size=size,
        dry_run=dry_run,
    )
    fileobj.seek(0)
    suffix = ".xlsx" if fileobj.read(2) == b"PK" else ".json"
    fileobj.seek(0)
    job.file.save(f"{job.pk}{suffix}", File(fileobj), save=False)
    job.save()
    from yiwang.catalog.tasks import run_import_job

    run_import_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


def visible_jobs(*, user=None, client_id: int | None = None):
    """The jobs a person (or a machine client) may see: their own."""
    if client_id is not None:
        return ImportJob.objects.filter(client_id=client_id)
    if user is not None and getattr(user, "pk", None):
        return ImportJob.objects.filter(created_by=user)
    return ImportJob.objects.none()


class _Progress:
    """Writes the job's phase and counts now and then (every PROGRESS_EVERY seconds, and at each new phase)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.last = 0.0
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < PROGRESS_EVERY:
            return
        self.phase, self.last = phase, now
        ImportJob.objects.filter(pk=self.job.pk).update(phase=phase, done=done, total=total)


def run_job(job_id: str) -> str:
    """Imports a queued job's file (the worker's task); returns the job's final state."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state != ImportJob.State.QUEUED:
        return job.state if job is not None else "missing"
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, started_at=timezone.now())
    outcome: dict[str, Any] = {}
    try:
        kwargs = _who(job)
        with job.file.open("rb") as fh:
            result = import_catalog(fh, channel=job.channel, dry_run=job.dry_run, progress=_Progress(job), **kwargs)
    except ProblemsError as exc:
        problems = exc.as_list()
        outcome = {
            "state": ImportJob.State.REFUSED,
            "problems": problems[:JOB_PROBLEMS],
            "problem_count": len(problems),
        }
    except Exception as exc:  # recorded on the job: the person sees it failed; the log has the traceback
        log.exception("catalog import job %s failed", job.pk)
        outcome = {"state": ImportJob.State.FAILED, "error": f"{type(exc).__name__}: {exc}"[:2000]}
    else:
        outcome = {"state": ImportJob.State.DONE, "result": result.as_dict(), "done": result.items}
    finally:
        job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="", finished_at=timezone.now(), **outcome)
    if not job.dry_run and outcome["state"] == ImportJob.State.DONE:
        from yiwang.catalog.io.exports import schedule_refresh

        schedule_refresh()
    return str(outcome["state"])


def _who(job: ImportJob) -> dict[str, Any]:
    """The import's actor and reach, as when the request was made."""
    if job.client_id is not None:
        if job.client.revoked_at is not None:
            raise ProblemsError([Problem("file", _("The client that started this import has been revoked."), "gone")])
        org = job.client.organisation_id
        return {"user": None, "organisations": Organisation.objects.filter(Q(pk=org) | Q(parent_id=org))}
    if job.created_by_id is None:
        # Whoever started it is gone: never fall back to the command line's unlimited reach.
        raise ProblemsError([Problem("file", _("The account that started this import no longer exists."), "gone")])
    return {"user": job.created_by}


def job_dict(job: ImportJob) -> dict[str, Any]:
    """The job as the API shows it."""
    return {
        "id": str(job.pk),
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "filename": job.filename,
        "dry_run": job.dry_run,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "result": job.result,
        "problems": job.problems,
        "problem_count": job.problem_count,
        "error": job.error,
    }
