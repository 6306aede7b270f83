"""THE write path for licenses: issue, change, renew, suspend, reinstate, revoke, use — each atomic, each an event.

Views, the API, the importer, the demo seeder and (later) the case engine all come here; nothing else writes
License rows. Every refusal is a ProblemsError naming the field, in Chinese and English.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto
from yiwang.identity.documents import DocType, document_number_error
from yiwang.identity.models import Agent, AgentPermission, Enterprise, MachineClient, Person, doc_hash
from yiwang.orgs.models import Organisation

from . import identifiers, keys, numbering, signing
from .models import (
    HolderKind,
    License,
    LicenseEvent,
    LicenseType,
    LicenseUse,
    SerialCounter,
    SigningKey,
    Status,
    TrustLevel,
)

SERIAL_DIGITS = 10
FIELD_TYPES = ("text", "date", "number", "choice")
MAX_TEXT = 500


# --- validation -------------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_expiry(license_type: LicenseType, issued_on: dt.date) -> dt.date | None:
    """Last valid day under the type's rule (issued + period − 1 day), or None for licenses that never expire."""
    if not license_type.has_expiry:
        return None
    months = (license_type.validity_years or 0) * 12 + (license_type.validity_months or 0)
    return add_months(issued_on, months) - dt.timedelta(days=1)


def parse_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO / 2024/01/31 / 2024年1月31日 string; None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    try:
        y, m, d = (int(p) for p in text.split("-"))
        return dt.date(y, m, d)
    except (ValueError, TypeError):
        return None


def field_problems(license_type: LicenseType, values: dict[str, Any] | None) -> tuple[dict[str, str], list[Problem]]:
    """Checks field values against the type's schema; returns them in canonical string form and the problems.

    The certificate number of a numbered type may be left out: `with_number` fills it from the type's rule."""
    values = dict(values or {})
    specs = license_type.field_specs()
    known = {s["name"] for s in specs}
    clean: dict[str, str] = {}
    problems: list[Problem] = []
    for name in sorted(set(values) - known):
        problems.append(
            Problem(
                f"fields.{name}", _("This license type has no field %(name)s."), "unknown_field", params={"name": name}
            )
        )
    numbered = license_type.number_field if license_type.is_numbered else None
    for spec in specs:
        name, label = spec["name"], spec["label"]
        raw = values.get(name)
        text = "" if raw is None else (raw.isoformat() if isinstance(raw, dt.date) else str(raw)).strip()
        where = f"fields.{name}"
        if not text:
            # A numbered type's certificate number is given by its rule when the license is issued.
            if spec["required"] and name != numbered:
                problems.append(Problem(where, _("%(label)s is required."), "required", params={"label": label}))
            continue
        kind = spec["type"]
        if kind == "date":
            day = parse_date(raw)
            if day is None:
                problems.append(
                    Problem(where, _("%(label)s must be a date like 2024-01-31."), "bad_date", params={"label": label})
                )
                continue
            text = day.isoformat()
        elif kind == "number":
            try:
                number = Decimal(text.replace(",", ""))
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(Problem(where, _("%(label)s must be a number."), "bad_number", params={"label": label}))
                continue
            text = format(number.normalize(), "f")
        elif kind == "choice":
            if text not in spec["choices"]:
                problems.append(
                    Problem(
                        where,
                        _("%(label)s must be one of: %(choices)s."),
                        "bad_choice",
                        params={"label": label, "choices": "、".join(spec["choices"])},
                    )
                )
                continue
        elif len(text) > MAX_TEXT:
            problems.append(
                Problem(
                    where, _("%(label)s is too long (at most 500 characters)."), "too_long", params={"label": label}
                )
            )
            continue
        clean[name] = text
    return clean, problems


def holder_problems(kind: str, number: str, name: str, doc_type: str) -> list[Problem]:
    """The holder's document number must be valid for their kind; a name is required."""
    problems: list[Problem] = []
    if not (name or "").strip():
        problems.append(Problem("holder_name", _("The holder's name is required."), "required"))
    elif len(name.strip()) > 200:
        problems.append(
            Problem("holder_name", _("The holder's name is too long (at most 200 characters)."), "too_long")
        )
    if not (number or "").strip():
        problems.append(Problem("holder_number", _("The holder's document number is required."), "required"))
    elif kind == HolderKind.ENTERPRISE:
        error = credit_code_error(number)
        if error:
            problems.append(Problem("holder_number", error, "bad_credit_code"))
    else:
        if doc_type not in DocType.values:
            problems.append(Problem("holder_doc_type", _("Unknown document type."), "bad_doc_type"))
        else:
            error = document_number_error(doc_type, number)
            if error:
                problems.append(Problem("holder_number", error, "bad_document_number"))
    return problems


