"""`yiwang reindex_knowledge`: rebuilds the knowledge base's search index from the published versions."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rebuilds the 12345 knowledge search index."

    def handle(self, *args, **options) -> None:
        from yiwang.hotline import knowledge

        self.stdout.write(f"entries indexed: {knowledge.rebuild_index()}")
