"""A task worker killed (kill -9) in the middle of a task: its task is picked up again once its lease has run out.

Real processes against their own database, as tests/core/test_processes.py runs them. Before the outbox issue such a
task stayed RUNNING for ever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.core.test_processes import ROOT, app_env, started, yiwang  # noqa: F401 - fixtures

LEASE = "3"


def _wait_for_text(path, text: str, seconds: float, proc: subprocess.Popen | None = None) -> str:
    deadline = time.monotonic() + seconds
    while True:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        assert proc is None or proc.poll() is None, content
        assert time.monotonic() < deadline, f"{text!r} not seen within {seconds} s:\n{content}"
        time.sleep(0.2)


def test_a_killed_workers_task_is_run_by_another_after_its_lease(app_env, started, tmp_path):  # noqa: F811
    env = {**app_env, "TASK_LEASE_SECONDS": LEASE, "OUTBOX_POLL_SECONDS": "0.2"}
    marker = tmp_path / "marker.txt"
    enqueue = f"from tests.core.sample_tasks import slow_marker; slow_marker.enqueue({str(marker)!r}, 'done', 4)"
    subprocess.run(yiwang("shell", "-c", enqueue), env=env, cwd=ROOT, check=True, timeout=60)  # noqa: S603

    first_log = tmp_path / "first.log"
    with first_log.open("w") as out:
        first = subprocess.Popen(  # noqa: S603
            yiwang("worker", "--processes", "1", "--interval", "0.2"), env=env, cwd=ROOT, stdout=out, stderr=out
        )
    started.append(first)
    _wait_for_text(first_log, "state=RUNNING", 60, first)
    os.kill(first.pid, signal.SIGKILL)  # in the middle of the task
    first.wait(timeout=10)
    assert not marker.exists()

    second_log = tmp_path / "second.log"
    t0 = time.monotonic()
    with second_log.open("w") as out:
        second = subprocess.Popen(  # noqa: S603
            yiwang("worker", "--processes", "1", "--interval", "0.2"), env=env, cwd=ROOT, stdout=out, stderr=out
        )
    started.append(second)
    text = _wait_for_text(second_log, "state=SUCCESSFUL", 60, second)
    assert "stopped beating; back in the queue" in text, text
    assert marker.read_text() == "done"
    # Within a lease and a reaper round after the last heartbeat (plus the task's own 4 s and start-up).
    assert time.monotonic() - t0 < 45
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=30)
