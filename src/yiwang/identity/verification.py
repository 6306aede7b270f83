"""Real-name verification (实名认证): pluggable providers, one log row per check, levels that only go up.

A plugin slot with several providers (docs/plugins.md): ``VERIFICATION_PROVIDERS`` names them by key, in the order
they are asked (the dotted paths of older settings still work), ``VERIFICATION_PROVIDER_OPTIONS`` holds their
options by key. Each declares the methods it offers and the level each method establishes:

- ``library`` (`LibraryProvider`, default, method ``library``, level 2): the name and document number must match
  the population library (自然人库); enterprises are checked against the legal-person library (法人库), including
  their legal representative's identity. The libraries are looked up through the `lookups.LIBRARIES` slot.
- ``counter`` (`CounterProvider`, default, method ``counter``, level 3): a window clerk checked the original
  document in person.
- ``http`` (`HttpVerificationProvider`, methods ``face`` / ``bank_card`` by default, level 3): a client for a city's
  own face or bank-card verification service, speaking a small JSON protocol; skipped until a URL is configured.

``verify_person`` / ``verify_enterprise`` pick a provider, run it, write a ``Verification`` row whether it passed
or not (never with a full document number in it) and raise the level on success. A failed check never lowers a
level reached before.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import requests
from django.core import checks
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from yiwang.core import plugins
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Membership, Role

from . import crypto, services
from .lookups import LegalPersonEntry, LibraryUnavailable, PersonEntry, libraries
from .models import (
    Enterprise,
    LegalPersonStatus,
    Level,
    Person,
    RecordStatus,
    Verification,
    doc_hash,
)

log = logging.getLogger(__name__)

# Why a check passed or failed: the code is stored in Verification.detail, the text is shown to people.
DETAILS: dict[str, Any] = {
    "matched": _("Name and document number match the population library."),
    "not_found": _("The document number is not in the population library."),
    "name_mismatch": _("The name does not match the population library."),
    "record_cancelled": _("The population library record is cancelled."),
    "record_deceased": _("The population library records this person as deceased."),
    "doc_type_mismatch": _("The population library holds this number under another document type."),
    "enterprise_matched": _("Credit code, name and legal representative match the legal-person library."),
    "enterprise_not_found": _("The credit code is not in the legal-person library."),
    "enterprise_name_mismatch": _("The registered name does not match the legal-person library."),
    "enterprise_inactive": _("The legal-person library records this enterprise as deregistered or revoked."),
    "legal_rep_mismatch": _("The legal representative does not match the legal-person library."),
    "legal_rep_name_mismatch": _("The legal representative's name does not match the legal-person library."),
    "counter_checked": _("A window clerk checked the original document in person."),
    "counter_not_checked": _("The in-person checklist was not completed."),
    "counter_not_clerk": _("Only a window clerk may verify a person in person."),
    "service_passed": _("The verification service confirmed the identity."),
    "service_failed": _("The verification service did not confirm the identity."),
    "service_unavailable": _("The verification service could not be reached; try again later."),
    "library_unavailable": _("The population or legal-person library could not be reached; try again later."),
}

# What a clerk confirms at the window before an in-person verification (the keys of `evidence`).
COUNTER_CHECKLIST: list[tuple[str, Any]] = [
    ("document_checked", _("The original document was presented and checked")),
    ("photo_matches", _("The person in front of me matches the document photo")),
    ("document_valid", _("The document is within its validity period")),
]

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", ".": "·", "‧": "·", "∙": "·"})


def detail_text(detail: str) -> str:
    """The translated reason for a stored detail (`code` or `code: free text from a service`)."""
    code, _sep, extra = detail.partition(": ")
    message = DETAILS.get(code)
    if message is None:
        return detail
    return f"{message} {extra}".strip() if extra else str(message)


def normalise_name(name: str) -> str:
    """One spelling per name: NFKC, no spaces, capitals, every middle-dot variant as ·."""
    return crypto.normalise(name or "").translate(_NAME_DOTS)


@dataclass(frozen=True)
class Outcome:
    """What a provider found: passed or not, and why (a DETAILS code, optionally ': ' and text)."""

    passed: bool
    detail: str


class Provider(plugins.Provider):
    """A way of establishing a real-name level. Subclasses declare `methods` and implement the checks."""

    #: short name written to Verification.provider
    name: str = ""
    #: method → the level a passed check establishes
    methods: dict[str, int] = {}
    #: whether verify_enterprise() is implemented
    verifies_enterprises: bool = False

    def available(self) -> bool:
        """False while a provider lacks its configuration; it is then skipped."""
        return True

    def verify_person(
        self, person: Person, *, method: str, level: int, performed_by: Any, evidence: dict[str, Any]
    ) -> Outcome:
        raise NotImplementedError

    def verify_enterprise(self, enterprise: Enterprise, *, performed_by: Any) -> Outcome:
        raise NotImplementedError


VERIFICATION: plugins.Slot[Provider] = plugins.Slot(
    "identity.verification",
    Provider,
    setting="VERIFICATION_PROVIDERS",
    options_setting="VERIFICATION_PROVIDER_OPTIONS",
    many=True,
    default=("library", "counter"),
    doc="Real-name verification services, asked in order; each offers methods and the level they establish.",
)


def person_outcome(entry: PersonEntry | None, *, name: str, doc_type: str) -> Outcome:
    """Compares a claimed name and document type with the population library's record of the number."""
    if entry is None:
        return Outcome(False, "not_found")
    if entry.doc_type != doc_type:
        return Outcome(False, "doc_type_mismatch")
    if normalise_name(entry.name) != normalise_name(name):
        return Outcome(False, "name_mismatch")
    if entry.status == RecordStatus.DECEASED:
        return Outcome(False, "record_deceased")
    if entry.status != RecordStatus.NORMAL:
        return Outcome(False, "record_cancelled")
    return Outcome(True, "matched")


