"""The task worker outlives a locked SQLite database, and a catalog import runs beside it (real processes).

The demo's worker used to die on "database is locked" while a long import held the write lock, and `run_demo`
then stopped everything. Here `yiwang worker` runs as a subprocess on a file SQLite database with a 1-second
busy timeout; the test holds the write lock longer than that, then imports a catalog file while tasks keep
arriving. The worker must survive both and run every task.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.conftest import process_env

ROOT = Path(__file__).resolve().parents[2]
TASKS_TABLE = "django_tasks_database_dbtaskresult"

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite's locking is what is tested")


def yiwang(*args: str) -> list[str]:
    return [sys.executable, "-m", "yiwang", *args]


def shell(env: dict[str, str], code: str) -> str:
    result = subprocess.run(  # noqa: S603
        yiwang("shell", "-c", code), env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def env(fresh_var) -> dict[str, str]:
    return process_env(fresh_var(), SQLITE_BUSY_TIMEOUT="1", CATALOG_IMPORT_BATCH_ITEMS="100", LOG_LEVEL="INFO")


def enqueue_markers(env: dict[str, str], paths: list[Path]) -> None:
    code = "; ".join(
        ["from tests.core.sample_tasks import write_marker"]
        + [f"write_marker.enqueue({str(p)!r}, 'done')" for p in paths]
    )
    shell(env, code)


def test_live_connections_use_wal_and_the_busy_timeout(env):
    out = shell(
        env,
        "from django.db import connection; c = connection.cursor(); "
        "print([c.execute(f'PRAGMA {p}').fetchone()[0] for p in ('journal_mode', 'busy_timeout', 'synchronous')])",
    )
    assert out.strip().splitlines()[-1] == "['wal', 1000, 1]"


def test_the_worker_survives_a_locked_database_and_an_import(env, tmp_path):
    db = Path(env["YIWANG_VAR_DIR"]) / "yiwang.sqlite3"
    catalog = tmp_path / "catalog.json"
    shell(
        env,
        "import json; from tests.factories import OrganisationFactory; from tests.io.helpers import item_obj; "
        "org = OrganisationFactory(); "
        f"open({str(catalog)!r}, 'w').write(json.dumps([item_obj(org) for _ in range(600)], ensure_ascii=False))",
    )
    first = [tmp_path / f"before-{n}.txt" for n in range(3)]
    enqueue_markers(env, first)
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(  # noqa: S603
            yiwang("worker", "--interval", "0.1"), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while not all(p.exists() for p in first):
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

        # Another process holds the write lock for three busy timeouts: the worker waits it out.
        lock = sqlite3.connect(db, timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        time.sleep(3)
        lock.execute("COMMIT")
        lock.close()
        assert worker.poll() is None, log.read_text()
        assert "database is locked" in log.read_text()

        # An import of 600 items in six batches, while tasks keep arriving for the worker.
        importer = subprocess.Popen(  # noqa: S603
            yiwang("import_catalog", str(catalog)),
            env={**env, "SQLITE_BUSY_TIMEOUT": "30"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        during = [tmp_path / f"during-{n}.txt" for n in range(6)]
        for path in during:
            enqueue_markers({**env, "SQLITE_BUSY_TIMEOUT": "30"}, [path])
        output, _ = importer.communicate(timeout=300)
        assert importer.returncode == 0, output
        assert "created 600" in output

        deadline = time.monotonic() + 120
        while True:
            with sqlite3.connect(db, timeout=30) as con:
                states = dict(con.execute(f"SELECT status, COUNT(*) FROM {TASKS_TABLE} GROUP BY status").fetchall())  # noqa: S608
            if set(states) == {"SUCCESSFUL"}:
                break
            assert worker.poll() is None, log.read_text()
            assert "FAILED" not in states, (states, log.read_text())
            assert time.monotonic() < deadline, (states, log.read_text())
            time.sleep(0.3)
        assert all(p.read_text() == "done" for p in first + during)
        assert worker.poll() is None, log.read_text()
        with sqlite3.connect(db) as con:
            assert (
                con.execute("SELECT COUNT(*) FROM catalog_serviceitem WHERE current_id IS NOT NULL").fetchone()[0]
                == 600
            )
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=40)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    assert worker.returncode == 0, log.read_text()
