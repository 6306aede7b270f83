"""The exchange module listens to case events (it never reaches into the cases tables to find work)."""

from __future__ import annotations

from django.dispatch import receiver

from yiwang.cases.signals import case_changed

from . import webhooks


@receiver(case_changed, dispatch_uid="exchange.webhooks")
def queue_webhooks(sender, case_id: int, event_id: int, action: str, **kwargs) -> None:
    webhooks.enqueue(case_id, event_id, action)
