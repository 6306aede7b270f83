"""Email intake: the `hotline.mailbox` slot reads messages from the hotline's mailbox; each becomes a work order.

Providers (docs/plugins.md):
- ``directory`` (default, no set-up): reads ``*.eml`` files from a directory (``var/hotline/inbox``); a message
  taken is moved to ``done/``, one that cannot be read or recorded to ``failed/`` with the reason beside it.
- ``imap``: an IMAP mailbox (``host``, ``port``, ``user``, ``password``, ``folder``, ``ssl``); a message taken is
  flagged \\Seen (and deleted when ``delete`` is on); one that fails stays unseen for the next run.

`fetch()` (the command `yiwang hotline_fetch_mail`, or the task) takes each message on its own: one bad message is
recorded as failed and never stops the others. A message is recorded once (its Message-ID is the order's
`source_ref`), so a re-read message or a retried run makes no second order.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from django.conf import settings
from pydantic import Field

from yiwang.core import plugins

log = logging.getLogger("yiwang.hotline.mail")


@dataclass
class Message:
    """One message as the mailbox holds it; `done` and `failed` tell the mailbox what became of it."""

    ref: str
    raw: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


class Mailbox(plugins.Provider):
    """Interface: the messages waiting, and what became of each."""

    def messages(self) -> Iterator[Message]:  # pragma: no cover - interface
        raise NotImplementedError

    def done(self, message: Message) -> None:
        """The message became a work order."""

    def failed(self, message: Message, reason: str) -> None:
        """The message could not be recorded."""

    def close(self) -> None:
        """Called once after a fetch."""


MAILBOX: plugins.Slot[Mailbox] = plugins.Slot(
    "hotline.mailbox",
    Mailbox,
    setting="HOTLINE_MAILBOX",
    options_setting="HOTLINE_MAILBOX_OPTIONS",
    default="directory",
    doc="Where the 12345 hotline's email intake reads messages.",
)


def _default_inbox() -> str:
    return str(Path(getattr(settings, "VAR_DIR", Path("var"))) / "hotline" / "inbox")


@MAILBOX.register("directory")
class DirectoryMailbox(Mailbox):
    """.eml files in a directory (what a mail server's delivery agent or an operator drops there)."""

    class Options(plugins.Options):
        directory: str = Field(default_factory=_default_inbox)

    def check(self) -> list[str]:
        path = Path(self.options.directory)
        if path.exists() and not path.is_dir():
            return [f"{path} is not a directory"]
        return []

    def _dir(self, name: str = "") -> Path:
        path = Path(self.options.directory) / name if name else Path(self.options.directory)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def messages(self) -> Iterator[Message]:
        for path in sorted(self._dir().glob("*.eml")):
            try:
                yield Message(ref=path.name, raw=path.read_bytes())
            except OSError as exc:
                log.warning("cannot read %s: %s", path, exc)

    def done(self, message: Message) -> None:
        src = self._dir() / message.ref
        if src.exists():
            src.replace(self._dir("done") / message.ref)

    def failed(self, message: Message, reason: str) -> None:
        src = self._dir() / message.ref
        if src.exists():
            src.replace(self._dir("failed") / message.ref)
            (self._dir("failed") / (message.ref + ".txt")).write_text(reason, encoding="utf-8")


@MAILBOX.register("imap")
class ImapMailbox(Mailbox):
    """An IMAP mailbox (imaplib from the standard library)."""

    class Options(plugins.Options):
        host: str = Field(min_length=1)
        port: int = Field(default=993, gt=0, lt=65536)
        user: str = Field(min_length=1)
        password: str = ""
        folder: str = "INBOX"
        ssl: bool = True
        delete: bool = False
        timeout: float = Field(default=20, gt=0, le=300)

    _conn: imaplib.IMAP4 | None = None

    def _connect(self) -> imaplib.IMAP4:
        o = self.options
        conn = (imaplib.IMAP4_SSL if o.ssl else imaplib.IMAP4)(o.host, o.port, timeout=o.timeout)
        conn.login(o.user, o.password)
        conn.select(o.folder)
        return conn

    def messages(self) -> Iterator[Message]:
        self._conn = self._connect()
        status, data = self._conn.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            return
        for uid in (data[0] or b"").split():
            status, parts = self._conn.uid("FETCH", uid, "(BODY.PEEK[])")
            if status != "OK" or not parts or not isinstance(parts[0], tuple):
                continue
            yield Message(ref=uid.decode(), raw=parts[0][1])

    def done(self, message: Message) -> None:
        if self._conn is not None:
            self._conn.uid("STORE", message.ref, "+FLAGS", "(\\Seen)")
            if self.options.delete:
                self._conn.uid("STORE", message.ref, "+FLAGS", "(\\Deleted)")

    def close(self) -> None:
        if self._conn is not None:
            try:
                if self.options.delete:
                    self._conn.expunge()
                self._conn.logout()
            finally:
                self._conn = None


# --- turning a message into an order --------------------------------------------------------------------------


@dataclass
class FetchResult:
    created: list[str] = field(default_factory=list)
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        from django.utils.html import strip_tags

        text = strip_tags(text)
    return text.strip()


def _photos(msg: EmailMessage) -> list:
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = []
    for part in msg.iter_attachments():
        if part.get_content_maintype() == "image":
            out.append(SimpleUploadedFile(part.get_filename() or "photo", part.get_content(), part.get_content_type()))
    return out[:6]


def record(message: Message):
    """One message → one work order (a consultation in the default category unless the subject says more)."""
    from . import services
    from .models import Category, Channel, OrderType

    msg = message.parsed()
    name, address = parseaddr(str(msg.get("From", "")))
    subject = str(msg.get("Subject", "")).strip()
    body = _body(msg)
    if "@" not in address:
        from django.utils.translation import gettext_lazy as _

        from yiwang.core.errors import Problem, ProblemsError

        raise ProblemsError([Problem("from", _("Not a mail message: it names no sender to answer."), "no_sender")])
    msg_id = str(msg.get("Message-ID", "")).strip() or f"file:{message.ref}"
    order_type = OrderType.CONSULT
    for word, kind in (
        ("投诉", OrderType.COMPLAINT),
        ("举报", OrderType.REPORT),
        ("建议", OrderType.SUGGESTION),
        ("求助", OrderType.HELP),
        ("表扬", OrderType.PRAISE),
    ):
        if word in subject:
            order_type = kind
            break
    category = (
        Category.objects.filter(code="other", is_active=True).first()
        or Category.objects.filter(is_active=True, parent__isnull=True).order_by("position", "id").first()
    )
    who = services.Who(name=address or "email", role="email", channel=Channel.EMAIL)
    return services.create_order(
        who=who,
        order_type=order_type,
        category=category,
        title=subject[:120],
        content=(body or subject)[:4000],
        caller_name=name[:100],
        caller_email=address,
        photos=_photos(msg),
        source_ref=f"mail:{msg_id}"[:200],
        channel=Channel.EMAIL,
    )


def fetch(limit: int = 500) -> FetchResult:
    """Reads the mailbox once; every message is taken on its own (a failure is recorded and the next one read)."""
    from yiwang.core.errors import ProblemsError

    box = MAILBOX.get()
    result = FetchResult()
    try:
        for i, message in enumerate(box.messages()):
            if i >= limit:
                break
            try:
                order, created = record(message)
            except ProblemsError as exc:
                result.failed.append((message.ref, str(exc)))
                box.failed(message, str(exc))
                continue
            except Exception as exc:  # one bad message never stops the fetch
                log.exception("mail %s could not be recorded", message.ref)
                result.failed.append((message.ref, f"{type(exc).__name__}: {exc}"))
                box.failed(message, f"{type(exc).__name__}: {exc}")
                continue
            if created:
                result.created.append(order.number)
            else:
                result.duplicates += 1
            box.done(message)
    finally:
        box.close()
    return result
