"""Exchange events for supervision: one append-only row per fact, and a signal once the transaction commits.

Supervision (and any other module) listens to `exchange_event` or reads `ExchangeEvent`; the exchange never reaches
into their tables. When the platform's outbox arrives, `record` is the one place to hand events to it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from .models import ExchangeEvent

# Sent after commit with: event_id, kind, organisation_id, subject, data.
exchange_event = Signal()


def record(kind: str, organisation: Any, subject: str, data: dict[str, Any] | None = None) -> ExchangeEvent:
    event = ExchangeEvent.objects.create(
        kind=kind, organisation=organisation, subject=str(subject)[:200], data=data or {}
    )
    transaction.on_commit(
        lambda: exchange_event.send(
            sender=ExchangeEvent,
            event_id=event.pk,
            kind=kind,
            organisation_id=getattr(organisation, "pk", None),
            subject=event.subject,
            data=event.data,
        )
    )
    return event
