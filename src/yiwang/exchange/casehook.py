"""Shared data in applications: the exchange's source for the cases hook `cases.uploads.SHARED_DATA`.

A catalog material whose source is shared data names a resource code. For an applicant and the department that
handles the item, the source says whether the data can stand in for the material (`find`): the resource is
published and shared, the department holds a current grant covering it, the resource has a service queried by the
data subject's ID number or credit code, the subject is of the resource's kind, and the applicant has not switched
off the reuse of "data held by other departments" in My Space. Then the apply page offers it with a consent box.

At submission (`fetch`) the platform calls the service for the department (channel "case"), and the case keeps
what came back: a JSON copy of the granted fields (masked ones masked) stored as the material's file, and the
resource and call in its reference. The call record is held until the application's fate is known (`settle`):
then it is logged with the case number (or none, when no case was made, and the copy is deleted), and the use is
recorded in the applicant's My Space. A fetch that fails names its reason; the apply command then asks for an
upload instead. Forms are prefilled the same way (`prefill`, channel "prefill"; masked values are never prefilled).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import uploads
from yiwang.cases.models import MaterialSource
from yiwang.core.errors import ProblemsError
from yiwang.core.storage import private_storage
from yiwang.identity import services as identity_services
from yiwang.identity import space
from yiwang.identity.models import Enterprise, Person, ReuseCategory

from . import calllog, fielddefs, query
from .models import CallChannel, DataResource, DataService, ResourceStatus, SharingType, SubjectKind

CONTENT_TYPE = "application/json"


@dataclass
class _Token:
    """What a fetch keeps until it is settled: the held call records, the stored copy, for whom and why."""

    held: list[calllog.CallRecord]
    file: str
    subject: Any
    resource_name: str
    used_by: str
    purpose: str


def _subject_key(subject: Any, resource: DataResource) -> str | None:
    """The value the resource knows the subject by (ID number or credit code), or None when of another kind."""
    if resource.subject_kind == SubjectKind.PERSON and isinstance(subject, Person):
        return subject.doc_number or None
    if resource.subject_kind == SubjectKind.ENTERPRISE and isinstance(subject, Enterprise):
        return subject.credit_code or None
    return None


def _usable(subject: Any, code: str, organisation: Any) -> tuple[DataResource | None, DataService | None, str]:
    """(resource, service, "") when the data can be fetched for this subject now; else the reason it cannot
    (resource None: no such resource — the hook then leaves the material to other sources)."""
    resource = DataResource.objects.select_related("provider").filter(code=code).first()
    if resource is None:
        return None, None, ""
    if resource.status != ResourceStatus.PUBLISHED or resource.sharing == SharingType.NOT_SHARED:
        return resource, None, _("this data is not shared now")
    if _subject_key(subject, resource) is None:
        return resource, None, _("this data is not kept about the applicant")
    if not space.allowed(subject, ReuseCategory.SHARED_DATA):
        return resource, None, _("the applicant switched off the reuse of shared data in My Space")
    service = query.service_for(resource)
    if service is None:
        return resource, None, _("no data service answers by the applicant's number")
    if organisation is None or query.current_grant(resource, query.Consumer(organisation)) is None:
        return resource, None, _("the department holds no current grant for this data")
    return resource, service, ""


def _copy(answer: query.Answer) -> bytes:
    """The fetched record as the case keeps it: which resource (and version), which call, when, and the fields."""
    defs = {f["name"]: f for f in fielddefs.normalise(answer.resource.fields)}
    record = answer.records[0]
    doc = {
        "resource": answer.resource.code,
        "resource_name": answer.resource.name,
        "resource_version": answer.resource.version,
        "provider": answer.resource.provider.name,
        "call": answer.call_id,
        "fetched_at": timezone.localtime(answer.at).isoformat(timespec="seconds"),
        "masked": answer.masked,
        "fields": [
            {"name": n, "label": defs.get(n, {}).get("label", n), "value": record.get(n)} for n in answer.fields
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str).encode()


def reference(code: str, call_id: int) -> str:
    """A fetched material's reference on the case: the resource and the call (the call log finds it)."""
    return f"{code} · call {call_id}"


