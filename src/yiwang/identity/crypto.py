"""Personal data at rest: SM4-GCM encryption and HMAC-SM3 lookup hashes (GB/T 39786 algorithms).

Keys come from configuration, never from the database:

- ``PII_KEYS``: ``"kid:base64key,kid2:base64key"`` — 16-byte SM4 keys; the first encrypts, every one decrypts,
  so a key can be rotated without rewriting old rows at once (``yiwang pii_keys --rotate`` rewrites them).
- ``PII_HASH_KEY``: base64 key for the keyed lookup hash, so an ID number can be found by exact value without
  storing it in clear and without a table an attacker could precompute.

In development and tests the keys are derived from SECRET_KEY; production refuses to start without them
(see ``identity.checks``).
"""

from __future__ import annotations

import base64
import os
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(ValueError):
    """Ciphertext that no configured key opens (wrong key, or the value was tampered with)."""


def _derive(label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=b"yiwang-pii", info=label).derive(
        settings.SECRET_KEY.encode()
    )


@lru_cache(maxsize=8)
def _keyring(spec: str) -> tuple[tuple[str, bytes], ...]:
    if not spec:
        return (("dev", _derive(b"encrypt", 16)),)
    ring = []
    for part in spec.split(","):
        kid, _sep, b64 = part.strip().partition(":")
        key = base64.b64decode(b64)
        if not kid or len(key) != 16:
            raise ValueError(f"PII_KEYS entry {kid!r}: expected 'kid:<base64 of 16 bytes>'")
        ring.append((kid, key))
    return tuple(ring)


def keyring() -> tuple[tuple[str, bytes], ...]:
    return _keyring(getattr(settings, "PII_KEYS", ""))


@lru_cache(maxsize=4)
def _hash_key(spec: str) -> bytes:
    return base64.b64decode(spec) if spec else _derive(b"lookup-hash", 32)


def normalise(value: str) -> str:
    """One spelling per value: full-width to half-width, no spaces, capitals (an ID's x is X)."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def encrypt(plaintext: str) -> str:
    """``sm4gcm:<kid>:<base64(nonce | ciphertext | tag)>`` under the current key."""
    kid, key = keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(kid.encode())
    body = enc.update(plaintext.encode()) + enc.finalize()
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + body + enc.tag).decode()}"


def is_ciphertext(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def decrypt(token: str) -> str:
    try:
        _prefix, kid, b64 = token.split(":", 2)
        raw = base64.b64decode(b64)
    except ValueError as exc:
        raise DecryptionError("not a Yiwang ciphertext") from exc
    keys = dict(keyring())
    if kid not in keys:
        raise DecryptionError(f"key {kid!r} is not configured in PII_KEYS")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(kid.encode())
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("the ciphertext was altered or the key is wrong") from exc


def key_id(token: str) -> str:
    return token.split(":", 2)[1]


def lookup_hash(kind: str, value: str) -> str:
    """Keyed hash for exact-value search; `kind` separates namespaces (an ID number never equals a phone)."""
    mac = hmac.HMAC(_hash_key(getattr(settings, "PII_HASH_KEY", "")), hashes.SM3())
    mac.update(kind.encode() + b"\x00" + normalise(value).encode())
    return mac.finalize().hex()


def new_key() -> str:
    """A fresh base64 SM4 key, for operators filling in PII_KEYS."""
    return base64.b64encode(os.urandom(16)).decode()
