"""Webhook receivers cannot point into the platform's own network (issue 17: https://169.254.169.254/ was accepted).

Name resolution is faked (tests/conftest.py `fake_dns`); the pinning tests run real HTTP and HTTPS servers on
loopback, opened for them with WEBHOOKS_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client

from tests.factories import OrganisationFactory, make_item, person
from yiwang.cases import services as cases
from yiwang.cases.services import Who
from yiwang.core import netguard
from yiwang.exchange.models import Delivery, DeliveryStatus, Subscription
from yiwang.identity.clients import create_client

URL = "/api/v1/exchange/subscriptions"

REFUSED = [
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1/hook",
    "https://127.1/hook",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://240.0.0.1/hook",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://[ff02::1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64
    "https://[2002:a9fe:a9fe::1]/hook",  # 6to4
    "https://2852039166/hook",  # decimal 169.254.169.254
    "https://0251.0376.0251.0376/hook",  # octal
    "https://0xa9fea9fe/hook",  # hexadecimal
    "https://0x7f.1/hook",
    "https://metadata.attacker.example/hook",  # a name that resolves to the metadata service
    "https://mixed.attacker.example/hook",  # one public and one private answer
    "https://localhost/hook",
]


@pytest.fixture
def api(db, fake_dns) -> Client:
    fake_dns["metadata.attacker.example"] = ["169.254.169.254"]
    fake_dns["mixed.attacker.example"] = ["1.2.3.7", "10.0.0.8"]
    fake_dns["localhost"] = ["127.0.0.1", "::1"]
    org = OrganisationFactory()
    client, secret = create_client("部门系统", "department", org, ["cases:read", "cases:write"])
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = (
        Client()
        .post("/oauth/token/", {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
        .json()["access_token"]
    )
    c = Client(headers={"Authorization": f"Bearer {token}"})
    c.org = org  # type: ignore[attr-defined]
    return c


def subscribe(api: Client, url: str):
    return api.post(URL, {"url": url}, content_type="application/json")


@pytest.mark.parametrize("url", REFUSED)
def test_private_and_special_addresses_are_refused(api, url):
    r = subscribe(api, url)
    assert r.status_code == 400, (url, r.content)
    problem = r.json()["detail"][0]
    assert problem["field"] == "url" and problem["code"] in ("private_address", "unresolvable")
    assert problem["message"] and problem["message_en"]
    assert not Subscription.objects.exists()


def test_a_public_receiver_is_accepted_and_unresolvable_or_odd_urls_are_not(api):
    assert subscribe(api, "https://dept.example.gov.cn/hook").status_code == 201
    for url, code in [
        ("https://nowhere.invalid/hook", "unresolvable"),
        ("http://dept.example.gov.cn/hook", "insecure"),
        ("ftp://dept.example.gov.cn/", "invalid"),
        ("https://user:pw@dept.example.gov.cn/hook", "invalid"),
        ("https://dept.example.gov.cn:99999/", "invalid"),
    ]:
        r = subscribe(api, url)
        assert r.status_code == 400 and r.json()["detail"][0]["code"] == code, url


def test_an_operator_may_open_chosen_networks(api, settings, fake_dns):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.20.0.0/16", "fd00:1::/64"]
    fake_dns["hooks.intranet.gov.cn"] = ["10.20.8.9"]
    assert subscribe(api, "https://10.20.1.2/hook").status_code == 201
    assert subscribe(api, "https://hooks.intranet.gov.cn/hook").status_code == 201
    assert subscribe(api, "https://[fd00:1::5]/hook").status_code == 201
    assert subscribe(api, "https://[::ffff:10.20.1.2]/hook").status_code == 201
    for url in ("https://10.21.0.1/hook", "https://169.254.169.254/", "https://[fd00:2::5]/hook"):
        assert subscribe(api, url).status_code == 400, url


@responses.activate
def test_delivery_checks_the_address_again_and_sends_nothing_to_a_rebound_name(
    api, fake_dns, django_capture_on_commit_callbacks
):
    responses.post("https://dept.example.gov.cn/hook", status=204)
    assert subscribe(api, "https://dept.example.gov.cn/hook").status_code == 201
    fake_dns["dept.example.gov.cn"] = ["169.254.169.254"]  # the name now points at the metadata service
    version = make_item(api.org).current
    applicant = person("张三")
    with django_capture_on_commit_callbacks(execute=True):
        cases.submit(version=version, person=applicant, who=Who(user=applicant.user))
    assert len(responses.calls) == 0  # nothing was sent
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.PENDING and d.attempts == 1 and d.last_error == "refused: private_address"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2852039166", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("dept.example.gov.cn", None),
        ("1e100.net", None),
    ],
)
def test_numeric_host_forms(host, expected):
    found = netguard.literal_address(host)
    assert (str(found) if found else None) == expected


# --- the connection goes to the address that was checked ---------------------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        Recorder.seen.append({"host": self.headers.get("Host"), "body": self.rfile.read(length)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server() -> Iterator[tuple[http.server.HTTPServer, int]]:
    Recorder.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def name_never_resolves_at_connect(monkeypatch):
    """If anything but the pinned address were used, connecting by name would fail."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".internal"):
            raise socket.gaierror(socket.EAI_NONAME, "not resolvable at connect time")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_plain_http_connection_is_pinned_to_the_checked_address(
    loopback_server, fake_dns, name_never_resolves_at_connect, monkeypatch
):
    _server, port = loopback_server
    fake_dns["hooks.internal"] = ["127.0.0.1"]
    calls = []
    fake = netguard.resolve
    monkeypatch.setattr(netguard, "resolve", lambda host, p: calls.append(host) or fake(host, p))
    r = netguard.post(
        f"http://hooks.internal:{port}/hook",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        timeout=5,
        allow_http=True,
        allowed=netguard.parse_networks(["127.0.0.0/8"]),
    )
    assert r.status_code == 204
    assert calls == ["hooks.internal"]  # resolved once: the check and the connection used the same answer
    assert Recorder.seen == [{"host": f"hooks.internal:{port}", "body": b"{}"}]