def enterprise_outcome(
    entry: LegalPersonEntry | None, *, name: str, legal_rep_name: str, legal_rep: Person | None = None
) -> Outcome:
    """Compares a legal person's claimed name and legal representative with the legal-person library."""
    if entry is None:
        return Outcome(False, "enterprise_not_found")
    if normalise_name(entry.name) != normalise_name(name):
        return Outcome(False, "enterprise_name_mismatch")
    if entry.status != LegalPersonStatus.ACTIVE:
        return Outcome(False, "enterprise_inactive")
    if normalise_name(entry.legal_rep_name) != normalise_name(legal_rep_name):
        return Outcome(False, "legal_rep_name_mismatch")
    if legal_rep is not None:
        if not entry.legal_rep_doc_hash or entry.legal_rep_doc_hash != legal_rep.doc_number_hash:
            return Outcome(False, "legal_rep_mismatch")
        if normalise_name(legal_rep.name) != normalise_name(entry.legal_rep_name):
            return Outcome(False, "legal_rep_mismatch")
    return Outcome(True, "enterprise_matched")


def check_person(*, name: str, doc_type: str, doc_number: str) -> Outcome:
    """A claimed name and document number against the population library (nothing is written)."""
    try:
        entry = libraries().person(doc_type, doc_number)
    except LibraryUnavailable as exc:
        log.warning("population library unavailable: %s", exc)
        return Outcome(False, "library_unavailable")
    return person_outcome(entry, name=name, doc_type=doc_type)


def check_enterprise(*, credit_code: str, name: str, legal_rep_name: str, legal_rep: Person | None = None) -> Outcome:
    """A legal person's claimed name and legal representative against the legal-person library."""
    try:
        entry = libraries().legal_person(credit_code)
    except LibraryUnavailable as exc:
        log.warning("legal-person library unavailable: %s", exc)
        return Outcome(False, "library_unavailable")
    return enterprise_outcome(entry, name=name, legal_rep_name=legal_rep_name, legal_rep=legal_rep)


@VERIFICATION.register("library")
class LibraryProvider(Provider):
    """The embedded default: the population and legal-person libraries (lookups.LIBRARIES)."""

    name = "library"
    methods = {"library": Level.ID}
    verifies_enterprises = True

    def verify_person(
        self, person: Person, *, method: str, level: int, performed_by: Any, evidence: dict[str, Any]
    ) -> Outcome:
        return check_person(name=person.name, doc_type=person.doc_type, doc_number=person.doc_number)

    def verify_enterprise(self, enterprise: Enterprise, *, performed_by: Any) -> Outcome:
        return check_enterprise(
            credit_code=enterprise.credit_code,
            name=enterprise.name,
            legal_rep_name=enterprise.legal_rep_name,
            legal_rep=enterprise.legal_rep if enterprise.legal_rep_id is not None else None,
        )


