"""Test settings: SQLite in memory unless DATABASE_URL names another database (CI runs both)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "yiwang.core.counters.CounterCache"},
}
# Events are handed to their subscribers right after each commit, in the test's own process (no worker runs).
OUTBOX_DISPATCH_ON_COMMIT = True
# Signing keys made by tests go to a throw-away directory, never to var/keystore: one per process (each pytest-xdist
# worker has its own), removed when the process ends.
LICENSE_KEYSTORE_DIR = Path(tempfile.mkdtemp(prefix="yiwang-keystore-"))
atexit.register(shutil.rmtree, LICENSE_KEYSTORE_DIR, ignore_errors=True)

# The exchange call log written at once, in the test's transaction (no background thread).
EXCHANGE_CALL_LOG = "direct"
