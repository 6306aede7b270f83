"""Cases benchmark: the full path through the HTTP API under concurrent clients, against a bare-endpoint ceiling,
and the lists people open every minute, with N cases already in the database.

Run (SQLite, a fresh temporary database file; 10,000 existing cases):

    .venv/bin/python bench/cases_bench.py --cases 10000

PostgreSQL (a throwaway server), one million existing cases:

    bin/run-with-postgres .venv/bin/python bench/cases_bench.py --cases 1000000

What it does, in one run:
1. migrates an empty database, creates an organisation, a published item (承办 → 审核 → 批准), a department
   system's machine client (cases:read, cases:write), a reviewer and an applicant, then writes --cases existing
   cases in bulk (95 % concluded, 5 % open at one of the three steps; 3 steps and 4 events each) spread over
   --applicants persons;
2. starts the real server (`yiwang serve`, gunicorn, --workers processes) on a free local port, and
   --task-workers `yiwang worker` processes (they hand the outbox's events to the subscribers — the applicant's
   message, webhooks, licenses, surveys — and run the tasks those enqueue, as in production);
3. ceiling: --clients threads POST /bench/write-one/ (a bare Django view that inserts one row);
4. full path: the same threads each run submit → accept → complete × 3 (the last concludes the case) through
   /api/v1/cases/ with the client's bearer token; each request's and each path's latency is kept.
   Steps 3 and 4 alternate in --rounds rounds (--seconds each in total), so that both see the same machine: on a
   shared machine the load of others moves during a run, and alternating spreads it over both;
5. the statements each request of the path runs (in-process, Django's test client with CaptureQueriesContext,
   bearer token, authentication and rate limiting included), against the bare endpoint's;
6. lists: the reviewer's to-do list (GET /api/v1/cases/queue?role=reviewer) and an applicant's own cases
   (GET /api/v1/cases/?mine=true) --list-requests times each, plus the query count of each list in-process,
   which must not depend on the data size;
7. the outbox after the load: events still waiting, and how long the task workers took to hand them all over.
It prints the machine (CPU, cores, memory, load average at the start and the end), the database (and server
version), throughput and latency percentiles, and the path's share of the ceiling (requests per second of the full
path ÷ requests per second of the bare endpoint). Targets (issue 10): ≥ 50 % of the ceiling; p95 ≤ 100 ms per
request with 8 clients on 2 cores, at 1,000,000 cases on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

from machine_info import cpu_model, memory_gib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # tests.factories builds the organisation and the item


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def setup_env(database_url: str | None) -> str:
    if not database_url:
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-cases-bench-"))
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    return database_url


def prepare(n_cases: int, n_applicants: int) -> dict:
    """Schema, the organisation/item/client/users, and `n_cases` existing cases in bulk."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tests.factories import OrganisationFactory, make_item
    from yiwang.cases import services as cs
    from yiwang.core.bulk import insert_rows
    from yiwang.identity import crypto
    from yiwang.identity import services as ids
    from yiwang.identity.clients import create_client
    from yiwang.identity.models import Person, doc_hash
    from yiwang.orgs.models import Membership, Role

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "CREATE TABLE IF NOT EXISTS bench_row (id bigserial PRIMARY KEY, created_at timestamptz, payload bytea)"
            )
        else:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS bench_row (id integer PRIMARY KEY AUTOINCREMENT, created_at text, payload blob)"
            )
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    item = make_item(org)
    version = item.current
    client, secret = create_client(
        "基准测试部门系统", "department", org, ["cases:read", "cases:write"], rate_limit=100_000
    )
    User = get_user_model()
    reviewer = User.objects.create_user("bench-reviewer", password="bench-password-123")
    Membership.objects.create(user=reviewer, organisation=org, role=Role.REVIEWER)
    me = ids.register_person(name="张三", doc_type="resident_id", doc_number=make_id(0), phone="13900000000")
    ids.create_account(me, "bench-password-123")
    migrated = time.perf_counter() - t0

    t0 = time.perf_counter()
    now = timezone.now()
    people = [(me.pk, me.name)]
    rows = []
    for i in range(1, n_applicants):
        number = make_id(i)
        rows.append(
            (
                f"申请人{i}",
                "resident_id",
                crypto.encrypt(number),
                doc_hash("resident_id", number),
                "CHN",
                "",
                "",
                "",
                "",
                2,
                now,
                now,
            )
        )
    with transaction.atomic():
        insert_rows(
            "identity_person",
            [
                "name",
                "doc_type",
                "doc_number",
                "doc_number_hash",
                "nationality",
                "phone",
                "phone_hash",
                "email",
                "address",
                "level",
                "verified_at",
                "created_at",
            ],
            rows,
        )
    people += list(Person.objects.exclude(pk=me.pk).values_list("pk", "name"))
    base_id = 10_000_000
    chunk = 50_000
    for start in range(0, n_cases, chunk):
        cases, steps, events = [], [], []
        for k in range(start, min(start + chunk, n_cases)):
            cid = base_id + k
            pid, pname = people[k % len(people)]
            day = (now - dt.timedelta(days=(k % 700) + 1)).date()
            # (day, serial within the day) is unique: day = k mod 700, serial = k div 700.
            number = f"340300{day:%y%m%d}{k // 700:06d}"
            number = number + cs._check_char(number)
            open_case = k % 20 == 0
            submitted = now - dt.timedelta(days=(k % 700) + 1, minutes=k % 1440)
            state = "in_progress" if open_case else "approved"
            cases.append(
                (
                    cid,
                    number,
                    "",
                    item.pk,
                    version.pk,
                    version.name,
                    org.pk,
                    org.division.path,
                    pid,
                    None,
                    pname,
                    "portal",
                    None,
                    None,
                    "",
                    "",
                    "{}",
                    state,
                    5,
                    4,  # event_seq: the four events below
                    "",
                    None,
                    submitted,
                    submitted,
                    False,
                    day,
                    day,
                    day,
                    None if open_case else submitted,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    None,
                )
            )
            current = (k // 20) % 3 + 1 if open_case else 4
            for order, (kind, name, role) in enumerate(cs.DEFAULT_STEPS, start=1):
                st = "done" if order < current else "active" if order == current else "waiting" if open_case else "done"
                steps.append(
                    (
                        cid,
                        order,
                        kind,
                        name,
                        org.pk,
                        role,
                        0,
                        st,
                        None,
                        submitted if st != "waiting" else None,
                        day if st == "active" else None,
                        None,
                        submitted if st == "done" else None,
                        "pass" if st == "done" else "",
                        "",
                        number,
                        version.name,
                        pname,
                    )
                )
            for seq, action in enumerate(("submit", "accept", "complete_step", "approve"), start=1):
                events.append((cid, seq, action, "", state, submitted, None, "", "", org.pk, "portal", None, "", "{}"))
        with transaction.atomic():
            insert_rows("cases_case", CASE_COLUMNS, cases)
            insert_rows("cases_casestep", STEP_COLUMNS, steps)
            insert_rows("cases_caseevent", EVENT_COLUMNS, events)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("cases_case", "cases_casestep", "cases_caseevent"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cur.execute("ANALYZE")
    return {
        "org": org,
        "item_code": item.item_code,
        "client_id": client.application.client_id,
        "secret": secret,
        "applicant_doc": me.doc_number,
        "migrated_s": migrated,
        "seeded_s": time.perf_counter() - t0,
        "reviewer": reviewer,
        "me": me.user,
    }


CASE_COLUMNS = [
    "id",
    "case_number",
    "query_code_hash",
    "item_id",
    "version_id",
    "item_name",
    "organisation_id",
    "division_path",
    "person_id",
    "enterprise_id",
    "applicant_name",
    "channel",
    "hall_id",
    "submitted_by_id",
    "idempotency_scope",
    "idempotency_key",
    "form_data",
    "state",
    "revision",
    "event_seq",
    "query_code_retry",
    "query_code_retry_until",
    "submitted_at",
    "accepted_at",
    "deemed_accepted",
    "acceptance_due",
    "statutory_due",
    "promised_due",
    "concluded_at",
    "outcome_reason",
    "result_document",
    "result_license",
    "delivery",
    "delivery_address",
    "tracking_number",
    "delivered_at",
]
STEP_COLUMNS = [
    "case_id",
    "order",
    "kind",
    "name",
    "organisation_id",
    "role",
    "days",
    "state",
    "assignee_id",
    "started_at",
    "due",
    "claimed_at",
    "done_at",
    "decision",
    "opinion",
    "case_number",
    "item_name",
    "applicant_name",
]
EVENT_COLUMNS = [
    "case_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "at",
    "actor_id",
    "actor_name",
    "role",
    "organisation_id",
    "channel",
    "client_id",
    "on_behalf_of",
    "data",
]


def make_id(i: int) -> str:
    from yiwang.core.codes import citizen_check_char

    born = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)
    first17 = f"340302{born:%Y%m%d}{i % 1000:03d}"
    return first17 + citizen_check_char(first17)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT / "src")])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "yiwang",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-log",
            "",
            "--skip-static-check",
            "--max-requests",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 180  # a loaded shared machine takes a while to import everything
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def start_task_workers(count: int) -> list[subprocess.Popen]:
    """`yiwang worker` processes on the same database: the outbox dispatcher and the task queue."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT / "src")])}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "yiwang", "worker", "--processes", "1", "--queue", "*"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def outbox_state() -> tuple[int, int, int]:
    """Events not yet handed over, subscribers' retries waiting, dead letters."""
    from yiwang.core.models import OutboxEvent, OutboxRetry, RetryStatus

    retries = OutboxRetry.objects.exclude(status=RetryStatus.DEAD).count()
    return (
        OutboxEvent.objects.filter(done_at__isnull=True).count(),
        retries,
        OutboxRetry.objects.filter(status=RetryStatus.DEAD).count(),
    )


