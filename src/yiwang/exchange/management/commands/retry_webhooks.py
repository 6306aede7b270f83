"""Sends webhook deliveries whose retry time has come; run it from cron or a timer every few minutes."""

from django.core.management.base import BaseCommand

from yiwang.exchange import webhooks


class Command(BaseCommand):
    help = "Retry due webhook deliveries (and, with --dead, the ones given up on)."

    def add_arguments(self, parser):
        parser.add_argument("--dead", action="store_true", help="Also retry deliveries that were given up on.")

    def handle(self, *args, **options):
        n = webhooks.retry_due(revive_dead=options["dead"])
        self.stdout.write(f"Delivered {n} pending event(s).")
