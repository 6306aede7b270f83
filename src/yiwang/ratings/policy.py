"""Who may see and do what in ratings, on top of identity.access (roles and their reach, resolved once per request).

- A person sees their own ratings and complaints (and their enterprises' where they act for it with view_cases),
  rates their own cases, complains; nobody rates a case that is not theirs.
- Department staff (reviewers and approvers) handle the rectifications and complaints of the organisations their
  role reaches: callback, classification, rectification, the reply, an appeal; and read their figures.
- Supervisors (电子监察) read everything in their division, review and close rectifications, decide appeals and
  close complaints; they never do the department's part.
- Window clerks set up rating pads for the windows of the halls they serve, and read those halls' figures.
- 12345 operators record a rating on a caller's behalf (the caller proves the case is theirs).
- Every staff member reads the figures about themselves.
- Machine clients: ratings:read reads their own organisation's figures and bad reviews; ratings:write sends
  on-site ratings from the windows serving their organisation (评价器 devices).
A record out of reach is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yiwang.identity.access import Actor, Reach, owner_q
from yiwang.identity.models import AgentPermission
from yiwang.orgs.models import Hall, Membership, Organisation, Role, Window

from .models import Complaint, Rating, Rectification

HANDLER_ROLES = (Role.REVIEWER, Role.APPROVER)
READ_SCOPE = "ratings:read"
WRITE_SCOPE = "ratings:write"


def _reach_q(reach: Reach, org_field: str = "organisation", path_field: str | None = "division_path") -> Q:
    """Records of the organisations `reach` covers; division paths on the record's own column when it has one."""
    if reach.everywhere:
        return Q(pk__isnull=False)
    q = Q(pk__in=[])
    if reach.org_ids:
        q |= Q(**{f"{org_field}__in": sorted(reach.org_ids)})
    if reach.parent_ids:
        q |= Q(**{f"{org_field}__parent_id__in": sorted(reach.parent_ids)})
    for path in reach.division_paths:
        if path_field:
            q |= Q(**{f"{path_field}__startswith": path})
        else:
            q |= Q(**{f"{org_field}__division__path__startswith": path})
    return q


def _covers(actor: Actor, role: str, org: Organisation) -> bool:
    return actor.has_role(role) and actor.reach(role).covers(org.pk, org.parent_id, org.division.path)


# --- roles ----------------------------------------------------------------------------------------------------


def is_handler(actor: Actor) -> bool:
    return any(actor.may_write(r) for r in HANDLER_ROLES)


def is_supervisor(actor: Actor) -> bool:
    return actor.has_role(Role.SUPERVISOR)


def is_operator(actor: Actor) -> bool:
    return actor.has_role(Role.HOTLINE_OPERATOR)


def is_clerk(actor: Actor) -> bool:
    return actor.may_write(Role.WINDOW_CLERK)


def is_workbench_user(actor: Actor) -> bool:
    """Staff with any part in ratings (everyone with a role reads at least their own figures)."""
    return actor.is_staff_member


def handles(actor: Actor, org: Organisation) -> bool:
    """Department staff of `org` (or above it) may do the department's part for it."""
    return any(actor.may_write(r) and _covers(actor, r, org) for r in HANDLER_ROLES)


def supervises(actor: Actor, org: Organisation) -> bool:
    return _covers(actor, Role.SUPERVISOR, org)


# --- records in reach -----------------------------------------------------------------------------------------


def staff_q(actor: Actor, org_field: str = "organisation", path_field: str | None = "division_path") -> Q:
    """Records the actor reaches as department staff or as supervisor (nothing without those roles)."""
    q = Q(pk__in=[])
    for role in (*HANDLER_ROLES, Role.SUPERVISOR):
        if actor.has_role(role):
            q |= _reach_q(actor.reach(role), org_field, path_field)
    return q


def rectifications(actor: Actor) -> QuerySet[Rectification]:
    if actor.client_id is not None:
        if actor.has_scope(READ_SCOPE) and actor.client_org_id is not None:
            return Rectification.objects.filter(organisation_id=actor.client_org_id)
        return Rectification.objects.none()
    return Rectification.objects.filter(staff_q(actor))


