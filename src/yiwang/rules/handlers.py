"""The rules hear every submitted case and decide it at once when its item has active rules (秒批).

It is the outbox subscriber "rules.decide" on `cases.case_changed` (core.outbox): the decision runs in the worker
right after the submission commits (within OUTBOX_POLL_SECONDS), at least once per event; a re-sent event decides
nothing twice. A failure here must never undo or break the submission: the case then simply
waits for the window, as a case of an item without rules does.
"""

from __future__ import annotations

import logging

from yiwang.core import outbox

from . import services

log = logging.getLogger(__name__)


def decide_on_submit(event: outbox.Event) -> None:
    case_id = event.payload["case_id"]
    if event.payload.get("action") != "submit":
        return
    try:
        services.decide(case_id)
    except Exception:  # the human path stands; the error is logged for the operators
        log.exception("rules: deciding case %s failed; left to the window", case_id)


def register() -> None:
    """Called from RulesConfig.ready()."""
    from yiwang.cases.services import TOPIC

    outbox.subscribe("rules.decide", {TOPIC}, decide_on_submit, order=20)
