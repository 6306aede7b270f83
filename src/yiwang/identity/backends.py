"""Password sign-in by any identifier a person knows: account name, ID number, mobile number or credit code."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .documents import DocType
from .models import Enterprise, Person, doc_hash, phone_hash


def user_for_identifier(identifier: str) -> Any | None:
    """The account an identifier names; a credit code signs in its legal representative."""
    User = get_user_model()
    ident = "".join(identifier.split()).upper()
    if not ident:
        return None
    user = User.objects.filter(username__iexact=identifier.strip()).first()
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
        user = user_for_identifier(username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
