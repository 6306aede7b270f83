"""`yiwang stats_rebuild`: recomputes supervision's statistics rows from the case event log (and the rating and ticket
rows), e.g. after a restore, after `generate_cases`, or to check the incremental path (`--check`)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Recomputes the supervision statistics rollups from the case event log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=2000, help="Cases per batch (default 2,000).")
        parser.add_argument(
            "--check", action="store_true", help="Compare the current rows with a rebuild; exit 1 when they differ."
        )

    def handle(self, *args, **o) -> None:
        from yiwang.supervision import rollup

        before = rollup.snapshot() if o["check"] else None
        t0 = time.perf_counter()
        done = rollup.rebuild(chunk=max(100, o["chunk"]))
        seconds = time.perf_counter() - t0
        rate = done["events"] / seconds if seconds else 0
        self.stdout.write(
            f"rebuilt: {done['cases']} cases, {done['events']} events, {done['rows']} rollup rows "
            f"in {seconds:.1f} s ({rate:.0f} events/s)"
        )
        if before is not None and before != rollup.snapshot():
            raise CommandError("the incremental rollups differed from the rebuild (now replaced by it)")
