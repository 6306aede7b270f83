"""Production settings: `check --deploy` is clean, and a missing secret key stops the process at start."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_with_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Runs `yiwang <args>` with the production settings, its var/ directory (default database, keys) a fresh
    temporary one: never the checkout's var/, which holds a developer's demo database."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL"))}
    with tempfile.TemporaryDirectory(prefix="yiwang-var-") as var:
        base.update(DJANGO_SETTINGS_MODULE="yiwang.conf.production", YIWANG_VAR_DIR=var, **env)
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "yiwang", *args], env=base, cwd=ROOT, capture_output=True, text=True, timeout=120
        )


def test_check_deploy_has_no_warnings(tmp_path):
    # An empty database: the configuration is under test here, not data (the holiday calendar warns about data).
    result = run_with_production(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="zwfw.example.gov.cn",
        SITE_URL="https://zwfw.example.gov.cn",
        PII_KEYS="k1:" + base64.b64encode(secrets.token_bytes(16)).decode(),
        PII_HASH_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        LICENSE_KEYSTORE_PASSPHRASE=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_demands_the_personal_data_keys():
    result = run_with_production(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="zwfw.example.gov.cn",
        SITE_URL="https://zwfw.example.gov.cn",
    )
    assert result.returncode != 0
    assert "yiwang.identity.E001" in result.stderr and "yiwang.identity.E002" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with_production("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.SITE_URL, s.DATABASES['default']['ENGINE'], "
        "s.STORAGES['default'], s.MEDIA_ROOT, s.STATIC_ROOT, s.LOGGING['root']['level'], s.SECURE_SSL_REDIRECT)"
    )
    result = run_with_production(
        "shell",
        "--verbosity",
        "0",
        "-c",
        code,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="a.example.cn,b.example.cn",
        SITE_URL="https://a.example.cn/",
        DATABASE_URL="postgres://u:p@db.internal:5432/yiwang",
        STORAGE_BACKEND="django.core.files.storage.FileSystemStorage",
        STORAGE_OPTIONS='{"location": "/srv/yiwang/media", "base_url": "/media/"}',
        MEDIA_ROOT="/srv/yiwang/media",
        STATIC_ROOT="/srv/yiwang/static",
        LOG_LEVEL="WARNING",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith("False ['a.example.cn', 'b.example.cn'] ['https://a.example.cn'] https://a.example.cn ")
    )
    assert "django.db.backends.postgresql" in out
    assert "'location': '/srv/yiwang/media'" in out
    assert "/srv/yiwang/static" in out and " WARNING True" in out


def test_bad_storage_options_are_a_clear_error():
    result = run_with_production("check", SECRET_KEY=secrets.token_urlsafe(50), STORAGE_OPTIONS="[1, 2]")
    assert result.returncode != 0
    assert "STORAGE_OPTIONS must be a JSON object" in result.stderr
