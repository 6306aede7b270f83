"""Background work of the halls module (django-tasks; `yiwang hall_timers` runs it from cron or a timer)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from . import services


@task()
def send_reminders(day: str = "") -> int:
    """SMS reminders for the appointments of `day` (tomorrow by default), each sent once."""
    return services.send_reminders(dt.date.fromisoformat(day) if day else None)


@task()
def sweep_no_shows() -> int:
    """Appointments whose slot ended without a check-in become no-shows (they count toward the booking limit)."""
    return services.sweep_no_shows()


@task()
def close_day(day: str = "") -> int:
    """Numbers left over from a past day are closed as not served; the day's figures are rolled up."""
    return services.close_day(dt.date.fromisoformat(day) if day else None)
