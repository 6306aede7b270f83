"""Province benchmark: the lists, the feed and the searches people open every minute, at province volume.

It measures a database that already holds the volume (the 10-million-case run, docs/scaling.md):

    bin/pg-throwaway start /tmp/yiwang-10m/data 55432          # or any PostgreSQL server
    export DATABASE_URL=postgres://yiwang@127.0.0.1:55432/yiwang
    export SECRET_KEY=...   # the one the data was written with (identity numbers are encrypted with it)
    .venv/bin/yiwang migrate && .venv/bin/yiwang createcachetable
    .venv/bin/yiwang seed_demo --items 15000 && .venv/bin/yiwang load_holidays --all && .venv/bin/yiwang demo_accounts
    .venv/bin/yiwang generate_cases --cases 10000000
    .venv/bin/python bench/province_bench.py

or prepares a smaller one itself on a throwaway server (the same figures at another size, to show that the
query counts do not move with the data):

    bin/run-with-postgres .venv/bin/python bench/province_bench.py --prepare 100000 --items 3000

Every request goes through the whole Django stack in-process (middleware, sessions, permissions, templates, the
API's serialisation) with Django's test client, signed in as the demo staff, the heaviest applicant, the agent of
the heaviest enterprise, and a department system's machine client; HTTP and the web server are not in the figure.
For each request type it prints p50 / p95 / max latency over --requests requests and the number of SQL statements
one request runs (which must not grow with the data). --explain prints the plan of every statement slower than
--slow milliseconds, for the index work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from machine_info import cpu_model  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.core.management import call_command

    # DEBUG is off: pages name their static files from the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)


def prepare(n_cases: int, items: int) -> None:
    from django.core.management import call_command

    from yiwang.cases.models import Case
    from yiwang.catalog.models import ServiceItem

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not ServiceItem.objects.exists():
        call_command("seed_demo", seed=2026, items=items)
    call_command("load_holidays", all=True, verbosity=0)
    call_command("demo_accounts", verbosity=0)
    if not Case.objects.exists():
        call_command("generate_cases", cases=n_cases)


def machine() -> str:
    from django.db import connection

    load = os.getloadavg()
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    db = connection.vendor
    if db == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0].split()[0]
            cur.execute("SHOW shared_buffers")
            sb = cur.fetchone()[0]
            cur.execute("SHOW work_mem")
            wm = cur.fetchone()[0]
        db = f"PostgreSQL {version} (shared_buffers {sb}, work_mem {wm})"
    return (
        f"machine: {cpu_model()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\ndatabase: {db}"
    )


def row_counts() -> list[tuple[str, int, str]]:
    """(table, rows, size) for the tables that grow; exact counts on SQLite, the planner's estimate on PostgreSQL."""
    from django.db import connection

    tables = [
        "cases_case",
        "cases_casestep",
        "cases_caseevent",
        "identity_person",
        "identity_enterprise",
        "catalog_serviceitem",
        "orgs_organisation",
    ]
    out = []
    with connection.cursor() as cur:
        for t in tables:
            if connection.vendor == "postgresql":
                cur.execute(
                    "SELECT reltuples::bigint, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                    "WHERE relname = %s",
                    [t],
                )
                n, size = cur.fetchone()
            else:
                cur.execute(f'SELECT COUNT(*) FROM "{t}"')
                n, size = cur.fetchone()[0], ""
            out.append((t, int(n), size))
    return out


# --- who asks ----------------------------------------------------------------------------------------------------


