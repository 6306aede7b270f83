"""One client-address function for every limit (issue 17): behind a proxy each client has its own limits; without
one, X-Forwarded-For is ignored so a client cannot pick its own address."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from tests.factories import citizen_id, person
from tests.identity.staff_factories import clerk
from yiwang.core import clientip
from yiwang.identity.models import PiiAccess, UserSession

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.100"
SIGN_IN = "/accounts/sign-in/"
API = "/api/v1/identity"
SRC = Path(__file__).resolve().parents[2] / "src" / "yiwang"


def via_proxy(client_address: str, forwarded: str | None = None) -> Client:
    """A browser at `client_address` behind one reverse proxy that appends the peer to X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded or client_address)


@pytest.mark.parametrize(
    ("meta", "proxies", "expected"),
    [
        ({"REMOTE_ADDR": "192.0.2.1"}, 0, "192.0.2.1"),
        ({"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, 0, "192.0.2.1"),  # header ignored
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, 1, "198.51.100.7"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7"}, 1, "198.51.100.7"),  # spoofed left
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7, 10.0.0.5"}, 2, "198.51.100.7"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, 2, PROXY),  # too few hops: not via proxies
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}, 1, PROXY),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7:5123"}, 1, "198.51.100.7"),
        ({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "[2001:db8::7]:443"}, 1, "2001:db8::7"),
        ({"REMOTE_ADDR": "::ffff:192.0.2.9"}, 0, "192.0.2.9"),
        ({"REMOTE_ADDR": ""}, 0, None),
    ],
)
def test_client_address_rules(meta, proxies, expected):
    assert clientip.client_ip_from_meta(meta, proxies) == expected


def test_ipv6_clients_share_a_limit_per_64_network(settings):
    settings.PROXY_COUNT = 0
    rf = RequestFactory()
    a = clientip.ratelimit_key("g", rf.get("/", REMOTE_ADDR="2001:db8:1:2::1"))
    b = clientip.ratelimit_key("g", rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    c = clientip.ratelimit_key("g", rf.get("/", REMOTE_ADDR="2001:db8:1:3::1"))
    assert a == b != c


def test_every_rate_limit_in_the_code_is_keyed_by_the_one_function():
    """No limit may count the proxy's address (key="ip" without the setting, or REMOTE_ADDR read by hand)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "clientip.py":
            continue
        if re.search(r"""key\s*=\s*["'](ip|user_or_ip)["']""", text) or "REMOTE_ADDR" in text:
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_sign_in_limit(settings):
    settings.PROXY_COUNT = 1
    citizen = person("赵六", doc_number=citizen_id(serial=555), phone="13811112222")
    codes = [
        via_proxy(f"198.51.100.{i}").post(SIGN_IN, {"identifier": f"nobody{i}", "password": "x" * 12}).status_code
        for i in range(25)
    ]
    assert codes == [400] * 25
    # 25 more tries from one client hit that client's limit (20 a minute) ...
    one = via_proxy("203.0.113.50")
    codes = [one.post(SIGN_IN, {"identifier": f"n{i}", "password": "x" * 12}).status_code for i in range(21)]
    assert codes[-1] == 429
    # ... rotating a spoofed left part of the header does not escape it ...
    spoofed = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    assert spoofed.post(SIGN_IN, {"identifier": "n", "password": "x" * 12}).status_code == 429
    # ... and another client with the right password is not held back by anyone else.
    other = via_proxy("198.51.100.200")
    r = other.post(SIGN_IN, {"identifier": citizen.doc_number, "password": PASSWORD})
    assert r.status_code == 302
    assert UserSession.objects.get(user=citizen.user).ip == "198.51.100.200"


@pytest.mark.django_db
def test_without_a_proxy_forwarded_headers_are_ignored(settings):
    settings.PROXY_COUNT = 0
    codes = [
        via_proxy(f"198.51.100.{i}").post(SIGN_IN, {"identifier": f"nobody{i}", "password": "x" * 12}).status_code
        for i in range(21)
    ]
    assert codes[:20] == [400] * 20 and codes[20] == 429


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "other_client"), [(1, 302), (0, 429)])
def test_lockout_is_per_client_behind_a_proxy(settings, proxies, other_client):
    settings.PROXY_COUNT = proxies
    citizen = person("钱七", doc_number=citizen_id(serial=556), phone="13811113333")
    attacker = via_proxy("198.51.100.66")
    codes = [
        attacker.post(SIGN_IN, {"identifier": citizen.doc_number, "password": "wrong-password-1"}).status_code
        for _ in range(5)
    ]
    assert codes[-1] == 429
    r = via_proxy("198.51.100.77").post(SIGN_IN, {"identifier": citizen.doc_number, "password": PASSWORD})
    assert r.status_code == other_client


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "last"), [(1, 202), (0, 429)])
def test_sms_per_address_cap_counts_clients_not_the_proxy(settings, proxies, last):
    settings.PROXY_COUNT = proxies
    settings.OTP_IP_HOURLY_CAP = 3
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    codes = [
        via_proxy(f"198.51.100.{i}")
        .post(f"{API}/otp", {"purpose": "register", "phone": f"1370000000{i}"}, "application/json")
        .status_code
        for i in range(4)
    ]
    assert codes[:3] == [202, 202, 202] and codes[3] == last


@pytest.mark.django_db
def test_personal_data_access_records_the_client_address(settings):
    settings.PROXY_COUNT = 1
    zhang = person("张三")
    c = via_proxy("198.51.100.9", "6.6.6.6, 198.51.100.9")
    c.force_login(clerk())
    r = c.post("/workbench/people/", {"by": "doc", "doc_type": zhang.doc_type, "doc_number": zhang.doc_number})
    c.post(r["Location"] + "reveal/", {"field": "doc_number", "reason": "受理窗口核对申请人身份"})
    assert PiiAccess.objects.get().ip == "198.51.100.9"


def test_log_lines_carry_the_client_address(settings):
    settings.PROXY_COUNT = 1
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(clientip.ClientAddressFilter())
    log = logging.getLogger("yiwang.test.clientip")
    log.addHandler(handler)
    try:
        middleware = clientip.ClientAddressMiddleware(lambda request: log.warning("inside") or "ok")
        middleware(RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.3"))
        log.warning("outside")
    finally:
        log.removeHandler(handler)
    assert [r.client_ip for r in records] == ["198.51.100.3", "-"]


def test_the_access_log_shows_the_client_not_the_proxy(settings):
    from gunicorn.config import Config

    from yiwang.core.management.commands.serve import AccessLogger

    settings.PROXY_COUNT = 1
    environ = {
        "REMOTE_ADDR": PROXY,
        "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.4",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }

    class Resp:
        status = "200 OK"
        response_length = 2
        headers = ()
        sent = 2

    class Req:
        headers = ()

    import datetime as dt

    atoms = AccessLogger(Config()).atoms(Resp(), Req(), environ, dt.timedelta(milliseconds=3))
    assert atoms["h"] == "198.51.100.4"


def test_the_log_format_works_on_any_handler(settings):
    """A handler added later with the "plain" formatter but without the filter still formats (no KeyError)."""

    config = settings.LOGGING["formatters"]["plain"]
    fmt = clientip.ClientAddressFormatter(config["format"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert fmt.format(record).endswith("x [-] hello")
