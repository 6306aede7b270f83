"""Supervision statistics benchmark: rollup throughput and the statistics/dashboard pages' p95 at N cases.

Run (SQLite, a fresh temporary database file) or on PostgreSQL (a throwaway server):

    .venv/bin/python bench/supervision_stats.py --cases 20000
    bin/run-with-postgres .venv/bin/python bench/supervision_stats.py --cases 10000000 --items 15000

What it does:

1. A demo city (`seed_demo --items`), then --cases cases with their whole event logs over --years years
   (`cases.volume`, the generator behind `generate_cases`: real state-machine paths, COPY on PostgreSQL).
2. Rollup throughput, two ways: `rollup.rebuild()` over the whole event log (the operator's repair), and the
   worker's incremental path — --replay cases are taken out of the statistics and every one of their events is
   handed to the outbox subscriber one by one, each in its own transaction, as the worker does. Then the rows are
   compared with a rebuild (incremental == rebuild). Target (issue 15): ≥ 200 case events per second.
3. Pages, in-process (Django's test client) as a city supervisor, --requests times each: the statistics page by
   department, division, item (a year) and month (a year), the drill-down to late cases, the dashboard, its JSON
   and the indicators API; p50/p95/max and queries. Target: p95 ≤ 1 s with 10,000,000 cases on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def setup_env() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-supstats-bench-"))
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "halls_bench_settings"  # static files by name, no manifest
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    return url


def prepare(args) -> None:
    from django.core.management import call_command

    from yiwang.cases.volume import Options, generate

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    t0 = time.perf_counter()
    call_command("seed_demo", seed=args.seed, items=args.items, no_index=True, verbosity=0)
    call_command("load_holidays", all=True, verbosity=0)
    print(f"city: {args.items} items in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    report = generate(Options(cases=args.cases, years=args.years, seed=args.seed), say=lambda _line: None)
    print(f"cases: {report.cases:,} with {report.events:,} events in {time.perf_counter() - t0:.0f} s")


def throughput(args) -> None:
    from django.db import transaction

    from yiwang.cases.models import CaseEvent
    from yiwang.core import outbox
    from yiwang.supervision import handlers_stats, rollup
    from yiwang.supervision.models import StatCase

    t0, c0 = time.perf_counter(), time.process_time()
    done = rollup.rebuild()
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"rebuild: {done['cases']:,} cases, {done['events']:,} events, {done['rows']:,} rows in {s:.1f} s "
        f"= {done['events'] / s:,.0f} events/s wall ({cpu:.1f} CPU s in this process)"
    )
    # The worker's path: take --replay cases out of the statistics, then hand their events over one by one.
    ids = list(StatCase.objects.order_by("-case_id").values_list("case_id", flat=True)[: args.replay])
    with transaction.atomic():
        facts = list(StatCase.objects.filter(pk__in=ids))
        rollup.apply(rollup.merge([(rollup.contributions(f), -1) for f in facts]))
        StatCase.objects.filter(pk__in=ids).delete()
    events = list(
        CaseEvent.objects.filter(case_id__in=ids).order_by("pk").values_list("pk", "case_id", "seq", "action")
    )
    now = dt.datetime.now(dt.UTC)
    t0, c0 = time.perf_counter(), time.process_time()
    for pk, case_id, seq, action in events:
        ev = outbox.Event(
            id=pk,
            topic="cases.case_changed",
            key=f"cases.case:{case_id}",
            payload={"case_id": case_id, "event_id": pk, "seq": seq, "action": action},
            created_at=now,
        )
        with transaction.atomic():
            handlers_stats.on_case_changed(ev)
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"incremental (the subscriber, one transaction per event): {len(events):,} events of {len(ids):,} cases "
        f"in {s:.1f} s = {len(events) / s:,.0f} events/s wall, {len(events) / max(cpu, 1e-9):,.0f} events per CPU "
        f"second of this process (target ≥ 200/s)"
    )
    incremental = rollup.snapshot()
    rollup.rebuild()
    print(f"incremental == rebuild: {incremental == rollup.snapshot()}")


def pages(args) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import UserFactory
    from yiwang.orgs.models import Membership, Organisation, Role

    city = Organisation.objects.filter(name="蚌埠市数据资源管理局").first() or Organisation.objects.order_by("pk")[0]
    user = UserFactory(username="bench-supervisor")
    Membership.objects.create(user=user, organisation=city, role=Role.SUPERVISOR, covers_division=True)
    c = Client(HTTP_HOST="localhost")
    c.force_login(user)
    today = timezone.localdate()
    year = f"start={(today - dt.timedelta(days=364)).isoformat()}&end={today.isoformat()}"
    urls = [
        "/supervision/stats/",
        "/supervision/stats/?group=division",
        f"/supervision/stats/?group=item&{year}",
        f"/supervision/stats/?group=month&{year}",
        f"/supervision/stats/cases/?figure=overdue&{year}",
        "/supervision/dashboard/",
        "/supervision/dashboard/data.json",
        f"/api/v1/supervision/indicators?group=organisation&{year}",
    ]
    print(f"{'page':60s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'queries':>8s}")
    for url in urls:
        times = []
        queries = 0
        for i in range(args.requests):
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                r = c.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (url, r.status_code)
            if i == 0:
                queries = len(ctx.captured_queries)
        print(f"{url[:60]:60s} {pct(times, 50):8.0f} {pct(times, 95):8.0f} {max(times):8.0f} {queries:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--replay", type=int, default=300, help="Cases whose events the subscriber replays.")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url = setup_env()
    from django.db import connection

    load = os.getloadavg()
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; database: {connection.vendor} ({url.split('@')[-1]})"
    )
    prepare(args)
    throughput(args)
    pages(args)


if __name__ == "__main__":
    main()
