"""The one place ratings reads cases: through cases' public rules (cases.policy) and its rows, never writing them.

Everything ratings needs about a case — whose it is, which stages may be rated now, its department, item and
hall, the staff who acted on it (from its events) — is asked here, so the rest of the module does not know the
cases tables and this file is all that changes when cases' public queries grow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from yiwang.cases import policy
from yiwang.cases import services as case_services
from yiwang.cases.models import Case, CaseEvent, State
from yiwang.identity import crypto
from yiwang.identity.access import Actor, owner_q
from yiwang.identity.models import AgentPermission
from yiwang.orgs.models import Role

from .standard import Mode, Stage

# Staff roles whose work on a case a rating judges.
JUDGED_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER)
ACCEPTED_STATES = (State.IN_PROGRESS, State.SUSPENDED)
RESULT_STATES = (State.APPROVED, State.REFUSED, State.NOT_ACCEPTED)
CONCLUDING_ACTIONS = frozenset({"approve", "refuse", "not_accept"})
ACCEPTING_ACTIONS = frozenset({"accept", "deemed_accept"})
# Channels where the applicant met staff in person: their case is rated with the on-site indicators.
ONSITE_CHANNELS = frozenset({"window"})


@dataclass(frozen=True)
class StaffRef:
    user_id: int
    role: str
    name: str


def rating_window_days() -> int:
    """Days after conclusion during which the result may be rated (then the default applies; 0: no limit)."""
    return int(getattr(settings, "RATINGS_DEFAULT_AFTER_DAYS", 15))


def case_qs() -> QuerySet[Case]:
    return Case.objects.select_related("item", "version", "organisation", "person", "enterprise")


def by_pk(case_id: int) -> Case | None:
    return case_qs().filter(pk=case_id).first()


def by_number(case_number: str) -> Case | None:
    return case_qs().filter(case_number=(case_number or "").strip()).first()


def visible_to_applicant(actor: Actor, case_number: str) -> Case | None:
    """The case when the actor may see it as its applicant (self, or an enterprise they act for), else None."""
    return case_qs().filter(owner_q(actor, AgentPermission.VIEW_CASES), case_number=case_number).first()


def may_rate(actor: Actor, case: Case) -> bool:
    """The applicant themself, or someone acting for the applying enterprise with the apply permission."""
    return policy.is_applicant(actor, case, AgentPermission.APPLY)


def number_problem(case_number: str) -> str | None:
    return case_services.case_number_problem((case_number or "").strip())


def query_code_matches(case: Case, code: str) -> bool:
    return bool(code) and case_services.check_query_code(case, code.strip().upper())


def phone_matches(case: Case, phone: str) -> bool:
    """The caller's number is the applicant's registered mobile (how a 12345 operator recognises the applicant)."""
    digits = crypto.normalise(phone or "")
    person = case.person
    return bool(digits) and bool(person.phone_hash) and person.phone_hash == crypto.lookup_hash("phone", digits)


def mode_of(case: Case) -> str:
    return Mode.ONSITE if case.channel in ONSITE_CHANNELS else Mode.ONLINE


def stage_now(case: Case, now: dt.datetime | None = None) -> str | None:
    """The 一事一评 stage the case is in: after acceptance, after the result (within the rating window), or None."""
    if case.state in ACCEPTED_STATES and case.accepted_at is not None:
        return Stage.ACCEPTED
    if case.state in RESULT_STATES and case.concluded_at is not None:
        days = rating_window_days()
        now = now or timezone.now()
        if days and case.concluded_at < now - dt.timedelta(days=days):
            return None
        return Stage.RESULT
    return None


def staff_of(case_id: int) -> list[StaffRef]:
    """The staff who accepted, worked on or concluded the case (its events), each once, in order of first action."""
    seen: dict[int, StaffRef] = {}
    for uid, role, name in (
        CaseEvent.objects.filter(case_id=case_id, actor__isnull=False, role__in=JUDGED_ROLES)
        .order_by("seq")
        .values_list("actor_id", "role", "actor_name")
    ):
        seen.setdefault(uid, StaffRef(uid, role, name))
    return list(seen.values())


def event(event_id: int) -> CaseEvent | None:
    return CaseEvent.objects.filter(pk=event_id).only("id", "case_id", "action", "at").first()


def recent_cases(person_id: int | None, enterprise_id: int | None, limit: int = 20) -> list[Case]:
    """A subject's latest cases (for the reminders in My Space), newest first, from the applicant's own index."""
    if enterprise_id:
        qs = Case.objects.filter(enterprise_id=enterprise_id)
    elif person_id:
        qs = Case.objects.filter(person_id=person_id, enterprise__isnull=True)
    else:
        return []
    return list(
        qs.order_by("-submitted_at", "-id").only(
            "id", "case_number", "item_name", "state", "channel", "accepted_at", "concluded_at", "submitted_at"
        )[:limit]
    )
