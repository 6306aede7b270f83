"""Load test: several `yiwang serve` and `yiwang worker` processes on loopback, driven by locust in steps.

    # a prepared PostgreSQL database: the demo city, its accounts, generated cases (docs/scaling.md)
    DATABASE_URL=postgres://yiwang@127.0.0.1:55432/yiwang .venv/bin/python bench/load/run.py

    # or everything on a throwaway server: demo city, 100,000 generated cases, then the test
    bin/run-with-postgres .venv/bin/python bench/load/run.py --prepare 100000

It creates the load-test accounts (bench/load/prepare.py), starts --servers web servers (each with --web-workers
gunicorn processes, production settings: DEBUG off, PROXY_COUNT=1 so every simulated person has its own address)
and --task-workers task workers, then runs locust headless with the mix of bench/load/locustfile.py, stepping the
users up (--steps, --step-seconds each). It prints, per step, the throughput and p50/p95/p99 of every request
type, and the first step where the p95 of all requests crosses one second; the JSON report and locust's CSV files
stay in --out. Locust runs on the same machine and takes its share of the CPU: the figures are for the whole.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from machine_info import cpu_model  # noqa: E402

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "load-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        "PROXY_COUNT": "1",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT / "src")]),
    }


def yiwang(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "yiwang", *args], env=env(), check=True, **kw)


def prepare_database(cases: int, items: int) -> None:
    yiwang("migrate", "-v0")
    yiwang("createcachetable")
    out = subprocess.run(
        [PY, "-c", "import django; django.setup(); from yiwang.catalog.models import ServiceItem as S; "
         "from yiwang.cases.models import Case as C; print(S.objects.count(), C.objects.count())"],
        env=env(), check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    if out[0] == "0":
        yiwang("seed_demo", "--items", str(items))
    yiwang("load_holidays", "--all")
    yiwang("demo_accounts")
    if out[1] == "0":
        yiwang("generate_cases", "--cases", str(cases))


def wait_up(base: str, proc: subprocess.Popen) -> None:
    import urllib.request

    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server on {base} stopped")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on {base} did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prepare", type=int, default=0, help="load the demo city and generate N cases first")
    ap.add_argument("--items", type=int, default=15000, help="demo catalog size for --prepare")
    ap.add_argument("--servers", type=int, default=2, help="yiwang serve processes")
    ap.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per server")
    ap.add_argument("--task-workers", type=int, default=2, help="yiwang worker processes")
    ap.add_argument("--steps", default="10,20,40,60,80,120,160", help="simulated users per step")
    ap.add_argument("--step-seconds", type=float, default=60.0)
    ap.add_argument("--citizens", type=int, default=300)
    ap.add_argument("--out", default="", help="directory for the report and locust's CSV (default: a temp dir)")
    args = ap.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (see the docstring)")
    out = Path(args.out or tempfile.mkdtemp(prefix="yiwang-load-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.prepare:
        prepare_database(args.prepare, args.items)
    yiwang("collectstatic", "--noinput", "-v0")  # DEBUG is off: pages need the static manifest
    config = out / "accounts.json"
    subprocess.run(
        [PY, str(HERE / "prepare.py"), "--out", str(config), "--citizens", str(args.citizens)], env=env(), check=True
    )
    cfg = json.loads(config.read_text())
    feed_start = subprocess.run(
        [PY, "-c", "import django; django.setup(); from yiwang.cases.models import CaseEvent as E; "
         "print((E.objects.order_by('-id').values_list('id', flat=True).first() or 0) - 2000)"],
        env=env(), check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip

    procs: list[subprocess.Popen] = []
    hosts = []
    try:
        for _ in range(args.servers):
            port = free_port()
            p = subprocess.Popen(
                [PY, "-m", "yiwang", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers),
                 "--access-log", "", "--skip-static-check", "--max-requests", "0", "--timeout", "120"],
                env=env(), stdout=subprocess.DEVNULL, stderr=open(out / f"serve-{port}.log", "w"),  # noqa: SIM115
                start_new_session=True,
            )  # fmt: skip
            procs.append(p)
            hosts.append(f"http://127.0.0.1:{port}")
        for i in range(args.task_workers):
            procs.append(
                subprocess.Popen(
                    [PY, "-m", "yiwang", "worker"], env=env(), stdout=subprocess.DEVNULL,
                    stderr=open(out / f"worker-{i}.log", "w"), start_new_session=True,  # noqa: SIM115
                )
            )  # fmt: skip
        for base, p in zip(hosts, procs, strict=False):
            wait_up(base, p)
        report = out / "report.json"
        load_env = {
            **os.environ,
            "LOAD_CONFIG": str(config),
            "LOAD_HOSTS": ",".join(hosts),
            "LOAD_STEPS": args.steps,
            "LOAD_STEP_SECONDS": str(args.step_seconds),
            "LOAD_REPORT": str(report),
            "LOAD_FEED_START": feed_start,
        }
        la0 = os.getloadavg()
        print(
            f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average "
            f"{la0[0]:.1f} {la0[1]:.1f} {la0[2]:.1f}\n"
            f"database: {cfg['cases']:,} cases; {args.servers} servers × {args.web_workers} web workers, "
            f"{args.task_workers} task workers; steps {args.steps} users × {args.step_seconds:.0f} s",
            flush=True,
        )
        subprocess.run(
            [PY, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", hosts[0],
             "--csv", str(out / "locust"), "--only-summary",
             "--stop-timeout", "10", "--loglevel", "WARNING"],
            env=load_env, check=False,
        )  # fmt: skip
        la1 = os.getloadavg()
        print_report(json.loads(report.read_text()), la1)
        print(f"\nfiles: {out}")
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def print_report(steps: list[dict], load: tuple[float, float, float]) -> None:
    crossed = None
    for s in steps:
        print(
            f"\n{s['users']:4d} users: {s['per_second']:7.1f} requests/s   p50 {s['p50']:7.0f} ms   "
            f"p95 {s['p95']:7.0f} ms   p99 {s['p99']:7.0f} ms"
        )
        for name, r in s["requests"].items():
            print(
                f"     {name:28s} {r['per_second']:6.1f}/s  p50 {r['p50']:6.0f}  p95 {r['p95']:6.0f}  "
                f"p99 {r['p99']:6.0f} ms  {r['failures']} failed"
            )
        if crossed is None and s["p95"] > 1000:
            crossed = s
    if crossed:
        print(f"\np95 of all requests crosses 1 s at {crossed['users']} users ({crossed['per_second']:.1f} requests/s)")
    else:
        print("\np95 stayed under 1 s at every step")
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
