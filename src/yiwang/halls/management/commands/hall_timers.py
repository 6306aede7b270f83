"""Hall timers, run from cron or a systemd timer (every few minutes is fine; each part is idempotent):
no-shows of appointments whose slot ended, yesterday's leftover numbers closed and figures rolled up, and the SMS
reminders for tomorrow's appointments (each sent once)."""

from django.core.management.base import BaseCommand

from yiwang.halls import services


class Command(BaseCommand):
    help = "Record appointment no-shows, close past days' numbers, roll up figures and send tomorrow's reminders."

    def add_arguments(self, parser):
        parser.add_argument("--no-reminders", action="store_true", help="Skip the SMS reminders.")

    def handle(self, *args, **options):
        self.stdout.write(f"No-shows recorded: {services.sweep_no_shows()}")
        self.stdout.write(f"Numbers closed from past days: {services.close_day()}")
        if not options["no_reminders"]:
            self.stdout.write(f"Reminders sent: {services.send_reminders()}")
