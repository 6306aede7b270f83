"""Signal receivers of the catalog app: keep the search index and the export files in step with publish and retire.

The signals are sent after the publishing transaction commits, so the index never shows a
version that was rolled back; `index_items` reads the item's current state, so a late or
repeated signal still leaves the right rows. The import's batches (at most CATALOG_IMPORT_BATCH_ITEMS items)
are indexed as they commit, each in its own short transaction.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from .io.exports import schedule_refresh
from .searching import index_items
from .signals import on_published, version_retired

log = logging.getLogger(__name__)


@on_published("catalog.search.published")
def index_published(version_ids: list[int], item_ids: list[int]) -> None:
    index_items(item_ids)


@receiver(version_retired, dispatch_uid="catalog.search.retired")
def unindex_retired(sender, version, **kwargs) -> None:
    index_items([version.item_id])


@on_published("catalog.exports.published")
def refresh_exports_published(version_ids: list[int], item_ids: list[int]) -> None:
    schedule_refresh()


@receiver(version_retired, dispatch_uid="catalog.exports.retired")
def refresh_exports_retired(sender, version, **kwargs) -> None:
    schedule_refresh()
