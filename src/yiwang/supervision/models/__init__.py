"""Supervision's tables: cards side (models/cards.py) and statistics side (models/stats.py)."""

from .cards import *  # noqa: F403
from .stats import *  # noqa: F403
