"""Who may see and do what in the exchange: the one place pages and the API ask (out of reach looks missing).

- Every staff member (any organisation role) reads the public part of the catalog: published resources listed for
  every department, their fields and services — never the data.
- A data officer keeps the resources, duties and negative entries of the organisations the role reaches, decides
  the access requests for those resources, answers the demands addressed to them, and — as a consumer — raises
  demands and access requests for those organisations and sees their grants and calls.
- Supervisors read everything in their division (lists, events, statistics, calls); they never write.
- System administrators reach everything, and alone register peer platforms.
- Machine clients act for their own organisation: `exchange:catalog` reads the catalog and requests access,
  `exchange:query` calls the data services their organisation (or they themselves) were granted.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.identity.access import Actor, Reach, handler_q
from yiwang.orgs.models import Organisation, Role

from .models import AccessRequest, DataResource, Demand, Grant, ResourceStatus

OFFICER = Role.DATA_OFFICER
SCOPE_QUERY = "exchange:query"
SCOPE_CATALOG = "exchange:catalog"


def is_officer(a: Actor) -> bool:
    return a.client_id is None and a.has_role(OFFICER)


def is_supervisor(a: Actor) -> bool:
    return a.client_id is None and a.has_role(Role.SUPERVISOR)


def is_sysadmin(a: Actor) -> bool:
    return a.is_superuser or Role.SYSADMIN in a.roles


def reads_catalog(a: Actor) -> bool:
    """Staff of any department, and machine clients holding exchange:catalog or exchange:query."""
    if a.client_id is not None:
        return a.has_scope(SCOPE_CATALOG) or a.has_scope(SCOPE_QUERY)
    return a.is_staff_member


def uses_exchange(a: Actor) -> bool:
    """Who has the exchange workbench at all: data officers, supervisors, system administrators."""
    return is_officer(a) or is_supervisor(a) or is_sysadmin(a)


def officer_reach(a: Actor) -> Reach:
    return a.reach(OFFICER) if a.may_write(OFFICER) else Reach()


def supervised(a: Actor) -> Reach:
    return a.reach(Role.SUPERVISOR) if a.has_role(Role.SUPERVISOR) else Reach()


def _orgs_q(a: Actor, field: str, *, read: bool) -> Q:
    q = handler_q(a, OFFICER, field)
    if read:
        q |= handler_q(a, Role.SUPERVISOR, field)
    if a.client_id is not None and a.client_org_id is not None:
        q |= Q(**{f"{field}_id": a.client_org_id})
    return q


def acting_orgs(a: Actor) -> QuerySet[Organisation]:
    """Organisations the caller may act for as a consumer or provider (data officer's reach; a client's own)."""
    if a.client_id is not None:
        return Organisation.objects.filter(pk=a.client_org_id)
    if not a.may_write(OFFICER):
        return Organisation.objects.none()
    ids = a.reach(OFFICER).organisation_ids()
    return Organisation.objects.all() if ids is None else Organisation.objects.filter(pk__in=ids)


def may_act_for(a: Actor, org: Organisation | None) -> bool:
    if org is None:
        return False
    if a.client_id is not None:
        return a.client_org_id == org.pk
    return a.may_write(OFFICER) and a.reach(OFFICER).covers(org.pk, org.parent_id, org.division.path)


# --- resources --------------------------------------------------------------------------------------------------


def visible_resources(a: Actor) -> QuerySet[DataResource]:
    """The catalog as the caller sees it: the public published part, plus every resource of the providers the
    caller keeps (drafts and unlisted ones too) or supervises."""
    if not reads_catalog(a):
        return DataResource.objects.none()
    if is_sysadmin(a):
        return DataResource.objects.all()
    q = Q(public=True, status=ResourceStatus.PUBLISHED) | _orgs_q(a, "provider", read=True)
    return DataResource.objects.filter(q)


def resource_or_404(a: Actor, code: str) -> DataResource:
    found = visible_resources(a).select_related("provider", "provider__division").filter(code=code).first()
    if found is None:
        raise Http404
    return found


def keeps(a: Actor, resource: DataResource) -> bool:
    """The provider's data officer (or a system administrator) may change the resource and decide its requests."""
    if a.client_id is not None:
        return False
    if is_sysadmin(a):
        return True
    p = resource.provider
    return a.may_write(OFFICER) and a.reach(OFFICER).covers(p.pk, p.parent_id, p.division.path)


# --- access -----------------------------------------------------------------------------------------------------


def visible_requests(a: Actor) -> QuerySet[AccessRequest]:
    """Requests the caller made (for organisations it acts for) or decides (for resources it keeps)."""
    if is_sysadmin(a):
        return AccessRequest.objects.all()
    q = _orgs_q(a, "consumer", read=True) | _orgs_q(a, "resource__provider", read=True)
    return AccessRequest.objects.filter(q)


def visible_grants(a: Actor) -> QuerySet[Grant]:
    if is_sysadmin(a):
        return Grant.objects.all()
    q = _orgs_q(a, "consumer", read=True) | _orgs_q(a, "resource__provider", read=True)
    if a.client_id is not None:
        q = Q(consumer_id=a.client_org_id) & (Q(client__isnull=True) | Q(client_id=a.client_id))
    return Grant.objects.filter(q)


# --- lists ------------------------------------------------------------------------------------------------------


def visible_demands(a: Actor) -> QuerySet[Demand]:
    if is_sysadmin(a):
        return Demand.objects.all()
    return Demand.objects.filter(_orgs_q(a, "requester", read=True) | _orgs_q(a, "provider", read=True))


def list_orgs_q(a: Actor, field: str = "provider") -> Q:
    """Duties and negative entries the caller reads: every data officer and supervisor reads the whole lists (they
    are the city's public commitments); the filter only keeps machine clients and citizens out."""
    if is_sysadmin(a) or is_officer(a) or is_supervisor(a):
        return Q(pk__isnull=False)
    return Q(pk__in=[])


def stats_orgs(a: Actor) -> list[int] | None:
    """Organisations whose statistics the caller reads (as provider or consumer); None: all."""
    if is_sysadmin(a):
        return None
    ids: set[int] = set()
    for reach in (officer_reach(a), supervised(a)):
        if reach.everywhere:
            return None
        found = reach.organisation_ids()
        if found is None:
            return None
        ids.update(found)
    return sorted(ids)
