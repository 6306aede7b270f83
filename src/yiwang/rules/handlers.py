"""The rules hear every submitted case and decide it at once when its item has active rules (秒批).

The decision runs right after the submission commits (the case signal is sent on commit), so the applicant's next
page already shows the outcome. A failure here must never undo or break the submission: the case then simply
waits for the window, as a case of an item without rules does.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from yiwang.cases.signals import case_changed

from . import services

log = logging.getLogger(__name__)


@receiver(case_changed, dispatch_uid="rules.decide_on_submit")
def decide_on_submit(sender: Any, case_id: int, event_id: int, action: str, **kwargs: Any) -> None:
    if action != "submit":
        return
    try:
        services.decide(case_id)
    except Exception:  # the human path stands; the error is logged for the operators
        log.exception("rules: deciding case %s failed; left to the window", case_id)
