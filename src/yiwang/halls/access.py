"""Who may see and do what in a hall, built on identity.access (one Actor per request, no per-row queries).

- Window clerks (orgs Role.WINDOW_CLERK) operate the windows of the halls whose operating organisation their
  membership reaches, take numbers at the front desk and check appointments in there.
- Hall managers (Role.HALL_MANAGER) see their halls' figures, close days and read every appointment there; they
  operate no window unless they also hold the clerk role.
- Supervisors read the manager's page across their division and never act; system administrators reach all.
- Applicants reach their own appointments, and their enterprises' where they may apply for them.
- Reviewers and approvers propose and record on-site surveys of the cases they may suspend (cases.policy).
Anything out of reach answers 404, exactly like a record that does not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.identity.access import Actor, owner_q
from yiwang.identity.models import AgentPermission
from yiwang.orgs.models import Hall, Role, Window

from .models import Appointment, SurveyRequest

MANAGER_READ_ROLES = (Role.HALL_MANAGER, Role.SUPERVISOR)


def _halls_for(actor: Actor, roles: tuple[str, ...]) -> QuerySet[Hall]:
    q = Q(pk__in=[])
    for role in roles:
        if actor.has_role(role):
            reach = actor.reach(role)
            if reach.everywhere:
                return Hall.objects.all()
            q |= reach.q("organisation")
    return Hall.objects.filter(q)


def clerk_halls(actor: Actor) -> QuerySet[Hall]:
    """Halls whose windows the actor may operate (clerks; system administrators everywhere)."""
    if not actor.may_write(Role.WINDOW_CLERK):
        return Hall.objects.none()
    return _halls_for(actor, (Role.WINDOW_CLERK,))


def manager_halls(actor: Actor, *, write: bool = False) -> QuerySet[Hall]:
    """Halls whose figures the actor reads (managers, supervisors) or manages (managers only, with write)."""
    if write:
        if not actor.may_write(Role.HALL_MANAGER):
            return Hall.objects.none()
        return _halls_for(actor, (Role.HALL_MANAGER,))
    return _halls_for(actor, MANAGER_READ_ROLES)


def staff_halls(actor: Actor) -> QuerySet[Hall]:
    """Every hall the actor works in or oversees."""
    roles = (Role.WINDOW_CLERK, *MANAGER_READ_ROLES)
    return _halls_for(actor, roles)


def is_staff_of(actor: Actor, hall_id: int) -> bool:
    return staff_halls(actor).filter(pk=hall_id).exists()


def clerk_hall_or_404(actor: Actor, hall_id: int) -> Hall:
    hall = clerk_halls(actor).select_related("organisation").filter(pk=hall_id).first()
    if hall is None:
        raise Http404
    return hall


def manager_hall_or_404(actor: Actor, hall_id: int, *, write: bool = False) -> Hall:
    hall = manager_halls(actor, write=write).filter(pk=hall_id).first()
    if hall is None:
        raise Http404
    return hall


def window_or_404(actor: Actor, window_id: int) -> Window:
    """A window of a hall the actor operates."""
    window = Window.objects.select_related("hall").filter(pk=window_id, hall__in=clerk_halls(actor)).first()
    if window is None:
        raise Http404
    return window


def appointments_visible(actor: Actor) -> QuerySet[Appointment]:
    """The applicant's own (and their enterprises') appointments, plus those of halls the actor works in."""
    if not actor.is_authenticated or actor.client_id is not None:
        return Appointment.objects.none()
    q = owner_q(actor, AgentPermission.APPLY)
    if actor.user_id is not None:
        q |= Q(user_id=actor.user_id)
    if actor.is_staff_member:
        q |= Q(hall__in=staff_halls(actor))
    return Appointment.objects.filter(q)


def own_appointments(actor: Actor) -> QuerySet[Appointment]:
    """Appointments the actor booked or may act on as the applicant (cancel, change)."""
    if actor.person_id is None:
        return Appointment.objects.none()
    q = owner_q(actor, AgentPermission.APPLY)
    if actor.user_id is not None:
        q |= Q(user_id=actor.user_id)
    return Appointment.objects.filter(q)


def surveys_for_staff(actor: Actor) -> QuerySet[SurveyRequest]:
    """Surveys of the organisations whose cases the actor reviews or approves (supervisors read them too)."""
    q = Q(pk__in=[])
    for role in (Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR):
        if actor.has_role(role):
            reach = actor.reach(role)
            if reach.everywhere:
                return SurveyRequest.objects.all()
            q |= reach.q("organisation")
    return SurveyRequest.objects.filter(q)


def surveys_for_applicant(actor: Actor) -> QuerySet[SurveyRequest]:
    if actor.person_id is None:
        return SurveyRequest.objects.none()
    return SurveyRequest.objects.filter(owner_q(actor, AgentPermission.VIEW_CASES, "case__person", "case__enterprise"))


def may_work_survey(actor: Actor, survey: SurveyRequest) -> bool:
    """Proposing times and recording the result: whoever may start the case's special procedure."""
    from yiwang.cases import policy

    return policy.may_suspend(actor, survey.case)
