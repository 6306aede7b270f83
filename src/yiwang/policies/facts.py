"""The one place facts about an enterprise or a person are gathered, from what Yiwang already holds.

- identity: the enterprise's kind and registration (the legal-person library's registration date and status), its
  region (the division inside its unified social credit code), a person's age and region (inside the resident ID);
- licenses: the types of the valid e-licenses held;
- cases: the catalog codes of the items applied for and approved;
- shared data (the exchange's table store): an enterprise profile (industry, employees, revenue, scale), tax and
  social-security facts, each a resource named in the setting POLICIES_SHARED_DATA ({prefix: resource code}),
  its record found by the subject's credit code or document number.

A fact Yiwang does not hold is left out (the rules then report it missing), never guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone

from yiwang.cases.models import Case, State
from yiwang.identity.models import Enterprise, LegalPersonRecord, Person
from yiwang.licenses.models import HolderKind, License, Status

from . import industries
from .models import Scale, SubjectFacts

log = logging.getLogger(__name__)

DEFAULT_SHARED_DATA = {"profile": "POLICY-ENT-PROFILE", "tax": "POLICY-ENT-TAX", "social": "POLICY-ENT-SOCIAL"}


def shared_resources() -> dict[str, str]:
    return dict(getattr(settings, "POLICIES_SHARED_DATA", DEFAULT_SHARED_DATA))


def scale_of(employees: Any, revenue_wan: Any) -> str | None:
    """企业规模 from employees and yearly revenue (万元), by the industrial thresholds of the statistics bureau's
    大中小微 classification (2017): large ≥1000 people and ≥40000; medium ≥300 and ≥2000; small ≥20 and ≥300."""
    if not isinstance(employees, int | float) or isinstance(employees, bool):
        return None
    revenue = revenue_wan if isinstance(revenue_wan, int | float) and not isinstance(revenue_wan, bool) else None
    for scale, people, money in ((Scale.LARGE, 1000, 40000), (Scale.MEDIUM, 300, 2000), (Scale.SMALL, 20, 300)):
        if employees >= people and (revenue is None or revenue >= money):
            return str(scale)
    return str(Scale.MICRO)


def region_of(code6: str) -> dict[str, str]:
    """Province, city and county codes of a six-digit division code ("410402" → 410000, 410400, 410402)."""
    if len(code6) != 6 or not code6.isdigit():
        return {}
    out = {"province": code6[:2] + "0000"}
    if code6[2:4] != "00":
        out["city"] = code6[:4] + "00"
    if code6[4:] != "00":
        out["county"] = code6
    return out


def years_between(start: dt.date, today: dt.date) -> int:
    return today.year - start.year - ((today.month, today.day) < (start.month, start.day))


def _shared(kind: str, key_value: str) -> dict[str, dict[str, Any]]:
    """The shared-data records of a subject, by prefix (only the embedded table store is read here)."""
    from yiwang.exchange import store
    from yiwang.exchange.models import DataResource

    out: dict[str, dict[str, Any]] = {}
    codes = shared_resources()
    resources = {
        r.code: r
        for r in DataResource.objects.filter(code__in=list(codes.values()), connector="table", subject_kind=kind)
    }
    for prefix, code in codes.items():
        resource = resources.get(code)
        if resource is None or not resource.subject_field:
            continue
        rows = store.lookup(resource, {resource.subject_field: key_value}, limit=1)
        if rows:
            out[prefix] = {k: v for k, v in rows[0].items() if k != resource.subject_field}
    return out


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return value


def enterprise_facts(enterprise: Enterprise, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the rules may read about an enterprise (see eligibility.FACT_NAMES)."""
    today = today or timezone.localdate()
    ent: dict[str, Any] = {"kind": enterprise.kind}
    record = LegalPersonRecord.objects.filter(credit_code=enterprise.credit_code).first()
    if record is not None:
        ent["status"] = record.status
        if record.registered_on:
            ent["founded"] = record.registered_on.isoformat()
            ent["age_years"] = years_between(record.registered_on, today)
    facts: dict[str, Any] = {"kind": "enterprise", "enterprise": ent, "region": region_of(enterprise.credit_code[2:8])}
    facts["licenses"] = sorted(
        set(
            License.objects.filter(holder_kind=HolderKind.ENTERPRISE, holder_code=enterprise.credit_code)
            .filter(status=Status.VALID)
            .values_list("license_type__code", flat=True)
        )
    )
    facts["cases"] = sorted(
        set(
            Case.objects.filter(enterprise=enterprise, state=State.APPROVED).values_list(
                "version__item__catalog_code", flat=True
            )
        )
    )
    shared = _shared("enterprise", enterprise.credit_code)
    profile = {k: _number(v) for k, v in shared.pop("profile", {}).items()}
    parsed = industries.parse(str(profile.get("industry") or ""))
    if parsed:
        facts["industry"] = {"code": parsed[0] + str(profile["industry"]).lstrip(parsed[0]), "section": parsed[0]}
        facts["industry"]["division"] = parsed[1]
    for name in ("employees", "revenue"):
        if isinstance(profile.get(name), int | float):
            ent[name] = profile[name]
    scale = (
        profile.get("scale")
        if profile.get("scale") in Scale.values
        else scale_of(ent.get("employees"), ent.get("revenue"))
    )
    if scale:
        facts["scale"] = scale
    for prefix, values in shared.items():
        facts[prefix] = {k: _number(v) for k, v in values.items()}
    return facts


def person_facts(person: Person, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the rules may read about a person: level, age and region from the resident ID, licenses, cases."""
    today = today or timezone.localdate()
    p: dict[str, Any] = {"level": int(person.level or 0)}
    facts: dict[str, Any] = {"kind": "person", "person": p}
    number = person.doc_number or ""
    if person.doc_type == "resident_id" and len(number) == 18:
        try:
            born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            p["age"] = years_between(born, today)
        except ValueError:
            pass
        facts["region"] = region_of(number[:6])
    facts["licenses"] = sorted(
        set(
            License.objects.filter(holder_kind=HolderKind.PERSON, status=Status.VALID)
            .filter(holder_number_hash=person.doc_number_hash)
            .values_list("license_type__code", flat=True)
        )
    )
    facts["cases"] = sorted(
        set(
            Case.objects.filter(person=person, enterprise__isnull=True, state=State.APPROVED).values_list(
                "version__item__catalog_code", flat=True
            )
        )
    )
    for prefix, values in _shared("person", number).items():
        if prefix != "profile":
            facts[prefix] = {k: _number(v) for k, v in values.items()}
    return facts


def gather(subject: Enterprise | Person, today: dt.date | None = None) -> dict[str, Any]:
    """The facts of an enterprise or a person (the one function every match reads through)."""
    if isinstance(subject, Enterprise):
        return enterprise_facts(subject, today)
    return person_facts(subject, today)


def stamp_of(facts: dict[str, Any]) -> str:
    raw = json.dumps(facts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def refresh(subject: Enterprise | Person) -> tuple[SubjectFacts, bool]:
    """Gathers a subject's facts again and keeps them for bulk matching; (row, whether they changed)."""
    facts = gather(subject)
    stamp = stamp_of(facts)
    key = {"enterprise": subject} if isinstance(subject, Enterprise) else {"person": subject}
    row = SubjectFacts.objects.filter(**key).first()
    if row is not None and row.stamp == stamp:
        return row, False
    if row is None:
        row = SubjectFacts(**key)
    row.facts, row.stamp, row.gathered_at = facts, stamp, timezone.now()
    row.save()
    return row, True
