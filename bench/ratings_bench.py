"""Ratings statistics benchmark: the public and staff figures pages with the rollups of N ratings in the database.

Run (SQLite, a fresh temporary database file) or on PostgreSQL (a throwaway server):

    .venv/bin/python bench/ratings_bench.py --ratings 1000000
    bin/run-with-postgres .venv/bin/python bench/ratings_bench.py --ratings 10000000

The pages never read ratings, only `ratings_rollup` (one row per day or month and per department, window or staff
member with any rating that day), so what the figures cost depends on the number of keys and days, not on the
number of ratings. The benchmark therefore writes, in bulk, the rollup rows that --ratings ratings spread over
--days days would leave: every department every day, each window and each staff member on a share of the days
(--active), with the month rows; the counters add up to --ratings. Then, in-process (Django's test client), it
requests each page --requests times and prints p50/p95/max and the query count of each:

- `/ratings/` (every department, this year, and a three-year custom range: day rows at both ends, months between);
- `/ratings/departments/<id>/` (one department by month);
- `/workbench/ratings/stats/?dim=staff` and `?dim=window` as a city supervisor (every staff member, this year).
The target (issue 11): p95 ≤ 500 ms with 10,000,000 ratings on PostgreSQL.
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
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-ratings-bench-"))
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "halls_bench_settings"  # static files by name, no manifest
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    return url


def prepare(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from tests.factories import OrganisationFactory, division_chain
    from yiwang.core.bulk import insert_rows
    from yiwang.orgs.models import Hall, Membership, Role, Window
    from yiwang.ratings.models import COUNTERS, Dim, Period

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    rng = random.Random(args.seed)
    _p, city, _c = division_chain()
    orgs = [OrganisationFactory(name=f"基准部门{i}", division=city) for i in range(args.departments)]
    hall = Hall.objects.create(name="基准大厅", division=city, organisation=orgs[0])
    windows = Window.objects.bulk_create(
        [Window(hall=hall, number=f"W{i:03d}", name=f"窗口{i}") for i in range(args.windows)]
    )
    User = get_user_model()
    staff = User.objects.bulk_create(
        [User(username=f"bench-staff-{i}", last_name=f"员工{i}") for i in range(args.staff)]
    )
    supervisor = User.objects.create_user("bench-supervisor", password="bench-password-123", is_staff=True)
    Membership.objects.create(user=supervisor, organisation=orgs[0], role=Role.SUPERVISOR, covers_division=True)

    t0 = time.perf_counter()
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(args.days)]
    per_dept_day = max(1, args.ratings // (args.departments * args.days))
    columns = ["period", "day", "dim", "key", *COUNTERS]
    idx = {c: i for i, c in enumerate(COUNTERS)}
    months: dict[tuple[str, int, dt.date], list[int]] = {}
    total = 0

    def counters(n: int) -> list[int]:
        c = [0] * len(COUNTERS)
        split = [int(n * 0.80), int(n * 0.12), int(n * 0.05)]
        split += [int(n * 0.02), n - sum(split) - int(n * 0.02)]
        for level, k in zip((5, 4, 3, 2, 1), split, strict=True):
            c[idx[f"level{level}"]] = k
        c[idx["active"]] = int(n * 0.6)
        c[idx["active_good"]] = int(n * 0.58)
        c[idx["defaults"]] = n - c[idx["active"]]
        c[idx["isum_overall"]] = 5 * split[0] + 4 * split[1] + 3 * split[2] + 2 * split[3] + split[4]
        c[idx["icnt_overall"]] = n
        c[idx["bad_named"]] = split[3] + split[4]
        c[idx["rectified"]] = c[idx["bad_named"]]
        c[idx["rectified_on_time"]] = c[idx["bad_named"]]
        c[idx["concluded"]] = n
        c[idx["rated_concluded"]] = c[idx["active"]]
        return c

    def rows_for(dim: str, keys: list[int], share: float, scale: int):
        nonlocal total
        batch = []
        for d in days:
            month = d.replace(day=1)
            for key in keys:
                if share < 1 and rng.random() > share:
                    continue
                n = max(1, int(scale * rng.uniform(0.5, 1.5)))
                c = counters(n)
                if dim == Dim.DEPARTMENT:
                    total += sum(c[idx[f"level{v}"]] for v in (5, 4, 3, 2, 1))
                batch.append([Period.DAY, d, dim, key, *c])
                acc = months.setdefault((dim, key, month), [0] * len(COUNTERS))
                for i, v in enumerate(c):
                    acc[i] += v
                if len(batch) >= 20000:
                    with transaction.atomic():
                        insert_rows("ratings_rollup", columns, batch)
                    batch = []
        if batch:
            with transaction.atomic():
                insert_rows("ratings_rollup", columns, batch)

    rows_for(Dim.DEPARTMENT, [o.pk for o in orgs], 1.0, per_dept_day)
    rows_for(Dim.WINDOW, [w.pk for w in windows], args.active, 10)
    rows_for(Dim.STAFF, [u.pk for u in staff], args.active, 5)
    month_rows = [[Period.MONTH, m, dim, key, *c] for (dim, key, m), c in months.items()]
    with transaction.atomic():
        insert_rows("ratings_rollup", columns, month_rows)
    from yiwang.ratings.models import Rollup

    return {
        "org": orgs[len(orgs) // 2],
        "supervisor": supervisor,
        "rollup_rows": Rollup.objects.count(),
        "ratings": total,
        "seconds": time.perf_counter() - t0,
    }


def measure(world: dict, requests: int) -> list[tuple[str, float, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    today = timezone.localdate()
    three_years = f"from={today.replace(year=today.year - 3, day=15):%Y-%m-%d}&to={today:%Y-%m-%d}"
    public, staff = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    staff.force_login(world["supervisor"])
    pages = [
        ("/ratings/ (this year)", public, "/ratings/?period=year"),
        ("/ratings/ (three years)", public, f"/ratings/?period=custom&{three_years}"),
        ("/ratings/departments/<id>/", public, f"/ratings/departments/{world['org'].pk}/?period=last_12"),
        ("staff figures by staff member", staff, "/workbench/ratings/stats/?dim=staff&period=year"),
        ("staff figures by window", staff, "/workbench/ratings/stats/?dim=window&period=year"),
    ]
    out = []
    for name, client, url in pages:
        times = []
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        queries = len(ctx.captured_queries)
        for _ in range(requests):
            t0 = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        out.append((name, pct(times, 50), pct(times, 95), max(times), queries))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=3 * 365)
    parser.add_argument("--departments", type=int, default=300)
    parser.add_argument("--windows", type=int, default=200)
    parser.add_argument("--staff", type=int, default=1500)
    parser.add_argument("--active", type=float, default=0.3, help="Share of days a window or staff member is rated")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url = setup_env()
    from django.db import connection

    world = prepare(args)
    print(f"machine: {platform.node()} · {cpu_model()} · {os.cpu_count()} CPUs · Python {platform.python_version()}")
    print(
        f"database: {connection.vendor} {'.'.join(map(str, connection.Database.version_info if hasattr(connection.Database, 'version_info') else ()))} ({url.split(':')[0]})"
    )
    print(
        f"rollups of {world['ratings']:,} ratings over {args.days} days: {world['rollup_rows']:,} rows, "
        f"written in {world['seconds']:.1f} s"
    )
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, p50, p95, worst, queries in measure(world, args.requests):
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {worst:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
