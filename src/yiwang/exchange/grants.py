"""Access requests and grants: the write path (pages and the API both call these).

- `request_access`: a consumer asks for fields of a resource, for a purpose, on a legal basis, until a date. An
  unconditionally shared resource is granted at once (sensitive fields masked unless asked and allowed); a
  conditional one waits for the provider's data officer; an unshared one is refused at once with its grounds.
- `decide`: the provider approves (choosing the fields, those masked, and the expiry) or refuses with grounds.
- `revoke`: the provider (or the consumer) ends a grant; calls are refused from then on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

from . import fielddefs
from .events import record
from .models import (
    AccessRequest,
    DataResource,
    EventKind,
    Grant,
    RequestStatus,
    ResourceStatus,
    Sensitivity,
    SharingType,
)

MAX_YEARS = 5


def _date_problem(value: Any, field: str) -> tuple[dt.date | None, Problem | None]:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None, Problem(field, _("Give a date (YYYY-MM-DD)."), "invalid")
    if not isinstance(value, dt.date):
        return None, Problem(field, _("Give a date (YYYY-MM-DD)."), "required")
    today = timezone.localdate()
    if value < today:
        return None, Problem(field, _("The date is in the past."), "past")
    if value > today.replace(year=today.year + MAX_YEARS):
        return None, Problem(field, _("At most %(n)s years ahead."), "too_far", params={"n": MAX_YEARS})
    return value, None


def _fields_problem(resource: DataResource, names: list[str], field: str = "fields") -> Problem | None:
    known = {f["name"] for f in fielddefs.normalise(resource.fields)}
    if not names:
        return Problem(field, _("Choose the fields you need (only those)."), "required")
    unknown = [n for n in names if n not in known]
    if unknown:
        return Problem(
            field, _("Not fields of this resource: %(names)s."), "invalid", params={"names": ", ".join(unknown)}
        )
    return None


def default_masked(resource: DataResource, fields: list[str]) -> list[str]:
    sensitive = {f["name"] for f in fielddefs.normalise(resource.fields) if f["sensitivity"] == Sensitivity.SENSITIVE}
    # The key a consumer queries by is something it already knows: it is never masked back to it.
    keys = {k for s in resource.services.all() for k in s.keys}
    return [f for f in fields if f in sensitive and f not in keys]


@transaction.atomic
def request_access(
    *,
    resource: DataResource,
    consumer: Any,
    fields: list[str],
    purpose: str,
    legal_basis: str,
    valid_until: Any,
    client: Any = None,
    user: Any = None,
) -> AccessRequest:
    """Records the request and, for an unconditionally shared resource, the grant (see the module's docstring)."""
    purpose, legal_basis = (purpose or "").strip(), (legal_basis or "").strip()
    fields = list(dict.fromkeys(f.strip() for f in fields if f and f.strip()))
    problems: list[Problem] = []
    if resource.status != ResourceStatus.PUBLISHED:
        problems.append(Problem("resource", _("Only a published resource can be requested."), "not_published"))
    if p := _fields_problem(resource, fields):
        problems.append(p)
    if not (2 <= len(purpose) <= 200):
        problems.append(Problem("purpose", _("Say what the data is used for (2 to 200 characters)."), "required"))
    if not (2 <= len(legal_basis) <= 300):
        problems.append(
            Problem("legal_basis", _("Give the legal basis for using the data (2 to 300 characters)."), "required")
        )
    until, p = _date_problem(valid_until, "valid_until")
    if p:
        problems.append(p)
    if client is not None and client.organisation_id != consumer.pk:
        problems.append(Problem("client", _("The department system belongs to another department."), "invalid"))
    if problems:
        raise ProblemsError(problems)
    req = AccessRequest.objects.create(
        resource=resource,
        consumer=consumer,
        client=client,
        fields=fields,
        purpose=purpose,
        legal_basis=legal_basis,
        valid_until=until,
        requested_by=user if getattr(user, "pk", None) else None,
    )
    if resource.sharing == SharingType.NOT_SHARED:
        req.status = RequestStatus.REFUSED
        req.decided_at = timezone.now()
        req.decision_note = str(
            _("Not shared: %(basis)s") % {"basis": resource.sharing_basis or resource.conditions or "—"}
        )[:500]
        req.save()
    elif resource.sharing == SharingType.UNCONDITIONAL:
        _grant(req, fields, default_masked(resource, fields), until, None, str(_("Shared without conditions")))
    return req


def _grant(req: AccessRequest, fields: list[str], masked: list[str], until: dt.date, user: Any, note: str) -> Grant:
    grant = Grant.objects.create(
        resource=req.resource,
        consumer=req.consumer,
        client=req.client,
        fields=fields,
        masked=[m for m in masked if m in fields],
        purpose=req.purpose,
        legal_basis=req.legal_basis,
        valid_until=until,
        request=req,
    )
    req.status = RequestStatus.APPROVED
    req.decided_by = user if getattr(user, "pk", None) else None
    req.decided_at = timezone.now()
    req.decision_note = note[:500]
    req.save()
    record(
        EventKind.REQUEST_DECIDED,
        req.resource.provider,
        f"{req.resource.code} → {req.consumer.name}",
        {"request": req.pk, "approved": True},
    )
    return grant


@transaction.atomic
def decide(
    req: AccessRequest,
    *,
    approve: bool,
    user: Any,
    note: str = "",
    fields: list[str] | None = None,
    masked: list[str] | None = None,
    valid_until: Any = None,
) -> AccessRequest:
    """The provider's decision on a pending request (a refusal needs grounds)."""
    req = AccessRequest.objects.select_for_update().select_related("resource", "consumer").get(pk=req.pk)
    note = (note or "").strip()
    if req.status != RequestStatus.PENDING:
        raise ProblemsError([Problem("status", _("This request was already decided."), "decided")])
    if not approve:
        if len(note) < 2:
            raise ProblemsError([Problem("note", _("Give the grounds for refusing."), "required")])
        req.status, req.decided_by, req.decided_at, req.decision_note = (
            RequestStatus.REFUSED,
            user,
            timezone.now(),
            note,
        )
        req.save()
        record(
            EventKind.REQUEST_DECIDED,
            req.resource.provider,
            f"{req.resource.code} → {req.consumer.name}",
            {"request": req.pk, "approved": False},
        )
        return req
    chosen = list(dict.fromkeys(fields if fields is not None else req.fields))
    problems = []
    if p := _fields_problem(req.resource, chosen):
        problems.append(p)
    elif extra := [f for f in chosen if f not in req.fields]:
        problems.append(
            Problem(
                "fields",
                _("Grant only fields that were asked for (not %(names)s)."),
                "invalid",
                params={"names": ", ".join(extra)},
            )
        )
    until, p = _date_problem(valid_until if valid_until not in (None, "") else req.valid_until, "valid_until")
    if p:
        problems.append(p)
    if problems:
        raise ProblemsError(problems)
    mask = default_masked(req.resource, chosen) if masked is None else list(masked)
    _grant(req, chosen, mask, until, user, note or str(_("Approved")))
    return req


@transaction.atomic
def withdraw(req: AccessRequest, user: Any) -> AccessRequest:
    req = AccessRequest.objects.select_for_update().get(pk=req.pk)
    if req.status != RequestStatus.PENDING:
        raise ProblemsError([Problem("status", _("This request was already decided."), "decided")])
    req.status, req.decided_at, req.decided_by = RequestStatus.WITHDRAWN, timezone.now(), user
    req.save()
    return req


@transaction.atomic
def revoke(grant: Grant, *, user: Any, reason: str) -> Grant:
    grant = Grant.objects.select_for_update().select_related("resource__provider", "consumer").get(pk=grant.pk)
    reason = (reason or "").strip()
    if grant.revoked_at is not None:
        return grant
    if len(reason) < 2:
        raise ProblemsError([Problem("reason", _("Say why the grant ends."), "required")])
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = timezone.now(), user, reason[:300]
    grant.save()
    record(
        EventKind.GRANT_REVOKED,
        grant.resource.provider,
        f"{grant.resource.code} → {grant.consumer.name}",
        {"grant": grant.pk, "reason": reason[:200]},
    )
    return grant


def grant_platform_use(
    resource: DataResource, consumer: Any, *, fields: list[str] | None = None, years: int = 3
) -> Grant:
    """A grant for the whole organisation (its systems and the platform acting for it), approved at once — the
    demo and an operator's set-up, not a shortcut around a pending request."""
    names = fields or [f["name"] for f in fielddefs.normalise(resource.fields)]
    today = timezone.localdate()
    req = AccessRequest.objects.create(
        resource=resource,
        consumer=consumer,
        fields=names,
        purpose="一网通办申报材料免提交",
        legal_basis="《优化营商环境条例》第三十五条",
        valid_until=today.replace(year=today.year + years),
    )
    return _grant(req, names, default_masked(resource, names), req.valid_until, None, "批准")
