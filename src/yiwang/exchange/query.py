"""Data services: one function answers every query — a department system's API call, a material fetched for an
application, a form prefilled, a reviewer's check, another platform's request — and logs it.

`call(consumer, service, keys, purpose=…)`:
1. checks the request: the service's key fields, each given; a purpose (and the case it serves, if any);
2. checks the right: the resource is published and shared, and the consumer holds a current grant (its own
   department system's, or one for the whole organisation);
3. asks the resource's connector (dataconnectors) for the records;
4. returns only the granted fields, sensitive ones masked unless the grant gives them in full;
5. logs the call whatever happened (calllog): who, what, why, for which case and data subject (a keyed hash),
   sizes, status and the four timestamps — never the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto

from . import calllog, fielddefs
from .dataconnectors import ConnectorError, connector_for
from .models import CallChannel, CallStatus, DataResource, DataService, Grant, ResourceStatus, SharingType

MAX_KEY = 64


class Unavailable(Exception):
    """The provider's source did not answer (its connector failed): the consumer should try again later."""

    def __init__(self, code: str, call_id: int):
        super().__init__(code)
        self.code = code
        self.call_id = call_id


@dataclass
class Consumer:
    """Who asks: a department (always), one of its department systems or staff members, through a channel."""

    organisation: Any
    client: Any = None
    user: Any = None
    channel: str = CallChannel.API


@dataclass
class Answer:
    call_id: int
    records: list[dict[str, Any]]
    fields: list[str]
    masked: list[str]
    resource: DataResource
    service: DataService
    grant: Grant
    at: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.records)


def subject_hash(kind: str, value: str) -> str:
    """The keyed hash a call keeps of its data subject (My Space finds a person's calls by it)."""
    if not value:
        return ""
    return crypto.lookup_hash(f"exchange:subject:{kind}", value)


