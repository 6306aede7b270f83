"""Catalog events other modules react to (search index, exports, later cases and supervision).

Every signal is sent after the transaction that made the change commits. The editor publishes one version at a
time (`version_published`); the bulk import publishes a batch at a time (`versions_published`, one signal per
committed batch with every version id of it). A listener that cares about publications listens to both:
`on_published` connects one function to the two, so nobody hears about the editor's versions only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

# sender=ItemVersion class, version=<ItemVersion>, previous=<ItemVersion|None>
version_published = Signal()
# sender=ItemVersion class, version_ids=[int], item_ids=[int] (same order), previous_ids=[int] (versions retired by
# these publications), channel=str. Sent by the bulk import once per committed batch.
versions_published = Signal()
# sender=ItemVersion class, version=<ItemVersion>
version_retired = Signal()

Published = Callable[[list[int], list[int]], None]


def on_published(dispatch_uid: str) -> Callable[[Published], Published]:
    """Connects `func(version_ids, item_ids)` to every publication: the editor's one by one, the import's in batches."""

    def connect(func: Published) -> Published:
        def one(sender, version, **kwargs) -> None:
            func([version.pk], [version.item_id])

        def many(sender, version_ids, item_ids, **kwargs) -> None:
            func(list(version_ids), list(item_ids))

        version_published.connect(one, dispatch_uid=f"{dispatch_uid}.one", weak=False)
        versions_published.connect(many, dispatch_uid=f"{dispatch_uid}.many", weak=False)
        return func

    return connect
