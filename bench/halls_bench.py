"""Halls benchmark: appointments and queue calling through the real server (gunicorn, several worker processes).

Run on a throwaway PostgreSQL server (the figures that count):

    bin/run-with-postgres .venv/bin/python bench/halls_bench.py

or on SQLite (a temporary file; one writer at a time, for comparison): `.venv/bin/python bench/halls_bench.py`.

Phases, each printed with its figures (phase 0 first measures the machine: GET /healthz, no database, from 22
threads — on a shared machine that ceiling moves with the load, printed too — and phase 0b what one request of
each kind costs when nothing else of ours runs):
1. bookings: --bookers people (default 200), each with a signed-in session, POST /api/v1/halls/appointments at the
   same moment, spread over 10 slots of a line with 2 windows (4 places per slot, 40 in all). Expected: exactly
   the capacity booked, every other answer a 400 whose only problem is "full", and the database agreeing.
2. a working hall: 20 windows, each with its own clerk's session, call next, serve 1–3 s, finish and pause 0–2 s
   (POST /api/v1/halls/windows/<id>/call-next, /finish), while 2 kiosks take a number every 0.5–1.5 s through the
   kiosk page (POST /halls/kiosk/<key>/, the form a kiosk sends) and a calling screen polls
   GET /halls/<id>/display/state/ every 400 ms as its script does (If-None-Match, 304 when nothing changed), for
   --seconds (default 40). Latency percentiles of issuing, calling and finishing; for every call, the time from
   the call-next answer to the screen showing it; then the log: no ticket called twice, no number issued twice.
3. saturation: the same windows and kiosks with no pauses for --stress-seconds: throughput, and the log checked
   again (no ticket called twice, no number issued twice).
A queue of --queue waiting numbers (default 3000) is there from the start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from machine_info import cpu_model

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # tests.factories and tests.halls.world build the hall

DISPLAY_POLL = 0.4  # seconds, as data-live-interval on the calling screen


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def ms(values: list[float]) -> str:
    return (
        f"n {len(values):6d}   p50 {pct(values, 50) * 1000:6.1f} ms   p95 {pct(values, 95) * 1000:6.1f} ms   "
        f"p99 {pct(values, 99) * 1000:6.1f} ms   max {max(values or [float('nan')]) * 1000:7.1f} ms"
    )


def setup_env(database_url: str | None) -> str:
    if not database_url:
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-halls-bench-"))
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "halls_bench_settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    return database_url


def prepare(bookers: int, queue: int) -> dict:
    """Schema; the hall (tests.halls.world) with 20 windows on line A and a line B of 2 windows for bookings;
    20 clerks, `bookers` people, `queue` waiting numbers on line A."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import make_item
    from tests.halls.world import build
    from yiwang.halls import queries, services
    from yiwang.halls.models import Ticket, TicketCounter, TicketSource
    from yiwang.identity import services as ids
    from yiwang.orgs.models import Membership, Role, Window, WindowKind

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    w = build(windows=20)
    line_b = services.add_line(w["hall"], code="B", name="不动产", service_minutes=15)
    item_b = make_item(w["dept"], name="不动产登记")
    for i in range(2):
        window = Window.objects.create(
            hall=w["hall"], number=f"B{i + 1:02d}", name="不动产窗口", kind=WindowKind.DEDICATED
        )
        services.set_window_lines(window, [line_b])
        services.set_window_items(window, [item_b])
    User = get_user_model()
    clerks = []
    for i in range(20):
        user = User.objects.create(username=f"bench-clerk-{i}", is_staff=True)
        Membership.objects.create(user=user, organisation=w["centre"], role=Role.WINDOW_CLERK)
        clerks.append(user)
    people = []
    for i in range(bookers):
        p = ids.register_person(name=f"预约人{i}", doc_type="resident_id", doc_number=make_id(i), phone="")
        user = User.objects.create(username=f"bench-person-{i}")
        type(p).objects.filter(pk=p.pk).update(user=user)
        people.append(user)
    now = timezone.now()
    slots = [s for d in queries.availability(line_b) for s in d.slots if s.starts_at > now + dt.timedelta(hours=3)]
    # The waiting queue in bulk (as numbers A0001…, the line's counter set past them), one second apart.
    today, start = timezone.localdate(), now - dt.timedelta(seconds=queue)
    Ticket.objects.bulk_create(
        [
            Ticket(
                hall=w["hall"],
                line=w["line"],
                first_line=w["line"],
                day=today,
                serial=i,
                number=services.format_number(w["line"], i),
                source=TicketSource.KIOSK,
                taken_at=start + dt.timedelta(seconds=i),
                queued_at=start + dt.timedelta(seconds=i),
            )
            for i in range(1, queue + 1)
        ],
        batch_size=2000,
    )
    TicketCounter.objects.update_or_create(line=w["line"], day=today, defaults={"value": queue})
    return {
        "world": w,
        "line_b": line_b,
        "item_b": item_b.item_code,
        "slots": [s.starts_at for s in slots[:10]],
        "capacity": slots[0].capacity,
        "clerks": clerks,
        "people": people,
        "seconds": time.perf_counter() - t0,
    }


