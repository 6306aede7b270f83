"""`yiwang generate_cases --cases 10000000`: province-scale case volume for benchmarks and load tests.

Writes N cases with their steps and events (and the persons and enterprises applying) over the published items of
the catalog, spread over --years years up to yesterday, with COPY on PostgreSQL; prints the time and rows per
second. Run it on a fresh database after `yiwang seed_demo` (see yiwang.cases.volume for the shapes).
"""

from __future__ import annotations

import os
import platform
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from yiwang.cases.volume import Options, VolumeError, generate


class Command(BaseCommand):
    help = "Generates N cases with their steps and events over the catalog's items (benchmarks, load tests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=100_000, help="Number of cases (default 100,000).")
        parser.add_argument("--years", type=float, default=5.0, help="Spread over this many years up to yesterday.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed; the same seed gives the same cases.")
        parser.add_argument("--persons", type=int, default=0, help="Persons applying (default cases / 8).")
        parser.add_argument("--enterprises", type=int, default=0, help="Enterprises applying (default cases / 100).")
        parser.add_argument("--workers", type=int, default=0, help="Writer processes (PostgreSQL; default: CPUs).")
        parser.add_argument("--chunk", type=int, default=20_000, help="Cases per transaction.")
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="PostgreSQL: keep the indexes during the load (slower; default drops and rebuilds them).",
        )

    def handle(self, *args, **o) -> None:
        if o["cases"] < 1:
            raise CommandError("--cases must be at least 1.")
        opts = Options(
            cases=o["cases"],
            years=o["years"],
            seed=o["seed"],
            persons=o["persons"],
            enterprises=o["enterprises"],
            workers=o["workers"],
            chunk=max(100, o["chunk"]),
            defer_indexes=not o["keep_indexes"],
        )
        load = os.getloadavg()
        self.stdout.write(
            f"machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
        t0 = time.perf_counter()
        try:
            report = generate(opts, say=lambda line: self.stdout.write(line))
        except VolumeError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - t0
        self.stdout.write("")
        self.stdout.write(f"cases        {report.cases:>13,}")
        self.stdout.write(f"steps        {report.steps:>13,}  ({report.steps / max(1, report.cases):.2f} per case)")
        self.stdout.write(f"events       {report.events:>13,}  ({report.events / max(1, report.cases):.2f} per case)")
        self.stdout.write(f"suspensions  {report.suspensions:>13,}")
        self.stdout.write(f"persons      {report.persons:>13,}")
        self.stdout.write(f"enterprises  {report.enterprises:>13,}")
        self.stdout.write("states:")
        for state, n in sorted(report.states.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {state:14s} {n:>12,}  {n / max(1, report.cases) * 100:6.2f} %")
        self.stdout.write("seconds: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items()))
        if report.cpu:
            self.stdout.write(
                f"CPU seconds writing the cases: generator {report.cpu:,.0f}, PostgreSQL backends {report.db_cpu:,.0f}"
            )
        load = os.getloadavg()
        self.stdout.write(
            f"total {seconds:.0f} s ({seconds / 60:.1f} min): {report.rows:,} rows, "
            f"{report.rows / seconds:,.0f} rows/s, {report.cases / seconds:,.0f} cases/s; "
            f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