def issuer_problems(license_type: LicenseType, issuer: Organisation) -> list[Problem]:
    issuer_ids = license_type.issuer_ids()
    if issuer_ids and issuer.pk not in issuer_ids:
        return [
            Problem(
                "issuer",
                _("%(issuer)s does not issue %(type)s."),
                "not_an_issuer",
                params={"issuer": issuer.name, "type": license_type.name},
            )
        ]
    if credit_code_error(issuer.credit_code):
        return [Problem("issuer", _("The issuing organisation has no valid credit code."), "bad_issuer")]
    return []


def date_problems(issued_on: dt.date | None, expires_on: dt.date | None) -> list[Problem]:
    if issued_on is None:
        return [Problem("issued_on", _("The issue date must be a date like 2024-01-31."), "bad_date")]
    if expires_on is not None and expires_on < issued_on:
        return [Problem("expires_on", _("The expiry date cannot be before the issue date."), "before_issue")]
    return []


# --- building and signing ---------------------------------------------------------------------------------------


@dataclass
class Signer:
    """The key an issuer signs with now, loaded once for a batch."""

    key: SigningKey
    private: Any

    @classmethod
    def for_issuer(cls, issuer: Organisation) -> Signer:
        key = keys.current_key(issuer)
        return cls(key, keys.private_key(key))


def with_number(
    license_type: LicenseType, issuer: Organisation, issued_on: dt.date, fields: dict[str, str]
) -> dict[str, str]:
    """`fields` with the certificate number from the type's numbering rule when the type has one and none is given."""
    if not license_type.is_numbered or fields.get(license_type.number_field):
        return fields
    return {**fields, license_type.number_field: numbering.numbers(license_type, issuer, issued_on, [fields])[0]}


def take_serials(license_type: LicenseType, issuer: Organisation, count: int) -> list[str]:
    """Reserves `count` consecutive serials for (type, issuer); the counter row is locked until commit."""
    SerialCounter.objects.get_or_create(license_type=license_type, issuer=issuer)
    counter = SerialCounter.objects.select_for_update().get(license_type=license_type, issuer=issuer)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{n:0{SERIAL_DIGITS}d}" for n in range(first, first + count)]


def holder_hash(kind: str, doc_type: str, number: str) -> str:
    return doc_hash(doc_type, crypto.normalise(number)) if kind == HolderKind.PERSON else ""


def build(
    *,
    license_type: LicenseType,
    issuer: Organisation,
    serial: str,
    version: int,
    holder_kind: str,
    holder_number: str,
    holder_name: str,
    holder_doc_type: str,
    fields: dict[str, str],
    issued_on: dt.date,
    expires_on: dt.date | None,
    signer: Signer,
    trust_level: str = TrustLevel.A,
    case_number: str = "",
    previous: License | None = None,
    status: str = Status.VALID,
) -> License:
    """An unsaved, signed License (the importer saves thousands of these at once)."""
    number = crypto.normalise(holder_number)
    identifier = identifiers.build(license_type.code, issuer.credit_code, serial, version)
    data = signing.canonical_bytes(
        signing.payload(
            identifier=identifier,
            type_code=license_type.code,
            issuer_code=issuer.credit_code,
            holder_kind=holder_kind,
            holder_number=number,
            holder_name=holder_name.strip(),
            fields=fields,
            issued_on=issued_on,
            expires_on=expires_on,
            version=version,
            key_id=signer.key.key_id,
        )
    )
    is_person = holder_kind == HolderKind.PERSON
    return License(
        identifier=identifier,
        license_type=license_type,
        issuer=issuer,
        serial=serial,
        version=version,
        holder_kind=holder_kind,
        holder_name=holder_name.strip(),
        holder_doc_type=holder_doc_type if is_person else "",
        holder_number=number if is_person else "",
        holder_number_hash=holder_hash(holder_kind, holder_doc_type, number),
        holder_code="" if is_person else number,
        field_values=fields,
        issued_on=issued_on,
        expires_on=expires_on,
        status=status,
        previous=previous,
        trust_level=trust_level,
        signing_key=signer.key,
        signature=signing.sign(signer.private, data),
        payload_hash=signing.sm3_hex(data),
        case_number=case_number,
        certificate_no=fields.get(license_type.number_field, "")[:80] if license_type.number_field else "",
    )


