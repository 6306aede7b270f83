"""Who may see and do what with work orders and knowledge entries: the one place pages, the API and Open311 ask.

- **Operators** (orgs role `hotline_operator`, at a 12345 centre) take calls, answer on the spot, dispatch, merge,
  call back and conclude the orders of the centres their membership reaches.
- The **centre supervisor** is an operator holding the permission `hotline.supervise` (demo: the group "12345
  centre supervisors"): decides extensions and send-backs, urges (督办), keeps the routing rules, deadline
  policies and categories, reads the statistics.
- **Handlers** (`hotline_handler`) of a department sign, handle and reply to the orders assigned to their
  organisation (or a sub-unit of it); they write the department's knowledge entries, and a second handler of the
  same department reviews them. A report's (举报) or an anonymous caller's identity never reaches them.
- **Supervisors** (电子监察) read the orders of their division and the statistics; they never act.
- **Citizens** see the orders they made while signed in (and anyone with the number and query code follows one).
- **Machine clients** with `hotline:read` / `hotline:write` read and create orders for their own organisation
  (the orders they created, or that their organisation receives or handles) and push its handling steps.

Out of reach is "not found" (404), exactly like a number that does not exist; known but not allowed is 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from yiwang.identity.access import Actor, actor, handler_q
from yiwang.orgs.models import Organisation, Role

from .models import Assignment, KnowledgeEntry, KnowledgeStatus, KnowledgeVersion, WorkOrder

OPERATOR = Role.HOTLINE_OPERATOR
HANDLER = Role.HOTLINE_HANDLER
SUPERVISE_PERMISSION = "hotline.supervise"
READ_SCOPE, WRITE_SCOPE = "hotline:read", "hotline:write"


@dataclass(frozen=True)
class HotlineActor:
    a: Actor
    supervises: bool = False

    @property
    def is_operator(self) -> bool:
        return self.a.may_write(OPERATOR)

    @property
    def is_handler(self) -> bool:
        return self.a.may_write(HANDLER)

    @property
    def is_supervisor(self) -> bool:
        """电子监察: reads, never acts."""
        return self.a.has_role(Role.SUPERVISOR)

    @property
    def is_client(self) -> bool:
        return self.a.client_id is not None

    @property
    def staff(self) -> bool:
        return self.is_operator or self.is_handler or self.is_supervisor or self.supervises

    def client_reads(self) -> bool:
        return self.is_client and (self.a.has_scope(READ_SCOPE) or self.a.has_scope(WRITE_SCOPE))

    def client_writes(self) -> bool:
        return self.is_client and self.a.has_scope(WRITE_SCOPE)


def for_actor(a: Actor, user=None) -> HotlineActor:
    supervises = bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and a.may_write(OPERATOR)
        and (user.is_superuser or Role.SYSADMIN in a.roles or user.has_perm(SUPERVISE_PERMISSION))
    )
    return HotlineActor(a, supervises)


def hactor(request: HttpRequest) -> HotlineActor:
    cached = getattr(request, "_hotline_actor", None)
    if cached is None:
        a = actor(request)
        user = None if a.client_id is not None else getattr(request, "user", None)
        cached = for_actor(a, user)
        request._hotline_actor = cached  # type: ignore[attr-defined]
    return cached


# --- orders -----------------------------------------------------------------------------------------------------


def _handler_assignments(a: Actor) -> Q:
    reach = a.reach(HANDLER)
    return reach.q("organisation") | reach.q("sub_unit")


def staff_q(ha: HotlineActor) -> Q:
    a = ha.a
    q = Q(pk__in=[])
    if a.has_role(OPERATOR):
        q |= handler_q(a, OPERATOR, "centre")
    if a.has_role(HANDLER):
        q |= Q(Exists(Assignment.objects.filter(_handler_assignments(a), order_id=OuterRef("pk"))))
    if a.has_role(Role.SUPERVISOR):
        reach = a.reach(Role.SUPERVISOR)
        if reach.everywhere:
            return Q(pk__isnull=False)
        for path in reach.division_paths:
            q |= Q(division_path__startswith=path) | Q(centre__division__path__startswith=path)
        q |= reach.q("centre")
    return q


def client_q(ha: HotlineActor) -> Q:
    a = ha.a
    if not ha.client_reads() or a.client_org_id is None:
        return Q(pk__in=[])
    org = a.client_org_id
    return (
        Q(source_client_id=a.client_id)
        | Q(centre_id=org)
        | Q(
            Exists(
                Assignment.objects.filter(
                    Q(organisation_id=org) | Q(organisation__parent_id=org), order_id=OuterRef("pk")
                )
            )
        )
    )


def citizen_q(ha: HotlineActor) -> Q:
    a = ha.a
    q = Q(pk__in=[])
    if a.person_id is not None:
        q |= Q(person_id=a.person_id)
    if a.user_id is not None:
        q |= Q(created_by_id=a.user_id, channel__in=("web", "mobile"))
    return q


def visible_orders(ha: HotlineActor) -> QuerySet[WorkOrder]:
    if not ha.a.is_authenticated:
        return WorkOrder.objects.none()
    if ha.a.is_superuser:
        return WorkOrder.objects.all()
    if ha.is_client:
        return WorkOrder.objects.filter(client_q(ha))
    return WorkOrder.objects.filter(citizen_q(ha) | staff_q(ha))


def get_order(ha: HotlineActor, number: str, *, related: bool = True) -> WorkOrder:
    qs = visible_orders(ha).filter(number=(number or "").strip())
    if related:
        qs = qs.select_related("category", "centre", "department", "caller", "policy", "master", "division")
    order = qs.first()
    if order is None:
        raise Http404
    return order


def is_centre_staff(ha: HotlineActor, order: WorkOrder) -> bool:
    """An operator whose membership reaches the centre that received the order."""
    if not ha.is_operator:
        return False
    centre = order.centre
    return ha.a.reach(OPERATOR).covers(centre.pk, centre.parent_id, centre.division.path if centre.division_id else "")


def handler_org_ids(ha: HotlineActor) -> list[int] | None:
    """The organisations a handler (or a machine client) acts for; None means any."""
    if ha.is_client:
        org = ha.a.client_org_id
        return [org, *Organisation.objects.filter(parent_id=org).values_list("pk", flat=True)] if org else []
    if not ha.is_handler:
        return []
    return ha.a.reach(HANDLER).organisation_ids()


def is_assigned_handler(ha: HotlineActor, order: WorkOrder) -> bool:
    ids = handler_org_ids(ha)
    if ids == []:
        return False
    qs = Assignment.objects.filter(order=order, state__in=("dispatched", "signed", "done"))
    if ids is not None:
        qs = qs.filter(Q(organisation_id__in=ids) | Q(sub_unit_id__in=ids))
    return qs.exists()


def is_caller(ha: HotlineActor, order: WorkOrder) -> bool:
    a = ha.a
    return (a.person_id is not None and order.person_id == a.person_id) or (
        a.user_id is not None and order.created_by_id == a.user_id and order.channel in ("web", "mobile")
    )


# What each kind of actor may do (the services check the state machine; this is who).
CENTRE_ACTIONS = ("dispatch", "conclude_direct", "callback", "conclude", "merge", "void", "link_case", "reveal")
DEPARTMENT_ACTIONS = ("sign", "sub_dispatch", "progress", "co_reply", "reply", "request_extension", "request_send_back")
SUPERVISOR_ACTIONS = ("decide", "urge")


def may(ha: HotlineActor, action: str, order: WorkOrder) -> bool:
    if action in CENTRE_ACTIONS:
        if ha.is_client:
            return ha.client_writes() and order.centre_id == ha.a.client_org_id and action not in ("reveal",)
        return is_centre_staff(ha, order)
    if action in DEPARTMENT_ACTIONS:
        if ha.is_client:
            return ha.client_writes() and is_assigned_handler(ha, order)
        return is_assigned_handler(ha, order)
    if action in SUPERVISOR_ACTIONS:
        return ha.supervises and is_centre_staff(ha, order)
    return False


def actions_for(ha: HotlineActor, order: WorkOrder) -> set[str]:
    return {x for x in (*CENTRE_ACTIONS, *DEPARTMENT_ACTIONS, *SUPERVISOR_ACTIONS) if may(ha, x, order)}


def sees_caller(ha: HotlineActor, order: WorkOrder) -> bool:
    """Whether the caller's name and (masked) number may be shown: never to a department when the reporter is
    hidden (举报, anonymous); always to the centre and to the caller themselves."""
    if ha.a.is_superuser or is_caller(ha, order):
        return True
    if ha.is_operator and is_centre_staff(ha, order):
        return True
    if order.hide_reporter:
        return False
    return ha.is_handler or ha.is_client


# --- knowledge ------------------------------------------------------------------------------------------------


def knowledge_orgs(ha: HotlineActor) -> list[int] | None:
    """Departments whose knowledge entries this handler writes and reviews (None: all, [] none)."""
    if ha.a.is_superuser:
        return None
    if not ha.is_handler:
        return []
    return ha.a.reach(HANDLER).organisation_ids()


def reads_knowledge(ha: HotlineActor) -> bool:
    return ha.staff or ha.a.is_superuser


def may_write_knowledge(ha: HotlineActor, entry: KnowledgeEntry | None, org_id: int | None = None) -> bool:
    ids = knowledge_orgs(ha)
    target = entry.organisation_id if entry is not None else org_id
    return ids is None or (target is not None and target in ids)


def may_review(ha: HotlineActor, version: KnowledgeVersion) -> bool:
    """A second person: a handler of the same department (or a centre supervisor), never the author."""
    if version.status != KnowledgeStatus.REVIEW or version.written_by_id == ha.a.user_id:
        return False
    return ha.supervises or may_write_knowledge(ha, version.entry)


def visible_entries(ha: HotlineActor) -> QuerySet[KnowledgeEntry]:
    if not ha.a.is_authenticated or ha.is_client:
        return KnowledgeEntry.objects.filter(public=True, current__isnull=False)
    if reads_knowledge(ha):
        ids = knowledge_orgs(ha)
        if ids is None or ha.is_operator or ha.supervises or ha.is_supervisor:
            return KnowledgeEntry.objects.all()
        return KnowledgeEntry.objects.filter(Q(current__isnull=False) | Q(organisation_id__in=ids))
    return KnowledgeEntry.objects.filter(public=True, current__isnull=False)
