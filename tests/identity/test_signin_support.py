"""Fixtures shared by the sign-in, registration, session and code tests (imported by them; no tests here)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from yiwang.identity.providers import OutboxSmsSender

PASSWORD = "correct-horse-battery"


@pytest.fixture
def outbox(settings):
    """SMS messages land in memory; `outbox.code(phone)` reads the last code sent to a number."""
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    settings.SMS_PROVIDER_OPTIONS = {}
    OutboxSmsSender.clear()

    class Box:
        messages = OutboxSmsSender.outbox

        @staticmethod
        def code(phone: str) -> str | None:
            last = OutboxSmsSender.last_to(phone)
            if last is None:
                return None
            return re.search(r"\d{6}", last.text).group(0)

    yield Box
    OutboxSmsSender.clear()


@pytest.fixture
def no_wait(settings):
    """Codes may be re-sent at once (the 60-second rule has its own test)."""
    settings.OTP_RESEND_SECONDS = 0


def client_at(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=f"pytest browser {ip}")
