"""Which organisations a staff member's role reaches: the one rule pages and the API share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Membership, Organisation, Role


def organisations_for(user, role: str) -> QuerySet[Organisation]:
    """Organisations `user` may act on in `role` (system administrators reach all)."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    memberships = list(
        Membership.objects.filter(user=user, role__in=[role, Role.SYSADMIN]).select_related("organisation__division")
    )
    if any(m.role == Role.SYSADMIN for m in memberships):
        return Organisation.objects.all()
    q = Q(pk__in=[])
    for m in memberships:
        q |= Q(pk=m.organisation_id) | Q(parent_id=m.organisation_id)
        if m.covers_division:
            q |= Q(division__path__startswith=m.organisation.division.path)
    return Organisation.objects.filter(q)


def has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role__in=[role, Role.SYSADMIN]).exists()
