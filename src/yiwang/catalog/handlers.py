"""Signal receivers of the catalog app: keep the search index in step with publish and retire.

The signals are sent after the publishing transaction commits, so the index never shows a
version that was rolled back; `index_items` reads the item's current state, so a late or
repeated signal still leaves the right rows.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from .searching import index_items
from .signals import version_published, version_retired

log = logging.getLogger(__name__)


@receiver(version_published, dispatch_uid="catalog.search.published")
def index_published(sender, version, previous=None, **kwargs) -> None:
    index_items([version.item_id])


@receiver(version_retired, dispatch_uid="catalog.search.retired")
def unindex_retired(sender, version, **kwargs) -> None:
    index_items([version.item_id])