def is_window_clerk(user: Any) -> bool:
    """Holds the window clerk role somewhere (system administrators are not at a window)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(user_id=user.pk, role=Role.WINDOW_CLERK).exists()


@VERIFICATION.register("counter")
class CounterProvider(Provider):
    """In person at a window (现场核验): the clerk saw the original document and the person holding it."""

    name = "counter"
    methods = {"counter": Level.STRONG}

    def verify_person(
        self, person: Person, *, method: str, level: int, performed_by: Any, evidence: dict[str, Any]
    ) -> Outcome:
        if not is_window_clerk(performed_by):
            return Outcome(False, "counter_not_clerk")
        if evidence.get("document_checked") is not True:
            return Outcome(False, "counter_not_checked")
        # The other checklist items are optional in the protocol, but an explicit "no" fails the check.
        if any(evidence.get(key) is False for key, _label in COUNTER_CHECKLIST):
            return Outcome(False, "counter_not_checked")
        return Outcome(True, "counter_checked")


class ProviderUnavailable(RuntimeError):
    """The remote verification service did not give a usable answer."""


@VERIFICATION.register("http")
class HttpVerificationProvider(Provider):
    """A city's face / bank-card verification service over HTTPS.

    Request: ``POST <url>`` with ``Authorization: Bearer <token>`` and JSON
    ``{"name", "doc_type", "doc_number", "method", "evidence"}``; response: JSON ``{"passed": bool, "reason": str}``.
    Options (``VERIFICATION_PROVIDER_OPTIONS["http"]``, or the older settings VERIFICATION_HTTP_URL, _TOKEN,
    _METHODS, _TIMEOUT, _NAME): url, token, methods (default face, bank_card), timeout (seconds, default 10),
    name (written to the log, default "http").
    """

    verifies_enterprises = False
    option_settings = {
        "url": "VERIFICATION_HTTP_URL",
        "token": "VERIFICATION_HTTP_TOKEN",
        "methods": "VERIFICATION_HTTP_METHODS",
        "timeout": "VERIFICATION_HTTP_TIMEOUT",
        "name": "VERIFICATION_HTTP_NAME",
    }

    class Options(plugins.Options):
        #: the service's address; empty leaves the provider unused
        url: str = ""
        token: str = ""
        #: the methods the service offers (each establishes level 3)
        methods: list[str] = Field(default_factory=lambda: ["face", "bank_card"], min_length=1)
        timeout: float = Field(default=10, gt=0, le=120)
        #: the name written to each verification record
        name: str = Field(default="http", min_length=1, max_length=40)

    def __init__(self, options: Any = None, /, **raw: Any) -> None:
        super().__init__(options, **raw)
        self.url: str = self.options.url
        self.token: str = self.options.token
        self.timeout: float = self.options.timeout
        self.name = self.options.name
        self.methods = {m: Level.STRONG for m in self.options.methods}

    def check(self) -> list[str | checks.CheckMessage]:
        if not self.url:
            return [
                checks.Warning(
                    "http: no url is configured, so the face / bank-card verification service is skipped.",
                    hint='Set VERIFICATION_PROVIDER_OPTIONS = {"http": {"url": …}} (or VERIFICATION_HTTP_URL).',
                    obj="VERIFICATION_PROVIDERS",
                    id="yiwang.W101",
                )
            ]
        if not self.url.startswith(("https://", "http://")):
            return ["the verification service's url must start with https:// or http://."]
        return []

    def available(self) -> bool:
        return bool(self.url)

    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = requests.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProviderUnavailable(type(exc).__name__) from exc
        if response.status_code != 200:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderUnavailable("response is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("passed"), bool):
            raise ProviderUnavailable("response has no boolean 'passed'")
        return body

    def verify_person(
        self, person: Person, *, method: str, level: int, performed_by: Any, evidence: dict[str, Any]
    ) -> Outcome:
        payload = {
            "name": person.name,
            "doc_type": person.doc_type,
            "doc_number": person.doc_number,
            "method": method,
            "evidence": evidence,
        }
        try:
            body = self.call(payload)
        except ProviderUnavailable as exc:
            log.warning("verification service %s unavailable: %s", self.name, exc)
            return Outcome(False, "service_unavailable")
        reason = mask_identifiers(str(body.get("reason") or ""))[:200]
        code = "service_passed" if body["passed"] else "service_failed"
        return Outcome(body["passed"], f"{code}: {reason}" if reason else code)


def mask_identifiers(text: str) -> str:
    """Hides the middle of any 18-character ID number in free text (a service's reason, say)."""
    return _ID_LIKE.sub(lambda m: m.group(1) + "********" + m.group(2), text)


def providers() -> list[Provider]:
    """The configured providers that have what they need to work, in settings order."""
    return [p for p in VERIFICATION.all() if p.available()]


def provider_for(method: str) -> Provider | None:
    return next((p for p in providers() if method in p.methods), None)


def available_methods() -> dict[str, int]:
    """Every method some configured provider offers → the level it establishes."""
    out: dict[str, int] = {}
    for p in providers():
        for method, level in p.methods.items():
            out.setdefault(method, level)
    return out


def _refuse(field: str, code: str, message: Any, params: dict[str, Any] | None = None) -> ProblemsError:
    return ProblemsError([Problem(field, message, code, params=params)])


def verify_person(
    person: Person,
    *,
    level: int = Level.ID,
    method: str = "library",
    performed_by: Any = None,
    evidence: dict[str, Any] | None = None,
) -> Verification:
    """Checks `person` with the provider offering `method`; logs the check; raises the level when it passes.

    Refuses (ProblemsError) only when no provider offers the method or the method cannot reach `level`; a
    check that runs and fails is a Verification with passed=False, not an exception.
    """
    provider = provider_for(method)
    if provider is None:
        raise _refuse(
            "method", "unavailable", _("No verification provider offers the method %(method)s."), {"method": method}
        )
    reachable = provider.methods[method]
    if level not in Level.values or level <= Level.PHONE:
        raise _refuse("level", "invalid", _("Choose a real-name level the providers can establish."))
    if level > reachable:
        raise _refuse(
            "level",
            "too_high",
            _("The method %(method)s establishes at most level %(level)s."),
            {"method": method, "level": reachable},
        )
    outcome = provider.verify_person(
        person, method=method, level=level, performed_by=performed_by, evidence=dict(evidence or {})
    )
    with transaction.atomic():
        row = Verification.objects.create(
            person=person,
            level=level,
            provider=provider.name[:40],
            method=method[:40],
            passed=outcome.passed,
            detail=outcome.detail[:300],
            performed_by=performed_by if getattr(performed_by, "pk", None) else None,
        )
        if outcome.passed:
            services.raise_level(person=person, level=level)
    return row


def verify_enterprise(enterprise: Enterprise, *, performed_by: Any = None) -> Verification:
    """Checks a legal person against the legal-person library (level 2 on success)."""
    provider = next((p for p in providers() if p.verifies_enterprises), None)
    if provider is None:
        raise _refuse("method", "unavailable", _("No verification provider checks legal persons."))
    outcome = provider.verify_enterprise(enterprise, performed_by=performed_by)
    with transaction.atomic():
        row = Verification.objects.create(
            enterprise=enterprise,
            level=Level.ID,
            provider=provider.name[:40],
            method="library",
            passed=outcome.passed,
            detail=outcome.detail[:300],
            performed_by=performed_by if getattr(performed_by, "pk", None) else None,
        )
        if outcome.passed:
            services.raise_level(enterprise=enterprise, level=Level.ID)
    return row


def library_hash(doc_type: str, doc_number: str) -> str:
    """The keyed hash the population library stores for a document (same as Person.doc_number_hash)."""
    return doc_hash(doc_type, crypto.normalise(doc_number))


def level_problem(actor_person: Person | None, version: Any) -> Problem | None:
    """Why `actor_person` may not apply for the item `version` (its minimum real-name level), or None."""
    required = int(getattr(version, "min_identity_level", 0) or 0)
    current = int(actor_person.level) if actor_person is not None else Level.NONE
    if current >= required:
        return None
    return Problem(
        "identity_level",
        _(
            "This service requires real-name level %(required)s (%(required_label)s); your identity is at level "
            "%(current)s. Complete real-name verification first."
        ),
        "level_too_low",
        params={
            "required": required,
            "required_label": Level(required).label,
            "current": current,
        },
    )
