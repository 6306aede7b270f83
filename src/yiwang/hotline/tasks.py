"""Background work of the hotline (django-tasks: `yiwang worker` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_timers() -> dict:
    """Yellow and red warnings of running clocks (run every few minutes: `yiwang hotline_timers`)."""
    from . import services

    return services.sweep_timers()


@task()
def fetch_mail() -> dict:
    """Reads the hotline's mailbox once (`yiwang hotline_fetch_mail`)."""
    from . import mailbox

    r = mailbox.fetch()
    return {"created": len(r.created), "duplicates": r.duplicates, "failed": len(r.failed)}


@task()
def open311_intake(token_id: int) -> str:
    """Makes the work order of an Open311 request posted while HOTLINE_OPEN311_ASYNC is on."""
    from . import open311

    return open311.process(token_id)


@task()
def recompute_deadlines(years: list[int]) -> int:
    from . import services

    return services.recompute_open(years)
