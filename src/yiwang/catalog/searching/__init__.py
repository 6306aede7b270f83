"""Catalog search: the index tables in the database, kept current by the catalog signals."""

from .indexer import index_items, rebuild_index
from .query import Filters, Hit, Result, search, suggest
from .text import warm_up

__all__ = ["Filters", "Hit", "Result", "index_items", "rebuild_index", "search", "suggest", "warm_up"]
