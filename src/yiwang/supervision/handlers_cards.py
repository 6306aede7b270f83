"""Outbox subscribers of supervision's cards side, and its periodic sweep.

- `supervision.cards` on `cases.case_changed`: the changed case is judged again at once (`cards.evaluate`,
  idempotent: the open cards are read first and one open card per (case, step, rule) is a constraint).
- `supervision.hall_queues` on `halls.ticket_changed`: the hall's live queue row (`monitor.on_ticket_event`).
- The worker's periodic job `supervision.cards.sweep` (every SUPERVISION_CARD_SWEEP_SECONDS, 15 minutes by default):
  every open case, so that time passing alone turns a case yellow, then red.
"""

from __future__ import annotations

from django.conf import settings

from yiwang.core import background, outbox

HALLS_TOPIC = "halls.ticket_changed"


def on_case_event(event: outbox.Event) -> None:
    from . import cards

    case_id = event.payload.get("case_id")
    if isinstance(case_id, int):
        cards.evaluate([case_id], include_done=True)


def on_ticket_event(event: outbox.Event) -> None:
    from . import monitor

    monitor.on_ticket_event(event.id, event.payload)


def _sweep() -> object:
    from . import cards

    return cards.sweep_job()


def register() -> None:
    """Subscribes the cards side to the topics it hears (core.outbox.subscribe) and adds the sweep."""
    from yiwang.cases.services import TOPIC

    outbox.subscribe("supervision.cards", {TOPIC}, on_case_event, order=60)
    outbox.subscribe("supervision.hall_queues", {HALLS_TOPIC}, on_ticket_event, order=60)
    every = float(getattr(settings, "SUPERVISION_CARD_SWEEP_SECONDS", 900))
    background.JOBS.add("supervision.cards.sweep", background.Job(every=every, run=_sweep), order=60)
