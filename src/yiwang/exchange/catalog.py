"""The resource catalog's write path and search.

`save_resource` is the one way a resource changes (pages, API, seed): it checks everything, bumps the version,
keeps a snapshot, and re-indexes the resource for search. Search uses the catalog's text machinery
(`yiwang.catalog.searching.text`: jieba words, full pinyin and initials, exact tokens), over this module's own
postings table (`ResourceToken`): a query is segmented against the tokens that exist, then resources are scored by
the weights of the tokens they share with it — two statements whatever the catalog's size.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.searching.text import query_segments, segment, substrings, text_tokens
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Organisation

from . import fielddefs
from .models import (
    DataFormat,
    DataResource,
    DataService,
    EventKind,
    Frequency,
    ResourceStatus,
    ResourceToken,
    ResourceVersion,
    SharingType,
    SubjectKind,
)

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{2,39}$")
SERVICE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,59}$")
EDITABLE = (
    "name",
    "description",
    "sharing",
    "sharing_basis",
    "conditions",
    "fields",
    "frequency",
    "format",
    "subject_kind",
    "subject_field",
    "connector",
    "connector_options",
    "public",
)


def snapshot(r: DataResource) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "provider": r.provider.credit_code if r.provider_id else "",
        "provider_name": r.provider.name if r.provider_id else "",
        "sharing": r.sharing,
        "sharing_basis": r.sharing_basis,
        "conditions": r.conditions,
        "fields": fielddefs.normalise(r.fields),
        "description": r.description,
        "frequency": r.frequency,
        "format": r.format,
        "subject_kind": r.subject_kind,
        "subject_field": r.subject_field,
        "connector": r.connector,
        "status": r.status,
        "public": r.public,
        "services": [
            {"code": s.code, "name": s.name, "keys": s.keys, "many": s.many, "active": s.active}
            for s in r.services.order_by("code")
        ]
        if r.pk
        else [],
    }


def problems(data: dict[str, Any], *, creating: bool) -> list[Problem]:
    """Every problem of a resource's data (all fields at once)."""
    from .dataconnectors import connector_problems

    out: list[Problem] = []
    if creating:
        code = str(data.get("code") or "")
        if not CODE_RE.match(code):
            out.append(
                Problem(
                    "code",
                    _("A resource code is 3 to 40 capital letters, digits, dots, dashes or underscores."),
                    "invalid",
                )
            )
        elif DataResource.objects.filter(code=code).exists():
            out.append(Problem("code", _("Another resource has this code."), "duplicate"))
        if not isinstance(data.get("provider"), Organisation):
            out.append(Problem("provider", _("Choose the providing department."), "required"))
    name = str(data.get("name") or "").strip()
    if not (2 <= len(name) <= 100):
        out.append(Problem("name", _("Give the resource's name (2 to 100 characters)."), "invalid"))
    if data.get("sharing") not in SharingType.values:
        out.append(Problem("sharing", _("Choose how the resource is shared."), "invalid"))
    elif data.get("sharing") != SharingType.UNCONDITIONAL and not str(data.get("sharing_basis") or "").strip():
        out.append(
            Problem(
                "sharing_basis",
                _("Give the legal basis: a conditional or unshared resource must say which rule makes it so."),
                "required",
            )
        )
    if data.get("frequency") not in Frequency.values:
        out.append(Problem("frequency", _("Choose the update frequency."), "invalid"))
    if data.get("format") not in DataFormat.values:
        out.append(Problem("format", _("Choose the format."), "invalid"))
    if data.get("subject_kind") not in SubjectKind.values:
        out.append(Problem("subject_kind", _("Choose whom the records are about."), "invalid"))
    fields = data.get("fields")
    field_problems = fielddefs.problems(fields)
    out += field_problems
    if not field_problems:
        names = {f["name"] for f in fields}
        subject = str(data.get("subject_field") or "")
        if data.get("subject_kind") != SubjectKind.OTHER and subject not in names:
            out.append(
                Problem(
                    "subject_field",
                    _("Name the field that holds the ID number or credit code of whom each record is about."),
                    "required",
                )
            )
    for key in ("sharing_basis", "conditions", "description"):
        if len(str(data.get(key) or "")) > 300:
            out.append(Problem(key, _("At most 300 characters."), "too_long"))
    out += connector_problems(str(data.get("connector") or ""), data.get("connector_options") or {})
    return out


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key in ("name", "sharing_basis", "conditions", "description", "subject_field"):
        if key in out and out[key] is not None:
            out[key] = str(out[key]).strip()
    if isinstance(out.get("fields"), str):
        out["fields"] = fielddefs.parse_lines(out["fields"])
    if "public" in out:
        out["public"] = bool(out["public"])
    return out


