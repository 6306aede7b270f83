"""Fuzzes the whole API with schemathesis, as each kind of caller, against the real server on loopback.

Run (SQLite, a fresh temporary database; a few minutes per caller on two cores):

    .venv/bin/python bench/fuzz/fuzz.py
    .venv/bin/python bench/fuzz/fuzz.py --max-examples 50 --callers anonymous,client

What it does:
1. prepares a small demo database of its own (migrate, `seed_demo --items 150`, holidays, the demo staff and
   applicants, 30 e-licenses), and a machine client holding every scope;
2. starts `yiwang serve` (gunicorn, DEBUG off, the production error pages) on a free port on 127.0.0.1;
3. runs `st run` (schemathesis) on docs/openapi.json once per caller: anonymous, a citizen's session (张三),
   the machine client's bearer token, and the system administrator's session — each with the session's CSRF
   token, so writes get past the CSRF check and reach validation;
4. prints, per caller, the requests sent, the server errors (any 5xx: `not_a_server_error`) and the schema
   violations (an answer whose status, content type, headers or body the document does not allow:
   `status_code_conformance`, `content_type_conformance`, `response_headers_conformance`,
   `response_schema_conformance`), plus the machine it ran on. The JSON reports stay in --report-dir.

Operations that would end the caller's own session or credentials (sign-out, ending sessions, changing the
password, revoking or rotating machine clients) are left out so each caller stays who it is for the whole run.
Only 127.0.0.1 is ever addressed. Exit status 1 when any server error or schema violation was found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from machine_info import cpu_model  # noqa: E402

DOCUMENT = ROOT / "docs" / "openapi.json"
SERVER_ERRORS = ("not_a_server_error",)
SCHEMA_CHECKS = (
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
CALLERS = ("anonymous", "citizen", "client", "admin")
# Operations a caller must not run on itself: the run would go on as someone else, or as no one (sign-out,
# ending sessions, a new password, revoking or rotating the fuzzing client's own secret).
SELF_DESTRUCTIVE = [
    "yiwang_identity_api_auth_sign_out_api",
    "yiwang_identity_api_auth_end_others",
    "yiwang_identity_api_auth_end_session",
    "yiwang_identity_api_auth_password_change",
    "yiwang_identity_api_clients_revoke_client",
    "yiwang_identity_api_clients_rotate_secret",
]


def setup_env(database_url: str | None) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="yiwang-fuzz-"))
    os.environ["YIWANG_VAR_DIR"] = str(tmp)  # static files, uploads and keys of this run only
    if not database_url:
        database_url = f"sqlite:///{tmp / 'fuzz.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "fuzz_settings"
    os.environ.setdefault("SECRET_KEY", "fuzz-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    return database_url


def prepare(items: int) -> dict:
    """The small demo city, the demo people, and a machine client with every scope."""
    from django.core.management import call_command

    from yiwang.catalog.models import ServiceItem
    from yiwang.identity.clients import create_client
    from yiwang.identity.scopes import SCOPES
    from yiwang.orgs.models import Organisation

    quiet = {"verbosity": 0, "stdout": open(os.devnull, "w")}  # noqa: SIM115
    call_command("migrate", **quiet)
    call_command("createcachetable", **quiet)
    call_command("collectstatic", interactive=False, **quiet)  # the error pages need the static manifest
    if not ServiceItem.objects.exists():  # a --database-url prepared by an earlier run is used as it is
        call_command("seed_demo", items=items, seed=2026, **quiet)
        call_command("load_holidays", all=True, **quiet)
        call_command("demo_accounts", force=True, **quiet)
        call_command("demo_identities", force=True, **quiet)
        call_command("seed_licenses", count=30, **quiet)
        submit_cases(3)
    org = Organisation.objects.filter(name="蚌埠市市场监督管理局").first() or Organisation.objects.first()
    client, secret = create_client("模糊测试系统", "department", org, list(SCOPES), rate_limit=100_000)
    return {"client_id": client.application.client_id, "secret": secret, "scopes": list(SCOPES)}


def submit_cases(n: int) -> None:
    """A few of 张三's applications, so case numbers exist for the case operations to reach."""
    from yiwang.cases import services as cases
    from yiwang.cases.services import Who
    from yiwang.catalog.models import ServiceItem
    from yiwang.core.errors import ProblemsError
    from yiwang.identity.models import Person

    person = Person.objects.get(name="张三", user__isnull=False)
    made = 0
    for item in ServiceItem.objects.filter(current__isnull=False, current__for_persons=True).order_by("pk")[:50]:
        try:
            cases.submit(
                version=item.current,
                person=person,
                who=Who(user=person.user, name=person.name),
                form_data={"contact_phone": "13900000001"},
                idempotency_key=f"fuzz-{item.pk}",
            )
        except ProblemsError:
            continue  # this item's form wants more than a phone number
        made += 1
        if made == n:
            return


