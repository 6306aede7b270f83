"""`yiwang stats_seed_demo --if-empty`: a year of case history for the demo's dashboards and rankings.

Writes --cases cases with their whole event logs over the last year (`cases.volume`, the generator behind
`generate_cases`: real state-machine paths, slow cases that end late, open cases at every stage), rebuilds the
statistics rollups from the event log, and publishes last month's ranking under the default scoring model.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yiwang.cases.volume import Options, VolumeError, generate
from yiwang.catalog.models import ServiceItem

from ... import ranking, rollup
from ...models.stats import StatCase


class Command(BaseCommand):
    help = "Adds a year of demo case history and rebuilds the supervision statistics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=20_000, help="Cases over the year (default 20,000).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the statistics already hold older history."
        )

    def handle(self, *args, **o) -> None:
        if o["cases"] < 1:
            raise CommandError("--cases must be at least 1.")
        if not ServiceItem.objects.filter(current__isnull=False).exists():
            raise CommandError("No published items: run `yiwang seed_demo` first.")
        year_ago = timezone.localdate() - dt.timedelta(days=300)
        if o["if_empty"] and StatCase.objects.filter(received_day__lt=year_ago).exists():
            self.stdout.write("The statistics already hold a year of history; nothing added.")
            return
        t0 = time.perf_counter()
        try:
            report = generate(
                Options(cases=o["cases"], years=1.0, seed=o["seed"], chunk=5000),
                say=lambda line: self.stdout.write(line),
            )
        except VolumeError as exc:
            raise CommandError(str(exc)) from exc
        done = rollup.rebuild()
        month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        published = ranking.publish(ranking.default_model(), month, None)
        self.stdout.write(
            f"{report.cases} cases with {report.events} events written; statistics rebuilt "
            f"({done['cases']} cases, {done['rows']} rollup rows); ranking {month:%Y-%m} published "
            f"({len(published.rows)} departments) in {time.perf_counter() - t0:.0f} s"
        )
