"""Background work of the catalog (django-tasks: `yiwang worker` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: str) -> str:
    """Imports a catalog file stored by a request (catalog.io.jobs)."""
    from .io.jobs import run_job

    return run_job(job_id)


@task()
def refresh_exports() -> int:
    """Writes the catalog's export files again when the catalog has changed since (catalog.io.exports)."""
    from .io.exports import refresh

    return refresh()