def actors() -> dict:
    """The demo staff, the heaviest applicant and enterprise (with bench accounts), a department system's client."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from yiwang.cases.models import Case
    from yiwang.identity import services as ids
    from yiwang.identity.clients import create_client
    from yiwang.identity.models import Agent, AgentPermission, Enterprise, Person
    from yiwang.orgs.models import Organisation

    User = get_user_model()
    out: dict = {}
    for name in ("reviewer_scjg", "approver_scjg", "clerk", "supervisor"):
        user = User.objects.filter(username=name).first()
        if user is None:
            raise SystemExit(f"no user {name}: run `yiwang demo_accounts` first")
        c = Client()
        c.force_login(user)
        out[name] = c

    # The heaviest applicants: generate_cases gives the lowest indexes the most cases; confirm among the first few.
    first_person = Person.objects.order_by("id").values_list("id", flat=True)
    candidates = list(first_person[:50]) + list(Person.objects.order_by("-id").values_list("id", flat=True)[:1])
    heavy = (
        Case.objects.filter(person_id__in=candidates, enterprise__isnull=True)
        .values("person_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    ents = list(Enterprise.objects.order_by("id").values_list("id", flat=True)[:50])
    heavy_e = (
        Case.objects.filter(enterprise_id__in=ents)
        .values("enterprise_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if heavy is None or heavy_e is None:
        raise SystemExit("no generated cases: run `yiwang generate_cases` first")
    person = Person.objects.get(pk=heavy["person_id"])
    if person.user_id is None:
        person.user = User.objects.create_user(f"bench-person-{person.pk}", password="bench-password-123")
        person.save(update_fields=["user"])
    c = Client()
    c.force_login(person.user)
    out["person"], out["person_cases"] = c, heavy["n"]

    agent_user = User.objects.filter(username="bench-agent").first()
    if agent_user is None:
        agent = ids.register_person(name="赵经办", doc_type="resident_id", doc_number="340302198001019998")
        agent_user = ids.create_account(agent, "bench-password-123")
        agent_user.username = "bench-agent"
        agent_user.save(update_fields=["username"])
    agent_person = Person.objects.get(user=agent_user)
    Agent.objects.get_or_create(
        enterprise_id=heavy_e["enterprise_id"],
        person=agent_person,
        defaults={"permissions": [AgentPermission.VIEW_CASES, AgentPermission.APPLY], "granted_by": agent_user},
    )
    c = Client()
    c.force_login(agent_user)
    c.post("/my/acting-for/", {"enterprise": heavy_e["enterprise_id"]})
    out["agent"], out["enterprise_cases"], out["enterprise_id"] = c, heavy_e["n"], heavy_e["enterprise_id"]

    org = Organisation.objects.get(name="蚌埠市市场监督管理局")
    from oauth2_provider.models import AccessToken

    client, _secret = create_client(
        f"省级市场监管业务系统（基准 {random.randint(0, 10**6)}）",
        "department",
        org,
        ["cases:read"],
        rate_limit=100_000,
    )
    token = AccessToken.objects.create(
        application=client.application,
        token=f"bench-{random.getrandbits(64):x}",
        expires=timezone.now() + dt.timedelta(hours=6),
        scope="cases:read",
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    out["system"] = api
    out["org"] = org
    return out


# --- measuring ---------------------------------------------------------------------------------------------------


def measure(
    label: str,
    client,
    paths: Callable[[int], str],
    n: int,
    *,
    explain: bool = False,
    slow_ms: float = 20.0,
    after: Callable | None = None,
) -> dict:
    """Runs `n` GETs of paths(i); returns latencies and the statements of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        r = client.get(paths(i))
        assert r.status_code == 200, (label, paths(i), r.status_code, r.content[:300])
    lat = []
    size = 0
    for i in range(n):
        p = paths(i)
        t = time.perf_counter()
        r = client.get(p)
        lat.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (label, p, r.status_code)
        size = len(r.content)
        if after is not None:
            after(r)
    with CaptureQueriesContext(connection) as q:
        client.get(paths(n))
    result = {
        "label": label,
        "p50": pct(lat, 50),
        "p95": pct(lat, 95),
        "max": max(lat),
        "queries": len(q.captured_queries),
        "bytes": size,
    }
    print(
        f"{label:60s} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  max {result['max']:7.1f} ms  "
        f"{result['queries']:2d} queries  {size / 1024:6.1f} KiB",
        flush=True,
    )
    if explain and connection.vendor == "postgresql":
        for stmt in q.captured_queries:
            if float(stmt["time"]) * 1000 >= slow_ms:
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt["sql"])
                    plan = "\n".join("      " + r[0] for r in cur.fetchall())
                print(f"    {float(stmt['time']) * 1000:.1f} ms: {stmt['sql'][:600]}\n{plan}", flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=200, help="requests per request type")
    ap.add_argument("--prepare", type=int, default=0, help="first load the demo city and generate N cases")
    ap.add_argument("--items", type=int, default=15000, help="demo catalog size for --prepare")
    ap.add_argument("--only", default="", help="run only request types whose label contains this")
    ap.add_argument("--explain", action="store_true", help="print the plans of the slow statements")
    ap.add_argument("--slow", type=float, default=20.0, help="--explain threshold in milliseconds")
    args = ap.parse_args()
    setup()
    if args.prepare:
        prepare(args.prepare, args.items)
    from yiwang.cases.models import Case, CaseEvent

    print(machine())
    print("rows:")
    for table, n, size in row_counts():
        print(f"  {table:22s} {n:>13,}  {size}")
    who = actors()
    print(
        f"heaviest applicant: {who['person_cases']:,} cases; heaviest enterprise: {who['enterprise_cases']:,} cases; "
        f"{args.requests} requests per line\n",
        flush=True,
    )
    n = args.requests
    rng = random.Random(1)
    org = who["org"]
    numbers = list(
        Case.objects.filter(organisation=org).order_by("-id").values_list("case_number", flat=True)[:5000:10]
    )
    names = list(Case.objects.filter(organisation=org).order_by("-id").values_list("applicant_name", flat=True)[:500])
    searches = [
        "营业执照",
        "yyzz",
        "食品经营许可",
        "开饭店",
        "社保卡",
        "公积金提取",
        "出生医学证明",
        "不动产登记",
        "护照",
    ]
    max_event = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def walk(start: str, key: str, first: object = None):
        """Follows the list's own `after` cursor page by page (restarting at the end), as a client paging would."""
        begin = f"{start}&after={first}" if first is not None else start
        state = {"next": begin}

        def path(_i: int) -> str:
            return state["next"]

        def after(r) -> None:
            rows = r.json()
            state["next"] = f"{start}&after={rows[-1][key]}" if rows else begin

        return path, after

    lines: list[tuple[str, object, Callable[[int], str], Callable | None]] = [
        ("to-do: reviewer, workbench page", who["reviewer_scjg"], lambda i: "/workbench/cases/?queue=reviewer", None),
        ("to-do: reviewer, page 40 (the deepest)", who["reviewer_scjg"], lambda i: "/workbench/cases/?queue=reviewer&page=40", None),
        ("to-do: approver, workbench page", who["approver_scjg"], lambda i: "/workbench/cases/?queue=approver", None),
        ("to-do: reviewer, in my hands", who["reviewer_scjg"], lambda i: "/workbench/cases/?queue=mine", None),
        ("to-do: reviewer, API /cases/queue", who["reviewer_scjg"], lambda i: "/api/v1/cases/queue?role=reviewer&limit=50", None),
        ("to-do: window clerk (whole city), acceptance", who["clerk"], lambda i: "/workbench/cases/?queue=accept", None),
        ("to-do: window clerk, results to deliver", who["clerk"], lambda i: "/workbench/cases/?queue=deliver", None),
        ("supervisor: all cases of the city", who["supervisor"], lambda i: "/workbench/cases/?queue=all", None),
        ("supervisor: overdue filter", who["supervisor"], lambda i: "/workbench/cases/?queue=all&overdue=1", None),
        ("search: workbench, case number", who["reviewer_scjg"], lambda i: f"/workbench/cases/?queue=all&q={rng.choice(numbers)}", None),
        ("search: workbench, number prefix (day)", who["supervisor"], lambda i: f"/workbench/cases/?queue=all&q={rng.choice(numbers)[:12]}", None),
        ("search: workbench, applicant name", who["reviewer_scjg"], lambda i: f"/workbench/cases/?queue=all&q={rng.choice(names)}", None),
        ("search: workbench, surname only (city)", who["supervisor"], lambda i: f"/workbench/cases/?queue=all&q={rng.choice('王李张刘陈')}", None),
        ("search: catalog page", who["person"], lambda i: f"/search/?q={searches[i % len(searches)]}", None),
        ("search: catalog API", who["person"], lambda i: f"/api/v1/catalog/search?q={searches[i % len(searches)]}", None),
        ("applicant: My Space", who["person"], lambda i: "/my/", None),
        ("applicant: my cases page", who["person"], lambda i: "/my/cases/", None),
        ("applicant: my open cases", who["person"], lambda i: "/my/cases/?state=open", None),
        ("enterprise agent: My Space (enterprise)", who["agent"], lambda i: f"/my/enterprise/{who['enterprise_id']}/", None),
        ("enterprise agent: cases page", who["agent"], lambda i: "/my/cases/", None),
    ]  # fmt: skip
    results = []
    for label, client, path, after in lines:
        if args.only and args.only not in label:
            continue
        results.append(measure(label, client, path, n, explain=args.explain, slow_ms=args.slow, after=after))
    paged = [
        ("applicant: API my cases, paging on (after=)", who["person"], "/api/v1/cases/?mine=true&limit=20", "case_number", None),
        ("enterprise agent: API cases, paging on", who["agent"], "/api/v1/cases/?mine=true&limit=20", "case_number", None),
        ("feed: department system, from the start", who["system"], "/api/v1/cases/feed?limit=100", "id", None),
        ("feed: department system, from the middle", who["system"], "/api/v1/cases/feed?limit=100", "id", max_event // 2),
        ("feed: department system, at the head", who["system"], "/api/v1/cases/feed?limit=100", "id", max(0, max_event - 20000)),
    ]  # fmt: skip
    for label, client, start, key, first in paged:
        if args.only and args.only not in label:
            continue
        path, after = walk(start, key, first)
        results.append(measure(label, client, path, n, explain=args.explain, slow_ms=args.slow, after=after))
    worst = max(results, key=lambda r: r["p95"]) if results else None
    if worst:
        print(f"\nworst p95: {worst['p95']:.1f} ms ({worst['label']}); target ≤ 100 ms")
    print(machine().splitlines()[0].split(", load")[0] + ", load at the end " + ", ".join(
        f"{x:.1f}" for x in os.getloadavg()
    ))  # fmt: skip


if __name__ == "__main__":
    main()
