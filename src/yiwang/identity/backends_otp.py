"""Sign-in with a mobile number and the SMS code sent to it (no password needed)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from . import crypto, otp
from .models import OneTimePurpose, Person, phone_hash


class OneTimeCodeBackend(ModelBackend):
    """`authenticate(request, username=<mobile>, otp_code=<code>)`.

    The mobile number travels as `username` so django-axes counts failures against the same identifier as a
    password sign-in; a number that no account owns fails exactly like a wrong code.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        otp_code: str | None = None,
        purpose: str = OneTimePurpose.SIGN_IN,
        **kwargs: Any,
    ) -> Any | None:
        if not username or not otp_code:
            return None
        number = crypto.normalise(username)
        if not otp.check_ok(purpose, number, otp_code):
            return None
        person = (
            Person.objects.filter(phone_hash=phone_hash(number), user__isnull=False)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if person is None or not self.user_can_authenticate(person.user):
            return None
        return person.user
