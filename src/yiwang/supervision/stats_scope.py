"""Who sees which statistics: the organisations a viewer's roles reach (supervisors their division or the city,
department reviewers and approvers their department), resolved once per request by identity.access."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from yiwang.identity.access import Actor
from yiwang.orgs.models import Role

# Roles that read statistics (their reach decides which departments), and the one that manages rankings.
STAT_ROLES = (Role.SUPERVISOR, Role.APPROVER, Role.REVIEWER)


def may_read(a: Actor) -> bool:
    return any(a.has_role(r) for r in STAT_ROLES)


def may_manage(a: Actor) -> bool:
    """Scoring models and publishing rankings: supervisors (and system administrators)."""
    return a.has_role(Role.SUPERVISOR)


def viewer_org_ids(a: Actor) -> list[int] | None:
    """The organisations whose figures `a` may see (None: all); PermissionDenied without a statistics role."""
    if not may_read(a):
        raise PermissionDenied
    ids: set[int] = set()
    for role in STAT_ROLES:
        if not a.has_role(role):
            continue
        reached = a.reach(role).organisation_ids()
        if reached is None:
            return None
        ids.update(reached)
    return sorted(ids)


def narrow(org_ids: list[int] | None, organisation_id: int | None) -> list[int] | None:
    """The viewer's organisations narrowed to one asked for; one out of reach is "not found" (404)."""
    if organisation_id is None:
        return org_ids
    if org_ids is not None and organisation_id not in org_ids:
        raise Http404
    return [organisation_id]
