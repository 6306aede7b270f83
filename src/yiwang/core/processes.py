"""Starts and watches child processes for `yiwang run_demo` and `yiwang worker --processes N`.

The children run in their own process group, so Ctrl-C in a terminal reaches only this supervisor, which then
asks every child to stop (SIGTERM: gunicorn and the task worker both finish what they are doing) and waits for
them. A child that will not stop within the grace period is killed. Nothing is shared between the children but
the database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def yiwang_command(*args: str) -> list[str]:
    """The command line that runs `yiwang <args>` with the interpreter running now."""
    return [sys.executable, "-m", "yiwang", *args]


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    finished: bool = False


@dataclass
class Supervisor:
    """Runs named commands side by side until one of them ends or a stop signal arrives.

    With `restart=True` a child that ends on its own is started again (a worker pool); `restart` may also name the
    children to restart (run_demo restarts its task worker, not its web server). A child that keeps failing within
    seconds of starting makes the whole group stop, so a broken setup does not loop forever.
    With `wait_all=True` children are expected to finish (batch work): the group ends when all have ended.
    Otherwise the first child to end stops the others (run_demo: no web server without its worker).
    """

    commands: Mapping[str, Sequence[str]]
    env: Mapping[str, str] | None = None
    restart: bool | Collection[str] = False
    wait_all: bool = False
    grace_seconds: float = 35.0
    poll_seconds: float = 0.2
    max_quick_failures: int = 5
    log: Callable[[str], None] = field(default=lambda text: print(text, file=sys.stderr, flush=True))

    def __post_init__(self) -> None:
        self.children = [Child(name, list(argv)) for name, argv in self.commands.items()]
        self.stopping = False
        self.exit_code = 0

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            child.argv, env=dict(self.env) if self.env is not None else None, process_group=0
        )
        child.started_at = time.monotonic()
        self.log(f"Started {child.name} (pid {child.process.pid}).")

    def _on_signal(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            self.log(f"Received {signal.Signals(signum).name}: stopping {', '.join(c.name for c in self.children)}…")
        self.stop()

    def stop(self) -> None:
        """Asks every running child to finish (SIGTERM); `run()` then waits for them."""
        self.stopping = True
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)

    def _restarts(self, child: Child) -> bool:
        if isinstance(self.restart, bool):
            return self.restart
        return child.name in self.restart

    def running(self) -> list[Child]:
        return [c for c in self.children if c.process is not None and c.process.poll() is None]

    def start(self) -> None:
        """Installs the signal handlers and starts every child (without waiting)."""
        self._previous_handlers = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        for child in self.children:
            self._start(child)

    def wait(self, ready: Callable[[], bool] | None = None) -> int:
        """Watches the children until the group stops; returns the exit code for the whole group.

        `ready` is called on every round until it returns True (run_demo uses it to announce the address once
        the web server answers).
        """
        is_ready = ready is None
        while not self.stopping:
            for child in self.children:
                code = child.process.poll() if child.process is not None else None
                if code is None or child.finished:
                    continue
                if self.wait_all:
                    child.finished = True
                    self.exit_code = self.exit_code or _positive(code)
                    continue
                if self._restarts(child) and not self.stopping:
                    quick = time.monotonic() - child.started_at < 10
                    child.quick_failures = child.quick_failures + 1 if quick else 0
                    if child.quick_failures < self.max_quick_failures:
                        self.log(f"{child.name} ended with exit code {code}; starting it again.")
                        time.sleep(min(5.0, 0.5 * 2**child.quick_failures))
                        self._start(child)
                        continue
                self.log(f"{child.name} ended with exit code {code}; stopping the others.")
                self.exit_code = _positive(code) or 1
                self.stop()
                break
            if self.wait_all and all(c.finished for c in self.children):
                break
            if not is_ready and not self.stopping:
                is_ready = bool(ready())  # type: ignore[misc]
            time.sleep(self.poll_seconds)
        deadline = time.monotonic() + self.grace_seconds
        while self.running() and time.monotonic() < deadline:
            time.sleep(self.poll_seconds)
        for child in self.running():
            self.log(f"{child.name} did not stop within {self.grace_seconds:.0f} s; killing it.")
            child.process.kill()  # type: ignore[union-attr]
            child.process.wait()  # type: ignore[union-attr]
        for signum, handler in getattr(self, "_previous_handlers", {}).items():
            signal.signal(signum, handler)
        return self.exit_code

    def run(self, ready: Callable[[], bool] | None = None) -> int:
        self.start()
        return self.wait(ready)


def _positive(code: int) -> int:
    """A child killed by a signal has a negative return code; the group reports 1 for it."""
    return code if code >= 0 else 1


def child_env(**overrides: str) -> dict[str, str]:
    """The current environment with a few variables set for the children."""
    env = dict(os.environ)
    env.update(overrides)
    return env
