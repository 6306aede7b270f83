"""Ratings timers, run from cron or a systemd timer (hourly is fine; each part is idempotent): default ratings for
concluded cases nobody rated in time, yellow and red warnings of open rectifications and complaints (each written
once, for supervision), and yesterday's export to the provincial 好差评 system (once per day and connector)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from yiwang.ratings import export, services


class Command(BaseCommand):
    help = "Give default ratings, warn of rectifications near or past their deadline, export yesterday's ratings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-export", action="store_true", help="Skip the export to the provincial system.")

    def handle(self, *args, no_export: bool, **options) -> None:
        self.stdout.write(f"Default ratings given: {services.sweep_defaults()}")
        counts = services.sweep_warnings()
        self.stdout.write(f"Near the limit: {counts['warn']}; overdue: {counts['over']}")
        if not no_export:
            run = export.run(timezone.localdate() - dt.timedelta(days=1))
            self.stdout.write(f"Export of {run.day}: {run.state} ({run.count} ratings) {run.error}".rstrip())
