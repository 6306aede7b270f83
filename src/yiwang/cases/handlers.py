"""What the cases module does when another module announces a change, and its own outbox subscribers."""

from __future__ import annotations

from django.dispatch import receiver

from yiwang.calendar.signals import calendar_changed
from yiwang.core import background, outbox

from . import notify, services, signals, tasks
from .models import Case


@receiver(calendar_changed, dispatch_uid="cases.recompute_on_calendar_change")
def calendar_moved(sender, years=None, **kwargs) -> None:
    tasks.recompute_deadlines.enqueue(list(years or []))


def send_signal(event: outbox.Event) -> None:
    """The old in-process signal, for receivers that have not moved to the outbox (at least once, in the worker)."""
    p = event.payload
    signals.case_changed.send(sender=Case, case_id=p["case_id"], event_id=p["event_id"], action=p["action"])


def register() -> None:
    """Called from CasesConfig.ready()."""
    outbox.subscribe("cases.messages", {services.TOPIC}, notify.on_event, order=10)
    outbox.subscribe("cases.signal", {services.TOPIC}, send_signal, order=900)
    background.JOBS.add(
        "cases.forget_query_codes", background.Job(every=600, run=services.forget_query_codes), order=50
    )