@transaction.atomic
def save_resource(
    resource: DataResource | None, data: dict[str, Any], *, user: Any = None, note: str = ""
) -> DataResource:
    """Creates (resource None) or changes a resource; every change is a new version with a snapshot."""
    data = _clean(data)
    if resource is not None:
        resource = DataResource.objects.select_for_update().get(pk=resource.pk)
        merged = {k: getattr(resource, k) for k in EDITABLE}
        merged["fields"] = fielddefs.normalise(resource.fields)
        merged.update({k: v for k, v in data.items() if k in EDITABLE})
        data = merged
    else:
        data = {
            "frequency": Frequency.DAILY,
            "format": DataFormat.TABLE,
            "subject_kind": SubjectKind.PERSON,
            "connector": "table",
            "connector_options": {},
            "public": True,
            "sharing_basis": "",
            "conditions": "",
            "description": "",
            "subject_field": "",
            **data,
        }
    found = problems(data, creating=resource is None)
    if found:
        raise ProblemsError(found)
    now = timezone.now()
    if resource is None:
        resource = DataResource(
            code=data["code"], provider=data["provider"], status=data.get("status") or ResourceStatus.PUBLISHED
        )
        resource.version = 1
        resource.created_at = now
    else:
        resource.version += 1
    for key in EDITABLE:
        setattr(resource, key, data[key])
    resource.updated_at = now
    resource.save()
    ResourceVersion.objects.create(
        resource=resource, number=resource.version, snapshot=snapshot(resource), note=note[:300], changed_by=user
    )
    index(resource)
    return resource


@transaction.atomic
def set_status(resource: DataResource, status: str, *, user: Any = None) -> DataResource:
    if status not in ResourceStatus.values:
        raise ProblemsError([Problem("status", _("Unknown status."), "invalid")])
    resource = DataResource.objects.select_for_update().get(pk=resource.pk)
    if resource.status == status:
        return resource
    resource.status = status
    resource.version += 1
    resource.updated_at = timezone.now()
    resource.save(update_fields=["status", "version", "updated_at"])
    ResourceVersion.objects.create(
        resource=resource, number=resource.version, snapshot=snapshot(resource), note=status, changed_by=user
    )
    index(resource)
    if status == ResourceStatus.PUBLISHED:
        from .events import record

        record(EventKind.RESOURCE_PUBLISHED, resource.provider, resource.code, {"version": resource.version})
        from .lists import fulfil_duties

        fulfil_duties(resource)
    return resource


# --- services ---------------------------------------------------------------------------------------------------


@transaction.atomic
def save_service(
    resource: DataResource,
    *,
    code: str,
    name: str,
    keys: list[str],
    many: bool = False,
    active: bool = True,
    user: Any = None,
) -> DataService:
    """Adds or changes a query service over the resource (keys: the fields a consumer must give)."""
    code = (code or "").strip()
    found: list[Problem] = []
    existing = DataService.objects.filter(code=code).first()
    if not SERVICE_RE.match(code):
        found.append(
            Problem("code", _("A service code is 3 to 60 letters, digits, dots, dashes or underscores."), "invalid")
        )
    elif existing is not None and existing.resource_id != resource.pk:
        found.append(Problem("code", _("Another resource has a service with this code."), "duplicate"))
    if not (2 <= len((name or "").strip()) <= 100):
        found.append(Problem("name", _("Give the service's name (2 to 100 characters)."), "invalid"))
    names = {f["name"] for f in fielddefs.normalise(resource.fields)}
    keys = [k.strip() for k in keys if k and k.strip()]
    if not keys:
        found.append(Problem("keys", _("Name the field or fields a consumer queries by."), "required"))
    elif unknown := [k for k in keys if k not in names]:
        found.append(
            Problem(
                "keys", _("Not fields of this resource: %(names)s."), "invalid", params={"names": ", ".join(unknown)}
            )
        )
    if found:
        raise ProblemsError(found)
    if existing is None:
        service = DataService.objects.create(
            resource=resource, code=code, name=name.strip(), keys=keys, many=many, active=active
        )
    else:
        existing.name, existing.keys, existing.many, existing.active = name.strip(), keys, many, active
        existing.save()
        service = existing
    DataResource.objects.filter(pk=resource.pk).update(updated_at=timezone.now())
    return service


