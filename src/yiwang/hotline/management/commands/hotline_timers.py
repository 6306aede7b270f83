"""`yiwang hotline_timers`: writes the yellow and red warnings of running clocks (run it every few minutes)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Writes the yellow and red warnings of work orders whose clock runs (events supervision reads)."

    def handle(self, *args, **options) -> None:
        from yiwang.hotline import services

        done = services.sweep_timers()
        self.stdout.write(f"warnings: {done['warn']}, overdue: {done['overdue']}")
