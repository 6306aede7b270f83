"""One-time SMS codes: 6 digits, kept only as a keyed hash, 5 minutes, 5 attempts, one use.

Sending is limited so nobody can flood a phone or run up the city's SMS bill: a new code for the same phone and
purpose no sooner than 60 seconds after the last, at most `PHONE_HOURLY_CAP` codes per phone and
`IP_HOURLY_CAP` per address in an hour. The phone counter is read from the database and the address counter from
the shared cache, so every worker process agrees.

For sign-in and password reset the code is only *delivered* when an account owns the number, but the answer and
the limits are the same either way: nobody learns from this service whether a number is registered.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError, render

from . import crypto, providers
from .models import OneTimeCode, OneTimePurpose, Person, phone_hash
from .services import _mobile_error

CODE_DIGITS = 6
LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PHONE_HOURLY_CAP = 5
IP_HOURLY_CAP = 20

MESSAGES = {
    OneTimePurpose.SIGN_IN: _("Your sign-in code is %(code)s. It is valid for 5 minutes. Never tell anyone this code."),
    OneTimePurpose.REGISTER: _(
        "Your registration code is %(code)s. It is valid for 5 minutes. Never tell anyone this code."
    ),
    OneTimePurpose.RESET: _(
        "Your code to reset the password is %(code)s. It is valid for 5 minutes. If you did not ask for it, ignore "
        "this message."
    ),
    OneTimePurpose.VERIFY_PHONE: _("Your verification code is %(code)s. It is valid for 5 minutes."),
}
# Purposes whose code goes only to a number that belongs to an account.
ACCOUNT_ONLY = frozenset({OneTimePurpose.SIGN_IN, OneTimePurpose.RESET})


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, f"OTP_{name}", default))


def _code_hash(salt: str, code: str) -> str:
    return f"{salt}${crypto.lookup_hash(f'otp:{salt}', code)}"


def _matches(stored: str, code: str) -> bool:
    salt, _sep, _digest = stored.partition("$")
    return hmac.compare_digest(stored, _code_hash(salt, code))


def phone_problem(phone: str) -> Problem | None:
    number = crypto.normalise(phone or "")
    if not number:
        return Problem("phone", _("Enter your mobile number."), "required")
    if err := _mobile_error(number):
        return Problem("phone", err, "invalid")
    return None


def _account_owns(number: str) -> bool:
    return Person.objects.filter(phone_hash=phone_hash(number), user__isnull=False, user__is_active=True).exists()


def issue(purpose: str, phone: str, ip: str | None = None) -> OneTimeCode:
    """Creates and sends a code, or raises ProblemsError (bad number, too soon, too many) before sending anything."""
    if purpose not in OneTimePurpose.values:
        raise ProblemsError([Problem("purpose", _("Unknown purpose for a code."), "invalid")])
    if problem := phone_problem(phone):
        raise ProblemsError([problem])
    number = crypto.normalise(phone)
    digest = phone_hash(number)
    now = timezone.now()
    last = OneTimeCode.objects.filter(phone_hash=digest, purpose=purpose).order_by("-created_at").first()
    resend_after = timedelta(seconds=_setting("RESEND_SECONDS", int(RESEND_AFTER.total_seconds())))
    if last is not None and now - last.created_at < resend_after:
        wait = int((resend_after - (now - last.created_at)).total_seconds()) + 1
        raise ProblemsError(
            [
                Problem(
                    "phone",
                    _("A code was sent a moment ago. You can ask for a new one in %(seconds)s seconds."),
                    "too_soon",
                    params={"seconds": wait},
                    extra={"retry_after": wait},
                )
            ]
        )
    hour_ago = now - timedelta(hours=1)
    if OneTimeCode.objects.filter(phone_hash=digest, created_at__gte=hour_ago).count() >= _setting(
        "PHONE_HOURLY_CAP", PHONE_HOURLY_CAP
    ):
        raise ProblemsError(
            [Problem("phone", _("Too many codes were sent to this number. Try again in an hour."), "too_many")]
        )
    if ip:
        key = f"yiwang:otp:ip:{ip}:{now:%Y%m%d%H}"
        cache.add(key, 0, timeout=3700)
        try:
            sent = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=3700)
            sent = 1
        if sent > _setting("IP_HOURLY_CAP", IP_HOURLY_CAP):
            raise ProblemsError(
                [Problem("phone", _("Too many codes were requested from your network. Try again later."), "too_many")]
            )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode.objects.create(
        purpose=purpose,
        phone_hash=digest,
        code_hash=_code_hash(secrets.token_hex(8), code),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    # A new code replaces the previous one: only the latest can be used.
    OneTimeCode.objects.filter(phone_hash=digest, purpose=purpose, used_at__isnull=True, expires_at__gt=now).exclude(
        pk=row.pk
    ).update(expires_at=now)
    if purpose not in ACCOUNT_ONLY or _account_owns(number):
        try:
            providers.send_sms(number, render(MESSAGES[purpose], {"code": code}))
        except providers.DeliveryError as exc:
            row.delete()
            raise ProblemsError(
                [Problem("phone", _("The text message could not be sent. Try again in a few minutes."), "not_sent")]
            ) from exc
    return row


def check(purpose: str, phone: str, code: str) -> None:
    """Consumes the latest code for this phone and purpose if `code` is it; otherwise raises ProblemsError.

    Every try counts, right or wrong; after `MAX_ATTEMPTS` the code is dead and a new one must be requested.
    """
    code = "".join((code or "").split())
    if not code:
        raise ProblemsError([Problem("code", _("Enter the code from the text message."), "required")])
    number = crypto.normalise(phone or "")
    if phone_problem(number) is not None:
        raise ProblemsError([Problem("code", _("The code is wrong or has expired."), "invalid")])
    now = timezone.now()
    problem: Problem | None = None
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_hash=phone_hash(number), purpose=purpose)
            .order_by("-created_at")
            .first()
        )
        if row is not None and row.used_at is not None:
            problem = Problem("code", _("The code has already been used. Ask for a new one."), "used")
        elif row is None or row.expires_at <= now:
            problem = Problem("code", _("The code has expired or was never sent. Ask for a new one."), "expired")
        elif row.attempts >= MAX_ATTEMPTS:
            problem = Problem("code", _("Too many wrong codes. Ask for a new one."), "attempts")
        else:
            # The try is counted (and committed) whether or not the code is right.
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            if len(code) == CODE_DIGITS and code.isdigit() and _matches(row.code_hash, code):
                if not OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
                    problem = Problem("code", _("The code has already been used. Ask for a new one."), "used")
            elif left := MAX_ATTEMPTS - row.attempts - 1:
                problem = Problem(
                    "code", _("The code is wrong. Tries left: %(left)s."), "invalid", params={"left": left}
                )
            else:
                problem = Problem("code", _("Too many wrong codes. Ask for a new one."), "attempts")
    if problem is not None:
        raise ProblemsError([problem])


def check_ok(purpose: str, phone: str, code: str) -> bool:
    """Like `check`, as a yes/no (the sign-in backend has no way to show why)."""
    try:
        check(purpose, phone, code)
    except ProblemsError:
        return False
    return True
