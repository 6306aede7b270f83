"""Who may see and act on a license, built on identity.access (one Actor per request, no per-row queries)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.identity.access import Actor
from yiwang.identity.models import AgentPermission, Enterprise, Person
from yiwang.orgs.models import Organisation, Role

from .models import HolderKind, License

# Staff roles that may read licenses issued by their organisations (approvers also write).
READ_ROLES = (Role.APPROVER, Role.REVIEWER, Role.WINDOW_CLERK, Role.SUPERVISOR, Role.DATA_OFFICER)


def holder_q(actor: Actor) -> Q:
    """Licenses the actor holds: their own as a person, their enterprises' where they may use its licenses."""
    q = Q(pk__in=[])
    if actor.person_id is not None:
        person = Person.objects.filter(pk=actor.person_id).only("doc_number_hash").first()
        if person is not None:
            q |= Q(holder_kind=HolderKind.PERSON) & (
                Q(person_id=person.pk) | Q(holder_number_hash=person.doc_number_hash)
            )
    ents = sorted(set(actor.enterprises(AgentPermission.LICENSES)) | set(actor.enterprises(AgentPermission.VIEW_CASES)))
    if ents:
        codes = list(Enterprise.objects.filter(pk__in=ents).values_list("credit_code", flat=True))
        q |= Q(holder_kind=HolderKind.ENTERPRISE, holder_code__in=codes)
    return q


def staff_q(actor: Actor) -> Q | None:
    """Licenses issued by organisations the actor's staff roles reach; None means all of them.

    (An empty Q() cannot stand for "everything" here: `Q(pk__in=[]) | Q()` is Q(pk__in=[]).)
    """
    q = Q(pk__in=[])
    for role in READ_ROLES:
        if actor.has_role(role):
            reach = actor.reach(role)
            if reach.everywhere:
                return None
            q |= reach.q("issuer")
    return q


def visible(actor: Actor) -> QuerySet[License]:
    staff = staff_q(actor)
    qs = License.objects.all() if staff is None else License.objects.filter(holder_q(actor) | staff)
    return qs.select_related("license_type", "issuer", "signing_key")


def is_holder(actor: Actor, lic: License) -> bool:
    return License.objects.filter(holder_q(actor), pk=lic.pk).exists()


ISSUE_SCOPE = "licenses:issue"


def _client_issues(actor: Actor) -> bool:
    """A machine client issues in its organisation's name (and its child organisations') with licenses:issue."""
    return actor.client_id is not None and actor.client_org_id is not None and actor.has_scope(ISSUE_SCOPE)


def may_issue(actor: Actor, org: Organisation) -> bool:
    """Approvers of the issuing organisation (or reaching it through their membership) issue and change; so does
    a machine client of that organisation (or of its parent) holding licenses:issue."""
    if actor.client_id is not None:
        return _client_issues(actor) and actor.client_org_id in (org.pk, org.parent_id)
    if not actor.may_write(Role.APPROVER):
        return False
    return actor.reach(Role.APPROVER).covers(org.pk, org.parent_id, org.division.path if org.division_id else "")


def issuing_orgs(actor: Actor) -> QuerySet[Organisation]:
    if actor.client_id is not None:
        if not _client_issues(actor):
            return Organisation.objects.none()
        own = actor.client_org_id
        return Organisation.objects.filter(Q(pk=own) | Q(parent_id=own)).select_related("division")
    if not actor.may_write(Role.APPROVER):
        return Organisation.objects.none()
    return Organisation.objects.filter(_org_q(actor)).select_related("division")


def _org_q(actor: Actor) -> Q:
    reach = actor.reach(Role.APPROVER)
    if reach.everywhere:
        return Q()
    q = Q(pk__in=sorted(reach.org_ids)) | Q(parent_id__in=sorted(reach.parent_ids))
    for path in reach.division_paths:
        q |= Q(division__path__startswith=path)
    return q


def get_visible(actor: Actor, identifier: str) -> License:
    lic = visible(actor).filter(identifier=identifier.strip().upper()).first()
    if lic is None:
        raise Http404
    return lic
