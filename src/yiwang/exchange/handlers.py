"""The exchange module hears case events through the outbox (it never reaches into the cases tables to find work)."""

from __future__ import annotations

from yiwang.cases.services import TOPIC
from yiwang.core import background, outbox

from . import webhooks


def on_case_event(event: outbox.Event) -> None:
    """Outbox subscriber "exchange.webhooks": one Delivery per subscription, and its sending task, in one go."""
    p = event.payload
    webhooks.enqueue(p["case_id"], p["event_id"], p["action"])


def register() -> None:
    """Called from ExchangeConfig.ready()."""
    outbox.subscribe("exchange.webhooks", {TOPIC}, on_case_event, order=20)
    background.JOBS.add("exchange.webhooks.overdue", background.Job(every=30, run=webhooks.requeue_overdue), order=60)
