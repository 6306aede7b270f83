"""SM2 signatures over SM3 (GB/T 32918, GB/T 35276) of a license's canonical payload.

Tongsuo (through tongsuopy) hashes with the SM2 Z value of the default user id "1234567812345678", as the
standards require; OpenSSL 3 does the same when told `-sigopt distid:1234567812345678` (its default is no id),
so a signature made here verifies with `openssl dgst -sm3 -verify pub.pem -signature sig.der -sigopt
distid:1234567812345678 payload.json` and the other way round (docs/licenses.md, tests/licenses/test_openssl.py).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any

from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

DEFAULT_USER_ID = "1234567812345678"
PAYLOAD_FORMAT = "yiwang-license/1"
_ALGORITHM = ec.ECDSA(hashes.SM3())


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    """Deterministic bytes: sorted keys, no whitespace, UTF-8 (the same dict always gives the same bytes)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _date(value: dt.date | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def payload(
    *,
    identifier: str,
    type_code: str,
    issuer_code: str,
    holder_kind: str,
    holder_number: str,
    holder_name: str,
    fields: dict[str, Any],
    issued_on: dt.date | str,
    expires_on: dt.date | str | None,
    version: int,
    key_id: str,
) -> dict[str, Any]:
    """What the signature covers: everything the license says, not its status (status lives in the registry)."""
    return {
        "format": PAYLOAD_FORMAT,
        "identifier": identifier,
        "type": type_code,
        "issuer": issuer_code,
        "holder": {"kind": holder_kind, "number": holder_number, "name": holder_name},
        "fields": fields,
        "issued_on": _date(issued_on),
        "expires_on": _date(expires_on),
        "version": version,
        "key": key_id,
    }


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def fingerprint(signature: bytes) -> str:
    """The short signature fingerprint printed in the QR code URL (first 8 hex digits of its SM3)."""
    return sm3_hex(signature)[:8]


def new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SM2())


def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """DER-encoded SM2 signature of `data` (SM3 with the Z value of the default user id)."""
    return private_key.sign(data, _ALGORITHM)


def verify(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data, _ALGORITHM)
    except (InvalidSignature, InternalError, ValueError):  # InternalError: not even DER
        return False
    return True


def public_pem(private_key: ec.EllipticCurvePrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@lru_cache(maxsize=4096)
def load_public(pem: str) -> ec.EllipticCurvePublicKey:
    """Parsed public keys are cached: verification should cost one SM2 verify, not a PEM parse each time."""
    return serialization.load_pem_public_key(pem.encode("ascii"))
