"""Catalog API: items and versions, search, import/export; each part in its own module."""

from ninja import Router

from . import api_io, api_items, api_search

router = Router(tags=["catalog"])
router.add_router("/", api_search.router)
router.add_router("/", api_io.router)
router.add_router("/", api_items.router)
