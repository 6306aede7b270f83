"""Fault test: the full path under load while processes die, and what every party received afterwards.

Run (starts its own throwaway PostgreSQL server, which it restarts as one of the faults):

    .venv/bin/python bench/faults/run.py                  # all three faults, 40 s of load each
    .venv/bin/python bench/faults/run.py --faults web --seconds 60

What it does:
1. starts PostgreSQL (bin/pg-throwaway), migrates, creates an organisation with a published item, applicants with
   accounts and phones, and a department system whose webhook subscription points at a receiver on loopback
   (bench/faults/receiver.py), which also plays the SMS gateway (SMS_PROVIDER=http);
2. starts `yiwang serve` (3 web workers) and `yiwang worker --processes 2`, each in its own process group;
3. for each fault, --clients threads run submit → accept → complete × 3 through the API with the system's token for
   --seconds, retrying a request that got no answer (a closed connection, a timeout) or a 503, submissions under
   their Idempotency-Key; meanwhile the fault is injected:
   - web: kill -9 of a random web worker every few seconds (gunicorn starts a new one);
   - worker: kill -9 of a random task worker while webhook deliveries are in flight (the receiver answers slowly;
     `yiwang worker` starts a new one);
   - postgres: `pg_ctl restart -m immediate` (every connection dropped, in-flight transactions lost);
4. waits until the outbox, the webhook deliveries and the task queue are empty, then counts: cases lost or
   duplicated, events that did not reach the webhook receiver (and repeats, allowed: at least once), SMS missing
   or sent twice, messages, requests by answer (and hangs), retried submissions and their query codes, tasks left
   RUNNING and tasks put back in the queue after their worker died.
It prints the machine and each fault's counts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
ROOT = BENCH.parent
for p in (str(ROOT / "src"), str(BENCH), str(HERE), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

from machine_info import cpu_model  # noqa: E402
from receiver import Counts, serve  # noqa: E402

SMS_ACTIONS = {"request_correction", "accept", "not_accept", "approve", "refuse", "void", "deliver"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- PostgreSQL ----------------------------------------------------------------------------------------------------


def as_owner(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


def pg_bin() -> Path:
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


def start_pg(tmp: Path) -> tuple[str, Path]:
    data = tmp / "pg"
    port = free_port()
    # Durable, unlike the other benchmarks' throwaway servers: an immediate restart must not lose committed work.
    env = {**os.environ, "PG_EXTRA_OPTIONS": "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"}
    out = subprocess.run(
        [str(ROOT / "bin" / "pg-throwaway"), "start", str(data), str(port)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return out.stdout.strip().splitlines()[0], data


def stop_pg(data: Path) -> None:
    subprocess.run([str(ROOT / "bin" / "pg-throwaway"), "stop", str(data)], check=False)


def restart_pg(data: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        as_owner(
            str(pg_bin() / "pg_ctl"),
            "-D",
            str(data),
            "-m",
            "immediate",
            "-w",
            "-l",
            str(data / "server.log"),
            "restart",
        ),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


# --- the world -----------------------------------------------------------------------------------------------------


def setup_env(url: str, receiver_port: int) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench_settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "faults-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        WEBHOOKS_ALLOW_HTTP="1",
        WEBHOOKS_ALLOWED_NETWORKS="127.0.0.0/8",  # receivers on loopback, where SSRF checks forbid them by default
        SMS_PROVIDER="http",
        SMS_PROVIDER_OPTIONS=json.dumps({"url": f"http://127.0.0.1:{receiver_port}/sms", "timeout": 5}),
        TASK_LEASE_SECONDS="10",
        OUTBOX_POLL_SECONDS="0.2",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT / "src"), str(ROOT)]),
    )
    import django

    django.setup()


def prepare(receiver_port: int, applicants: int) -> dict:
    from django.core.management import call_command

    from tests.factories import OrganisationFactory, make_item
    from yiwang.exchange import webhooks
    from yiwang.exchange.models import Subscription
    from yiwang.identity import services as ids
    from yiwang.identity.clients import create_client

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    item = make_item(org)
    client, secret = create_client(
        "故障测试部门系统", "department", org, ["cases:read", "cases:write"], rate_limit=100_000
    )
    Subscription.objects.create(
        client=client, url=f"http://127.0.0.1:{receiver_port}/hook", secret=webhooks.new_secret(), actions=[]
    )
    people = []
    from cases_bench import make_id

    for i in range(applicants):
        number = make_id(i)
        p = ids.register_person(name=f"申请人{i}", doc_type="resident_id", doc_number=number, phone=f"139{i:08d}")
        ids.create_account(p, "faults-password-123")
        people.append({"name": p.name, "doc_type": "resident_id", "doc_number": number})
    return {"item_code": item.item_code, "client_id": client.application.client_id, "secret": secret, "people": people}


# --- processes -----------------------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def start(args: list[str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "yiwang", *args], stdout=out, stderr=out, env=dict(os.environ), process_group=0
        )


def wait_http(url: str, seconds: float = 90) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


# --- clients -------------------------------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: Counter[str] = Counter()
        self.submitted: dict[str, dict] = {}  # key → {"number", "code", "status", "attempts"}
        self.gave_up = 0

    def note(self, outcome: str) -> None:
        with self.lock:
            self.answers[outcome] += 1


class Retry(Exception):
    pass


def call(session, stats: Stats, method: str, url: str, *, ok: tuple[int, ...], give_up_after: float = 180, **kw):
    """Sends until an answer in `ok` or a final 4xx; a closed connection, a timeout or a 503 is sent again."""
    import requests

    deadline = time.monotonic() + give_up_after
    attempts = 0
    while True:
        attempts += 1
        try:
            r = session.request(method, url, timeout=30, **kw)
        except requests.Timeout:
            stats.note("hang (no answer in 30 s)")
            r = None
        except requests.ConnectionError:
            stats.note("connection closed (worker killed)")
            r = None
        if r is not None:
            stats.note(f"{r.status_code}")
            if r.status_code in ok or (400 <= r.status_code < 500 and r.status_code != 429):
                return r, attempts
            if r.status_code == 503:
                assert r.headers.get("Retry-After"), "a 503 must say when to come back"
        if time.monotonic() > deadline:
            with stats.lock:
                stats.gave_up += 1
            raise Retry(url)
        time.sleep(0.2 + random.random() * 0.5)


def path(session, stats: Stats, base: str, world: dict, auth: dict) -> None:
    who = random.choice(world["people"])
    key = uuid.uuid4().hex
    body = {"item_code": world["item_code"], "applicant": who, "form_data": {"contact_phone": "13900000000"}}
    r, attempts = call(
        session,
        stats,
        "POST",
        f"{base}/api/v1/cases/",
        ok=(200, 201),
        json=body,
        headers={**auth, "Idempotency-Key": key},
    )
    if r.status_code not in (200, 201):
        return
    data = r.json()
    with stats.lock:
        stats.submitted[key] = {
            "number": data["case_number"],
            "code": data.get("query_code"),
            "status": r.status_code,
            "attempts": attempts,
        }
    number, case = data["case_number"], data
    for _ in range(10):  # accept, then each step, each sent with what it acts on (never done twice)
        if case["state"] == "submitted":
            action, payload = "accept", {"expected_revision": case["revision"]}
        elif case["state"] == "in_progress":
            step = next(s for s in case["steps"] if s["state"] in ("active", "claimed"))
            action, payload = "complete", {"decision": "pass", "opinion": "同意", "step_id": step["id"]}
        else:
            return
        r, attempts = call(
            session, stats, "POST", f"{base}/api/v1/cases/{number}/{action}", ok=(200,), json=payload, headers=auth
        )
        if r.status_code == 200:
            case = r.json()
            continue
        if attempts == 1:
            return  # a real refusal on the first try: leave this case
        # A retry refused as stale: the first try was done and its answer lost. Read where the case is.
        r = call(session, stats, "GET", f"{base}/api/v1/cases/{number}", ok=(200,), headers=auth)[0]
        if r.status_code != 200:
            with stats.lock:
                stats.answers[f"unexpected {r.status_code} reading case {number}"] += 1
            return
        case = r.json()


# --- one fault -----------------------------------------------------------------------------------------------------


def db_retry(fn, seconds: float = 120):
    from django.db import InterfaceError, OperationalError, connections

    deadline = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except (OperationalError, InterfaceError):
            connections.close_all()
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def quiet(seconds: float = 300) -> dict:
    """Waits until nothing waits: outbox, webhook deliveries, queued or running tasks."""
    from django_tasks_db.models import DBTaskResult

    from yiwang.core.models import OutboxEvent, OutboxRetry
    from yiwang.exchange.models import Delivery

    deadline = time.monotonic() + seconds
    while True:
        state = db_retry(
            lambda: {
                "outbox": OutboxEvent.objects.filter(done_at__isnull=True).count(),
                "retries": OutboxRetry.objects.count(),
                "deliveries": Delivery.objects.filter(status="pending").count(),
                "tasks": DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count(),
            }
        )
        if not any(state.values()) or time.monotonic() > deadline:
            return state
        time.sleep(1)


def busy_worker(pids: set[int]) -> tuple[int, str]:
    """A task worker process (one of `pids`) in the middle of a task, and the task: from the RUNNING tasks and the
    workers' heartbeats (which record each worker's process id)."""
    from django_tasks_db.models import DBTaskResult

    from yiwang.core.models import WorkerBeat

    def look() -> tuple[int, str]:
        beats = dict(WorkerBeat.objects.values_list("worker_id", "pid"))
        for worker_ids, path in DBTaskResult.objects.filter(status="RUNNING").values_list("worker_ids", "task_path"):
            pid = beats.get(worker_ids[-1] if worker_ids else "")
            if pid in pids:
                return pid, path.rsplit(".", 1)[-1]
        return 0, ""

    return db_retry(look)


def run_fault(name: str, args, base: str, world: dict, counts: Counts, procs: dict, data: Path, logs: Path) -> dict:
    import requests
    from django.db.models import Max

    from yiwang.cases.models import Case, CaseEvent

    start_case = db_retry(lambda: Case.objects.aggregate(m=Max("id"))["m"] or 0)
    stats = Stats()
    stop = time.monotonic() + args.seconds
    token = requests.post(
        f"{base}/oauth/token/",
        data={"grant_type": "client_credentials", "scope": "cases:read cases:write"},
        auth=(world["client_id"], world["secret"]),
        timeout=30,
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    injected: list[str] = []
    counts.delay = 1.0 if name == "worker" else 0.0  # deliveries in flight, to kill a worker in the middle of one
    load_before = load()

    def client() -> None:
        s = requests.Session()
        while time.monotonic() < stop:
            with contextlib.suppress(Retry):
                path(s, stats, base, world, auth)

    def inject() -> None:
        time.sleep(3)
        while time.monotonic() < stop - 3:
            if name == "web":
                victims = children(procs["web"].pid)
                if victims:
                    pid = random.choice(victims)
                    os.kill(pid, signal.SIGKILL)
                    injected.append(f"kill -9 web worker {pid}")
                time.sleep(8)  # a new web worker needs a few seconds to start on this machine
            elif name == "worker":
                pid, task = busy_worker(set(children(procs["worker"].pid)))
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    injected.append(f"kill -9 task worker {pid} running {task}")
                    time.sleep(12)  # longer than the supervisor's quick-failure window
                else:
                    time.sleep(0.2)
            elif name == "postgres":
                took = restart_pg(data)
                injected.append(f"pg_ctl restart -m immediate ({took:.1f} s)")
                time.sleep(max(10, args.seconds / 2))

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    fault = threading.Thread(target=inject)
    t0 = time.monotonic()
    for th in [*threads, fault]:
        th.start()
    for th in [*threads, fault]:
        th.join()
    load_run = load()
    left = quiet()
    settle = time.monotonic() - t0 - args.seconds
    counts.delay = 0.0

    from yiwang.cases import services
    from yiwang.cases.models import Message

    cases = list(db_retry(lambda: list(Case.objects.filter(pk__gt=start_case).select_related("person"))))
    by_key = Counter(c.idempotency_key for c in cases)
    ok_keys = set(stats.submitted)
    lost = ok_keys - set(by_key)
    numbers = {c.case_number for c in cases}
    assert all(stats.submitted[k]["number"] in numbers for k in ok_keys - lost)
    events = db_retry(
        lambda: list(CaseEvent.objects.filter(case_id__gt=start_case).values_list("id", "action", "case_id"))
    )
    got, sms = counts.snapshot()
    event_ids = {e[0] for e in events}
    missing = sorted(event_ids - set(got))
    repeats = sum(n - 1 for i, n in got.items() if i in event_ids and n > 1)
    sms_events = [e for e in events if e[1] in SMS_ACTIONS]
    mine = {k: n for k, n in sms.items() if any(num in k for num in numbers)}
    notified = db_retry(lambda: Message.objects.filter(case_id__gt=start_case).count())
    from yiwang.cases.notify import NOTIFIED

    retried = [v for v in stats.submitted.values() if v["status"] == 200]
    codes_ok = sum(
        1
        for v in retried
        if v["code"] and services.check_query_code(next(c for c in cases if c.case_number == v["number"]), v["code"])
    )
    reaped = len(re.findall(r"back in the queue", (logs / "worker.log").read_text()))
    from django_tasks_db.models import DBTaskResult

    running = db_retry(lambda: DBTaskResult.objects.filter(status="RUNNING").count())
    failed = db_retry(lambda: DBTaskResult.objects.filter(status="FAILED").count())
    return {
        "fault": name,
        "injected": injected,
        "load": (load_before, load_run),
        "settle_s": settle,
        "left": left,
        "requests": dict(stats.answers),
        "gave_up": stats.gave_up,
        "submitted_ok": len(ok_keys),
        "cases": len(cases),
        "lost": len(lost),
        "duplicated": sum(n - 1 for k, n in by_key.items() if k and n > 1),
        "orphans": len([c for c in cases if c.idempotency_key not in ok_keys]),
        "events": len(event_ids),
        "webhook_missing": len(missing),
        "webhook_repeats": repeats,
        "sms_expected": len(sms_events),
        "sms_received": len(mine),
        "sms_twice": sum(n - 1 for n in mine.values() if n > 1),
        "messages": notified,
        "messages_expected": sum(1 for e in events if e[1] in NOTIFIED),
        "retried_submissions": len(retried),
        "retried_with_code": codes_ok,
        "tasks_running_after": running,
        "tasks_failed_total": failed,
        "tasks_back_in_queue_total": reaped,
    }


def report(r: dict) -> None:
    print(
        f"\n== fault: {r['fault']}  ({'; '.join(r['injected'][:3])}{' …' if len(r['injected']) > 3 else ''}, {len(r['injected'])} in all)"
    )
    print(
        f"   load average before/during: {r['load'][0]} / {r['load'][1]}; settled {r['settle_s']:.0f} s after the load; left {r['left']}"
    )
    print(f"   requests: {r['requests']}; gave up: {r['gave_up']}")
    print(
        f"   cases: {r['submitted_ok']} submissions answered, {r['cases']} cases; lost {r['lost']}, duplicated {r['duplicated']}, created but unanswered {r['orphans']}"
    )
    print(
        f"   retried submissions answered 200: {r['retried_submissions']}, with a working query code: {r['retried_with_code']}"
    )
    print(
        f"   events: {r['events']}; webhook receiver missing {r['webhook_missing']}, repeats {r['webhook_repeats']} (at least once)"
    )
    print(
        f"   SMS: expected {r['sms_expected']}, received {r['sms_received']}, twice {r['sms_twice']}; messages {r['messages']} of {r['messages_expected']}"
    )
    print(
        f"   tasks RUNNING afterwards: {r['tasks_running_after']}; put back after their worker died (so far): {r['tasks_back_in_queue_total']}; failed (so far): {r['tasks_failed_total']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faults", default="web,worker,postgres")
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--applicants", type=int, default=20)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="yiwang-faults-"))
    os.chmod(tmp, 0o755)
    logs = tmp / "logs"
    logs.mkdir()
    counts = Counts()
    _server, receiver_port = serve(counts)
    url, data = start_pg(tmp)
    procs: dict[str, subprocess.Popen] = {}
    try:
        setup_env(url, receiver_port)
        from django.db import connection

        print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load()}")
        world = prepare(receiver_port, args.applicants)
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            print(f"database: PostgreSQL {cur.fetchone()[0]} (throwaway, fsync off); logs in {logs}")
        connection.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        procs["web"] = start(
            [
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--access-log",
                "",
                "--skip-static-check",
                "--max-requests",
                "0",
            ],
            logs / "web.log",
        )
        procs["worker"] = start(["worker", "--processes", "2", "--interval", "0.2"], logs / "worker.log")
        wait_http(f"{base}/healthz")
        print(f"clients: {args.clients} threads, {args.seconds:.0f} s of load per fault; 3 web workers, 2 task workers")
        results = []
        for name in [f.strip() for f in args.faults.split(",") if f.strip()]:
            r = run_fault(name, args, base, world, counts, procs, data, logs)
            report(r)
            results.append(r)
        (tmp / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
        print(f"\nresults: {tmp / 'results.json'}")
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        from django.db import connections

        connections.close_all()
        stop_pg(data)


if __name__ == "__main__":
    main()
