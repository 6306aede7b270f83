"""`yiwang hotline_stats --rebuild`: recomputes the statistics rollups from the event log."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recomputes the 12345 statistics rollups from the work order events (after a restore, or to check them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true")

    def handle(self, *args, rebuild: bool, **options) -> None:
        from yiwang.hotline import rollups

        if rebuild:
            self.stdout.write(f"events read: {rollups.rebuild()}")
