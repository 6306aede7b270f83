"""Looking a person up in the population library (自然人库) and a legal person in the legal-person library (法人库).

A plugin slot (docs/plugins.md): `LIBRARY_PROVIDER` names where the libraries are, `LIBRARY_PROVIDER_OPTIONS` holds
the provider's options.

- ``local`` (default): the platform's own tables, loaded from the bureaus' files (`libraries.py`, `yiwang
  import_population`, `yiwang import_legal_persons`). Document numbers are held as keyed hashes only.
- ``http``: a provincial library service over HTTP(S) (``url``, ``token``, ``timeout``), for cities that query the
  province's libraries instead of keeping copies. Protocol: ``POST <url>/population`` with
  ``{"doc_type", "doc_number"}`` and ``POST <url>/legal-persons`` with ``{"credit_code"}``, a bearer token; the
  answer is ``{"found": false}`` (or 404), or the record as JSON (see `HttpLibraries`).

The lookups answer "who is registered under this number", and the real-name checks (`verification.py`) compare
that with what a person claims. A library that cannot be reached raises `LibraryUnavailable`; a check then fails
with "try again later", it never passes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import Field

from yiwang.core import plugins

from . import crypto
from .documents import DocType
from .libraries import DOC_TYPE_WORDS, KIND_WORDS, LEGAL_STATUS_WORDS, PERSON_STATUS_WORDS
from .models import LegalPersonRecord, PopulationRecord, doc_hash

log = logging.getLogger(__name__)


class LibraryUnavailable(RuntimeError):
    """The library service gave no usable answer (unreachable, an error status, a malformed body)."""


@dataclass(frozen=True)
class PersonEntry:
    """A population library record: the name registered under a document number, and its status."""

    doc_type: str
    name: str
    status: str  # a RecordStatus value


@dataclass(frozen=True)
class LegalPersonEntry:
    """A legal-person library record; the legal representative's document number only as its keyed hash."""

    credit_code: str
    name: str
    legal_rep_name: str
    status: str  # a LegalPersonStatus value
    kind: str = ""
    legal_rep_doc_hash: str = ""
    address: str = ""
    registered_on: dt.date | None = None


class LibraryLookup(plugins.Provider):
    """Interface: find the record of a document number, or of a unified social credit code."""

    def person(self, doc_type: str, doc_number: str) -> PersonEntry | None:  # pragma: no cover - interface
        raise NotImplementedError

    def legal_person(self, credit_code: str) -> LegalPersonEntry | None:  # pragma: no cover - interface
        raise NotImplementedError


LIBRARIES: plugins.Slot[LibraryLookup] = plugins.Slot(
    "identity.libraries",
    LibraryLookup,
    setting="LIBRARY_PROVIDER",
    options_setting="LIBRARY_PROVIDER_OPTIONS",
    default="local",
    doc="Population and legal-person library lookups behind real-name checks.",
)


def libraries() -> LibraryLookup:
    """The configured library lookup."""
    return LIBRARIES.get()


@LIBRARIES.register("local")
class LocalLibraries(LibraryLookup):
    """The platform's own library tables (the embedded default)."""

    def person(self, doc_type: str, doc_number: str) -> PersonEntry | None:
        record = (
            PopulationRecord.objects.filter(doc_number_hash=doc_hash(doc_type, crypto.normalise(doc_number)))
            .only("doc_type", "name", "status")
            .first()
        )
        if record is None:
            return None
        return PersonEntry(doc_type=record.doc_type, name=record.name, status=record.status)

    def legal_person(self, credit_code: str) -> LegalPersonEntry | None:
        record = LegalPersonRecord.objects.filter(credit_code=crypto.normalise(credit_code)).first()
        if record is None:
            return None
        return LegalPersonEntry(
            credit_code=record.credit_code,
            name=record.name,
            legal_rep_name=record.legal_rep_name,
            status=record.status,
            kind=record.kind,
            legal_rep_doc_hash=record.legal_rep_doc_hash,
            address=record.address,
            registered_on=record.registered_on,
        )


