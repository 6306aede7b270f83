"""Who may see and do what: the one place pages and the API both ask.

An `Actor` is resolved once per request (a constant number of queries, whatever the data) and then answers
every question without touching the database again:

- applicants reach their own records, and as agents their enterprises' records within the permissions granted;
- staff reach their organisations' records, and the children's (or the whole division's) where the membership
  says so (`orgs.scope`), for the role they act in;
- supervisors read across their division and never write;
- machine clients reach what their scopes and their organisation allow.

Records elsewhere are filtered with `owner_q()` / `handler_q()`, so a guessed id outside the actor's reach
behaves exactly like an id that does not exist (404, never 403, never a hint).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone

from yiwang.orgs.models import Membership, Role

from .models import Agent, AgentPermission, Enterprise, Person

READ_ONLY_ROLES = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True)
class Reach:
    """The organisations one role reaches: exact ids, ids whose parent is listed, and division path prefixes."""

    org_ids: frozenset[int] = frozenset()
    parent_ids: frozenset[int] = frozenset()
    division_paths: tuple[str, ...] = ()
    everywhere: bool = False

    def q(self, org_field: str = "organisation") -> Q:
        if self.everywhere:
            # Not Q(): OR-ed onto Q(pk__in=[]) an empty Q vanishes and the result would match nothing.
            return Q(pk__isnull=False)
        q = Q(pk__in=[])
        if self.org_ids:
            q |= Q(**{f"{org_field}_id__in": sorted(self.org_ids)})
        if self.parent_ids:
            q |= Q(**{f"{org_field}__parent_id__in": sorted(self.parent_ids)})
        for path in self.division_paths:
            q |= Q(**{f"{org_field}__division__path__startswith": path})
        return q

    def organisation_ids(self) -> list[int] | None:
        """The organisations reached, as ids (None: all). One small query on organisations (once per Reach, i.e. per
        request), so a list of cases or steps filters on its own indexed organisation column instead of joining
        organisations with ORs."""
        from yiwang.orgs.models import Organisation

        if self.everywhere:
            return None
        cached = self.__dict__.get("_organisation_ids")
        if cached is None:
            q = Q(pk__in=sorted(self.org_ids)) | Q(parent_id__in=sorted(self.parent_ids))
            for path in self.division_paths:
                q |= Q(division__path__startswith=path)
            cached = list(Organisation.objects.filter(q).values_list("pk", flat=True).order_by("pk"))
            self.__dict__["_organisation_ids"] = cached  # frozen, but this is a cache, not a field
        return list(cached)

    def covers(self, org_id: int | None, parent_id: int | None = None, division_path: str = "") -> bool:
        if self.everywhere:
            return True
        return (
            org_id in self.org_ids
            or (parent_id is not None and parent_id in self.parent_ids)
            or any(division_path.startswith(p) for p in self.division_paths if division_path)
        )


@dataclass(frozen=True)
class Actor:
    """Everything the access rules need about who is asking, loaded once."""

    user_id: int | None = None
    is_superuser: bool = False
    person_id: int | None = None
    person_name: str = ""
    # enterprise id → permissions granted (a legal representative holds all of them)
    agencies: dict[int, frozenset[str]] = field(default_factory=dict)
    # role → reach
    roles: dict[str, Reach] = field(default_factory=dict)
    client_id: int | None = None
    client_org_id: int | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.client_id is not None

    @property
    def is_staff_member(self) -> bool:
        return self.is_superuser or bool(self.roles)

    def has_role(self, role: str) -> bool:
        return self.is_superuser or role in self.roles or Role.SYSADMIN in self.roles

    def reach(self, role: str) -> Reach:
        if self.is_superuser or Role.SYSADMIN in self.roles:
            return Reach(everywhere=True)
        return self.roles.get(role, Reach())

    def may_write(self, role: str) -> bool:
        return role not in READ_ONLY_ROLES and self.has_role(role)

    def enterprises(self, permission: str) -> list[int]:
        return sorted(eid for eid, perms in self.agencies.items() if permission in perms)

    def acts_for(self, enterprise_id: int, permission: str) -> bool:
        return permission in self.agencies.get(enterprise_id, frozenset())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


ANONYMOUS = Actor()


def agencies_of(person_id: int) -> dict[int, frozenset[str]]:
    """The enterprises a person acts for today, with the permissions granted (all of them as legal representative).

    The one rule for "may this person act for that enterprise", whether the person is signed in (`Actor.agencies`)
    or stands at a window counter while a clerk applies for them.
    """
    today = timezone.localdate()
    agencies: dict[int, frozenset[str]] = {}
    for a in Agent.objects.filter(person_id=person_id, revoked_at__isnull=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    ):
        agencies[a.enterprise_id] = agencies.get(a.enterprise_id, frozenset()) | frozenset(a.permissions)
    for eid in Enterprise.objects.filter(legal_rep_id=person_id).values_list("id", flat=True):
        agencies[eid] = frozenset(AgentPermission.values)
    return agencies


def _user_facts(user_id: int) -> list[tuple]:
    """Everything `actor_for_user` needs, in one statement: the person (id, name), the enterprises the person acts
    for as an agent (with the permissions) or as legal representative, and the memberships with their division.

    Rows are (kind, id, covers_division, text, path): "p" person id and name; "a" enterprise id and the agent's
    permissions (JSON text); "e" enterprise id (legal representative); "m" organisation id, covers_division, role
    and the organisation's division path.
    """
    from django.db import connection

    from yiwang.orgs.models import Division, Organisation

    q = connection.ops.quote_name
    person, agent, ent = (q(m._meta.db_table) for m in (Person, Agent, Enterprise))
    member, org, division = (q(m._meta.db_table) for m in (Membership, Organisation, Division))
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    sql = (
        f"SELECT 'p', p.id, CAST(NULL AS BOOLEAN), p.name, CAST(NULL AS VARCHAR(120)) "  # noqa: S608 - model tables
        f"FROM {person} p WHERE p.user_id = %s "
        f"UNION ALL SELECT 'a', a.enterprise_id, NULL, CAST(a.permissions AS TEXT), NULL "
        f"FROM {agent} a INNER JOIN {person} p ON p.id = a.person_id WHERE p.user_id = %s "
        f"AND a.revoked_at IS NULL AND (a.valid_until IS NULL OR a.valid_until >= %s) "
        f"UNION ALL SELECT 'e', e.id, NULL, NULL, NULL "
        f"FROM {ent} e INNER JOIN {person} p ON p.id = e.legal_rep_id WHERE p.user_id = %s "
        f"UNION ALL SELECT 'm', m.organisation_id, m.covers_division, m.role, d.path "
        f"FROM {member} m INNER JOIN {org} o ON o.id = m.organisation_id "
        f"INNER JOIN {division} d ON d.id = o.division_id WHERE m.user_id = %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [user_id, user_id, today, user_id, user_id])
        return cur.fetchall()


def actor_for_user(user: Any) -> Actor:
    """One query (`_user_facts`): the person with their active agencies, and the memberships."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    person_id: int | None = None
    person_name = ""
    agencies: dict[int, frozenset[str]] = {}
    represented: set[int] = set()
    roles: dict[str, dict[str, set]] = {}
    for kind, pk, covers, text, path in _user_facts(user.pk):
        if kind == "p":
            person_id, person_name = pk, text or ""
        elif kind == "a":
            perms = text if isinstance(text, list) else json.loads(text or "[]")
            agencies[pk] = agencies.get(pk, frozenset()) | frozenset(perms)
        elif kind == "e":
            represented.add(pk)
        else:
            r = roles.setdefault(text, {"org": set(), "parent": set(), "paths": set()})
            r["org"].add(pk)
            r["parent"].add(pk)
            if covers or text == Role.SUPERVISOR:
                r["paths"].add(path)
    for eid in represented:
        agencies[eid] = frozenset(AgentPermission.values)
    return Actor(
        user_id=user.pk,
        is_superuser=bool(user.is_superuser),
        person_id=person_id,
        person_name=person_name,
        agencies=agencies,
        roles={
            role: Reach(frozenset(v["org"]), frozenset(v["parent"]), tuple(sorted(v["paths"])))
            for role, v in roles.items()
        },
    )