def test_without_the_allow_list_loopback_is_refused_before_connecting(loopback_server, fake_dns):
    _server, port = loopback_server
    fake_dns["hooks.internal"] = ["127.0.0.1"]
    with pytest.raises(netguard.Refused):
        netguard.post(f"http://hooks.internal:{port}/", data=b"", headers={}, timeout=5, allow_http=True)
    assert Recorder.seen == []


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.mark.parametrize(("cert_name", "ok"), [("hooks.internal", True), ("someone-else.internal", False)])
def test_tls_connection_is_pinned_and_still_checks_the_host_name(
    loopback_server, fake_dns, name_never_resolves_at_connect, tmp_path, cert_name, ok
):
    server, port = loopback_server
    cert_file, key_file = _certificate(tmp_path, cert_name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    fake_dns["hooks.internal"] = ["127.0.0.1"]
    send = lambda: netguard.post(  # noqa: E731
        f"https://hooks.internal:{port}/hook",
        data=b"{}",
        headers={},
        timeout=5,
        allowed=netguard.parse_networks(["127.0.0.0/8"]),
        verify=str(cert_file),
    )
    if ok:
        assert send().status_code == 204
        assert Recorder.seen[0]["host"] == f"hooks.internal:{port}"
    else:
        with pytest.raises(requests.exceptions.SSLError):
            send()


def test_is_public_rules():
    public = ["1.2.3.4", "2400:3200::1", "223.5.5.5"]
    private = ["169.254.169.254", "::ffff:127.0.0.1", "2002:c0a8:0101::1", "192.0.2.1", "198.18.0.1", "::"]
    assert all(netguard.is_public(ipaddress.ip_address(a)) for a in public)
    assert not any(netguard.is_public(ipaddress.ip_address(a)) for a in private)


def test_a_bad_network_in_the_allow_list_is_reported_at_start_up(settings):
    from yiwang.exchange.checks import webhook_networks

    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.20.0.0/16", "intranet"]
    errors = webhook_networks(None)
    assert [e.id for e in errors] == ["yiwang.exchange.E001"] and "intranet" in errors[0].msg
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert webhook_networks(None) == []
