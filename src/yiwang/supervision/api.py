"""Supervision API (/api/v1/supervision/…): the cards side and the statistics side."""

from ninja import Router

from .api_cards import router as cards_router
from .api_stats import router as stats_router

router = Router(tags=["supervision"])
router.add_router("", cards_router)
router.add_router("", stats_router)
