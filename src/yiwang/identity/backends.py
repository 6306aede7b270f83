"""Password sign-in by any identifier a person knows: account name, ID number, mobile number or credit code.

`lockout_username` is django-axes's AXES_USERNAME_CALLABLE: failures are counted against the account an
identifier names, so `139 0000 0003`, `13900000003` and the same person's ID number share one counter (and one
lockout), for the password and the SMS-code sign-in alike.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from . import crypto
from .documents import DocType
from .models import Enterprise, Person, doc_hash, phone_hash


def normalise_identifier(identifier: str) -> str:
    """One spelling of an ID number, mobile number or credit code: half-width, capitals, no spaces or dashes."""
    text = unicodedata.normalize("NFKC", identifier or "")
    ident = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Pd").upper()
    if ident.startswith("+86") and len(ident) == 14 and ident[3:].isdigit():
        ident = ident[3:]  # +86 139 0000 0003
    return ident


def user_for_identifier(identifier: str) -> Any | None:
    """The account an identifier names; a credit code signs in its legal representative."""
    User = get_user_model()
    ident = normalise_identifier(identifier)
    if not ident:
        return None
    names = {identifier.strip(), "".join(unicodedata.normalize("NFKC", identifier).split())}
    for name in sorted(n for n in names if n):
        user = User.objects.filter(username__iexact=name).first()
        if user is not None:
            return user
    hashes = [doc_hash(t, ident) for t in DocType.values]
    person = Person.objects.filter(doc_number_hash__in=hashes, user__isnull=False).select_related("user").first()
    if person is None and ident.isdigit() and len(ident) == 11:
        person = Person.objects.filter(phone_hash=phone_hash(ident), user__isnull=False).select_related("user").first()
    if person is None and len(ident) == 18:
        ent = Enterprise.objects.filter(credit_code=ident).select_related("legal_rep__user").first()
        if ent is not None and ent.legal_rep is not None:
            return ent.legal_rep.user
    return person.user if person is not None else None


class IdentifierBackend(ModelBackend):
    """Django's ModelBackend, looking the account up by whichever identifier was typed."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any | None:
        if username is None or password is None:
            return None
        user = resolve_identifier(request, username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


_RESOLVED = "_yiwang_resolved_identifiers"


def resolve_identifier(request: HttpRequest | None, identifier: str) -> Any | None:
    """`user_for_identifier`, looked up once per request (the lockout check and the backend both need it)."""
    cache: dict[str, Any] | None = getattr(request, _RESOLVED, None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            setattr(request, _RESOLVED, cache)
    if identifier not in cache:
        cache[identifier] = user_for_identifier(identifier)
    return cache[identifier]


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """What django-axes counts failures against: the account the identifier names, whatever its spelling.

    `account:<id>` for an identifier that names an account; for one that names none, a keyed hash of its
    normalised spelling (so guessing at a non-existent account is counted too, and no ID number or mobile number
    is written in clear into the lockout tables).
    """
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    if raw is None:
        return None
    user = resolve_identifier(request, str(raw))
    if user is not None:
        return f"account:{user.pk}"
    return "unknown:" + crypto.lookup_hash("sign-in", normalise_identifier(str(raw)))[:40]