def payload_of(lic: License) -> dict[str, Any]:
    """The signed payload of a stored license (what the holder can download and anyone can verify)."""
    return signing.payload(
        identifier=lic.identifier,
        type_code=lic.license_type.code,
        issuer_code=lic.issuer.credit_code,
        holder_kind=lic.holder_kind,
        holder_number=lic.holder_id_number,
        holder_name=lic.holder_name,
        fields=lic.field_values,
        issued_on=lic.issued_on,
        expires_on=lic.expires_on,
        version=lic.version,
        key_id=lic.signing_key.key_id,
    )


def _link_holder(lic: License) -> None:
    if lic.holder_kind == HolderKind.PERSON:
        lic.person = Person.objects.filter(doc_number_hash=lic.holder_number_hash).first()
    else:
        lic.enterprise = Enterprise.objects.filter(credit_code=lic.holder_code).first()


def _event(lic: License, kind: str, actor: Any = None, reason: str = "", case_number: str = "") -> LicenseEvent:
    """`actor` is the signed-in user, or the machine client that acted through the API."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    client = actor if isinstance(actor, MachineClient) else None
    return LicenseEvent.objects.create(
        license=lic, kind=kind, actor=user, client=client, reason=reason[:300], case_number=case_number[:64]
    )


# --- the services -----------------------------------------------------------------------------------------------


@transaction.atomic
def issue(
    *,
    license_type: LicenseType,
    issuer: Organisation,
    holder_number: str,
    holder_name: str,
    fields: dict[str, Any] | None = None,
    holder_doc_type: str = DocType.RESIDENT_ID,
    issued_on: dt.date | str | None = None,
    expires_on: dt.date | str | None = None,
    trust_level: str | None = None,
    case_number: str = "",
    actor: Any = None,
) -> License:
    """Issues version 001 of a new license, signed by the issuer's current key."""
    kind = license_type.holder_kind
    day = parse_date(issued_on) if issued_on else timezone.localdate()
    clean, problems = field_problems(license_type, fields)
    problems += holder_problems(kind, holder_number, holder_name, holder_doc_type)
    problems += issuer_problems(license_type, issuer)
    expiry = parse_date(expires_on) if expires_on else (default_expiry(license_type, day) if day else None)
    if expires_on and expiry is None:
        problems.append(Problem("expires_on", _("The expiry date must be a date like 2024-01-31."), "bad_date"))
    problems += date_problems(day, expiry)
    trust = trust_level or license_type.default_trust
    if trust not in TrustLevel.values:
        problems.append(Problem("trust_level", _("The trust level is one of A, B, C, D."), "bad_trust"))
    if problems:
        raise ProblemsError(problems)
    serial = take_serials(license_type, issuer, 1)[0]
    clean = with_number(license_type, issuer, day, clean)  # type: ignore[arg-type]
    lic = build(
        license_type=license_type,
        issuer=issuer,
        serial=serial,
        version=1,
        holder_kind=kind,
        holder_number=holder_number,
        holder_name=holder_name,
        holder_doc_type=holder_doc_type,
        fields=clean,
        issued_on=day,
        expires_on=expiry,
        signer=Signer.for_issuer(issuer),
        trust_level=trust,
        case_number=case_number,
    )
    _link_holder(lic)
    lic.save()
    _event(lic, LicenseEvent.Kind.ISSUED, actor, case_number=case_number)
    return lic


def issue_from_case(
    *,
    holder: Person | Enterprise,
    license_type: LicenseType,
    fields: dict[str, Any],
    issuer: Organisation,
    case_number: str,
    actor: Any = None,
    issued_on: dt.date | None = None,
) -> License:
    """What the case engine calls when a case concluding with approval has this license type as its result."""
    if isinstance(holder, Enterprise):
        number, name, doc_type = holder.credit_code, holder.name, ""
        if license_type.holder_kind != HolderKind.ENTERPRISE:
            raise ProblemsError(
                [Problem("holder", _("This license type is issued to natural persons."), "wrong_holder")]
            )
    else:
        number, name, doc_type = holder.doc_number, holder.name, holder.doc_type
        if license_type.holder_kind != HolderKind.PERSON:
            raise ProblemsError([Problem("holder", _("This license type is issued to legal persons."), "wrong_holder")])
    if not (case_number or "").strip():
        raise ProblemsError([Problem("case_number", _("The case number is required."), "required")])
    return issue(
        license_type=license_type,
        issuer=issuer,
        holder_number=number,
        holder_name=name,
        holder_doc_type=doc_type or DocType.RESIDENT_ID,
        fields=fields,
        issued_on=issued_on,
        trust_level=TrustLevel.A,
        case_number=case_number,
        actor=actor,
    )