# --- search -----------------------------------------------------------------------------------------------------

NAME_WEIGHT, FIELD_WEIGHT, PROVIDER_WEIGHT, DESCRIPTION_WEIGHT, CODE_WEIGHT = 1.0, 0.5, 0.4, 0.25, 2.0
MAX_QUERY = 64


def _tokens(r: DataResource) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)

    def add(text: str, weight: float, *, chars: bool, exact: bool) -> None:
        for token, w in text_tokens(text or "", chars=chars, pinyin="all", exact=exact):
            out[token] = max(out[token], w * weight)

    add(r.name, NAME_WEIGHT, chars=True, exact=True)
    add(r.description, DESCRIPTION_WEIGHT, chars=False, exact=False)
    add(r.provider.name, PROVIDER_WEIGHT, chars=False, exact=False)
    for f in fielddefs.normalise(r.fields):
        add(f["label"], FIELD_WEIGHT, chars=False, exact=False)
        out[f["name"]] = max(out[f["name"]], FIELD_WEIGHT)
    out[r.code.lower()] = CODE_WEIGHT
    return dict(out)


def index(r: DataResource) -> None:
    """Rewrites the resource's postings (all its states are indexed; visibility is decided when searching)."""
    ResourceToken.objects.filter(resource=r).delete()
    ResourceToken.objects.bulk_create([ResourceToken(resource=r, token=t, weight=w) for t, w in _tokens(r).items()])


def reindex_all() -> int:
    count = 0
    for r in DataResource.objects.select_related("provider"):
        index(r)
        count += 1
    return count


def query_tokens(query: str) -> list[str]:
    """The known tokens a query stands for (segmented against the index's vocabulary)."""
    segs = query_segments(query, MAX_QUERY)
    if not segs:
        return []
    wanted = set()
    for s in segs:
        wanted |= substrings(s)
    wanted = {w for w in wanted if w}
    vocabulary = dict.fromkeys(
        ResourceToken.objects.filter(token__in=sorted(wanted)).values_list("token", flat=True).distinct(), 1
    )
    out: list[str] = []
    for s in segs:
        out += segment(s, vocabulary)
    return list(dict.fromkeys(out))


def search(qs: QuerySet[DataResource], query: str, limit: int = 50) -> list[DataResource]:
    """Resources of `qs` matching `query`, best first (all of `qs` by code when the query is empty)."""
    tokens = query_tokens(query)
    if not (query or "").strip():
        return list(qs.select_related("provider").order_by("code")[:limit])
    if not tokens:
        return []
    scores: dict[int, float] = defaultdict(float)
    for rid, w in ResourceToken.objects.filter(token__in=tokens).values_list("resource_id", "weight"):
        scores[rid] += w
    if not scores:
        return []
    found = {r.pk: r for r in qs.filter(pk__in=list(scores)).select_related("provider")}
    ranked = sorted(found, key=lambda pk: (-scores[pk], found[pk].code))
    return [found[pk] for pk in ranked[:limit]]


def filter_catalog(
    qs: QuerySet[DataResource], *, provider: int | None = None, sharing: str = "", status: str = ""
) -> QuerySet[DataResource]:
    q = Q()
    if provider:
        q &= Q(provider_id=provider)
    if sharing in SharingType.values:
        q &= Q(sharing=sharing)
    if status in ResourceStatus.values:
        q &= Q(status=status)
    return qs.filter(q)
