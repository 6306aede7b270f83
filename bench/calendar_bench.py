"""Working-day calendar benchmark: how many deadlines a second the calendar computes.

Run (SQLite, a fresh temporary database file):

    .venv/bin/python bench/calendar_bench.py

Run on PostgreSQL (a throwaway server):

    bin/run-with-postgres .venv/bin/python bench/calendar_bench.py

What it measures, after loading every year the chinesecalendar package carries (`load_holidays --all`):
1. `add_working_days(start, n)` through the module function, as other modules call it: each call reads the
   calendar version (one primary-key query) and then counts in memory;
2. the same on one `snapshot()` (a batch: recomputing many cases' deadlines after a calendar change);
3. `deadline()` with two suspensions on a snapshot;
4. the first call after a change (reload of every year's special days).
Starts are random dates of 2005–2026, limits 1–60 working days (seeded, repeatable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _setup(database_url: str | None) -> str:
    tmp = None
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-calendar-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.conf.test"
    import django

    django.setup()
    return str(tmp) if tmp else "(DATABASE_URL)"


def _database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _rate(fn, cases, seconds: float) -> tuple[float, int]:
    """Calls fn over the cases repeatedly for about `seconds`; returns calls per second and calls made."""
    calls = 0
    started = time.perf_counter()
    while True:
        for args in cases:
            fn(*args)
        calls += len(cases)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return calls / elapsed, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database to use (default: a temporary SQLite file)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    where = _setup(args.database_url)

    from django.core.management import call_command

    from yiwang.calendar import services, workdays

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    results = services.load_from_package()
    load_seconds = time.perf_counter() - started

    rnd = random.Random(args.seed)
    first, last = dt.date(2005, 1, 1).toordinal(), dt.date(2026, 6, 30).toordinal()
    cases = [(dt.date.fromordinal(rnd.randint(first, last)), rnd.randint(1, 60)) for _ in range(2000)]
    workdays.forget()
    workdays.add_working_days(*cases[0])  # warm: load the calendar once

    module_rate, module_calls = _rate(workdays.add_working_days, cases, args.seconds)
    cal = workdays.snapshot()
    for y in range(2005, 2027):
        cal._year(y)
    snap_rate, snap_calls = _rate(cal.add_working_days, cases, args.seconds)
    suspended = [
        (
            s,
            n,
            [
                (s + dt.timedelta(days=3), s + dt.timedelta(days=9)),
                (s + dt.timedelta(days=20), s + dt.timedelta(days=24)),
            ],
        )
        for s, n in cases
    ]
    deadline_rate, deadline_calls = _rate(cal.deadline, suspended, args.seconds)

    reloads = []
    for _ in range(20):
        services._changed([2026])  # what every edit does: a new version token
        workdays.forget()
        t = time.perf_counter()
        workdays.add_working_days(*cases[0])
        reloads.append(time.perf_counter() - t)
    reloads.sort()

    print(
        f"machine:   {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    )
    print(f"database:  {_database()} {where}")
    print(f"loaded:    {len(results)} years from {services.package_version()} in {load_seconds:.2f} s")
    print(f"add_working_days (module function, 1 query/call): {module_rate:,.0f} /s  ({module_calls:,} calls)")
    print(f"add_working_days (one snapshot, no queries):      {snap_rate:,.0f} /s  ({snap_calls:,} calls)")
    print(f"deadline with 2 suspensions (one snapshot):        {deadline_rate:,.0f} /s  ({deadline_calls:,} calls)")
    print(f"first call after a change (reload all years):     median {reloads[len(reloads) // 2] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
