"""Deployment check: license signing keys must not be protected by a passphrase derived from the secret key."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def keystore_passphrase_configured(app_configs, **kwargs):
    if getattr(settings, "LICENSE_KEYSTORE_PASSPHRASE", ""):
        return []
    return [
        Error(
            "LICENSE_KEYSTORE_PASSPHRASE is not set: license signing keys would be encrypted with a passphrase "
            "derived from SECRET_KEY.",
            hint="Set LICENSE_KEYSTORE_PASSPHRASE to a long random string kept outside the database.",
            id="yiwang.licenses.E001",
        )
    ]
