"""The outbox subscribers of supervision: each side (cards, statistics) registers its own."""

from __future__ import annotations

from . import handlers_cards, handlers_stats


def register() -> None:
    handlers_cards.register()
    handlers_stats.register()
