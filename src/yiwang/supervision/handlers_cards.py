"""Outbox subscribers of supervision's cards side."""

from __future__ import annotations


def register() -> None:
    """Subscribes the cards side to the topics it hears (core.outbox.subscribe)."""
