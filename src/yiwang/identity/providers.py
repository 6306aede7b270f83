"""Where one-time codes and notices go: SMS gateways and email, each a plugin slot (docs/plugins.md).

`SMS_PROVIDER` names the SMS sender by key and `SMS_PROVIDER_OPTIONS` holds its options, so a city plugs in its
own gateway without touching the code (the dotted class paths of older settings still work):

- ``log`` (`LogSmsSender`, default): writes the message to the log. The phone number is masked; the text (and so
  the code) stays readable, which is what a demo or a development machine needs. Option: ``banner``.
- ``outbox`` (`OutboxSmsSender`): keeps messages in memory (`OutboxSmsSender.outbox`), for tests and browser tests.
- ``http`` (`HttpSmsSender`): POSTs JSON to a generic SMS gateway (``url``, ``token``, ``sign``, ``template``,
  ``timeout``, ``phone_field``, ``text_field``).

`EMAIL_PROVIDER` / `EMAIL_PROVIDER_OPTIONS` choose the email sender; the default ``django`` hands mail to Django's
mail backend (`EMAIL_BACKEND`, `EMAIL_HOST`…), with an optional ``from_email``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string
from pydantic import Field

from yiwang.core import plugins

from .masking import mask_email, mask_phone

log = logging.getLogger("yiwang.sms")


class DeliveryError(RuntimeError):
    """The gateway refused or could not be reached; the caller tells the person to try again later."""


@dataclass
class SentMessage:
    to: str
    text: str
    at: datetime = field(default_factory=timezone.now)


class SmsSender(plugins.Provider):
    """Interface: send one text message to one mainland mobile number."""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


SMS: plugins.Slot[SmsSender] = plugins.Slot(
    "identity.sms",
    SmsSender,
    setting="SMS_PROVIDER",
    options_setting="SMS_PROVIDER_OPTIONS",
    default="log",
    doc="Sends one-time codes and case notices by SMS.",
)


@SMS.register("log")
class LogSmsSender(SmsSender):
    """Writes the message to the `yiwang.sms` log: masked number, readable text (the demo reads codes there)."""

    class Options(plugins.Options):
        #: also print a banner on standard output (default: when DEBUG is on)
        banner: bool | None = None

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", mask_phone(phone), text)
        # A banner on stdout as well, so a person running the demo sees the code among the request lines.
        banner = self.options.banner if self.options.banner is not None else settings.DEBUG
        if banner:
            print(f"\n====== SMS → {mask_phone(phone)} ======\n{text}\n==============================\n", flush=True)


@SMS.register("outbox")
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


@SMS.register("http")
class HttpSmsSender(SmsSender):
    """A generic JSON SMS gateway: POST {"phone", "text", "sign"} with a bearer token; any 2xx is delivered."""

    class Options(plugins.Options):
        #: the gateway's address (http or https)
        url: str = ""
        #: bearer token sent in the Authorization header
        token: str = ""
        #: the registered SMS signature, e.g. 【某市政务服务】
        sign: str = ""
        #: the gateway's template id, sent as "template" when set
        template: str = ""
        #: seconds to wait for the gateway
        timeout: float = Field(default=5, gt=0, le=60)
        #: names of the phone number and text in the JSON body, for gateways that use other names
        phone_field: str = Field(default="phone", min_length=1)
        text_field: str = Field(default="text", min_length=1)

    def check(self) -> list[str]:
        if not self.options.url.startswith(("https://", "http://")):
            return ["SMS_PROVIDER_OPTIONS needs the gateway's http(s) url."]
        return []

    def send(self, phone: str, text: str) -> None:
        o = self.options
        if not o.url.startswith(("https://", "http://")):
            raise DeliveryError("SMS_PROVIDER_OPTIONS needs an http(s) url for HttpSmsSender")
        body = {o.phone_field: phone, o.text_field: text}
        if o.sign:
            body["sign"] = o.sign
        if o.template:
            body["template"] = o.template
        headers = {"Accept": "application/json"}
        if o.token:
            headers["Authorization"] = f"Bearer {o.token}"
        try:
            resp = requests.post(o.url, json=body, headers=headers, timeout=o.timeout)
        except requests.RequestException as exc:
            log.error("SMS to %s not delivered: %s", mask_phone(phone), exc)
            raise DeliveryError(str(exc)) from exc
        if not 200 <= resp.status_code < 300:
            log.error("SMS to %s not delivered: gateway answered %s", mask_phone(phone), resp.status_code)
            raise DeliveryError(f"SMS gateway answered {resp.status_code}")
        log.info("SMS to %s handed to the gateway", mask_phone(phone))


class EmailSender(plugins.Provider):
    """Interface: send one plain-text message to one address."""

    def send(self, to: str, subject: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


EMAIL: plugins.Slot[EmailSender] = plugins.Slot(
    "identity.email",
    EmailSender,
    setting="EMAIL_PROVIDER",
    options_setting="EMAIL_PROVIDER_OPTIONS",
    default="django",
    doc="Sends case notices by email.",
)


@EMAIL.register("django")
class DjangoEmailSender(EmailSender):
    """Django's mail backend (EMAIL_BACKEND and the EMAIL_* settings); the log names the masked address only."""

    class Options(plugins.Options):
        #: the sender address (default: DEFAULT_FROM_EMAIL)
        from_email: str | None = None

    def check(self) -> list[str]:
        backend = getattr(settings, "EMAIL_BACKEND", "")
        try:
            import_string(backend)
        except ImportError as exc:
            return [f"EMAIL_BACKEND {backend!r} cannot be imported ({exc})."]
        return []

    def send(self, to: str, subject: str, text: str) -> None:
        send_mail(subject, text, self.options.from_email, [to], fail_silently=False)
        log.info("Email to %s: %s", mask_email(to), subject)


def sms_sender() -> SmsSender:
    """The configured SMS sender (built from the settings of the moment, so overrides in tests take effect)."""
    return SMS.get()


def send_sms(phone: str, text: str) -> None:
    SMS.get().send(phone, text)


def send_email(to: str, subject: str, text: str) -> None:
    """Plain-text mail through the configured email sender."""
    EMAIL.get().send(to, subject, text)