def current_grant(resource: DataResource, consumer: Consumer, today=None) -> Grant | None:
    today = today or timezone.localdate()
    client_q = Q(client__isnull=True)
    if consumer.client is not None:
        client_q |= Q(client=consumer.client)
    return (
        Grant.objects.filter(
            client_q,
            resource=resource,
            consumer=consumer.organisation,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-client_id", "-valid_until")
        .first()
    )


def shape(records: list[dict[str, Any]], resource: DataResource, grant: Grant) -> tuple[list[dict], list[str]]:
    """Only the granted fields, in the resource's order, the masked ones masked."""
    defs = fielddefs.normalise(resource.fields)
    granted = [f for f in defs if f["name"] in set(grant.fields)]
    masked = set(grant.masked)
    out = []
    for rec in records:
        row = {}
        for f in granted:
            value = rec.get(f["name"])
            row[f["name"]] = fielddefs.mask(value, f) if f["name"] in masked else value
        out.append(row)
    return out, [f["name"] for f in granted]


def _key_problems(service: DataService, keys: dict[str, Any]) -> list[Problem]:
    problems = []
    if not isinstance(keys, dict):
        return [Problem("keys", _("Give the key fields as an object."), "invalid")]
    unknown = sorted(set(keys) - set(service.keys))
    if unknown:
        problems.append(
            Problem(
                "keys",
                _("This service is queried by %(keys)s only (not %(names)s)."),
                "invalid",
                params={"keys": ", ".join(service.keys), "names": ", ".join(unknown)},
            )
        )
    for k in service.keys:
        v = keys.get(k)
        if v is None or not str(v).strip():
            problems.append(Problem(f"keys.{k}", _("Give the value of %(key)s."), "required", params={"key": k}))
        elif len(str(v)) > MAX_KEY:
            problems.append(Problem(f"keys.{k}", _("At most %(n)s characters."), "too_long", params={"n": MAX_KEY}))
    return problems


def call(
    consumer: Consumer,
    service: DataService,
    keys: dict[str, Any],
    *,
    purpose: str,
    legal_basis: str = "",
    case_number: str = "",
    hold: list[calllog.CallRecord] | None = None,
) -> Answer:
    """Answers one query (see the module's docstring). Raises ProblemsError (a bad request: 400; no grant: code
    `no_grant`, 403) or Unavailable (the provider failed) — each logged like a success.

    `hold`: the call record goes into this list instead of the log, for a caller that learns the case it served
    only afterwards (an application's fetch at submission) and logs it then (`calllog.add`)."""
    t1 = timezone.now()
    resource = service.resource
    purpose = (purpose or "").strip()
    legal_basis = (legal_basis or "").strip()
    case_number = (case_number or "").strip()
    clean_keys = {k: str(v).strip() for k, v in keys.items()} if isinstance(keys, dict) else {}
    rec = calllog.CallRecord(
        id=calllog.next_id(),
        requested_at=t1,
        provider_sent_at=None,
        provider_answered_at=None,
        responded_at=t1,
        consumer_id=consumer.organisation.pk,
        client_id=getattr(consumer.client, "pk", None),
        user_id=getattr(consumer.user, "pk", None),
        provider_id=resource.provider_id,
        resource_id=resource.pk,
        service_id=service.pk,
        channel=consumer.channel,
        purpose=purpose[:200],
        legal_basis=legal_basis[:300],
        case_number=case_number[:40],
        subject_hash="",
        request_bytes=len(json.dumps({"keys": clean_keys, "purpose": purpose}, ensure_ascii=False).encode()),
        response_bytes=0,
        records=0,
        status=CallStatus.INVALID,
        error="",
    )
    if resource.subject_field and clean_keys.get(resource.subject_field):
        rec.subject_hash = subject_hash(resource.subject_kind, clean_keys[resource.subject_field])
    try:
        problems = _key_problems(service, keys)
        if not purpose:
            problems.append(Problem("purpose", _("Say what the data is used for."), "required"))
        elif len(purpose) > 200:
            problems.append(Problem("purpose", _("At most %(n)s characters."), "too_long", params={"n": 200}))
        if len(legal_basis) > 300 or len(case_number) > 40:
            problems.append(Problem("legal_basis", _("The legal basis or the case number is too long."), "too_long"))
        if problems:
            rec.error = "bad_request"
            raise ProblemsError(problems)
        if (
            not service.active
            or resource.status != ResourceStatus.PUBLISHED
            or resource.sharing == SharingType.NOT_SHARED
        ):
            rec.status, rec.error = CallStatus.DENIED, "not_shared"
            raise ProblemsError([Problem("service", _("This resource is not shared now."), "not_shared")])
        grant = current_grant(resource, consumer)
        if grant is None:
            rec.status, rec.error = CallStatus.DENIED, "no_grant"
            raise ProblemsError(
                [Problem("service", _("Your department holds no current grant for this resource."), "no_grant")]
            )
        if not legal_basis:
            rec.legal_basis = grant.legal_basis[:300]
        conn, opts = connector_for(resource)
        rec.provider_sent_at = timezone.now()
        try:
            raw = conn.fetch(resource, opts, {k: clean_keys[k] for k in service.keys}, many=service.many)
        finally:
            rec.provider_answered_at = timezone.now()
        if not service.many:
            raw = raw[:1]
        if not rec.subject_hash and raw and resource.subject_field:
            rec.subject_hash = subject_hash(resource.subject_kind, str(raw[0].get(resource.subject_field) or ""))
        records, names = shape(raw, resource, grant)
        rec.records = len(records)
        rec.status = CallStatus.OK if records else CallStatus.NOT_FOUND
        answer = Answer(
            call_id=rec.id,
            records=records,
            fields=names,
            masked=[m for m in grant.masked if m in names],
            resource=resource,
            service=service,
            grant=grant,
            at=t1,
        )
        rec.response_bytes = len(json.dumps(records, ensure_ascii=False, default=str).encode())
        return answer
    except ConnectorError as exc:
        rec.status, rec.error = CallStatus.FAILED, exc.code
        raise Unavailable(exc.code, rec.id) from None
    finally:
        rec.responded_at = timezone.now()
        if hold is not None:
            hold.append(rec)
        else:
            calllog.add(rec)


def service_for(resource: DataResource, key_field: str | None = None) -> DataService | None:
    """The resource's active service queried by `key_field` (by default: by the data-subject field)."""
    wanted = key_field or resource.subject_field
    for s in resource.services.filter(active=True).order_by("code"):
        if s.keys == [wanted]:
            return s
    return None
