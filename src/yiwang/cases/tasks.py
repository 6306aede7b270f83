"""Background work of the cases module (django-tasks: `yiwang worker` runs it)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def recompute_deadlines(years: list[int]) -> int:
    """The calendar changed: open cases' deadlines follow."""
    return services.recompute_open(years)


@task()
def sweep_timers() -> int:
    """Cases without an acceptance decision after 5 working days count as accepted (run daily: `case_timers`)."""
    return services.sweep_deemed_acceptance()
