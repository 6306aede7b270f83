"""Local development and `make demo`: SQLite, debug off by default so pages look as in production."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me-in-production-0123456789"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS + ["0.0.0.0", "[::1]", "testserver"]  # noqa: F405
