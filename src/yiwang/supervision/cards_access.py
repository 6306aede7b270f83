"""Who sees which cards, correction orders and watch entries: the one rule pages and the API share.

- A supervisor (电子监察) reaches the departments of their role's reach (their organisation, its children, and the
  whole division when the membership covers it); system administrators reach all.
- A department's approver (the staff member's leader) sees the cards of their department; any staff member sees
  the cards issued to them.
- A correction order is answered by the department's reviewers and approvers; it is issued, closed and reopened by a
  supervisor reaching the department. Anything out of reach answers 404 like a missing record.
"""

from __future__ import annotations

from django.db.models import Q

from yiwang.identity.access import Actor
from yiwang.orgs.models import Role

DEPARTMENT_ROLES = (Role.REVIEWER, Role.APPROVER)


def is_supervisor(a: Actor) -> bool:
    return a.user_id is not None and a.has_role(Role.SUPERVISOR)


def may_see_cards(a: Actor) -> bool:
    return a.user_id is not None and a.is_staff_member


def supervised(a: Actor) -> list[int] | None:
    """The organisations a supervisor reaches (None: all of them; [] for anyone else)."""
    if not is_supervisor(a):
        return []
    return a.reach(Role.SUPERVISOR).organisation_ids()


def _orgs_q(ids: list[int] | None, field: str = "organisation_id") -> Q:
    if ids is None:
        return Q(pk__isnull=False)
    return Q(**{f"{field}__in": ids}) if ids else Q(pk__in=[])


def led(a: Actor) -> list[int] | None:
    """Departments whose cards this actor sees as their leader (approver)."""
    if not a.has_role(Role.APPROVER):
        return []
    return a.reach(Role.APPROVER).organisation_ids()


def department_of(a: Actor) -> list[int] | None:
    """Departments whose correction orders this actor answers (reviewers and approvers)."""
    out: set[int] = set()
    for role in DEPARTMENT_ROLES:
        if a.has_role(role):
            ids = a.reach(role).organisation_ids()
            if ids is None:
                return None
            out.update(ids)
    return sorted(out)


def cards_q(a: Actor) -> Q:
    if not may_see_cards(a):
        return Q(pk__in=[])
    q = Q(staff_id=a.user_id)
    sup = supervised(a)
    if sup is None or sup:
        q |= _orgs_q(sup)
    lead = led(a)
    if lead is None or lead:
        q |= _orgs_q(lead)
    return q


def corrections_q(a: Actor) -> Q:
    if a.user_id is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    sup = supervised(a)
    if sup is None or sup:
        q |= _orgs_q(sup)
    dep = department_of(a)
    if dep is None or dep:
        q |= _orgs_q(dep)
    return q


def reaches(ids: list[int] | None, org_id: int | None) -> bool:
    return org_id is not None and (ids is None or org_id in ids)


def may_supervise(a: Actor, org_id: int | None) -> bool:
    return is_supervisor(a) and reaches(supervised(a), org_id)


def may_answer(a: Actor, org_id: int | None) -> bool:
    return a.user_id is not None and reaches(department_of(a), org_id)
