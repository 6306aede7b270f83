"""Settings for the fuzz run: the benchmarks' production-like settings, with every server error logged (traceback
included) so each one found can be traced to its cause."""

from bench_settings import *  # noqa: F403

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
    "root": {"level": "WARNING"},
}
