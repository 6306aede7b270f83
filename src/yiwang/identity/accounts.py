"""Accounts: registration, password reset and legal-person registration, for every door alike.

The pages (views/auth.py) and the API (api_auth.py) only turn requests into these calls and their answers into
pages or JSON, so a rule holds whichever door a person uses. Each function checks everything first (one
`Problem` per field, in Chinese and English) and writes nothing when it refuses.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError, problems_from_validation_error

from . import crypto, otp, services
from .middleware import end_sessions
from .models import Level, OneTimePurpose, Person, phone_hash

log = logging.getLogger("yiwang.identity")


def password_problems(password1: str, password2: str, user: Any = None, field: str = "password1") -> list[Problem]:
    """AUTH_PASSWORD_VALIDATORS, plus "typed the same twice"."""
    if not password1:
        return [Problem(field, _("Enter a password."), "required")]
    problems = []
    try:
        validate_password(password1, user=user)
    except ValidationError as exc:
        problems += [Problem(field, p.message, p.code, params=p.params) for p in problems_from_validation_error(exc)]
    if password1 != password2:
        problems.append(Problem(field.replace("1", "2"), _("The two passwords are not the same."), "mismatch"))
    return problems


def phone_taken(phone: str) -> bool:
    return Person.objects.filter(phone_hash=phone_hash(crypto.normalise(phone)), user__isnull=False).exists()


def register_account(
    *, name: str, doc_type: str, doc_number: str, phone: str, code: str, password1: str, password2: str
) -> tuple[Person, Any, Any]:
    """Registers a natural person with an account (level PHONE after the code), then checks the population library.

    Every field is checked before the code is used up and before anything is written; a refused registration
    leaves no rows. Returns (person, user, verification or None).
    """
    problems = services.person_problems(name, doc_type, doc_number, phone)
    if not (phone or "").strip():
        problems.append(Problem("phone", _("Enter your mobile number."), "required"))
    if not (code or "").strip():
        problems.append(Problem("code", _("Enter the code from the text message."), "required"))
    # An unsaved account stands in for the one to be made, so the password is compared with the name.
    problems += password_problems(password1, password2, user=get_user_model()(first_name=name.strip()[:150]))
    existing = services.find_person(doc_type, doc_number) if not problems else None
    # A person a window clerk recorded (no account yet) may claim the record with the same name and phone.
    claim = (
        existing is not None
        and existing.user_id is None
        and existing.name == name.strip()
        and existing.phone == crypto.normalise(phone)
    )
    if existing is not None and not claim:
        # Says only that the number is taken, never by whom.
        problems.append(
            Problem(
                "doc_number",
                _("This document number already has an account. Sign in, or reset the password if you forgot it."),
                "taken",
            )
        )
    if problems:
        raise ProblemsError(problems)
    otp.check(OneTimePurpose.REGISTER, phone, code)
    if not claim and phone_taken(phone):
        raise ProblemsError(
            [
                Problem(
                    "phone",
                    _("This mobile number already belongs to an account. Sign in with it, or reset the password."),
                    "taken",
                )
            ]
        )
    with transaction.atomic():
        person = (
            existing
            if claim
            else services.register_person(name=name, doc_type=doc_type, doc_number=doc_number, phone=phone)
        )
        services.raise_level(person=person, level=Level.PHONE)
        user = services.create_account(person, password1)
    verification = None
    try:
        from . import verification as verifying

        verification = verifying.verify_person(person, level=Level.ID, method="library")
    except ProblemsError as exc:  # no provider could check: the account stays at PHONE level
        log.warning("Registration: ID check not run: %s", exc)
    person.refresh_from_db()
    return person, user, verification


def reset_with_code(*, phone: str, code: str, password1: str, password2: str) -> Any:
    """Sets a new password for the account owning `phone`, proven by the RESET code; ends every session."""
    problems = []
    if p := otp.phone_problem(phone):
        problems.append(p)
    person = (
        Person.objects.filter(phone_hash=phone_hash(crypto.normalise(phone)), user__isnull=False)
        .select_related("user")
        .order_by("pk")
        .first()
        if not problems
        else None
    )
    problems += password_problems(password1, password2, user=person.user if person else None)
    if problems:
        raise ProblemsError(problems)
    # A number without an account never received a code, so this fails exactly like a wrong code.
    otp.check(OneTimePurpose.RESET, phone, code)
    if person is None:  # pragma: no cover - no code is ever delivered to such a number
        raise ProblemsError([Problem("code", _("The code is wrong or has expired."), "invalid")])
    user = person.user
    user.set_password(password1)
    user.save(update_fields=["password"])
    end_sessions(user)
    return user


def send_reset_email(email: str, *, domain: str, use_https: bool) -> None:
    """Django's reset link by email, when an active account has that address (silently nothing otherwise).

    `domain` is the host the link points at (the one the person used).
    """
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="identity/auth/reset_email_subject.txt",
            email_template_name="identity/auth/reset_email.txt",
        )


def register_legal_person(*, person: Person, credit_code: str, name: str, kind: str, declared: bool) -> Any:
    """A signed-in person registers the enterprise they legally represent; the legal-person library must agree.

    When the library does not list them as its legal representative nothing is kept: otherwise anyone could
    claim an enterprise and act for it.
    """
    from . import verification as verifying

    problems = services.enterprise_problems(credit_code, name, person.name, kind)
    if not declared:
        problems.append(
            Problem("declared", _("Confirm that you are the legal representative of this legal person."), "required")
        )
    if problems:
        raise ProblemsError(problems)

    class _Refused(Exception):
        pass

    try:
        with transaction.atomic():
            enterprise = services.register_enterprise(
                credit_code=credit_code, name=name, legal_rep_name=person.name, kind=kind, legal_rep=person
            )
            check = verifying.verify_enterprise(enterprise)
            if not check.passed:
                raise _Refused(check.detail)
    except _Refused as refused:
        log.info("Enterprise registration refused by the legal-person library: %s", refused)
        raise ProblemsError(
            [
                Problem(
                    "credit_code",
                    _(
                        "The legal-person library does not list this name and code with you as legal representative. "
                        "Check the business licence, or register at a service window."
                    ),
                    "not_verified",
                    extra={"reason": verifying.detail_text(str(refused))},
                )
            ]
        ) from None
    enterprise.refresh_from_db()
    return enterprise


def lockout_until(request: HttpRequest) -> str:
    """When sign-in may be tried again (local time), for the lockout page and the API's 429."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request) or timedelta(minutes=15)
    return formats.time_format(timezone.localtime(timezone.now() + cool_off), "H:i")
