"""E-license identifiers (GB/T 36904): `1.2.156.3005.2.{type}.{issuer}.{serial}.{version}.{check}`.

Pure functions, no database: the check character is ISO 7064 MOD 37,36 (hybrid system over 0-9A-Z) computed
over type code + issuer credit code + serial + 3-digit version, so a mistyped identifier is caught before any
lookup, and the public verification page can call a wrong check character "forged" without asking anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
M = 36

_PART = re.compile(r"^[0-9A-Z]+$")
_VERSION = re.compile(r"^[0-9]{3}$")


class IdentifierError(ValueError):
    """The identifier is not of the GB/T 36904 shape (code says which part)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_character(body: str) -> str:
    """ISO 7064 MOD 37,36 check character for `body` (characters 0-9 and A-Z, case-insensitive)."""
    p = M
    for ch in body.upper():
        value = _VALUES.get(ch)
        if value is None:
            raise IdentifierError("bad_character", f"{ch!r} is not a digit or a Latin capital letter")
        s = (p + value) % M or M
        p = (s * 2) % (M + 1)
    return ALPHABET[(M + 1 - p) % M]


def is_valid_check(body: str, check: str) -> bool:
    """True when `check` is the MOD 37,36 check character of `body` (the full string then reduces to 1)."""
    try:
        return check_character(body) == check.upper()
    except IdentifierError:
        return False


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    @property
    def body(self) -> str:
        return f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        return f"{PREFIX}.{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}.{self.check}"

    @property
    def check_ok(self) -> bool:
        return is_valid_check(self.body, self.check)


def build(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """The full identifier with its check character; parts must be 0-9A-Z, version 1..999."""
    type_code, issuer_code, serial = type_code.upper(), issuer_code.upper(), serial.upper()
    for name, part in (("type", type_code), ("issuer", issuer_code), ("serial", serial)):
        if not _PART.match(part):
            raise IdentifierError(f"bad_{name}", f"the {name} part must be digits and capital letters")
    if not 1 <= version <= 999:
        raise IdentifierError("bad_version", "the version must be between 001 and 999")
    body = f"{type_code}{issuer_code}{serial}{version:03d}"
    return f"{PREFIX}.{type_code}.{issuer_code}.{serial}.{version:03d}.{check_character(body)}"


def parse(identifier: str) -> Identifier:
    """Splits an identifier into its parts; raises IdentifierError for a wrong shape (not for a wrong check)."""
    text = (identifier or "").strip().upper()
    if not text.startswith(PREFIX + "."):
        raise IdentifierError("bad_prefix", f"an e-license identifier starts with {PREFIX}.")
    parts = text[len(PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise IdentifierError("bad_shape", "expected type.issuer.serial.version.check after the prefix")
    type_code, issuer_code, serial, version, check = parts
    for name, part in (("type", type_code), ("issuer", issuer_code), ("serial", serial)):
        if not _PART.match(part):
            raise IdentifierError(f"bad_{name}", f"the {name} part must be digits and capital letters")
    if not _VERSION.match(version) or version == "000":
        raise IdentifierError("bad_version", "the version is three digits from 001")
    if len(check) != 1 or check not in _VALUES:
        raise IdentifierError("bad_check", "the check part is one digit or capital letter")
    return Identifier(type_code, issuer_code, serial, int(version), check)
