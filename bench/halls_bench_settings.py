"""The HTTP benchmarks' settings, with static files served by name (the kiosk page renders {% static %} links; the
benchmark does not run collectstatic, so there is no manifest to look names up in)."""

from bench_settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
