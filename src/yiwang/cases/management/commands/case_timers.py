"""Daily case timers: deemed acceptance after 5 working days without a decision; run from cron or a systemd timer."""

from django.core.management.base import BaseCommand

from yiwang.cases import services


class Command(BaseCommand):
    help = "Accept, as the law deems, cases left more than 5 working days without an acceptance decision."

    def add_arguments(self, parser):
        parser.add_argument("--recompute", action="store_true", help="Also recompute every open case's deadlines.")

    def handle(self, *args, **options):
        accepted = services.sweep_deemed_acceptance()
        self.stdout.write(f"Deemed accepted: {accepted}")
        if options["recompute"]:
            self.stdout.write(f"Deadlines changed: {services.recompute_open()}")
