"""Ratings hears cases' events: one small handler, idempotent on the event id.

Today it is a receiver of `cases.signals.case_changed` (sent after each case transition commits). When the
transactional outbox (core.outbox) arrives, the same `handle` becomes an outbox subscriber of the topic
"cases.case_changed" with the same payload — nothing else changes:

    outbox.subscribe("ratings", {"cases.case_changed"}, lambda event: handle(**event.payload))
"""

from __future__ import annotations

import logging
from typing import Any

from yiwang.cases.signals import case_changed

from . import services

log = logging.getLogger("yiwang.ratings")


def handle(case_id: int, event_id: int, action: str, **_: Any) -> bool:
    """Acceptance opens the first rating; conclusion counts the case and invites its applicant (once per event)."""
    return services.record_case_event(case_id, event_id, action)


def on_case_changed(sender: Any, case_id: int, event_id: int, action: str = "", **kwargs: Any) -> None:
    try:
        handle(case_id=case_id, event_id=event_id, action=action)
    except Exception:  # a ratings failure must never be the case's failure (the case change committed already)
        log.exception("ratings could not take case event %s (%s) into account", event_id, action)


def connect() -> None:
    case_changed.connect(on_case_changed, dispatch_uid="ratings.subscriber")
