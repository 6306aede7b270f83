"""Deployment checks: personal data must not be encrypted with keys derived from the secret key in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def pii_keys_configured(app_configs, **kwargs):
    errors = []
    if not getattr(settings, "PII_KEYS", ""):
        errors.append(
            Error(
                "PII_KEYS is not set: personal data would be encrypted with a key derived from SECRET_KEY.",
                hint="Set PII_KEYS=kid:<base64 16 bytes> (yiwang pii_keys --new prints one).",
                id="yiwang.identity.E001",
            )
        )
    if not getattr(settings, "PII_HASH_KEY", ""):
        errors.append(
            Error(
                "PII_HASH_KEY is not set: lookup hashes would be keyed from SECRET_KEY.",
                hint="Set PII_HASH_KEY to a base64 key of 32 random bytes.",
                id="yiwang.identity.E002",
            )
        )
    return errors
