"""What the hotline does when another module announces a change: the calendar moved, deadlines follow."""

from __future__ import annotations

from django.dispatch import receiver

from yiwang.calendar.signals import calendar_changed

from . import tasks


@receiver(calendar_changed, dispatch_uid="hotline.recompute_on_calendar_change")
def calendar_moved(sender, years=None, **kwargs) -> None:
    tasks.recompute_deadlines.enqueue(list(years or []))
