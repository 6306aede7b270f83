"""Where one-time codes and notices go: SMS gateways and email, each behind one small interface.

`settings.SMS_PROVIDER` names the class (dotted path) and `settings.SMS_PROVIDER_OPTIONS` its keyword arguments, so a
city plugs in its own gateway without touching the code:

- `LogSmsSender` (default): writes the message to the log. The phone number is masked; the text (and so the code)
  stays readable, which is what a demo or a development machine needs.
- `OutboxSmsSender`: keeps messages in memory (`OutboxSmsSender.outbox`), for tests and browser tests.
- `HttpSmsSender`: POSTs JSON to a generic SMS gateway (`url`, `token`, optional `sign`, `timeout`, `template`).

Email goes through Django's mail backend (`EMAIL_BACKEND`), wrapped by `send_email` for the same reasons.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from .masking import mask_email, mask_phone

log = logging.getLogger("yiwang.sms")


class DeliveryError(RuntimeError):
    """The gateway refused or could not be reached; the caller tells the person to try again later."""


@dataclass
class SentMessage:
    to: str
    text: str
    at: datetime = field(default_factory=timezone.now)


class SmsSender:
    """Interface: send one text message to one mainland mobile number."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LogSmsSender(SmsSender):
    """Writes the message to the `yiwang.sms` log: masked number, readable text (the demo reads codes there)."""

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", mask_phone(phone), text)
        # A banner on stderr as well, so a person running the demo sees the code among the request lines.
        if self.options.get("banner", settings.DEBUG):
            print(f"\n====== SMS → {mask_phone(phone)} ======\n{text}\n==============================\n", flush=True)


class OutboxSmsSender(SmsSender):
    """Keeps every message in memory; tests read the code from `OutboxSmsSender.outbox`."""

    outbox: list[SentMessage] = []
    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            type(self).outbox.append(SentMessage(phone, text))

    @classmethod
    def last_to(cls, phone: str) -> SentMessage | None:
        for message in reversed(cls.outbox):
            if message.to == phone:
                return message
        return None

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.outbox.clear()


class HttpSmsSender(SmsSender):
    """A generic JSON SMS gateway: POST {"phone", "text", "sign"} with a bearer token; any 2xx is delivered.

    Options: url (required), token, sign (the registered SMS signature, e.g. 【某市政务服务】), timeout (seconds,
    default 5), phone_field / text_field (names in the JSON body, for gateways that use other names).
    """

    def send(self, phone: str, text: str) -> None:
        url = self.options.get("url")
        if not url or not str(url).startswith(("https://", "http://")):
            raise DeliveryError("SMS_PROVIDER_OPTIONS needs an http(s) url for HttpSmsSender")
        body = {
            self.options.get("phone_field", "phone"): phone,
            self.options.get("text_field", "text"): text,
        }
        if self.options.get("sign"):
            body["sign"] = self.options["sign"]
        headers = {"Accept": "application/json"}
        if self.options.get("token"):
            headers["Authorization"] = f"Bearer {self.options['token']}"
        try:
            resp = requests.post(url, json=body, headers=headers, timeout=float(self.options.get("timeout", 5)))
        except requests.RequestException as exc:
            log.error("SMS to %s not delivered: %s", mask_phone(phone), exc)
            raise DeliveryError(str(exc)) from exc
        if not 200 <= resp.status_code < 300:
            log.error("SMS to %s not delivered: gateway answered %s", mask_phone(phone), resp.status_code)
            raise DeliveryError(f"SMS gateway answered {resp.status_code}")
        log.info("SMS to %s handed to the gateway", mask_phone(phone))


def sms_sender() -> SmsSender:
    """The configured sender (a new instance each time, so settings overrides in tests take effect)."""
    cls = import_string(getattr(settings, "SMS_PROVIDER", "yiwang.identity.providers.LogSmsSender"))
    return cls(**(getattr(settings, "SMS_PROVIDER_OPTIONS", {}) or {}))


def send_sms(phone: str, text: str) -> None:
    sms_sender().send(phone, text)


def send_email(to: str, subject: str, text: str) -> None:
    """Plain-text mail through Django's backend; the log names the masked address only."""
    send_mail(subject, text, None, [to], fail_silently=False)
    log.info("Email to %s: %s", mask_email(to), subject)
