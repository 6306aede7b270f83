"""Outbox subscribers of supervision's stats side."""

from __future__ import annotations


def register() -> None:
    """Subscribes the stats side to the topics it hears (core.outbox.subscribe)."""
