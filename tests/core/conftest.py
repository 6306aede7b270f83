"""A var/ directory migrated and collected once per test process, for the tests that start real processes.

Migrating a fresh SQLite database takes the better part of a minute on a loaded two-core machine; the tests that run
`yiwang serve`, `worker` and `run_demo` as subprocesses each need their own var/ (their own database file), not their
own migration run. The first such test migrates a template directory; every test gets a copy of it. On PostgreSQL
(DATABASE_URL set) the processes share that server's database, which is migrated once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def process_env(var: Path, **extra: str) -> dict[str, str]:
    """The environment of a Yiwang process with development settings, DEBUG off, and `var` as its var/ directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="yiwang.conf.dev", DEBUG="0", YIWANG_VAR_DIR=str(var), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("var-template")
    env = process_env(template)
    for args in (("migrate", "-v0"), ("collectstatic", "--noinput", "-v0")):
        subprocess.run([sys.executable, "-m", "yiwang", *args], env=env, cwd=ROOT, check=True, timeout=600)  # noqa: S603
    return template


@pytest.fixture(scope="session")
def fresh_var(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """Makes a var/ directory copied from the migrated template (database file and collected static files)."""

    def make() -> Path:
        var = tmp_path_factory.mktemp("var") / "var"
        shutil.copytree(migrated_template, var)
        return var

    return make