def real_records_config(path: Path) -> Path:
    """A schemathesis.toml that puts real ids into path parameters half of the time.

    Random ids reach nothing but 404s; with real item codes, version numbers, licence identifiers and the like in
    the mix, the bodies and queries generated for an operation also reach the code behind the record lookup.
    """
    from yiwang.cases.models import Case
    from yiwang.catalog.models import ServiceItem
    from yiwang.identity.models import Enterprise, MachineClient
    from yiwang.licenses.models import License
    from yiwang.orgs.models import Division, Organisation

    values = {
        "item_code": list(ServiceItem.objects.order_by("pk").values_list("item_code", flat=True)[:5]),
        "number": [1, 2],
        "case_number": list(Case.objects.order_by("pk").values_list("case_number", flat=True)[:5]),
        "identifier": list(License.objects.order_by("pk").values_list("identifier", flat=True)[:5]),
        "organisation_id": list(Organisation.objects.order_by("pk").values_list("pk", flat=True)[:5]),
        "code": list(Division.objects.order_by("pk").values_list("code", flat=True)[:5]),
        "pk": list(MachineClient.objects.order_by("pk").values_list("pk", flat=True)[:3]),
        "enterprise_id": list(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[:3]),
        "date": ["2025-10-01", "2026-01-01"],
    }
    lines = []
    for name, items in values.items():
        if items:
            lines += [f"[dictionaries.{name}]", f"values = {json.dumps(items, ensure_ascii=False)}", ""]
    lines.append("[parameters]")
    for name, items in values.items():
        if items:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def session_headers(username: str) -> list[str]:
    """A real signed-in session (Django's login, as the sign-in page does) and a CSRF token pair for it."""
    from django.contrib.auth import get_user_model
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    user = get_user_model().objects.get(username=username)
    c = Client()
    c.force_login(user)
    csrf = _get_new_csrf_string()
    return [f"Cookie: sessionid={c.cookies['sessionid'].value}; csrftoken={csrf}", f"X-CSRFToken: {csrf}"]


def citizen_username() -> str:
    from yiwang.identity.models import Person

    return Person.objects.get(name="张三", user__isnull=False).user.get_username()