class ExchangeSharedData(uploads.SharedDataSource):
    """The exchange's answer to `cases.uploads.SHARED_DATA` (see the module's docstring)."""

    def find(self, subject: Any, code: str, organisation: Any) -> uploads.SharedDataRef | None:
        resource, _service, reason = _usable(subject, code, organisation)
        if resource is None:
            return None
        return uploads.SharedDataRef(code=code, name=resource.name, available=not reason, reason=reason)

    def fetch(self, subject: Any, code: str, **context: Any) -> uploads.SharedDataFetch | None:
        organisation = context.get("organisation")
        resource, service, reason = _usable(subject, code, organisation)
        if resource is None:
            return None
        if service is None:
            return uploads.SharedDataFetch(row=None, reason=reason)
        purpose = str(context.get("purpose") or resource.name)[:200]
        held: list[calllog.CallRecord] = []
        token = _Token(held, "", subject, resource.name, organisation.name, purpose)
        consumer = query.Consumer(organisation, channel=CallChannel.CASE)
        try:
            answer = query.call(
                consumer, service, {service.keys[0]: _subject_key(subject, resource)}, purpose=purpose, hold=held
            )
        except query.Unavailable:
            return uploads.SharedDataFetch(row=None, reason=_("the providing department did not answer"), token=token)
        except ProblemsError as exc:
            return uploads.SharedDataFetch(row=None, reason=str(exc.problems[0]), token=token)
        if not answer.found:
            return uploads.SharedDataFetch(row=None, reason=_("no record was found"), token=token)
        content = _copy(answer)
        sha = hashlib.sha256(content).hexdigest()
        now = timezone.now()
        token.file = private_storage().save(f"cases/{now:%Y/%m}/{sha[:24]}.json", ContentFile(content))
        row = uploads.material_row(
            name=str(context.get("material_name") or resource.name),
            catalog_material_id=context.get("material_id"),
            source=MaterialSource.SHARED,
            file=token.file,
            content_type=CONTENT_TYPE,
            size=len(content),
            sha256=sha,
            reference=reference(code, answer.call_id),
        )
        return uploads.SharedDataFetch(row=row, token=token)

    def settle(self, fetches: list[uploads.SharedDataFetch], case_number: str) -> None:
        for f in fetches:
            token = f.token
            if not isinstance(token, _Token):
                continue
            for rec in token.held:
                rec.case_number = case_number[:40]
                calllog.add(rec)
            token.held = []
            if not case_number:
                if token.file:
                    with contextlib.suppress(OSError):
                        private_storage().delete(token.file)
                continue
            if f.row is not None:
                identity_services.record_use(
                    category=ReuseCategory.SHARED_DATA,
                    what=token.resource_name,
                    used_by=token.used_by,
                    purpose=token.purpose,
                    case_number=case_number,
                    **_owner(token.subject),
                )

    def prefill(self, subject: Any, wanted: dict[str, str], **context: Any) -> dict[str, Any]:
        organisation = context.get("organisation")
        by_code: dict[str, dict[str, str]] = {}
        for form_field, source in wanted.items():
            code, _dot, name = source.removeprefix("data:").rpartition(".")
            if code and name:
                by_code.setdefault(code, {})[form_field] = name
        out: dict[str, Any] = {}
        for code, names in by_code.items():
            resource, service, reason = _usable(subject, code, organisation)
            if service is None or reason:
                continue
            purpose = str(context.get("purpose") or resource.name)[:200]
            consumer = query.Consumer(organisation, channel=CallChannel.PREFILL)
            try:
                answer = query.call(
                    consumer, service, {service.keys[0]: _subject_key(subject, resource)}, purpose=purpose
                )
            except (query.Unavailable, ProblemsError):
                continue  # the applicant types the values instead
            if not answer.found:
                continue
            got = {
                ff: answer.records[0].get(n)
                for ff, n in names.items()
                if n in answer.fields and n not in answer.masked and answer.records[0].get(n) not in (None, "")
            }
            if got:
                identity_services.record_use(
                    category=ReuseCategory.SHARED_DATA,
                    what=resource.name,
                    used_by=organisation.name,
                    purpose=purpose,
                    **_owner(subject),
                )
                out.update({k: str(v) for k, v in got.items()})
        return out


def _owner(subject: Any) -> dict[str, Any]:
    if isinstance(subject, Person):
        return {"person": subject, "enterprise": None}
    return {"person": None, "enterprise": subject}


def install() -> None:
    """Contributes the source (called from ExchangeConfig.ready())."""
    uploads.SHARED_DATA.add("exchange", ExchangeSharedData(), order=10)
