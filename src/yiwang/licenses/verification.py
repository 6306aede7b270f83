"""Is this license genuine and in force? One answer for the public page, the QR code and the API.

Outcomes, in the order they are decided:
- malformed: not an e-license identifier at all;
- forged: the check character is wrong, the signature does not verify over the registry's data (or over the
  document presented), or the short fingerprint in a QR code does not match the signature;
- not_found: a well-formed identifier nobody issued;
- key_revoked: signed by a key the issuer revoked (compromised): not valid until re-signed;
- revoked / suspended / superseded / expired / valid: the registry's status (expiry computed from the date).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import identifiers, signing
from .models import License, SigningKey

LABELS = {
    "valid": _("valid"),
    "suspended": _("suspended"),
    "revoked": _("revoked"),
    "superseded": _("superseded by a newer version"),
    "expired": _("expired"),
    "forged": _("forged"),
    "key_revoked": _("signed with a revoked key"),
    "not_found": _("not found"),
    "malformed": _("not a license identifier"),
}


@dataclass
class Verdict:
    outcome: str
    license: License | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(LABELS[self.outcome])

    @property
    def ok(self) -> bool:
        return self.outcome == "valid"


def _status_verdict(lic: License) -> Verdict:
    if lic.signing_key.revoked_at is not None:
        return Verdict("key_revoked", lic, ["key_revoked"])
    return Verdict(lic.effective_status(), lic)


def verdict_for(lic: License) -> Verdict:
    """Verifies a stored license: its signature over the payload rebuilt from the registry, then its status."""
    from .services import payload_of

    data = signing.canonical_bytes(payload_of(lic))
    if not signing.verify(signing.load_public(lic.signing_key.public_key_pem), bytes(lic.signature), data):
        return Verdict("forged", lic, ["signature"])
    return _status_verdict(lic)


def _lookup(identifier: str) -> License | None:
    return (
        License.objects.select_related("license_type", "issuer", "signing_key")
        .filter(identifier=identifier.strip().upper())
        .first()
    )


def verify_identifier(identifier: str, fingerprint: str | None = None) -> Verdict:
    """What the verification page and GET API say about an identifier (and the QR code's fingerprint)."""
    try:
        parsed = identifiers.parse(identifier)
    except identifiers.IdentifierError as exc:
        return Verdict("malformed", None, [exc.code])
    if not parsed.check_ok:
        return Verdict("forged", None, ["check_character"])
    lic = _lookup(str(parsed))
    if lic is None:
        return Verdict("not_found")
    if fingerprint and signing.fingerprint(bytes(lic.signature)) != fingerprint.strip().lower():
        return Verdict("forged", lic, ["fingerprint"])
    return verdict_for(lic)


def decode_signature(value: str) -> bytes | None:
    """A signature given as base64 (standard or URL-safe) or hex."""
    text = (value or "").strip()
    try:
        if text and all(c in "0123456789abcdefABCDEF" for c in text) and len(text) % 2 == 0:
            return bytes.fromhex(text)
        urlsafe = "-" in text or "_" in text
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if urlsafe else None, validate=True)
        return raw or None
    except (binascii.Error, ValueError):
        return None


def verify_document(document: dict[str, Any] | str | bytes, signature: bytes) -> Verdict:
    """Verifies a license document someone presents (the signed payload and its signature).

    Parse, canonicalise, verify against the key the document names, then compare with the registry: a document
    whose fields were changed after signing fails the signature; a genuine old version reports its status.
    """
    try:
        payload = json.loads(document) if isinstance(document, str | bytes) else dict(document)
        identifier = str(payload["identifier"])
        key_id = str(payload["key"])
    except (ValueError, KeyError, TypeError):
        return Verdict("malformed", None, ["document"])
    try:
        parsed = identifiers.parse(identifier)
    except identifiers.IdentifierError as exc:
        return Verdict("malformed", None, [exc.code])
    if not parsed.check_ok:
        return Verdict("forged", None, ["check_character"])
    pem = _public_pem(key_id)
    if pem is None:
        return Verdict("forged", None, ["unknown_key"])
    if not signing.verify(signing.load_public(pem), signature, signing.canonical_bytes(payload)):
        return Verdict("forged", None, ["signature"])
    lic = _lookup(identifier)
    if lic is None or bytes(lic.signature) != signature:
        # Validly signed but not what the registry holds: not a license this platform stands behind.
        return Verdict("forged" if lic is not None else "not_found", lic, ["registry"])
    return _status_verdict(lic)


_pem_cache: dict[str, str] = {}


def _public_pem(key_id: str) -> str | None:
    """Public keys never change once made, so their PEM is cached per process by key id."""
    pem = _pem_cache.get(key_id)
    if pem is None:
        pem = SigningKey.objects.filter(key_id=key_id).values_list("public_key_pem", flat=True).first()
        if pem is not None:
            _pem_cache[key_id] = pem
    return pem
