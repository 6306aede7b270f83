"""Local development and `make demo`: SQLite in var/, a fixed development secret key, DEBUG on unless DEBUG=0.

`yiwang run_demo` (the end of `make demo`) starts its processes with DEBUG=0 so the demo looks as in production.
"""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)  # the demo runs with DEBUG off and no proxy in front
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me-in-production-0123456789"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS + ["0.0.0.0", "[::1]", "testserver"]  # noqa: F405