def statements(captured: list[dict]) -> int:
    """Statements sent, the transaction's own BEGIN/COMMIT left out (as tests/cases/test_budgets.py counts)."""
    return sum(1 for q in captured if q["sql"].split(" ", 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"))


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def hammer(clients: int, seconds: float, work) -> tuple[list[float], list[float], int, float]:
    """Runs `work(session, record)` in `clients` threads for `seconds`; returns request and path latencies, the
    errors and the time it really took (the last paths started finish after `seconds`)."""
    import requests

    req_lat: list[float] = []
    path_lat: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def run() -> None:
        s = requests.Session()
        mine_r: list[float] = []
        mine_p: list[float] = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                work(s, mine_r)
                mine_p.append(time.perf_counter() - t)
            except AssertionError:
                with lock:
                    errors[0] += 1
        with lock:
            req_lat.extend(mine_r)
            path_lat.extend(mine_p)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    began = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return req_lat, path_lat, errors[0], time.perf_counter() - began


def timed(session, record, method: str, url: str, expect: tuple[int, ...], **kw):
    t = time.perf_counter()
    r = session.request(method, url, timeout=30, **kw)
    record.append(time.perf_counter() - t)
    assert r.status_code in expect, (r.status_code, r.text[:300])
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000, help="existing cases written before measuring")
    ap.add_argument("--applicants", type=int, default=0, help="persons they belong to (default cases/10, ≥ 1)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    ap.add_argument("--workers", type=int, default=0, help="server worker processes (default 2 × cores + 1)")
    ap.add_argument("--seconds", type=float, default=30.0, help="duration of each throughput phase, in total")
    ap.add_argument("--rounds", type=int, default=3, help="rounds the two throughput phases alternate in")
    ap.add_argument("--task-workers", type=int, default=1, help="`yiwang worker` processes running beside the server")
    ap.add_argument("--list-requests", type=int, default=200, help="requests per list measured")
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = ap.parse_args()
    applicants = max(1, args.applicants or args.cases // 10)
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1

    url = setup_env(args.database_url)
    from django.db import connection

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.1f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, load average {load_average()}"
    )
    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            server = f"PostgreSQL {cur.fetchone()[0]}, "
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}, "
    print(f"database: {server}{url.split('@')[-1] if '@' in url else url}")
    world = prepare(args.cases, applicants)
    print(
        f"existing cases: {args.cases:,} for {applicants:,} applicants (schema {world['migrated_s']:.1f} s, "
        f"bulk write {world['seeded_s']:.1f} s)"
    )
    connection.close()

    import requests

    proc, base = start_server(workers)
    task_workers = start_task_workers(args.task_workers)
    try:
        token = requests.post(
            f"{base}/oauth/token/",
            data={"grant_type": "client_credentials", "scope": "cases:read cases:write"},
            auth=(world["client_id"], world["secret"]),
            timeout=10,
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        def ceiling(s, rec):
            timed(s, rec, "POST", f"{base}/bench/write-one/", (201,), data=b"x")

        def full_path(s, rec):
            body = {
                "item_code": world["item_code"],
                "applicant": {"name": "张三", "doc_type": "resident_id", "doc_number": world["applicant_doc"]},
                "form_data": {"contact_phone": "13900000000"},
            }
            r = timed(
                s,
                rec,
                "POST",
                f"{base}/api/v1/cases/",
                (201,),
                json=body,
                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            number = r.json()["case_number"]
            timed(s, rec, "POST", f"{base}/api/v1/cases/{number}/accept", (200,), json={}, headers=auth)
            for _ in range(3):
                r = timed(
                    s,
                    rec,
                    "POST",
                    f"{base}/api/v1/cases/{number}/complete",
                    (200,),
                    json={"decision": "pass", "opinion": "同意"},
                    headers=auth,
                )
            assert r.json()["state"] == "approved"

        timed(requests.Session(), [], "POST", f"{base}/bench/write-one/", (201,), data=b"warm")
        full_path(requests.Session(), [])  # warm: every server process loads what the path needs
        c_req: list[float] = []
        p_req: list[float] = []
        p_path: list[float] = []
        c_err = p_err = 0
        c_took = p_took = 0.0
        share = args.seconds / args.rounds
        for _ in range(args.rounds):
            r, _unused, e, took = hammer(args.clients, share, ceiling)
            c_req, c_err, c_took = c_req + r, c_err + e, c_took + took
            r, pth, e, took = hammer(args.clients, share, full_path)
            p_req, p_path, p_err, p_took = p_req + r, p_path + pth, p_err + e, p_took + took
        loaded_at = time.perf_counter()
        waiting, retries, dead = outbox_state()
        c_rps = len(c_req) / c_took
        p_rps = len(p_req) / p_took
        print(
            f"\nconcurrency: {args.clients} client threads, {workers} server workers, {args.task_workers} task "
            f"worker(s); {args.seconds:.0f} s per phase in {args.rounds} alternating rounds"
        )
        print(
            f"ceiling   POST /bench/write-one/      {c_rps:8.1f} req/s   p50 {pct(c_req, 50) * 1000:6.1f} ms   "
            f"p95 {pct(c_req, 95) * 1000:6.1f} ms   errors {c_err}"
        )
        print(
            f"full path (5 requests per case)      {p_rps:8.1f} req/s   p50 {pct(p_req, 50) * 1000:6.1f} ms   "
            f"p95 {pct(p_req, 95) * 1000:6.1f} ms   errors {p_err}"
        )
        print(
            f"          per case                   {len(p_path) / p_took:8.1f} cases/s "
            f"p50 {pct(p_path, 50) * 1000:6.1f} ms   p95 {pct(p_path, 95) * 1000:6.1f} ms"
        )
        print(f"full path ÷ ceiling (requests/s): {p_rps / c_rps * 100:.0f} %  (target ≥ 50 %; p95 target ≤ 100 ms)")

        try:
            # Statements per request, in-process (the same code the server runs).
            from django.db import connection as conn
            from django.test import Client
            from django.test.utils import CaptureQueriesContext

            api = Client(headers={"Authorization": f"Bearer {token}"}, HTTP_HOST="127.0.0.1")
            body = {
                "item_code": world["item_code"],
                "applicant": {"name": "张三", "doc_type": "resident_id", "doc_number": world["applicant_doc"]},
                "form_data": {"contact_phone": "13900000000"},
            }

            def in_process_path() -> None:
                """One path in this process first: counted in steady state, as the server's warm processes run
                (a process caches a published version's steps and the calendar), as tests/cases/test_budgets.py."""
                r = api.post(
                    "/api/v1/cases/",
                    body,
                    content_type="application/json",
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
                n = r.json()["case_number"]
                api.post(f"/api/v1/cases/{n}/accept", {}, content_type="application/json")
                for _ in range(3):
                    api.post(
                        f"/api/v1/cases/{n}/complete",
                        {"decision": "pass", "opinion": "同意"},
                        content_type="application/json",
                    )

            in_process_path()
            counts = []
            with CaptureQueriesContext(conn) as q:
                Client(HTTP_HOST="127.0.0.1").post("/bench/write-one/", b"x", content_type="application/octet-stream")
            counts.append(("bare endpoint", statements(q.captured_queries)))
            with CaptureQueriesContext(conn) as q:
                r = api.post(
                    "/api/v1/cases/",
                    body,
                    content_type="application/json",
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
            assert r.status_code == 201, r.content[:300]
            number = r.json()["case_number"]
            counts.append(("submit", statements(q.captured_queries)))
            with CaptureQueriesContext(conn) as q:
                assert (
                    api.post(f"/api/v1/cases/{number}/accept", {}, content_type="application/json").status_code == 200
                )
            counts.append(("accept", statements(q.captured_queries)))
            for n in (1, 2, 3):
                with CaptureQueriesContext(conn) as q:
                    r = api.post(
                        f"/api/v1/cases/{number}/complete",
                        {"decision": "pass", "opinion": "同意"},
                        content_type="application/json",
                    )
                assert r.status_code == 200, r.content[:300]
                counts.append((f"complete {n}" + (" (concludes)" if n == 3 else ""), statements(q.captured_queries)))
            print(
                "statements per request: "
                + ", ".join(f"{k} {v}" for k, v in counts)
                + "  (budget: submit ≤ 12, others ≤ 10)"
            )
        except Exception:  # a later section failing must not lose the figures printed above
            traceback.print_exc()
            print("(statement counts: failed, see above)")

        try:
            # Lists, through the real server with signed-in sessions.
            from django.test import Client

            def session_for(user) -> requests.Session:
                """A real signed-in session (Django's login(), as the sign-in page does), its cookie given to requests."""
                c = Client()
                c.force_login(user)
                s = requests.Session()
                s.cookies.set("sessionid", c.cookies["sessionid"].value, domain="127.0.0.1")
                return s

            lists = {
                "reviewer's to-do list  GET /api/v1/cases/queue?role=reviewer&limit=20": (
                    world["reviewer"],
                    "/api/v1/cases/queue?role=reviewer&limit=20",
                ),
                "applicant's own cases  GET /api/v1/cases/?mine=true&limit=20": (
                    world["me"],
                    "/api/v1/cases/?mine=true&limit=20",
                ),
                "applicant's open cases GET /api/v1/cases/?mine=true&state=in_progress": (
                    world["me"],
                    "/api/v1/cases/?mine=true&state=in_progress&limit=20",
                ),
            }
            print()
            for label, (user, path) in lists.items():
                s = session_for(user)
                lat: list[float] = []
                for _ in range(args.list_requests):
                    timed(s, lat, "GET", base + path, (200,))
                c = Client()
                c.force_login(user)
                with CaptureQueriesContext(conn) as q:
                    rows = len(c.get(path, HTTP_HOST="127.0.0.1").json())
                print(
                    f"{label:72s} p50 {pct(lat, 50) * 1000:6.1f} ms  p95 {pct(lat, 95) * 1000:6.1f} ms  "
                    f"{len(q.captured_queries)} queries, {rows} rows"
                )
        except Exception:  # a later section failing must not lose the figures printed above
            traceback.print_exc()
            print("(lists: failed, see above)")
        print(
            f"\noutbox right after the load: {waiting} events not yet handed over, {retries} retries waiting, "
            f"{dead} dead letters"
        )
        if args.task_workers:
            while outbox_state()[0] and time.perf_counter() - loaded_at < 300:
                time.sleep(0.5)
            waiting, retries, dead = outbox_state()
            print(
                f"outbox handed over {time.perf_counter() - loaded_at:.1f} s after the load ended: {waiting} waiting, "
                f"{retries} retries waiting, {dead} dead letters"
            )
        print(f"load average at the end: {load_average()}")
    finally:
        for p in (proc, *task_workers):
            p.terminate()
        for p in (proc, *task_workers):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
