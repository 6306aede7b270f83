"""Who may see and act on which case: the case-specific rules, built on identity.access (the one place).

- Applicants see their own cases, and their enterprises' where they hold the view_cases permission; they may
  withdraw and supplement them (apply permission for an enterprise's case).
- Window clerks see and accept (一窗受理) the cases of every organisation their membership reaches — a
  comprehensive window's membership covers its division, so it takes any department's items there.
- Reviewers and approvers see their organisations' cases and work the steps assigned to their role.
- Supervisors read every case in their division and never act.
- Machine clients act with scopes cases:read / cases:write on their own organisation's cases.
A case outside a person's reach is "not found", exactly like a case number that does not exist.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from yiwang.identity.access import Actor, handler_q, owner_q
from yiwang.identity.models import AgentPermission
from yiwang.orgs.models import Role

from .models import Case, CaseStep

STAFF_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)


def applicant_cases(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(owner_q(actor, AgentPermission.VIEW_CASES))


def receipt_cases(actor: Actor) -> QuerySet[Case]:
    """The applicant's cases, plus those this account itself submitted (an agent may hold "apply" without
    "view_cases": they still get the receipt of what they just handed in)."""
    q = owner_q(actor, AgentPermission.VIEW_CASES)
    if actor.user_id is not None:
        q |= Q(submitted_by_id=actor.user_id)
    return Case.objects.filter(q)


def staff_q(actor: Actor) -> Q:
    q = Q(pk__in=[])
    for role in STAFF_ROLES:
        if actor.has_role(role):
            q |= handler_q(actor, role)
    for role in (Role.REVIEWER, Role.APPROVER):
        if actor.has_role(role) and not actor.reach(role).everywhere:
            # A countersigning department sees the cases it has a step in, though another organisation handles them.
            q |= Q(Exists(CaseStep.objects.filter(handler_q(actor, role), case_id=OuterRef("pk"), role=role)))
    if actor.client_id is not None and actor.has_scope("cases:read") and actor.client_org_id is not None:
        q |= Q(organisation_id=actor.client_org_id) | Q(organisation__parent_id=actor.client_org_id)
    return q


def visible_cases(actor: Actor) -> QuerySet[Case]:
    """Every case the actor may open: as applicant, agent, staff, supervisor or machine client."""
    if not actor.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(owner_q(actor, AgentPermission.VIEW_CASES) | staff_q(actor))


def _reaches(actor: Actor, role: str, case: Case) -> bool:
    if not actor.has_role(role):
        return False
    org = case.organisation
    return actor.reach(role).covers(case.organisation_id, org.parent_id, case.division_path)


def is_applicant(actor: Actor, case: Case, permission: str = AgentPermission.APPLY) -> bool:
    if case.enterprise_id is not None:
        return actor.acts_for(case.enterprise_id, permission)
    return actor.person_id is not None and actor.person_id == case.person_id


def may_accept(actor: Actor, case: Case) -> bool:
    """The window, or the department's reviewer, decides on acceptance."""
    if actor.client_id is not None:
        return actor.has_scope("cases:write") and case.organisation_id == actor.client_org_id
    return _reaches(actor, Role.WINDOW_CLERK, case) or _reaches(actor, Role.REVIEWER, case)


def may_work_step(actor: Actor, case: Case, step: CaseStep) -> bool:
    if actor.client_id is not None:
        return actor.has_scope("cases:write") and step.organisation_id == actor.client_org_id
    if not actor.may_write(step.role) and not actor.is_superuser:
        return False
    reach = actor.reach(step.role)
    return reach.covers(step.organisation_id, None, "") or reach.everywhere or _reaches(actor, step.role, case)


def may_suspend(actor: Actor, case: Case) -> bool:
    return may_conclude(actor, case) or _reaches(actor, Role.REVIEWER, case)


def may_conclude(actor: Actor, case: Case) -> bool:
    if actor.client_id is not None:
        return actor.has_scope("cases:write") and case.organisation_id == actor.client_org_id
    return _reaches(actor, Role.APPROVER, case)


def may_deliver(actor: Actor, case: Case) -> bool:
    return may_accept(actor, case) or may_conclude(actor, case)


def may_void(actor: Actor, case: Case) -> bool:
    return may_conclude(actor, case)


def work_queue(actor: Actor, role: str) -> QuerySet[CaseStep]:
    """Steps waiting for this role in the organisations it reaches (the to-do list), most urgent first.

    The reach is resolved to organisation ids first (one small query), so the list is read from the partial index
    on open steps (role, organisation, due) whatever the number of cases.
    """
    if not actor.may_write(role):
        return CaseStep.objects.none()
    qs = CaseStep.objects.filter(role=role, state__in=("active", "claimed"))
    ids = actor.reach(role).organisation_ids()
    if ids is not None:
        qs = qs.filter(organisation_id__in=ids)
    return qs.order_by("due", "id")


def acting_org(actor: Actor, role: str, case: Case) -> int | None:
    """Which of the actor's organisations acts on `case` in `role`, for the event record."""
    return acting_org_for(actor, role, case.organisation_id, case.organisation.parent_id)


def acting_org_for(actor: Actor, role: str, organisation_id: int, parent_id: int | None = None) -> int | None:
    """Which of the actor's organisations acts in `role` on a matter of `organisation_id` (its own, its parent, or
    any of the actor's; a machine client always acts for its own organisation)."""
    if actor.client_org_id is not None:
        return actor.client_org_id
    reach = actor.reach(role)
    if organisation_id in reach.org_ids:
        return organisation_id
    if parent_id in reach.org_ids:
        return parent_id
    return min(reach.org_ids) if reach.org_ids else organisation_id


def accepting_role(actor: Actor, case: Case) -> str:
    """The role in which the actor accepts: the window first (一窗受理), else the department's reviewer."""
    return Role.WINDOW_CLERK if _reaches(actor, Role.WINDOW_CLERK, case) else Role.REVIEWER
