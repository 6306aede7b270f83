"""Catalog events other modules react to (search index, guides cache, later cases and supervision)."""

from django.dispatch import Signal

# sender=ItemVersion class, version=<ItemVersion>, previous=<ItemVersion|None>
version_published = Signal()
# sender=ItemVersion class, version=<ItemVersion>
version_retired = Signal()
