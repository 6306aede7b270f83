"""The client's address: one function for every limit, lockout, record and log line.

Without a reverse proxy (`PROXY_COUNT=0`, the default) the client is the connection's peer, REMOTE_ADDR, and
X-Forwarded-For is ignored, so a client cannot choose its own address by sending the header.

Behind `PROXY_COUNT` proxies, each proxy appends the address it received the request from to X-Forwarded-For.
The client is therefore the PROXY_COUNT-th entry from the right: whatever the client itself put in the header
stands to the left of it and is never read. (django-ipware reads the left-most entry by default, which the client
controls; this is the right-most rule it offers as `proxy_order="right-most"`, without the dependency.) A request
whose header has fewer entries than there are proxies did not come through them: its peer address is used.

Used by django-axes (AXES_CLIENT_IP_CALLABLE), every django-ratelimit key (`ratelimit_key`, and
RATELIMIT_IP_META_KEY for any `key="ip"`), the SMS-per-address cap, the session list, personal-data access records,
application log lines (`ClientAddressFilter`) and the access log of `yiwang serve`.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ATTRIBUTE = "_yiwang_client_ip"
_current: ContextVar[str | None] = ContextVar("yiwang_client_ip", default=None)


def proxy_count() -> int:
    try:
        return max(0, int(getattr(settings, "PROXY_COUNT", 0) or 0))
    except (TypeError, ValueError):
        return 0


def _address(value: str | None) -> str | None:
    """A canonical address from a header or REMOTE_ADDR entry ("1.2.3.4", "1.2.3.4:80", "[::1]:80"), or None."""
    text = (value or "").strip().strip('"')
    if not text or len(text) > 100:
        return None
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # an IPv6 zone (fe80::1%eth0) names the interface, not the client
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:1.2.3.4 is 1.2.3.4, for limits as for people
    return str(ip)


def client_ip_from_meta(meta: Mapping[str, Any], proxies: int | None = None) -> str | None:
    """The client address from a WSGI environ or request.META (the access log has only the environ)."""
    count = proxy_count() if proxies is None else proxies
    peer = _address(meta.get("REMOTE_ADDR"))
    if count <= 0:
        return peer
    hops = [h for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    if len(hops) < count:
        return peer
    return _address(hops[-count]) or peer


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for this request (computed once per request), or None when there is none."""
    cached = getattr(request, ATTRIBUTE, False)
    if cached is not False:
        return cached
    ip = client_ip_from_meta(request.META)
    setattr(request, ATTRIBUTE, ip)
    return ip


def ratelimit_ip(request: HttpRequest) -> str:
    """For RATELIMIT_IP_META_KEY: django-ratelimit needs an address string (it masks IPv6 to /64 itself)."""
    return client_ip(request) or "0.0.0.0"  # a bucket name when there is no address


def ratelimit_key(group: str, request: HttpRequest) -> str:
    """A django-ratelimit `key` callable: the client's address, IPv6 clients counted per /64 network."""
    ip = client_ip(request)
    if ip is None:
        return "ip:unknown"
    if ":" in ip:
        return "ip:" + str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return "ip:" + ip


class ClientAddressMiddleware:
    """Puts the client address where log lines can find it for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class ClientAddressFilter(logging.Filter):
    """Adds `client_ip` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "client_ip"):
            record.client_ip = _current.get() or "-"
        return True


class ClientAddressFormatter(logging.Formatter):
    """A formatter that may use %(client_ip)s whether or not its handler has the filter."""

    def format(self, record: logging.LogRecord) -> str:
        ClientAddressFilter().filter(record)
        return super().format(record)