def make_id(i: int) -> str:
    from yiwang.core.codes import citizen_check_char

    born = dt.date(1960, 1, 1) + dt.timedelta(days=i // 1000)
    first17 = f"340302{born:%Y%m%d}{i % 1000:03d}"
    return first17 + citizen_check_char(first17)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    import requests

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
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def session_for(user):
    """A real signed-in session (Django's login()), with a CSRF cookie and header for the API's writes."""
    import requests
    from django.test import Client

    c = Client()
    c.force_login(user)
    s = requests.Session()
    token = secrets.token_hex(16)
    s.cookies.set("sessionid", c.cookies["sessionid"].value, domain="127.0.0.1")
    s.cookies.set("csrftoken", token, domain="127.0.0.1")
    s.headers.update({"X-CSRFToken": token, "Referer": "http://127.0.0.1/"})
    return s


def run_threads(targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def ceiling(base: str, clients: int, seconds: float = 5.0) -> None:
    """What the machine gives right now: GET /healthz (no database) from as many client threads as phase 2 uses."""
    import requests

    stop = time.perf_counter() + seconds
    lat: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        s, mine = requests.Session(), []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            s.get(f"{base}/healthz", timeout=30)
            mine.append(time.perf_counter() - t)
        with lock:
            lat.extend(mine)

    run_threads([run] * clients)
    print(f"\n0. ceiling: GET /healthz from {clients} threads for {seconds:.0f} s ({len(lat) / seconds:.0f} req/s)")
    print(f"   latency        {ms(lat)}")


def alone(base: str, data: dict, rounds: int = 40) -> None:
    """One window and one kiosk, one request at a time: what a request costs on this machine without queueing."""
    import requests

    w = data["world"]
    s = session_for(data["clerks"][19])
    wid = w["windows"][19].pk
    s.post(f"{base}/api/v1/halls/windows/{wid}/open", json={}, timeout=30)
    k = requests.Session()
    key = w["profile"].kiosk_key
    token = kiosk_form(k, base, key)
    call, finish, issue, screen = [], [], [], []
    for _ in range(rounds):
        t = time.perf_counter()
        k.post(
            f"{base}/halls/kiosk/{key}/",
            data={"csrfmiddlewaretoken": token, "line": w["line"].pk, "ref": secrets.token_hex(8)},
            headers={"Referer": f"{base}/halls/kiosk/{key}/"},
            timeout=30,
        )
        issue.append(time.perf_counter() - t)
        t = time.perf_counter()
        s.post(f"{base}/api/v1/halls/windows/{wid}/call-next", json={}, timeout=30)
        call.append(time.perf_counter() - t)
        t = time.perf_counter()
        s.post(f"{base}/api/v1/halls/windows/{wid}/finish", json={}, timeout=30)
        finish.append(time.perf_counter() - t)
        t = time.perf_counter()
        k.get(f"{base}/halls/{w['hall'].pk}/display/state/", timeout=30)
        screen.append(time.perf_counter() - t)
    s.post(f"{base}/api/v1/halls/windows/{wid}/close", json={}, timeout=30)
    print(f"\n0b. one request at a time ({rounds} rounds: a kiosk number, call-next, finish, the screen's state)")
    print(f"   issue (kiosk page POST)          {ms(issue)}")
    print(f"   call-next                        {ms(call)}")
    print(f"   finish                           {ms(finish)}")
    print(f"   screen state                     {ms(screen)}")


def phase_bookings(base: str, data: dict) -> bool:
    from yiwang.halls.models import Appointment, Seat

    sessions = [session_for(u) for u in data["people"]]
    n = len(sessions)
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def book(i: int) -> None:
        body = {"line_id": data["line_b"].pk, "starts_at": data["slots"][i % 10].isoformat(), "items": [data["item_b"]]}
        barrier.wait()
        t = time.perf_counter()
        r = sessions[i].post(f"{base}/api/v1/halls/appointments", json=body, timeout=120)
        out[i] = (r.status_code, r.json(), time.perf_counter() - t)

    run_threads([lambda i=i: book(i) for i in range(n)])
    booked = [o for o in out if o[0] == 201]
    full = [o for o in out if o[0] == 400 and [d["code"] for d in o[1]["detail"]] == ["full"]]
    other = [o for o in out if o not in booked and o not in full]
    places = data["capacity"] * 10
    in_db = Appointment.objects.count()
    seats = Seat.objects.filter(appointment__isnull=False).count()
    print(f"\n1. bookings: {n} people at once on 10 slots of {data['capacity']} places ({places} in all)")
    print(f"   booked {len(booked)}, refused as full {len(full)}, other answers {len(other)}")
    print(f"   in the database: {in_db} appointments, {seats} seats taken")
    print(f"   latency        {ms([o[2] for o in out])}")
    ok = len(booked) == places == in_db == seats and not other
    print(f"   {'OK' if ok else 'FAILED'}: exactly the capacity booked, only “full” refusals")
    if other:
        print("   unexpected:", other[:3])
    return ok


def kiosk_form(s, base: str, key: str) -> str:
    page = s.get(f"{base}/halls/kiosk/{key}/", timeout=30).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _check_log(before_calls: int) -> tuple[int, int, int]:
    """(calls logged since, tickets called more than once, numbers issued more than once) from the database."""
    from yiwang.halls.models import HallEvent, Ticket

    calls = Counter(HallEvent.objects.filter(action="call").values_list("ticket_id", flat=True))
    numbers = Counter(Ticket.objects.values_list("day", "number"))
    return (
        sum(calls.values()) - before_calls,
        sum(1 for v in calls.values() if v > 1),
        sum(1 for v in numbers.values() if v > 1),
    )


def phase_working_hall(base: str, data: dict, seconds: float) -> bool:
    """20 windows and 2 kiosks working at a hall's pace, a calling screen polling: the latencies people feel."""
    import requests

    from yiwang.halls.models import HallEvent

    w = data["world"]
    key = w["profile"].kiosk_key
    stop = time.perf_counter() + seconds
    issue: list[float] = []
    call: list[float] = []
    finish: list[float] = []
    errors: list[str] = []
    answered: dict[tuple[str, str], float] = {}
    seen: dict[tuple[str, str], float] = {}
    lock = threading.Lock()

    def kiosk(i: int) -> None:
        rng = random.Random(100 + i)
        s = requests.Session()
        token = kiosk_form(s, base, key)
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            r = s.post(
                f"{base}/halls/kiosk/{key}/",
                data={"csrfmiddlewaretoken": token, "line": w["line"].pk, "ref": secrets.token_hex(8)},
                headers={"Referer": f"{base}/halls/kiosk/{key}/"},
                timeout=30,
            )
            mine.append(time.perf_counter() - t)
            if r.status_code != 200:
                with lock:
                    errors.append(f"kiosk {r.status_code}")
            time.sleep(rng.uniform(0.5, 1.5))
        with lock:
            issue.extend(mine)

    def screen() -> None:
        s = requests.Session()
        etag = None
        while time.perf_counter() < stop + 3:
            headers = {"If-None-Match": etag} if etag else {}
            r = s.get(f"{base}/halls/{w['hall'].pk}/display/state/", headers=headers, timeout=30)
            now = time.perf_counter()
            if r.status_code == 200:
                etag = r.headers.get("ETag")
                with lock:
                    for c in r.json()["calls"]:
                        seen.setdefault((c["number"], c["window"]), now)
            time.sleep(DISPLAY_POLL)

    def window(i: int) -> None:
        rng = random.Random(i)
        s = session_for(data["clerks"][i])
        wid, number = w["windows"][i].pk, w["windows"][i].number
        r = s.post(f"{base}/api/v1/halls/windows/{wid}/open", json={}, timeout=30)
        if r.status_code != 200:
            with lock:
                errors.append(f"open {r.status_code} {r.text[:200]}")
            return
        mine_call, mine_finish = [], []
        time.sleep(rng.uniform(0, 2))
        while time.perf_counter() < stop:
            t = time.perf_counter()
            r = s.post(f"{base}/api/v1/halls/windows/{wid}/call-next", json={}, timeout=30)
            done = time.perf_counter()
            called = r.json().get("called") if r.status_code == 200 else None
            if r.status_code != 200:
                with lock:
                    errors.append(f"call {r.status_code} {r.text[:200]}")
            if called:
                mine_call.append(done - t)
                with lock:
                    answered[(called["number"], number)] = done
                time.sleep(rng.uniform(1, 3))  # the person walks up and is served
                t = time.perf_counter()
                r = s.post(f"{base}/api/v1/halls/windows/{wid}/finish", json={}, timeout=30)
                mine_finish.append(time.perf_counter() - t)
            time.sleep(rng.uniform(0, 2))
        with lock:
            call.extend(mine_call)
            finish.extend(mine_finish)

    before = HallEvent.objects.filter(action="call").count()
    run_threads([screen, lambda: kiosk(0), lambda: kiosk(1)] + [lambda i=i: window(i) for i in range(20)])
    logged, twice, repeated = _check_log(before)
    lags = [max(0.0, seen[k] - t) for k, t in answered.items() if k in seen]
    missed = [k for k in answered if k not in seen]
    print(
        f"\n2. a working hall: 20 windows (call, serve 1–3 s, finish, pause 0–2 s) and 2 kiosks (a number every "
        f"0.5–1.5 s) for {seconds:.0f} s, a calling screen polling every {DISPLAY_POLL * 1000:.0f} ms"
    )
    print(f"   issue (kiosk page POST)          {ms(issue)}")
    print(f"   call-next                        {ms(call)}")
    print(f"   finish                           {ms(finish)}")
    print(f"   call answered → on the screen    {ms(lags)}   never seen {len(missed)}")
    print(
        f"   calls logged {logged}, tickets called twice: {twice}, numbers issued twice: {repeated}, "
        f"errors: {len(errors)} {errors[:3]}"
    )
    p95 = max(pct(issue, 95), pct(call, 95))
    ok = twice == 0 and repeated == 0 and not errors and not missed and max(lags or [9]) <= 1.0
    print(
        f"   {'OK' if ok else 'FAILED'}: no ticket called twice, no number issued twice, every call on the screen; "
        f"issue/call p95 {p95 * 1000:.1f} ms ({'within' if p95 <= 0.05 else 'over'} 50 ms), "
        f"screen max {max(lags or [float('nan')]) * 1000:.0f} ms ({'within' if max(lags or [9]) <= 1 else 'over'} 1 s)"
    )
    return ok


def phase_saturation(base: str, data: dict, seconds: float) -> bool:
    """The same 20 windows and 2 kiosks with no pauses at all: throughput, and still no duplicates."""
    import requests

    from yiwang.halls.models import HallEvent

    w = data["world"]
    key = w["profile"].kiosk_key
    stop = time.perf_counter() + seconds
    issue: list[float] = []
    call: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def kiosk() -> None:
        s = requests.Session()
        token = kiosk_form(s, base, key)
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            r = s.post(
                f"{base}/halls/kiosk/{key}/",
                data={"csrfmiddlewaretoken": token, "line": w["line"].pk, "ref": secrets.token_hex(8)},
                headers={"Referer": f"{base}/halls/kiosk/{key}/"},
                timeout=60,
            )
            mine.append(time.perf_counter() - t)
            if r.status_code != 200:
                with lock:
                    errors.append(f"kiosk {r.status_code}")
        with lock:
            issue.extend(mine)

    def window(i: int) -> None:
        s = session_for(data["clerks"][i])
        wid = w["windows"][i].pk
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            r = s.post(f"{base}/api/v1/halls/windows/{wid}/call-next", json={}, timeout=60)
            mine.append(time.perf_counter() - t)
            if r.status_code != 200:
                with lock:
                    errors.append(f"call {r.status_code} {r.text[:200]}")
                continue
            if r.json()["called"]:
                s.post(f"{base}/api/v1/halls/windows/{wid}/finish", json={}, timeout=60)
        with lock:
            call.extend(mine)

    before = HallEvent.objects.filter(action="call").count()
    run_threads([kiosk, kiosk] + [lambda i=i: window(i) for i in range(20)])
    logged, twice, repeated = _check_log(before)
    print(
        f"\n3. saturation: the 20 windows and 2 kiosks without pauses for {seconds:.0f} s "
        f"({len(issue) / seconds:.1f} numbers/s issued, {logged / seconds:.1f} calls/s)"
    )
    print(f"   issue (kiosk page POST)          {ms(issue)}")
    print(f"   call-next                        {ms(call)}")
    print(
        f"   calls logged {logged}, tickets called twice: {twice}, numbers issued twice: {repeated}, "
        f"errors: {len(errors)} {errors[:3]}"
    )
    ok = twice == 0 and repeated == 0 and not errors
    print(f"   {'OK' if ok else 'FAILED'}: no ticket called twice, no number issued twice under saturation")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bookers", type=int, default=200)
    ap.add_argument("--queue", type=int, default=3000, help="numbers waiting when phase 2 starts")
    ap.add_argument("--seconds", type=float, default=40.0, help="duration of phase 2 (a working hall)")
    ap.add_argument("--stress-seconds", type=float, default=15.0, help="duration of phase 3 (saturation)")
    ap.add_argument("--workers", type=int, default=0, help="server worker processes (default 2 × cores + 1)")
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = ap.parse_args()
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    url = setup_env(args.database_url)
    from django.db import connection

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}")
    print(f"database: {connection.vendor} ({url.split('@')[-1] if '@' in url else url}); server: {workers} workers")
    data = prepare(args.bookers, args.queue)
    print(f"prepared in {data['seconds']:.1f} s: {args.bookers} people, 20 clerks, {args.queue} numbers waiting")
    connection.close()
    proc, base = start_server(workers)
    try:
        ceiling(base, 22)
        alone(base, data)
        results = [
            phase_bookings(base, data),
            phase_working_hall(base, data, args.seconds),
            phase_saturation(base, data, args.stress_seconds),
        ]
    finally:
        proc.terminate()
        proc.wait(30)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load}")
    print("all checks passed" if all(results) else "SOME CHECKS FAILED")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
