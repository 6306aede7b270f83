"""Start-up check: the networks webhooks may reach besides the public internet must be written as networks."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from yiwang.core import netguard


@register(Tags.security)
def webhook_networks(app_configs, **kwargs):
    try:
        netguard.parse_networks(getattr(settings, "WEBHOOKS_ALLOWED_NETWORKS", ()))
    except ValueError as exc:
        return [
            Error(
                f"WEBHOOKS_ALLOWED_NETWORKS: {exc}",
                hint='Give networks in CIDR form, comma-separated, e.g. "10.20.0.0/16,fd00:1::/64".',
                id="yiwang.exchange.E001",
            )
        ]
    return []