def actor_for_client(machine_client: Any, scopes: list[str] | frozenset[str]) -> Actor:
    """A machine client acts for its own organisation with the scopes its token carries (no person, no roles)."""
    return Actor(
        client_id=machine_client.pk,
        client_org_id=machine_client.organisation_id,
        scopes=frozenset(scopes) & frozenset(machine_client.scopes),
    )


def actor(request: HttpRequest) -> Actor:
    """The actor behind a request, cached on it (a machine client's actor is set by its authentication)."""
    cached = getattr(request, "_yiwang_actor", None)
    if cached is None:
        cached = actor_for_user(getattr(request, "user", None))
        request._yiwang_actor = cached  # type: ignore[attr-defined]
    return cached


def owner_q(
    a: Actor,
    permission: str = AgentPermission.VIEW_CASES,
    person_field: str = "person",
    enterprise_field: str = "enterprise",
) -> Q:
    """Records an applicant may reach: their own, and their enterprises' where `permission` was granted."""
    q = Q(pk__in=[])
    if a.person_id is not None:
        q |= Q(**{f"{person_field}_id": a.person_id}) & Q(**{f"{enterprise_field}__isnull": True})
    ents = a.enterprises(permission)
    if ents:
        q |= Q(**{f"{enterprise_field}_id__in": ents})
    return q


def handler_q(a: Actor, role: str, org_field: str = "organisation") -> Q:
    """Records a staff member reaches in `role` (nothing when they do not hold it)."""
    if not a.has_role(role):
        return Q(pk__in=[])
    return a.reach(role).q(org_field)


def get_or_404(queryset, **lookup):
    """Fetch within an already-filtered queryset; out of reach and missing look the same."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