@LIBRARIES.register("http")
class HttpLibraries(LibraryLookup):
    """A provincial library service speaking a small JSON protocol.

    ``POST <url>/population`` ``{"doc_type", "doc_number"}`` → ``{"found": true, "name", "doc_type", "status"}``;
    ``POST <url>/legal-persons`` ``{"credit_code"}`` → ``{"found": true, "name", "legal_rep_name", "status", "kind",
    "legal_rep_doc_type", "legal_rep_doc_number", "address", "registered_on"}``. A status is the machine value or
    the bureaus' word (正常/注销/死亡, 存续/注销/吊销). ``{"found": false}`` or 404 means not in the library.
    The legal representative's number is turned into its keyed hash at once and never kept.
    """

    class Options(plugins.Options):
        #: the service's base address (http or https); /population and /legal-persons are appended
        url: str
        #: bearer token sent in the Authorization header
        token: str = ""
        #: seconds to wait for an answer
        timeout: float = Field(default=5, gt=0, le=60)

    def check(self) -> list[str]:
        if not self.options.url.startswith(("https://", "http://")):
            return ["LIBRARY_PROVIDER_OPTIONS.url must be the library service's http(s) address."]
        return []

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        headers = {"Accept": "application/json"}
        if self.options.token:
            headers["Authorization"] = f"Bearer {self.options.token}"
        url = self.options.url.rstrip("/") + path
        try:
            response = requests.post(url, json=payload, headers=headers, timeout=self.options.timeout)
        except requests.RequestException as exc:
            raise LibraryUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise LibraryUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise LibraryUnavailable("the answer is not JSON") from exc
        if not isinstance(body, dict):
            raise LibraryUnavailable("the answer is not a JSON object")
        if body.get("found") is False:
            return None
        return body

    @staticmethod
    def _word(body: dict[str, Any], key: str, words: dict[str, str], default: str) -> str:
        raw = str(body.get(key) or "").strip()
        if not raw:
            return default
        value = words.get(raw) or words.get(raw.lower())
        if value is None:
            raise LibraryUnavailable(f"unknown {key} {raw!r}")
        return value

    @staticmethod
    def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str:
        value = body.get(key)
        if value is None or not isinstance(value, str | int):
            if required:
                raise LibraryUnavailable(f"the answer has no {key}")
            return ""
        return str(value).strip()

    def person(self, doc_type: str, doc_number: str) -> PersonEntry | None:
        body = self._post("/population", {"doc_type": doc_type, "doc_number": crypto.normalise(doc_number)})
        if body is None:
            return None
        return PersonEntry(
            doc_type=self._word(body, "doc_type", DOC_TYPE_WORDS, doc_type),
            name=self._text(body, "name", required=True),
            status=self._word(body, "status", PERSON_STATUS_WORDS, "normal"),
        )

    def legal_person(self, credit_code: str) -> LegalPersonEntry | None:
        body = self._post("/legal-persons", {"credit_code": crypto.normalise(credit_code)})
        if body is None:
            return None
        rep_number = crypto.normalise(self._text(body, "legal_rep_doc_number"))
        rep_type = self._word(body, "legal_rep_doc_type", DOC_TYPE_WORDS, DocType.RESIDENT_ID)
        registered = self._text(body, "registered_on")
        try:
            registered_on = dt.date.fromisoformat(registered[:10]) if registered else None
        except ValueError:
            registered_on = None
        return LegalPersonEntry(
            credit_code=crypto.normalise(self._text(body, "credit_code") or credit_code),
            name=self._text(body, "name", required=True),
            legal_rep_name=self._text(body, "legal_rep_name", required=True),
            status=self._word(body, "status", LEGAL_STATUS_WORDS, "active"),
            kind=self._word(body, "kind", KIND_WORDS, "enterprise"),
            legal_rep_doc_hash=doc_hash(rep_type, rep_number) if rep_number else "",
            address=self._text(body, "address"),
            registered_on=registered_on,
        )