def _lock(lic: License) -> License:
    return License.objects.select_for_update().select_related("license_type", "issuer", "signing_key").get(pk=lic.pk)


def _new_version(
    old: License,
    *,
    kind: str,
    actor: Any,
    reason: str,
    fields: dict[str, Any] | None = None,
    holder_name: str | None = None,
    issued_on: dt.date | None = None,
    expires_on: dt.date | str | None = "keep",
) -> License:
    if old.status in (Status.REVOKED, Status.SUPERSEDED):
        raise ProblemsError([Problem("status", _("A revoked or superseded license cannot be changed."), "not_current")])
    if old.version >= 999:
        raise ProblemsError([Problem("version", _("This license has reached version 999."), "too_many_versions")])
    lt = old.license_type
    problems: list[Problem] = []
    if fields is not None:
        clean, problems = field_problems(lt, fields)
        if lt.is_numbered and not clean.get(lt.number_field) and old.field_values.get(lt.number_field):
            clean[lt.number_field] = old.field_values[lt.number_field]  # a change keeps the certificate number
    else:
        clean = dict(old.field_values)
    name = old.holder_name if holder_name is None else holder_name
    if not name.strip():
        problems.append(Problem("holder_name", _("The holder's name is required."), "required"))
    day = issued_on or old.issued_on
    expiry = old.expires_on if expires_on == "keep" else expires_on
    problems += date_problems(day, expiry)  # type: ignore[arg-type]
    if problems:
        raise ProblemsError(problems)
    new = build(
        license_type=lt,
        issuer=old.issuer,
        serial=old.serial,
        version=old.version + 1,
        holder_kind=old.holder_kind,
        holder_number=old.holder_id_number,
        holder_name=name,
        holder_doc_type=old.holder_doc_type,
        fields=clean,
        issued_on=day,
        expires_on=expiry,  # type: ignore[arg-type]
        signer=Signer.for_issuer(old.issuer),
        trust_level=old.trust_level,
        case_number=old.case_number,
        previous=old,
        status=Status.SUSPENDED if old.status == Status.SUSPENDED else Status.VALID,
    )
    new.person_id, new.enterprise_id = old.person_id, old.enterprise_id
    old.status, old.status_reason, old.status_changed_at = Status.SUPERSEDED, reason[:300], timezone.now()
    old.save(update_fields=["status", "status_reason", "status_changed_at"])
    _event(old, LicenseEvent.Kind.SUPERSEDED, actor, reason)
    new.save()
    _event(new, kind, actor, reason)
    return new


@transaction.atomic
def change(
    lic: License,
    *,
    fields: dict[str, Any] | None = None,
    holder_name: str | None = None,
    reason: str,
    actor: Any = None,
) -> License:
    """A change of what the license says: the next version, signed anew; this version is superseded."""
    if not (reason or "").strip():
        raise ProblemsError([Problem("reason", _("Say why the license changes."), "required")])
    return _new_version(
        _lock(lic),
        kind=LicenseEvent.Kind.CHANGED,
        actor=actor,
        reason=reason,
        fields=fields,
        holder_name=holder_name,
        issued_on=timezone.localdate(),
    )


@transaction.atomic
def renew(lic: License, *, actor: Any = None, reason: str = "", issued_on: dt.date | None = None) -> License:
    """The next version with a fresh validity period from `issued_on` (today by default)."""
    old = _lock(lic)
    day = issued_on or timezone.localdate()
    if not old.license_type.has_expiry:
        raise ProblemsError([Problem("license", _("This license type never expires; nothing to renew."), "no_expiry")])
    return _new_version(
        old,
        kind=LicenseEvent.Kind.RENEWED,
        actor=actor,
        reason=reason or "renewal",
        issued_on=day,
        expires_on=default_expiry(old.license_type, day),
    )


def _set_status(lic: License, *, allowed: tuple[str, ...], status: str, kind: str, reason: str, actor: Any) -> License:
    if not (reason or "").strip():
        raise ProblemsError([Problem("reason", _("A reason is required."), "required")])
    old = _lock(lic)
    if old.status not in allowed:
        raise ProblemsError(
            [
                Problem(
                    "status",
                    _("A %(status)s license cannot be %(action)s."),
                    "bad_transition",
                    params={"status": old.get_status_display(), "action": LicenseEvent.Kind(kind).label},
                )
            ]
        )
    old.status, old.status_reason, old.status_changed_at = status, reason.strip()[:300], timezone.now()
    old.save(update_fields=["status", "status_reason", "status_changed_at"])
    _event(old, kind, actor, reason)
    return old


