"""Issuing organisations' SM2 keys: public halves and seals in the database, private halves in a key store.

The key store is a plugin slot (docs/plugins.md): `LICENSE_KEYSTORE` names it (the dotted path of older settings
still works), `LICENSE_KEYSTORE_OPTIONS` holds its options. The default ``file`` keeps each private key as a
PKCS#8 PEM file encrypted with the passphrase (LICENSE_KEYSTORE_PASSPHRASE) under the directory
(LICENSE_KEYSTORE_DIR), mode 0600, so a database dump alone can never sign a license. An HSM or a signing service
is another `KeyStore` with the same two methods, registered with ``@KEYSTORES.register("<key>")``.

Rotation: the current key is marked rotated and a new one signs from then on; licenses keep verifying under the
key that signed them. Revocation (compromise): verification reports licenses signed by that key as "key revoked",
which is not valid; `services.resign_key_licenses` re-signs the still-valid ones under the organisation's new key.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from tongsuopy.crypto import serialization
from tongsuopy.crypto.asymciphers import ec

from yiwang.core import plugins
from yiwang.orgs.models import Organisation

from . import signing
from .models import SigningKey
from .seal import seal_svg


class KeyStore(plugins.Provider):
    """Where private keys live. `put` once when a key is made; `get` whenever it signs."""

    def put(self, key_id: str, private_key: ec.EllipticCurvePrivateKey) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def get(self, key_id: str) -> ec.EllipticCurvePrivateKey:  # pragma: no cover - interface
        raise NotImplementedError


KEYSTORES: plugins.Slot[KeyStore] = plugins.Slot(
    "licenses.keystore",
    KeyStore,
    setting="LICENSE_KEYSTORE",
    options_setting="LICENSE_KEYSTORE_OPTIONS",
    default="file",
    doc="Keeps the issuing organisations' SM2 private keys outside the database.",
)


def passphrase() -> bytes:
    """The configured passphrase, or (development only; the deploy check refuses it) one derived from SECRET_KEY."""
    configured = getattr(settings, "LICENSE_KEYSTORE_PASSPHRASE", "")
    if configured:
        return configured.encode("utf-8")
    return hashlib.sha256(b"yiwang-license-keystore\x00" + settings.SECRET_KEY.encode("utf-8")).hexdigest().encode()


def _writable_dir_problem(directory: Path) -> str | None:
    """Why keys could not be written under `directory` (it, or the nearest existing parent, must be writable)."""
    probe = directory
    while not probe.exists():
        if probe.parent == probe:
            return f"no part of {directory} exists"
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this process"
    return None


@KEYSTORES.register("file")
class FileKeyStore(KeyStore):
    """One encrypted PEM file per key; decrypted keys are kept in memory so signing a batch decrypts once."""

    option_settings = {"directory": "LICENSE_KEYSTORE_DIR", "passphrase": "LICENSE_KEYSTORE_PASSPHRASE"}

    class Options(plugins.Options):
        #: where the key files are (default LICENSE_KEYSTORE_DIR)
        directory: Path | None = None
        #: the passphrase encrypting them (default LICENSE_KEYSTORE_PASSPHRASE; empty: derived, development only)
        passphrase: str = ""

    def __init__(
        self,
        options: Any = None,
        /,
        *,
        directory: Path | str | None = None,
        secret: bytes | None = None,
        **raw: Any,
    ):
        super().__init__(options, **raw)
        self.directory = Path(directory or self.options.directory or settings.LICENSE_KEYSTORE_DIR)
        self.secret = secret or (self.options.passphrase.encode("utf-8") if self.options.passphrase else passphrase())
        self._cache: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._lock = threading.Lock()

    def check(self) -> list[str]:
        problem = _writable_dir_problem(self.directory)
        return [f"the key directory cannot be used: {problem}."] if problem else []

    def _path(self, key_id: str) -> Path:
        if not key_id or any(
            c not in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_" for c in key_id
        ):
            raise ValueError(f"unsafe key id {key_id!r}")
        return self.directory / f"{key_id}.pem"

    def put(self, key_id: str, private_key: ec.EllipticCurvePrivateKey) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self.secret),
        )
        path = self._path(key_id)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.replace(tmp, path)
        with self._lock:
            self._cache[key_id] = private_key

    def get(self, key_id: str) -> ec.EllipticCurvePrivateKey:
        with self._lock:
            cached = self._cache.get(key_id)
        if cached is not None:
            return cached
        key = serialization.load_pem_private_key(self._path(key_id).read_bytes(), self.secret)
        with self._lock:
            self._cache[key_id] = key
        return key


def store() -> KeyStore:
    """The configured key store (the same instance while the settings stay the same, so its cache is shared)."""
    return KEYSTORES.get()


def _new_key_id(org: Organisation) -> str:
    return f"{org.credit_code}-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"


@transaction.atomic
def create_key(org: Organisation) -> SigningKey:
    """A fresh key pair for `org`: private half to the key store, public half and seal to the database."""
    private = signing.new_private_key()
    key_id = _new_key_id(org)
    store().put(key_id, private)
    return SigningKey.objects.create(
        key_id=key_id,
        organisation=org,
        public_key_pem=signing.public_pem(private),
        seal_svg=seal_svg(org.name, code=org.credit_code),
    )


def current_key(org: Organisation) -> SigningKey:
    """The key `org` signs with now (made on first use)."""
    key = SigningKey.objects.filter(organisation=org, rotated_at__isnull=True, revoked_at__isnull=True).first()
    if key is not None:
        return key
    # Two workers issuing the first license of an organisation at once: lock the organisation row.
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()
        key = SigningKey.objects.filter(organisation=org, rotated_at__isnull=True, revoked_at__isnull=True).first()
        return key or create_key(org)


@transaction.atomic
def rotate(org: Organisation) -> SigningKey:
    """Retires the current key (it still verifies what it signed) and makes a new one."""
    SigningKey.objects.filter(organisation=org, rotated_at__isnull=True, revoked_at__isnull=True).update(
        rotated_at=timezone.now()
    )
    return create_key(org)


@transaction.atomic
def revoke(key: SigningKey, reason: str) -> SigningKey:
    """Marks a key compromised: it signs nothing more, and what it signed verifies as "key revoked"."""
    now = timezone.now()
    key.revoked_at = now
    key.revoked_reason = reason[:300]
    key.rotated_at = key.rotated_at or now
    key.save(update_fields=["revoked_at", "revoked_reason", "rotated_at"])
    return key


def private_key(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    return store().get(key.key_id)


def public_key(key: SigningKey) -> ec.EllipticCurvePublicKey:
    return signing.load_public(key.public_key_pem)
