"""The write path for identities: every change to a person, enterprise or agent goes through here.

Each function checks its input (one `Problem` per field, in Chinese and English), writes atomically, and
leaves nothing half-made when it refuses.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem, ProblemsError

from . import crypto
from .documents import DocType, document_number_error
from .models import (
    Agent,
    AgentPermission,
    DataUse,
    Enterprise,
    EnterpriseKind,
    Level,
    Person,
    PiiAccess,
    ReuseCategory,
    ReuseConsent,
    doc_hash,
)


def _mobile_error(phone: str) -> str | None:
    if len(phone) != 11 or not phone.isdigit() or phone[0] != "1":
        return _("A mainland mobile number has 11 digits and starts with 1.")
    return None


def person_problems(name: str, doc_type: str, doc_number: str, phone: str = "") -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem("name", _("Enter the name as it appears on the document."), "required"))
    elif len(name.strip()) > 100:
        problems.append(Problem("name", _("The name is longer than 100 characters."), "too_long"))
    if doc_type not in DocType.values:
        problems.append(Problem("doc_type", _("Choose a document type from the list."), "invalid"))
    elif err := document_number_error(doc_type, crypto.normalise(doc_number)):
        problems.append(Problem("doc_number", err, "invalid"))
    if phone and (err := _mobile_error(crypto.normalise(phone))):
        problems.append(Problem("phone", err, "invalid"))
    return problems


def find_person(doc_type: str, doc_number: str) -> Person | None:
    return Person.objects.filter(doc_number_hash=doc_hash(doc_type, crypto.normalise(doc_number))).first()


@transaction.atomic
def register_person(
    *,
    name: str,
    doc_type: str,
    doc_number: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    nationality: str = "CHN",
    user: Any | None = None,
    level: int = Level.NONE,
) -> Person:
    """Creates a natural person (with or without an account). An ID number already registered is refused."""
    problems = person_problems(name, doc_type, doc_number, phone)
    if problems:
        raise ProblemsError(problems)
    number = crypto.normalise(doc_number)
    if find_person(doc_type, number) is not None:
        raise ProblemsError(
            [Problem("doc_number", _("This document number is already registered; sign in instead."), "taken")]
        )
    person = Person(
        user=user,
        name=name.strip(),
        doc_type=doc_type,
        doc_number=number,
        phone=crypto.normalise(phone) if phone else "",
        email=email.strip(),
        address=address.strip(),
        nationality=(nationality or "CHN").upper()[:3],
        level=level,
        verified_at=timezone.now() if level > Level.NONE else None,
    )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise ProblemsError(
            [Problem("doc_number", _("This document number is already registered; sign in instead."), "taken")]
        ) from exc
    return person


def create_account(person: Person, password: str | None) -> Any:
    """Gives a person an online account; the account name is opaque, people sign in with their identifiers."""
    User = get_user_model()
    if person.user_id is not None:
        return person.user
    user = User(username=f"p{get_random_string(11, 'abcdefghijkmnpqrstuvwxyz23456789')}", first_name=person.name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    return user


def raise_level(person: Person | None = None, enterprise: Enterprise | None = None, level: int = Level.NONE) -> None:
    """Levels only go up here; a failed check never lowers what was verified before."""
    subject = person or enterprise
    if subject is None or level <= subject.level:
        return
    subject.level = level
    subject.verified_at = timezone.now()
    subject.save(update_fields=["level", "verified_at"])


def enterprise_problems(credit_code: str, name: str, legal_rep_name: str, kind: str) -> list[Problem]:
    problems = []
    if err := credit_code_error(crypto.normalise(credit_code)):
        problems.append(Problem("credit_code", err, "invalid"))
    if not name.strip():
        problems.append(Problem("name", _("Enter the registered name."), "required"))
    if not legal_rep_name.strip():
        problems.append(Problem("legal_rep_name", _("Enter the legal representative's name."), "required"))
    if kind not in EnterpriseKind.values:
        problems.append(Problem("kind", _("Choose a kind from the list."), "invalid"))
    return problems


@transaction.atomic
def register_enterprise(
    *,
    credit_code: str,
    name: str,
    legal_rep_name: str,
    kind: str = EnterpriseKind.ENTERPRISE,
    legal_rep: Person | None = None,
    address: str = "",
    phone: str = "",
    level: int = Level.NONE,
) -> Enterprise:
    problems = enterprise_problems(credit_code, name, legal_rep_name, kind)
    code = crypto.normalise(credit_code)
    if not problems and Enterprise.objects.filter(credit_code=code).exists():
        problems.append(Problem("credit_code", _("This legal person is already registered."), "taken"))
    if problems:
        raise ProblemsError(problems)
    return Enterprise.objects.create(
        credit_code=code,
        name=name.strip(),
        kind=kind,
        legal_rep_name=legal_rep_name.strip(),
        legal_rep=legal_rep,
        address=address.strip(),
        phone=phone.strip(),
        level=level,
        verified_at=timezone.now() if level > Level.NONE else None,
    )


@transaction.atomic
def grant_agent(
    *,
    enterprise: Enterprise,
    person: Person,
    permissions: list[str],
    granted_by: Any,
    valid_until=None,
) -> Agent:
    """Authorises `person` to act for `enterprise`; re-granting replaces the previous active grant."""
    problems = []
    unknown = [p for p in permissions if p not in AgentPermission.values]
    if not permissions:
        problems.append(Problem("permissions", _("Grant at least one permission."), "required"))
    elif unknown:
        problems.append(
            Problem("permissions", _("Unknown permission: %(names)s."), "invalid", params={"names": ", ".join(unknown)})
        )
    if valid_until is not None and valid_until < timezone.localdate():
        problems.append(Problem("valid_until", _("The end date is in the past."), "past"))
    if enterprise.legal_rep_id == person.pk:
        problems.append(Problem("person", _("The legal representative already holds every permission."), "legal_rep"))
    if problems:
        raise ProblemsError(problems)
    now = timezone.now()
    Agent.objects.filter(enterprise=enterprise, person=person, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=granted_by
    )
    return Agent.objects.create(
        enterprise=enterprise,
        person=person,
        permissions=sorted(set(permissions)),
        granted_by=granted_by,
        granted_at=now,
        valid_until=valid_until,
    )


@transaction.atomic
def revoke_agent(agent: Agent, revoked_by: Any) -> Agent:
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if agent.revoked_at is None:
        agent.revoked_at = timezone.now()
        agent.revoked_by = revoked_by
        agent.save(update_fields=["revoked_at", "revoked_by"])
    return agent


def record_pii_access(
    *,
    viewer: Any,
    field: str,
    reason: str,
    person: Person | None = None,
    enterprise: Enterprise | None = None,
    ip: str | None = None,
) -> PiiAccess:
    """Every full-value view by someone other than the subject leaves a row: who, whose, what, when, why."""
    if not reason.strip():
        raise ProblemsError([Problem("reason", _("Say why you need to see the full value."), "required")])
    return PiiAccess.objects.create(
        viewer=viewer, person=person, enterprise=enterprise, field=field, reason=reason.strip()[:300], ip=ip
    )


def reuse_allowed(category: str, person: Person | None = None, enterprise: Enterprise | None = None) -> bool:
    """Reuse is on unless the person or enterprise switched it off for this category."""
    row = ReuseConsent.objects.filter(person=person, enterprise=enterprise, category=category).first()
    return True if row is None else row.allowed


def set_reuse(category: str, allowed: bool, person: Person | None = None, enterprise: Enterprise | None = None):
    if category not in ReuseCategory.values:
        raise ProblemsError([Problem("category", _("Unknown reuse category."), "invalid")])
    ReuseConsent.objects.update_or_create(
        person=person,
        enterprise=enterprise,
        category=category,
        defaults={"allowed": allowed, "changed_at": timezone.now()},
    )


def record_use(
    *,
    category: str,
    what: str,
    used_by: str,
    purpose: str,
    case_number: str = "",
    person: Person | None = None,
    enterprise: Enterprise | None = None,
) -> DataUse:
    """What My Space shows under "every use": called by any module that reuses a person's data."""
    return DataUse.objects.create(
        person=person,
        enterprise=enterprise,
        category=category,
        what=what[:200],
        used_by=used_by[:200],
        purpose=purpose[:200],
        case_number=case_number[:40],
    )