def bearer_headers(base: str, world: dict) -> list[str]:
    import requests

    r = requests.post(
        f"{base}/oauth/token/",
        data={"grant_type": "client_credentials", "scope": " ".join(world["scopes"])},
        auth=(world["client_id"], world["secret"]),
        timeout=30,
    )
    r.raise_for_status()
    return [f"Authorization: Bearer {r.json()['access_token']}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    import requests

    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(BENCH), str(ROOT / "src")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "yiwang", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        + ["--access-log", "", "--max-requests", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start; see {log}")


def run_schemathesis(base: str, headers: list[str], args: argparse.Namespace, report: Path, config: Path | None) -> int:
    command = [str(Path(sys.executable).with_name("st"))]
    if config is not None:
        command += ["--config-file", str(config)]
    command += [
        "run",
        str(DOCUMENT),
        "--url",
        base,
        "--checks",
        ",".join(SERVER_ERRORS + SCHEMA_CHECKS),
        "--max-examples",
        str(args.max_examples),
        "--phases",
        args.phases,
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--continue-on-failure",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    for operation_id in SELF_DESTRUCTIVE:
        command += ["--exclude-operation-id", operation_id]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    for header in headers:
        command += ["--header", header]
    log = report.with_suffix(".log")
    with log.open("w") as out:
        # In the report directory: schemathesis keeps a .schemathesis/ folder in its working directory.
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=report.parent, check=False).returncode


def count(report: Path) -> dict:
    """Test cases (one request each) and unique failures, from schemathesis' JSON run report.

    Every failure of `not_a_server_error` (ST101) is a server error; with only the conformance checks enabled
    besides it, every other failure is a schema violation.
    """
    data = json.loads(report.read_text())
    out = {"requests": data.get("test_cases", {}).get("generated", 0), "server_errors": 0, "schema_violations": 0}
    out["failures"] = data.get("failures", [])
    out["errors"] = data.get("errors", [])
    for failure in out["failures"]:
        kind = "server_errors" if failure.get("code") == "ST101" else "schema_violations"
        out[kind] += int(failure.get("count", 1))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--callers", default=",".join(CALLERS), help=f"comma-separated, of {', '.join(CALLERS)}")
    ap.add_argument("--max-examples", type=int, default=25, help="test cases per operation and phase (default 25)")
    ap.add_argument("--phases", default="examples,coverage,fuzzing", help="schemathesis phases")
    ap.add_argument("--max-time", type=int, default=0, help="time budget per caller in seconds (0: none)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--random-ids", action="store_true", help="do not mix real record ids into path parameters")
    ap.add_argument("--items", type=int, default=150, help="service items in the demo catalog")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temporary directory")
    ap.add_argument("--report-dir", default=None, help="where the schemathesis reports go (default: a temp dir)")
    args = ap.parse_args()
    callers = [c.strip() for c in args.callers.split(",") if c.strip()]
    if unknown := set(callers) - set(CALLERS):
        ap.error(f"unknown callers: {', '.join(sorted(unknown))}")
    if not shutil.which("st", path=str(Path(sys.executable).parent)):
        raise SystemExit("schemathesis is not installed: pip install -r requirements.lock (the dev extra)")

    report_dir = Path(args.report_dir or tempfile.mkdtemp(prefix="yiwang-fuzz-reports-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    database = setup_env(args.database_url)
    world = prepare(args.items)
    prepared = time.perf_counter() - t0
    config = None if args.random_ids else real_records_config(report_dir / "schemathesis.toml")
    proc, base = start_server(args.workers, report_dir / "server.log")
    results: dict[str, dict] = {}
    try:
        for caller in callers:
            headers = {
                "anonymous": list,
                "citizen": lambda: session_headers(citizen_username()),
                "client": lambda: bearer_headers(base, world),
                "admin": lambda: session_headers("admin"),
            }[caller]()
            started = time.perf_counter()
            report = report_dir / f"{caller}.json"
            code = run_schemathesis(base, headers, args, report, config)
            results[caller] = {
                **(count(report) if report.exists() else {"requests": 0, "server_errors": -1, "failures": []}),
                "log": str(report.with_suffix(".log")),
                "exit": code,
                "seconds": time.perf_counter() - started,
            }
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    import django

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {platform.system()} {platform.release()}"
    )
    print(f"database: {database.split(':', 1)[0]} ({args.items} items); prepared in {prepared:.0f} s")
    print(f"schemathesis: phases {args.phases}, {args.max_examples} examples per operation, seed {args.seed}")
    print(f"reports: {report_dir}\n")
    print(f"{'caller':<10} {'requests':>9} {'server errors':>14} {'schema violations':>18} {'time':>8}")
    failed = False
    for caller, r in results.items():
        print(
            f"{caller:<10} {r['requests']:>9} {r['server_errors']:>14} {r.get('schema_violations', 0):>18} "
            f"{r['seconds']:>7.0f}s"
        )
        failed = failed or r["server_errors"] != 0 or r.get("schema_violations", 0) != 0
    for caller, r in results.items():
        for f in r["failures"]:
            print(
                f"  {caller}: {f.get('code')} {f.get('title')} × {f.get('count')}: {', '.join(f.get('operations', []))}"
            )
        for e in r.get("errors", []):
            print(f"  {caller}: error {json.dumps(e, ensure_ascii=False)[:300]}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
