"""`yiwang serve`, `yiwang worker` and `yiwang run_demo` as real processes, against their own database.

Each test starts the commands as a person would (subprocesses, signals) and checks what a person would see:
the web answers with several gunicorn workers, static files come compressed from WhiteNoise, a task enqueued in
the database is run by a separate worker process, and Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.conftest import process_env
from yiwang.core.management.commands.serve import Command as ServeCommand
from yiwang.core.management.commands.serve import default_bind, default_workers, static_manifest_problem
from yiwang.core.processes import Supervisor
from yiwang.ops.management.commands.run_demo import public_url, split_bind

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def yiwang(*args: str) -> list[str]:
    return [sys.executable, "-m", "yiwang", *args]


@pytest.fixture(scope="module")
def app_env(fresh_var) -> dict[str, str]:
    """Development settings with DEBUG off, a fresh var/ directory (SQLite, static files), migrated and collected
    (a copy of the once-migrated template, tests/core/conftest.py).

    When the suite runs on PostgreSQL (DATABASE_URL set), the processes use that server too.
    """
    return process_env(fresh_var(), WEB_CONCURRENCY="2", LOG_LEVEL="INFO")


def wait_for(url: str, seconds: float = 60, headers: dict[str, str] | None = None) -> urllib.response.addinfourl:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=3)  # noqa: S310
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            last = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s: {last}")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; any still running at the end are killed (a failing test leaves nothing behind)."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_runs_several_workers_serves_compressed_static_and_stops_on_sigterm(app_env, started, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603
            yiwang("serve", "--bind", f"127.0.0.1:{port}"), env=app_env, cwd=ROOT, stdout=out, stderr=out
        )
    started.append(proc)
    base = f"http://127.0.0.1:{port}"
    with wait_for(base + "/healthz") as response:
        assert response.status == 200
        assert b'"ok"' in response.read()

    # Static files come from collectstatic's output (hashed names from the manifest), gzip-compressed.
    manifest = Path(app_env["YIWANG_VAR_DIR"], "static", "staticfiles.json").read_text()
    hashed = re.search(r'"yiwang/site.css": "([^"]+)"', manifest).group(1)
    with wait_for(f"{base}/static/{hashed}", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]

    # Uploaded files: the demo (development settings, DEBUG off, no proxy) serves MEDIA_ROOT itself.
    media = Path(app_env["YIWANG_VAR_DIR"], "media", "catalog", "forms")
    media.mkdir(parents=True, exist_ok=True)
    (media / "blank.txt").write_text("空白表格", encoding="utf-8")
    with wait_for(f"{base}/media/catalog/forms/blank.txt") as response:
        assert response.read().decode() == "空白表格"

    # DEBUG is off: an unknown page is the friendly Chinese 404, not Django's debug page.
    with pytest.raises(urllib.error.HTTPError) as err:
        wait_for(base + "/no-such-page/", headers={"Accept-Language": "zh-CN"})
    assert err.value.code == 404
    body = err.value.read().decode()
    assert "找不到您要访问的页面" in body and "Traceback" not in body

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0
    text = log.read_text()
    assert len(re.findall(r"Booting worker with pid", text)) >= 2, text
    assert re.search(r'"GET /healthz HTTP/1.1" 200', text), "the access log records each request"


def test_serve_refuses_to_start_without_collected_static_files(app_env, tmp_path):
    env = {**app_env, "STATIC_ROOT": str(tmp_path / "empty")}
    result = subprocess.run(  # noqa: S603
        yiwang("serve", "--bind", f"127.0.0.1:{free_port()}"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "collectstatic" in result.stderr


def test_worker_runs_a_task_enqueued_in_the_database(app_env, tmp_path):
    markers = [tmp_path / f"marker-{n}.txt" for n in range(3)]
    enqueue = "; ".join(
        ["from tests.core.sample_tasks import write_marker"]
        + [f"write_marker.enqueue({str(m)!r}, 'done {n}')" for n, m in enumerate(markers)]
    )
    subprocess.run(yiwang("shell", "-c", enqueue), env=app_env, cwd=ROOT, check=True, timeout=60)  # noqa: S603
    assert not any(m.exists() for m in markers), "enqueueing must not run the task in the web process"
    result = subprocess.run(  # noqa: S603
        yiwang("worker", "--batch", "--processes", "2", "--interval", "0.1"),
        env=app_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [m.read_text() for m in markers] == ["done 0", "done 1", "done 2"]


def test_run_demo_starts_web_and_worker_and_ctrl_c_stops_both(app_env, started, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603
            yiwang("run_demo", "--bind", f"127.0.0.1:{port}", "--workers", "2"),
            env=app_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started.append(proc)
    deadline = time.monotonic() + 90
    while "Press Ctrl-C" not in log.read_text():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)
    text = log.read_text()
    assert f"http://127.0.0.1:{port}/" in text
    assert "demo_accounts" in text
    pids = {name: int(pid) for name, pid in re.findall(r"Started (\w+) \(pid (\d+)\)", text)}
    assert set(pids) == {"web", "worker"}
    with wait_for(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 200

    proc.send_signal(signal.SIGINT)  # what Ctrl-C delivers
    assert proc.wait(timeout=60) == 0, log.read_text()
    for name, pid in pids.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert name in log.read_text()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert "Yiwang demo stopped." in log.read_text()


def test_worker_count_and_bind_defaults(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("BIND", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert default_workers() == 2 * (os.cpu_count() or 1) + 1
    assert default_bind() == "127.0.0.1:8000"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("PORT", "9000")
    assert default_workers() == 3
    assert default_bind() == "0.0.0.0:9000"
    options = ServeCommand().gunicorn_options(
        {
            "workers": None,
            "bind": "127.0.0.1:1,unix:/tmp/y.sock",
            "threads": 4,
            "timeout": 30,
            "max_requests": 100,
            "access_log": "-",
            "forwarded_allow_ips": "10.0.0.1",
            "preload": False,
        }
    )
    assert options["workers"] == 3
    assert options["bind"] == ["127.0.0.1:1", "unix:/tmp/y.sock"]
    assert options["worker_class"] == "gthread"
    assert options["accesslog"] == "-"


@pytest.mark.parametrize("raw", ["zero", "0", "-2"])
def test_bad_web_concurrency_is_a_clear_error(monkeypatch, raw):
    from django.core.management.base import CommandError

    monkeypatch.setenv("WEB_CONCURRENCY", raw)
    with pytest.raises(CommandError, match="WEB_CONCURRENCY"):
        default_workers()


def test_static_manifest_problem_names_the_fix(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    assert "collectstatic" in static_manifest_problem()
    (tmp_path / "staticfiles.json").write_text("{not json")
    assert "unreadable" in static_manifest_problem()
    (tmp_path / "staticfiles.json").write_text('{"paths": {}}')
    assert static_manifest_problem() is None


def test_demo_addresses():
    assert split_bind("[::1]:8000") == ("[::1]", 8000)
    assert public_url("0.0.0.0:8080") == "http://127.0.0.1:8080/"
    assert public_url("localhost:8000") == "http://localhost:8000/"


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_supervisor_stops_the_others_when_one_ends():
    supervisor = Supervisor(
        {"short": python("import sys; sys.exit(3)"), "long": python("import time; time.sleep(60)")},
        log=lambda _text: None,
    )
    started_at = time.monotonic()
    assert supervisor.run() == 3
    assert time.monotonic() - started_at < 20, "the long child is asked to stop, not waited for"
    assert all(c.process.poll() is not None for c in supervisor.children)


def test_supervisor_restarts_a_pool_member_but_gives_up_when_it_keeps_failing():
    lines: list[str] = []
    supervisor = Supervisor(
        {"bad": python("import sys; sys.exit(2)")}, restart=True, max_quick_failures=2, log=lines.append
    )
    assert supervisor.run() == 2
    assert sum("starting it again" in line for line in lines) == 1


def test_supervisor_in_batch_mode_waits_for_all_and_reports_a_failure():
    supervisor = Supervisor(
        {"ok": python("pass"), "fails": python("import time, sys; time.sleep(0.5); sys.exit(4)")},
        wait_all=True,
        log=lambda _text: None,
    )
    assert supervisor.run() == 4


def test_supervisor_restores_the_signal_handlers():
    before = signal.getsignal(signal.SIGINT)
    Supervisor({"ok": python("pass")}, wait_all=True, log=lambda _text: None).run()
    assert signal.getsignal(signal.SIGINT) is before


def test_supervisor_restarts_only_the_children_it_names():
    # run_demo: a task worker that ends is started again; the web server keeps running meanwhile.
    lines: list[str] = []
    supervisor = Supervisor(
        {"web": python("import time; time.sleep(60)"), "worker": python("import time; time.sleep(0.3)")},
        restart={"worker"},
        log=lines.append,
    )

    def ready() -> bool:
        if sum("worker ended" in line for line in lines) >= 2:
            supervisor.stop()
            return True
        return False

    assert supervisor.run(ready=ready) == 0
    assert sum("worker ended with exit code 0; starting it again" in line for line in lines) >= 2
    assert not any("web ended" in line or "stopping the others" in line for line in lines)
