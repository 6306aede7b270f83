"""The case state machine: which action may happen in which state, and where it leads.

`None` as a target keeps the state (work inside a state, such as claiming a step). Anything not listed is refused
with a reason naming the current state, in Chinese and English.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Channel, Delivery, State, SuspensionKind

S = State

TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "request_correction": (frozenset({S.SUBMITTED}), S.CORRECTION),
    "supplement": (frozenset({S.CORRECTION}), S.SUBMITTED),
    "accept": (frozenset({S.SUBMITTED}), S.IN_PROGRESS),
    "deemed_accept": (frozenset({S.SUBMITTED}), S.IN_PROGRESS),
    "not_accept": (frozenset({S.SUBMITTED, S.CORRECTION}), S.NOT_ACCEPTED),
    "claim": (frozenset({S.IN_PROGRESS}), None),
    "release": (frozenset({S.IN_PROGRESS}), None),
    "complete_step": (frozenset({S.IN_PROGRESS}), None),
    "return_step": (frozenset({S.IN_PROGRESS}), None),
    "suspend": (frozenset({S.IN_PROGRESS}), S.SUSPENDED),
    "resume": (frozenset({S.SUSPENDED}), S.IN_PROGRESS),
    "approve": (frozenset({S.IN_PROGRESS}), S.APPROVED),
    "refuse": (frozenset({S.IN_PROGRESS}), S.REFUSED),
    "withdraw": (frozenset({S.SUBMITTED, S.CORRECTION, S.IN_PROGRESS, S.SUSPENDED}), S.WITHDRAWN),
    "void": (frozenset({S.SUBMITTED, S.CORRECTION, S.IN_PROGRESS, S.SUSPENDED}), S.VOIDED),
    "deliver": (frozenset({S.APPROVED, S.REFUSED}), None),
    "recompute": (frozenset(State.values), None),
    "license_issued": (frozenset({S.APPROVED}), None),
    "license_not_issued": (frozenset({S.APPROVED}), None),
    "rule_check": (frozenset({S.SUBMITTED}), None),
}

ACTION_NAMES = {
    "submit": _("Application submitted"),
    "request_correction": _("One-time correction notice issued"),
    "supplement": _("Corrected materials supplied"),
    "accept": _("Accepted"),
    "deemed_accept": _("Accepted by law (no correction notice within 5 working days)"),
    "not_accept": _("Not accepted"),
    "claim": _("Step claimed"),
    "release": _("Step released"),
    "complete_step": _("Step completed"),
    "return_step": _("Returned to an earlier step"),
    "suspend": _("Special procedure started"),
    "resume": _("Special procedure ended"),
    "approve": _("Approved"),
    "refuse": _("Refused"),
    "withdraw": _("Withdrawn by the applicant"),
    "void": _("Voided"),
    "deliver": _("Result delivered"),
    "recompute": _("Deadlines recomputed"),
    "license_issued": _("E-license issued"),
    "license_not_issued": _("E-license not issued"),
    "rule_check": _("Checked by the instant-approval rules"),
}


# Values recorded on events that are no choice of a model: shown by these labels, never raw.
ROLE_NAMES = {"applicant": _("Applicant"), "system": _("The platform"), "": _("Applicant")}
CHANNEL_NAMES = {"workbench": _("Workbench"), "system": _("The platform")}


def role_label(role: str) -> str:
    """An event's role as a person reads it (申请人, 平台, 综合窗口工作人员 …)."""
    from yiwang.orgs.models import Role

    if role in Role.values:
        return str(Role(role).label)
    return str(ROLE_NAMES.get(role, role))


def channel_label(channel: str) -> str:
    if channel in Channel.values:
        return str(Channel(channel).label)
    return str(CHANNEL_NAMES.get(channel, channel))


def actor_label(name: str, role: str) -> str:
    """The name recorded for who acted; the platform's own work is recorded as "system" and shown as 平台."""
    if role == "system" or name == "system":
        return str(_("The platform"))
    return name


def detail_label(key: str, value: object) -> str:
    """One detail of an event's data as shown in a history (a delivery method or a special procedure's kind by its
    label, free text as written)."""
    text = str(value)
    if key == "method" and text in Delivery.values:
        return str(Delivery(text).label)
    if key == "kind" and text in SuspensionKind.values:
        return str(SuspensionKind(text).label)
    return text


def target(action: str, state: str) -> str | None:
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
