"""`yiwang reindex_catalog`: rebuild the search index from the published catalog."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yiwang.catalog.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuilds the catalog search index (entries, postings, document frequencies) in one transaction."

    def handle(self, *args, **options) -> None:
        figures = rebuild_index(verbose=options.get("verbosity", 1) > 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"search index rebuilt: {figures['entries']} items, {figures['postings']} postings, "
                f"{figures['terms']} terms in {figures['seconds']} s"
            )
        )