def complaints_handled(actor: Actor) -> QuerySet[Complaint]:
    return Complaint.objects.filter(staff_q(actor))


def complaints_visible(actor: Actor) -> QuerySet[Complaint]:
    """The person's own (and their enterprises'), or those routed to the staff member's reach."""
    if not actor.is_authenticated or actor.client_id is not None:
        return Complaint.objects.none()
    return Complaint.objects.filter(owner_q(actor, AgentPermission.VIEW_CASES) | staff_q(actor))


def own_ratings(actor: Actor) -> QuerySet[Rating]:
    """The ratings a person gave (themself, or for an enterprise they act for)."""
    if actor.person_id is None:
        return Rating.objects.none()
    q = Q(person_id=actor.person_id)
    ents = actor.enterprises(AgentPermission.VIEW_CASES)
    if ents:
        q |= Q(enterprise_id__in=ents)
    return Rating.objects.filter(q)


def department_ratings(actor: Actor) -> QuerySet[Rating]:
    return Rating.objects.filter(staff_q(actor, path_field=None))


# --- statistics scope -----------------------------------------------------------------------------------------


def _org_ids(actor: Actor, roles: tuple[str, ...]) -> list[int] | None:
    """Organisations the roles reach (None: all of them)."""
    ids: set[int] = set()
    for role in roles:
        if actor.has_role(role):
            found = actor.reach(role).organisation_ids()
            if found is None:
                return None
            ids.update(found)
    return sorted(ids)


def department_keys(actor: Actor) -> list[int] | None:
    if actor.client_id is not None:
        return [actor.client_org_id] if actor.has_scope(READ_SCOPE) and actor.client_org_id else []
    return _org_ids(actor, (*HANDLER_ROLES, Role.SUPERVISOR))


def hall_keys(actor: Actor) -> list[int] | None:
    orgs = _org_ids(actor, (*HANDLER_ROLES, Role.SUPERVISOR, Role.WINDOW_CLERK))
    if actor.client_id is not None:
        orgs = department_keys(actor)
    if orgs is None:
        return None
    return sorted(Hall.objects.filter(organisation_id__in=orgs).values_list("pk", flat=True))


def window_keys(actor: Actor) -> list[int] | None:
    halls = hall_keys(actor)
    orgs = department_keys(actor)
    if halls is None or orgs is None:
        return None
    q = Q(hall_id__in=halls) | Q(organisations__in=orgs)
    return sorted(set(Window.objects.filter(q).values_list("pk", flat=True)))


def staff_keys(actor: Actor) -> list[int] | None:
    """Whose figures the actor reads: their own; supervisors and approvers, also their organisations' staff."""
    own = [actor.user_id] if actor.user_id is not None else []
    orgs = _org_ids(actor, (Role.SUPERVISOR, Role.APPROVER))
    if orgs is None:
        return None
    if orgs:
        own += list(Membership.objects.filter(organisation_id__in=orgs).values_list("user_id", flat=True))
    return sorted(set(own))


def may_set_up_pad(actor: Actor, window: Window) -> bool:
    """Clerks of the hall's operator (or of a department the window serves), and system administrators."""
    if not is_clerk(actor):
        return False
    hall = window.hall
    orgs = [hall.organisation, *window.organisations.all()]
    return any(_covers(actor, Role.WINDOW_CLERK, o) for o in orgs)


def pad_windows(actor: Actor) -> QuerySet[Window]:
    if not is_clerk(actor):
        return Window.objects.none()
    reach = actor.reach(Role.WINDOW_CLERK)
    if reach.everywhere:
        return Window.objects.all()
    return Window.objects.filter(
        _reach_q(reach, "hall__organisation", None) | _reach_q(reach, "organisations", None)
    ).distinct()


def client_windows(actor: Actor) -> QuerySet[Window]:
    """Windows a machine client may send on-site ratings for: those of its organisation's halls or serving it."""
    if actor.client_org_id is None or not actor.has_scope(WRITE_SCOPE):
        return Window.objects.none()
    org = actor.client_org_id
    return Window.objects.filter(Q(hall__organisation_id=org) | Q(organisations=org)).distinct()