@transaction.atomic
def suspend(lic: License, *, reason: str, actor: Any = None) -> License:
    return _set_status(
        lic,
        allowed=(Status.VALID,),
        status=Status.SUSPENDED,
        kind=LicenseEvent.Kind.SUSPENDED,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def reinstate(lic: License, *, reason: str, actor: Any = None) -> License:
    return _set_status(
        lic,
        allowed=(Status.SUSPENDED,),
        status=Status.VALID,
        kind=LicenseEvent.Kind.REINSTATED,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def revoke(lic: License, *, reason: str, actor: Any = None) -> License:
    """Revocation is final: the license verifies as revoked from now on."""
    return _set_status(
        lic,
        allowed=(Status.VALID, Status.SUSPENDED),
        status=Status.REVOKED,
        kind=LicenseEvent.Kind.REVOKED,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def resign_key_licenses(key: SigningKey, *, actor: Any = None, reason: str = "signing key revoked") -> int:
    """After a key is revoked: each still-current license it signed gets a new version under the new key."""
    count = 0
    for lic in License.objects.filter(signing_key=key, status__in=[Status.VALID, Status.SUSPENDED]).order_by("pk"):
        _new_version(_lock(lic), kind=LicenseEvent.Kind.RESIGNED, actor=actor, reason=reason)
        count += 1
    return count


# --- holders and uses -------------------------------------------------------------------------------------------


def licenses_for(person: Person | None = None, enterprise: Enterprise | None = None, current: bool = True) -> QuerySet:
    """A holder's licenses (current versions unless `current=False`), found by document hash or credit code."""
    q = Q(pk__in=[])
    if person is not None:
        q |= Q(holder_kind=HolderKind.PERSON) & (Q(person=person) | Q(holder_number_hash=person.doc_number_hash))
    if enterprise is not None:
        q |= Q(holder_kind=HolderKind.ENTERPRISE, holder_code=enterprise.credit_code)
    qs = License.objects.filter(q)
    if current:
        qs = qs.exclude(status=Status.SUPERSEDED)
    return qs.select_related("license_type", "issuer", "signing_key").order_by("license_type__code", "-issued_on")


def holds(person: Person, lic: License) -> bool:
    """Whether `person` may present `lic`: they hold it, represent its enterprise, or act for it with the
    licenses permission."""
    if lic.holder_kind == HolderKind.PERSON:
        return lic.person_id == person.pk or (
            bool(lic.holder_number_hash) and lic.holder_number_hash == person.doc_number_hash
        )
    enterprise = lic.enterprise or Enterprise.objects.filter(credit_code=lic.holder_code).first()
    if enterprise is None:
        return False
    if enterprise.legal_rep_id == person.pk:
        return True
    today = timezone.localdate()
    agents = Agent.objects.filter(enterprise=enterprise, person=person, revoked_at__isnull=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    return any(AgentPermission.LICENSES in (a.permissions or []) for a in agents)


@transaction.atomic
def use_license(
    lic: License,
    *,
    presenter: Person,
    purpose: str,
    case_number: str = "",
    used_by: Any = None,
    organisation: Organisation | None = None,
) -> LicenseUse:
    """Records a use in place of paper. Refused unless `presenter` holds the license and it is valid now."""
    from .verification import verdict_for

    if not (purpose or "").strip():
        raise ProblemsError([Problem("purpose", _("Say what the license is used for."), "required")])
    lic = License.objects.select_related("license_type", "issuer", "signing_key").get(pk=lic.pk)  # status now
    if not holds(presenter, lic):
        raise ProblemsError(
            [Problem("license", _("This license is not held by the person presenting it."), "not_holder")]
        )
    verdict = verdict_for(lic)
    if verdict.outcome != "valid":
        raise ProblemsError(
            [
                Problem(
                    "license",
                    _("This license cannot be used: it is %(outcome)s."),
                    "not_valid",
                    params={"outcome": verdict.label},
                )
            ]
        )
    user = used_by if getattr(used_by, "is_authenticated", False) else None
    return LicenseUse.objects.create(
        license=lic,
        used_by=user,
        person=presenter,
        organisation=organisation,
        purpose=purpose.strip()[:200],
        case_number=(case_number or "").strip()[:64],
    )
