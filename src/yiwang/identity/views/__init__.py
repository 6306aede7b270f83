"""Identity pages; `rate_limited` is the page (or API answer) for a request over its rate (RATELIMIT_VIEW)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import both_languages

# Requests per client address (core.clientip); a city behind one NAT (a hall's Wi-Fi) raises them in settings.
RATES = {
    "sign_in": "20/m",
    "send_code": "10/m",
    "register": "10/m",
    "reset": "10/m",
}


def rate(group: str) -> str:
    return getattr(settings, "IDENTITY_RATES", {}).get(group, RATES[group])


def over_limit(request: HttpRequest, group: str) -> bool:
    """Counts this request against the per-address limit of `group`; True when it is over."""
    return is_ratelimited(request, group=f"identity.{group}", key=ratelimit_key, rate=rate(group), increment=True)


def rate_limited(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """429: in the API's error shape under /api/, otherwise a page saying to wait a minute."""
    message = _("Too many requests from your network. Wait a minute and try again.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": [{"field": "__all__", "code": "rate_limited", **both_languages(message)}]}, status=429
        )
    else:
        response = render(request, "identity/auth/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = "60"
    return response
