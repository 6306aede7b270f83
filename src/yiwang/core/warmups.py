"""Warm-ups: work a server process does once after it starts, before its first request (a hook).

A module contributes in its AppConfig.ready():

    WARM_UPS.add("catalog.search", load_dictionaries, order=10)

`yiwang serve` runs every warm-up in each new gunicorn worker. A warm-up that fails is logged and skipped: a
cold cache is slower, never a reason for a worker not to serve.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .plugins import Hook

log = logging.getLogger(__name__)

WARM_UPS: Hook[Callable[[], object]] = Hook(
    "core.warm_ups", doc="Callables run once in each new server worker before it takes requests."
)


def run_warm_ups() -> list[str]:
    """Runs every warm-up in order; returns the keys of those that ran without error."""
    done = []
    for key, warm_up in WARM_UPS.items():
        try:
            warm_up()
        except Exception:
            log.exception("warm-up %s failed", key)
            continue
        done.append(key)
    return done
