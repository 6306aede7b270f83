"""How the halls module reacts to cases: the outbox subscriber "halls.surveys" on `cases.case_changed` (never by
reaching into cases' tables outside its public services). An accepted case whose process has a survey step gets a
survey to schedule; a case that ends cancels its open surveys.

The worker hands each case event over at least once, in its own transaction, after the case's change committed
(docs/outbox.md); both reactions are idempotent (an open survey is found again, a cancelled one stays cancelled).
"""

from __future__ import annotations

from yiwang.core import outbox

OPENS_SURVEY = frozenset({"accept", "deemed_accept"})
ENDS_CASE = frozenset({"withdraw", "void", "approve", "refuse", "not_accept"})


def on_case_event(event: outbox.Event) -> None:
    """Opens or cancels the case's survey (at least once per case event, in the worker)."""
    action = event.payload.get("action", "")
    if action not in OPENS_SURVEY | ENDS_CASE:
        return
    from yiwang.cases.models import Case

    from . import services

    case = Case.objects.filter(pk=event.payload["case_id"]).first()
    if case is None:
        return
    if action in OPENS_SURVEY:
        services.open_survey(case)
    else:
        services.cancel_open_surveys(case, action)


def register() -> None:
    """Called from HallsConfig.ready()."""
    from yiwang.cases.services import TOPIC

    outbox.subscribe("halls.surveys", {TOPIC}, on_case_event, order=40)
