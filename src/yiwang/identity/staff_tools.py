"""What staff may do with a person's identity record; the web workbench and the API both call these.

- Finding a person is by exact document number (or mobile number), for any window clerk, reviewer, approver or
  supervisor: a comprehensive window (一窗受理) serves everyone, whatever their division. Results are masked.
- A found person is addressed by a reference signed for the staff member who looked them up, valid for a
  working day, so person ids cannot be walked; anything else looks like "not found".
- Full values are shown only to roles that need them (window clerk, reviewer, approver), with a reason, and
  every such view leaves a PiiAccess row; supervisors see masked values and read the access log of their
  division; system administrators read the whole log.
- In-person verification (level 3) is for window clerks, with the checklist of `verification.COUNTER_CHECKLIST`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Membership, Role

from . import crypto, masking, services, verification
from .access import Actor
from .documents import DocType, document_number_error
from .models import Level, Person, PiiAccess, Verification, phone_hash

LOOKUP_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)
REVEAL_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER)
REF_SALT = "yiwang.identity.staff.person"
REF_MAX_AGE = 12 * 3600
MAX_RESULTS = 20

# Fields whose full value a staff member may ask to see.
REVEALABLE: dict[str, Any] = {
    "doc_number": _("Document number"),
    "phone": _("Mobile phone"),
    "address": _("Address"),
    "email": _("Email"),
}
# Reasons offered in the form (free text is accepted too).
REASONS = [
    _("Accepting an application at the window"),
    _("Checking the applicant's identity for a case"),
    _("The applicant asked to confirm their registered details"),
    _("Delivering a result to the applicant"),
]


def may_look_up(a: Actor) -> bool:
    """Holds a role that serves or supervises applicants (system administration alone does not)."""
    return any(role in a.roles for role in LOOKUP_ROLES)


def may_reveal(a: Actor) -> bool:
    return any(role in a.roles for role in REVEAL_ROLES)


def may_verify_in_person(a: Actor) -> bool:
    return Role.WINDOW_CLERK in a.roles


def may_read_access_log(a: Actor) -> bool:
    return a.is_superuser or Role.SUPERVISOR in a.roles or Role.SYSADMIN in a.roles


# -- references ------------------------------------------------------------------------------------------


def person_ref(user_id: int, person_id: int) -> str:
    """A reference to a person that only `user_id` can use, for REF_MAX_AGE seconds."""
    return signing.TimestampSigner(salt=REF_SALT).sign_object({"p": person_id, "u": user_id})


def person_from_ref(user_id: int | None, ref: str) -> Person:
    """The person behind `ref`, or 404 (expired, forged, someone else's, or the person is gone)."""
    try:
        data = signing.TimestampSigner(salt=REF_SALT).unsign_object(ref or "", max_age=REF_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("p"), int):
        raise Http404
    person = Person.objects.filter(pk=data["p"]).first()
    if person is None:
        raise Http404
    return person


# -- lookup ----------------------------------------------------------------------------------------------


def lookup(*, doc_type: str = "", doc_number: str = "", phone: str = "") -> list[Person]:
    """Persons with exactly this document (or this mobile number); refuses malformed input per field."""
    number = crypto.normalise(doc_number or "")
    mobile = crypto.normalise(phone or "")
    if number:
        problems = []
        if doc_type not in DocType.values:
            problems.append(Problem("doc_type", _("Choose a document type from the list."), "invalid"))
        elif err := document_number_error(doc_type, number):
            problems.append(Problem("doc_number", err, "invalid"))
        if problems:
            raise ProblemsError(problems)
        person = services.find_person(doc_type, number)
        return [person] if person else []
    if mobile:
        if len(mobile) != 11 or not mobile.isdigit() or mobile[0] != "1":
            raise ProblemsError(
                [Problem("phone", _("A mainland mobile number has 11 digits and starts with 1."), "invalid")]
            )
        return list(Person.objects.filter(phone_hash=phone_hash(mobile)).order_by("pk")[:MAX_RESULTS])
    raise ProblemsError([Problem("doc_number", _("Enter a document number or a mobile number."), "required")])


# -- what staff see --------------------------------------------------------------------------------------


@dataclass
class PersonView:
    """A person as a staff member sees them: masked values, level, and the verifications made."""

    ref: str
    name: str
    doc_type: str
    doc_type_label: str
    doc_number: str
    phone: str
    address: str
    email: str
    nationality: str
    level: int
    level_label: str
    verified_at: dt.datetime | None
    has_account: bool
    verifications: list[dict[str, Any]]


def verification_row(v: Verification) -> dict[str, Any]:
    return {
        "at": v.at,
        "level": v.level,
        "level_label": str(Level(v.level).label),
        "provider": v.provider,
        "method": v.method,
        "passed": v.passed,
        "detail": verification.detail_text(v.detail),
        "performed_by": v.performed_by.get_username() if v.performed_by_id else "",
    }


def verification_rows(person: Person, limit: int = 20) -> list[dict[str, Any]]:
    return [
        verification_row(v) for v in Verification.objects.filter(person=person).select_related("performed_by")[:limit]
    ]


def person_view(a: Actor, person: Person, *, with_verifications: bool = True) -> PersonView:
    """Masked for everyone here; the name is masked too for roles that never need the full values."""
    return PersonView(
        ref=person_ref(a.user_id or 0, person.pk),
        name=person.name if may_reveal(a) else person.masked_name,
        doc_type=person.doc_type,
        doc_type_label=str(DocType(person.doc_type).label),
        doc_number=person.masked_doc_number,
        phone=person.masked_phone,
        address=person.masked_address,
        email=masking.mask_email(person.email),
        nationality=person.nationality,
        level=person.level,
        level_label=str(Level(person.level).label),
        verified_at=person.verified_at,
        has_account=person.user_id is not None,
        verifications=verification_rows(person) if with_verifications else [],
    )


def reveal(a: Actor, viewer: Any, person: Person, field: str, reason: str, ip: str | None = None) -> str:
    """The full value of one field, after recording who saw it and why; refuses unknown fields and no reason."""
    if not may_reveal(a):
        raise Http404
    problems = []
    if field not in REVEALABLE:
        problems.append(Problem("field", _("Choose a field that can be shown in full."), "invalid"))
    if not (reason or "").strip():
        problems.append(Problem("reason", _("Say why you need to see the full value."), "required"))
    if problems:
        raise ProblemsError(problems)
    services.record_pii_access(viewer=viewer, person=person, field=field, reason=reason, ip=ip)
    return getattr(person, field) or ""


def verify_in_person(a: Actor, clerk: Any, person: Person, checks: dict[str, bool]) -> Verification:
    """Level 3 through the counter provider; a clerk must tick the document check (all three in the form)."""
    if not may_verify_in_person(a):
        raise Http404
    missing = [key for key, _label in verification.COUNTER_CHECKLIST if not checks.get(key)]
    if missing:
        raise ProblemsError(
            [Problem(key, _("Confirm this check before verifying in person."), "required") for key in missing]
        )
    return verification.verify_person(
        person,
        level=Level.STRONG,
        method="counter",
        performed_by=clerk,
        evidence={key: bool(checks.get(key)) for key, _label in verification.COUNTER_CHECKLIST},
    )


# -- the access log --------------------------------------------------------------------------------------


def access_log(
    a: Actor,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    field: str = "",
) -> QuerySet[PiiAccess]:
    """Full-value views by staff of the organisations the supervisor reaches (all of them for sysadmins)."""
    if not may_read_access_log(a):
        raise Http404
    rows = PiiAccess.objects.select_related("viewer", "person", "enterprise")
    if not (a.is_superuser or Role.SYSADMIN in a.roles):
        viewers = Membership.objects.filter(a.reach(Role.SUPERVISOR).q("organisation")).values("user_id")
        rows = rows.filter(viewer_id__in=viewers)
    tz = timezone.get_current_timezone()
    if date_from:
        rows = rows.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        rows = rows.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if field:
        rows = rows.filter(field=field)
    return rows.order_by("-at", "-pk")


def access_subject(row: PiiAccess) -> str:
    """Whose record, masked: the log says whose, never the values."""
    if row.person_id:
        return f"{row.person.masked_name} ({row.person.masked_doc_number})"
    if row.enterprise_id:
        return f"{row.enterprise.name} ({row.enterprise.credit_code})"
    return ""


def access_row(row: PiiAccess) -> dict[str, Any]:
    """One log line for the page."""
    return {
        "at": row.at,
        "viewer": row.viewer.get_username(),
        "viewer_name": row.viewer.get_full_name(),
        "subject": access_subject(row),
        "field": row.field,
        "field_label": str(REVEALABLE.get(row.field, row.field)),
        "reason": row.reason,
        "ip": row.ip or "",
    }
