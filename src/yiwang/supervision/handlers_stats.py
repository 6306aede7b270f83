"""Outbox subscribers of supervision's stats side: every case, rating and 12345 ticket change folds into the
rollups (idempotent: a case's events by seq, ratings and tickets by event id; see rollup.py)."""

from __future__ import annotations

from yiwang.cases.services import TOPIC as CASE_CHANGED
from yiwang.core import outbox

RATINGS_CHANGED = "ratings.changed"
TICKET_CHANGED = "hotline.ticket_changed"


def on_case_changed(event: outbox.Event) -> None:
    from . import rollup

    p = event.payload
    case_id, seq = p.get("case_id"), p.get("seq")
    if isinstance(case_id, int) and isinstance(seq, int):
        rollup.on_case_event(case_id, seq)


def on_rating_changed(event: outbox.Event) -> None:
    from . import rollup

    rollup.on_rating_event(event.id, event.payload)


def on_ticket_changed(event: outbox.Event) -> None:
    from . import rollup

    rollup.on_ticket_event(event.id, event.payload)


def register() -> None:
    """Subscribes the stats side to the topics it hears (core.outbox.subscribe)."""
    outbox.subscribe("supervision.stats_cases", {CASE_CHANGED}, on_case_changed, order=60)
    outbox.subscribe("supervision.stats_ratings", {RATINGS_CHANGED}, on_rating_changed, order=60)
    outbox.subscribe("supervision.stats_tickets", {TICKET_CHANGED}, on_ticket_changed, order=60)
