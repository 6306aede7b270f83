"""Ratings hears cases' events: one small handler, idempotent on the event id.

It is the outbox subscriber "ratings.cases" on the topic `cases.case_changed` (core.outbox): the worker hands each
case event over at least once, after the case's change committed; a failure is retried by the outbox (and ends as
a dead letter an operator sees), never the case's failure.
"""

from __future__ import annotations

import logging
from typing import Any

from yiwang.core import outbox

from . import services

log = logging.getLogger("yiwang.ratings")


def handle(case_id: int, event_id: int, action: str, **_: Any) -> bool:
    """Acceptance opens the first rating; conclusion counts the case and invites its applicant (once per event)."""
    return services.record_case_event(case_id, event_id, action)


def on_event(event: outbox.Event) -> None:
    p = event.payload
    handle(case_id=p["case_id"], event_id=p["event_id"], action=p.get("action", ""))


def connect() -> None:
    from yiwang.cases.services import TOPIC

    outbox.subscribe("ratings.cases", {TOPIC}, on_event, order=50)
