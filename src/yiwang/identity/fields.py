"""A model field that keeps its value encrypted in the database and plain in Python."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stored as SM4-GCM ciphertext (see `crypto`); cannot be filtered on — pair it with a lookup hash column."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "" or not crypto.is_ciphertext(value):
            return value
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and crypto.is_ciphertext(value):
            return crypto.decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or crypto.is_ciphertext(value):
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str):  # type: ignore[override]
        if lookup_name not in ("isnull", "exact"):
            raise TypeError(f"{self.name} is encrypted: filter on its lookup hash instead")
        return super().get_lookup(lookup_name)
