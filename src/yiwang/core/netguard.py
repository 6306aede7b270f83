"""Outbound requests to addresses that users chose (webhook receivers): never into the platform's own network.

A URL a department system registers could otherwise name the cloud metadata service (169.254.169.254), the
database on localhost, or any machine on the private network, and the platform would send requests there on the
caller's behalf (server-side request forgery). So:

- `check_url` refuses link-local, loopback, private, shared (100.64/10), multicast, reserved, documentation and
  unspecified addresses, IPv4 and IPv6 alike, including IPv4 inside IPv6 (::ffff:a.b.c.d, 6to4, Teredo, NAT64),
  the old numeric host forms (2852039166, 0251.0376.0251.0376, 0xa9fea9fe) and host names that resolve to any
  such address. An operator may open chosen networks (a government intranet) with an allow-list of networks.
- `post` checks again when it sends, and connects to the very address it checked (the connection is pinned, with
  the original host name kept for TLS and the Host header), so a name that resolves elsewhere a second later (DNS
  rebinding) cannot slip past. Proxies from the environment are not used, and redirects are not followed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


class Refused(Exception):
    """The destination may not be reached; `code` and `message` say why (the message is translatable)."""

    def __init__(self, code: str, message: Any):
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Destination:
    """A checked URL: its parts, and the addresses it may be reached at (connect to the first)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...] = field(default=())


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDR strings ("10.20.0.0/16", "fd00::/8") as networks; a bad entry raises ValueError naming it."""
    out = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            out.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"not a network: {text!r}") from exc
    return tuple(out)


def _embedded(ip: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64), which decide where it goes."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[IPAddress] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(ip: IPAddress) -> bool:
    """True for an address on the public internet, and only then."""
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return all(is_public(inner) for inner in _embedded(ip))


def address_allowed(ip: IPAddress, allowed: Iterable[Network] = ()) -> bool:
    """Public, or inside a network the operator opened."""
    networks = tuple(allowed)
    candidates = [ip, *_embedded(ip)]
    if any(c.version == n.version and c in n for c in candidates for n in networks):
        return True
    return is_public(ip)


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number means (standard, IPv6, or the old decimal/octal/hex forms)."""
    text = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_url(url: str, *, allow_http: bool = False, allowed: Iterable[Network] = ()) -> Destination:
    """The checked destination of `url`, or Refused: https (http only when allowed), and only allowed addresses."""
    networks = tuple(allowed)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        raise Refused("invalid", _("Give a full https:// address.")) from None
    if parts.scheme not in ("https", "http") or not host:
        raise Refused("invalid", _("Give a full https:// address."))
    if parts.scheme == "http" and not allow_http:
        raise Refused("insecure", _("Webhooks are sent only to https:// addresses."))
    if parts.username is not None or parts.password is not None:
        raise Refused("invalid", _("The address may not carry a user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError, ValueError):
            raise Refused("unresolvable", _("The host name in the address cannot be resolved.")) from None
        if not addresses:
            raise Refused("unresolvable", _("The host name in the address cannot be resolved."))
    if not all(address_allowed(a, networks) for a in addresses):
        raise Refused(
            "private_address",
            _(
                "The address leads to a private, loopback, link-local or reserved network; webhooks go only to "
                "public addresses unless the operator allows that network."
            ),
        )
    return Destination(url=url.strip(), scheme=parts.scheme, host=host, port=port, addresses=tuple(addresses))


class PinnedAdapter(HTTPAdapter):
    """Connects to one checked address whatever the URL's host resolves to now; TLS still checks the host name."""

    def __init__(self, destination: Destination, **kwargs: Any):
        self.destination = destination
        super().__init__(**kwargs)

    def get_connection_with_tls_context(
        self, request: Any, verify: Any, proxies: dict[str, str] | None = None, cert: Any = None
    ) -> Any:
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        host_params = {**host_params, "host": str(self.destination.addresses[0])}
        if host_params.get("scheme") == "https":
            pool_kwargs = {
                **pool_kwargs,
                "server_hostname": self.destination.host,
                "assert_hostname": self.destination.host,
            }
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("proxies"):
            raise Refused("proxy", "a pinned connection does not go through a proxy")
        default_port = 443 if self.destination.scheme == "https" else 80
        host = self.destination.host if ":" not in self.destination.host else f"[{self.destination.host}]"
        request.headers["Host"] = host if self.destination.port == default_port else f"{host}:{self.destination.port}"
        return super().send(request, *args, **kwargs)


def post(
    url: str,
    *,
    data: bytes,
    headers: dict[str, str],
    timeout: float,
    allow_http: bool = False,
    allowed: Iterable[Network] = (),
    verify: bool | str = True,
) -> requests.Response:
    """POSTs to `url` after checking it again now, over a connection pinned to the checked address.

    Raises Refused (not sent) or requests.RequestException (sent, or tried, and failed).
    """
    destination = check_url(url, allow_http=allow_http, allowed=allowed)
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment may redirect the connection
        adapter = PinnedAdapter(destination)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session.post(
            destination.url, data=data, headers=headers, timeout=timeout, allow_redirects=False, verify=verify
        )
