"""The work order state machine (GB/T 33358-2016 loop): which action may happen in which state, and where it leads.

`None` as a target keeps the state (work inside a state: a progress note, a co-handler's sign-off, an urge).
Anything not listed is refused with a reason naming the current state, in Chinese and English.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import State

S = State
OPEN = frozenset({S.RECEIVED, S.DISPATCHED, S.HANDLING, S.RETURNED, S.REPLIED})

TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "conclude_direct": (frozenset({S.RECEIVED}), S.CONCLUDED),
    "dispatch": (frozenset({S.RECEIVED}), S.DISPATCHED),
    "sub_dispatch": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "sign": (frozenset({S.DISPATCHED}), S.HANDLING),
    "sign_co": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "progress": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "co_reply": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "reply": (frozenset({S.HANDLING}), S.REPLIED),
    "request_extension": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "request_send_back": (frozenset({S.DISPATCHED, S.HANDLING}), S.RETURNED),
    "approve_extension": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "refuse_extension": (frozenset({S.DISPATCHED, S.HANDLING}), None),
    "approve_send_back": (frozenset({S.RETURNED}), S.RECEIVED),
    "refuse_send_back_dispatched": (frozenset({S.RETURNED}), S.DISPATCHED),
    "refuse_send_back_handling": (frozenset({S.RETURNED}), S.HANDLING),
    "urge": (frozenset({S.RECEIVED, S.DISPATCHED, S.HANDLING, S.RETURNED}), None),
    "callback": (frozenset({S.REPLIED}), None),
    "reopen": (frozenset({S.REPLIED}), S.HANDLING),
    "conclude": (frozenset({S.REPLIED}), S.CONCLUDED),
    "merge": (frozenset({S.RECEIVED, S.DISPATCHED, S.HANDLING}), S.MERGED),
    "void": (frozenset({S.RECEIVED}), S.VOIDED),
    "link_case": (OPEN, None),
    "reveal": (frozenset(State.values), None),
    "warn": (frozenset({S.RECEIVED, S.DISPATCHED, S.HANDLING, S.RETURNED}), None),
    "overdue": (frozenset({S.RECEIVED, S.DISPATCHED, S.HANDLING, S.RETURNED}), None),
    "sms": (frozenset(State.values), None),
}

ACTION_NAMES = {
    "receive": _("Received"),
    "conclude_direct": _("Answered on the spot and concluded"),
    "dispatch": _("Dispatched to the department"),
    "sub_dispatch": _("Dispatched within the department"),
    "sign": _("Signed for by the department"),
    "sign_co": _("Signed for by a co-handling department"),
    "progress": _("Handling note"),
    "co_reply": _("Co-handling department's result"),
    "reply": _("Replied"),
    "request_extension": _("Extension requested"),
    "request_send_back": _("Send-back requested"),
    "approve_extension": _("Extension approved"),
    "refuse_extension": _("Extension refused"),
    "approve_send_back": _("Send-back approved"),
    "refuse_send_back_dispatched": _("Send-back refused"),
    "refuse_send_back_handling": _("Send-back refused"),
    "urge": _("Urged by the centre (督办)"),
    "callback": _("Called back"),
    "reopen": _("Reopened after an unsatisfied callback"),
    "conclude": _("Concluded"),
    "merge": _("Merged into a master order"),
    "void": _("Voided"),
    "link_case": _("Linked to a case"),
    "reveal": _("Caller's full phone number viewed"),
    "warn": _("Yellow warning: most of the time limit used"),
    "overdue": _("Red warning: overdue"),
    "sms": _("Text message to the caller"),
    "absorbed": _("A duplicate was merged into this order"),
    "master_concluded": _("Concluded with its master order"),
}


def target(action: str, state: str) -> str:
    """The state `action` leads to from `state`; raises KeyError for unknown actions."""
    sources, to = TRANSITIONS[action]
    if state not in sources:
        raise IllegalTransition(action, state)
    return to or state


class IllegalTransition(Exception):
    def __init__(self, action: str, state: str):
        super().__init__(f"{action} is not allowed in state {state}")
        self.action = action
        self.state = state
