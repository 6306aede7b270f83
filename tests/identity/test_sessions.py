# ruff: noqa: F811  (pytest fixtures imported from test_signin_support)
"""Sessions: idle and absolute expiry, sign-out everywhere, password change and reset end other sessions."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.core import mail

from tests.factories import citizen_id, person
from tests.identity.test_signin_support import PASSWORD, client_at, no_wait, outbox  # noqa: F401
from yiwang.identity.middleware import LAST_SEEN, SIGNED_IN_AT
from yiwang.identity.models import OneTimeCode, UserSession

pytestmark = pytest.mark.django_db
NEW = "Autumn-leaves-2031"


@pytest.fixture
def citizen():
    p = person("孙丽", doc_number=citizen_id(serial=888), phone="13877778888")
    p.user.email = "sunli@example.cn"
    p.user.save()
    return p


def sign_in(p, ip, password=PASSWORD):
    client = client_at(ip)
    r = client.post("/accounts/sign-in/", {"method": "password", "identifier": p.doc_number, "password": password})
    assert r.status_code == 302
    return client


def age_session(client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def is_signed_in(client) -> bool:
    return client.get("/api/v1/identity/me").status_code == 200


def test_idle_session_expires_and_page_goes_to_sign_in(citizen, settings):
    client = sign_in(citizen, "10.5.0.1")
    age_session(client, LAST_SEEN, settings.SESSION_COOKIE_AGE + 5)
    r = client.get("/accounts/security/")
    assert r.status_code == 302
    assert (
        r["Location"].startswith("/accounts/sign-in/?next=%2Faccounts%2Fsecurity%2F") and "expired=1" in r["Location"]
    )
    assert not is_signed_in(client)
    assert not UserSession.objects.filter(user=citizen.user).exists()
    assert (
        "重新登录" in client.get(r["Location"]).content.decode()
        or "sign in again" in client.get(r["Location"]).content.decode()
    )


def test_absolute_lifetime_ends_even_an_active_session(citizen, settings):
    client = sign_in(citizen, "10.5.0.2")
    age_session(client, SIGNED_IN_AT, settings.SESSION_MAX_AGE + 5)
    assert client.get("/accounts/security/").status_code == 302
    assert not is_signed_in(client)


def test_active_session_stays(citizen, settings):
    client = sign_in(citizen, "10.5.0.3")
    age_session(client, LAST_SEEN, settings.SESSION_COOKIE_AGE - 60)
    assert client.get("/accounts/security/").status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5  # touched again


def test_security_page_lists_sessions_with_this_device(citizen):
    phone_client = sign_in(citizen, "10.5.0.4")
    desk = sign_in(citizen, "10.5.0.5")
    body = desk.get("/accounts/security/").content.decode()
    assert "10.5.0.4" in body and "10.5.0.5" in body and body.count("tag-ok") == 1
    assert is_signed_in(phone_client)


def test_sign_out_everywhere_else(citizen):
    others = [sign_in(citizen, f"10.5.1.{i}") for i in range(3)]
    me = sign_in(citizen, "10.5.1.9")
    r = me.post("/accounts/security/", {"action": "end_others"})
    assert r.status_code == 302
    assert [is_signed_in(c) for c in others] == [False, False, False]
    assert is_signed_in(me)
    assert UserSession.objects.filter(user=citizen.user).count() == 1
    assert Session.objects.count() == 1


def test_end_one_session_and_not_another_accounts(citizen):
    other_person = person("钱多", doc_number=citizen_id(serial=889))
    stranger = sign_in(other_person, "10.5.2.1")
    victim = sign_in(citizen, "10.5.2.2")
    me = sign_in(citizen, "10.5.2.3")
    victim_row = UserSession.objects.get(ip="10.5.2.2")
    stranger_row = UserSession.objects.get(user=other_person.user)
    me.post("/accounts/security/", {"action": "end", "session": stranger_row.pk})
    assert is_signed_in(stranger)
    me.post("/accounts/security/", {"action": "end", "session": victim_row.pk})
    assert not is_signed_in(victim) and is_signed_in(me)


def test_password_change_keeps_this_session_and_ends_others(citizen):
    other = sign_in(citizen, "10.5.3.1")
    me = sign_in(citizen, "10.5.3.2")
    r = me.post(
        "/accounts/security/",
        {"action": "password", "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert r.status_code == 302
    assert is_signed_in(me) and not is_signed_in(other)
    sign_in(citizen, "10.5.3.3", password=NEW)


def test_password_change_errors_per_field(citizen):
    me = sign_in(citizen, "10.5.3.4")
    r = me.post(
        "/accounts/security/",
        {"action": "password", "old_password": "wrong", "new_password1": "a", "new_password2": "b"},
    )
    assert r.status_code == 400 and r.content.decode().count("field-error") >= 2


def test_password_reset_by_sms_does_not_reveal_accounts(citizen, outbox):
    known, unknown = client_at("10.5.4.1"), client_at("10.5.4.2")
    r1 = known.post("/accounts/reset/", {"account": "13877778888"})
    r2 = unknown.post("/accounts/reset/", {"account": "13700009999"})
    assert r1.status_code == r2.status_code == 302 and r1["Location"] == r2["Location"]
    p1 = known.get(r1["Location"]).content.decode()
    p2 = unknown.get(r2["Location"]).content.decode()

    def plain(page: str, masked: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.replace(masked, "X"))

    assert plain(p1, "138****8888") == plain(p2, "137****9999")
    assert outbox.code("13877778888") and outbox.code("13700009999") is None
    assert OneTimeCode.objects.count() == 2
    # The unknown number's "code" fails like a wrong code.
    r = unknown.post("/accounts/reset/code/", {"code": "123456", "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 400 and 'id="f-code-err"' in r.content.decode()


def test_password_reset_by_sms_sets_the_password_and_ends_sessions(citizen, outbox):
    old = sign_in(citizen, "10.5.4.3")
    client = client_at("10.5.4.4")
    client.post("/accounts/reset/", {"account": "13877778888"})
    r = client.post(
        "/accounts/reset/code/", {"code": outbox.code("13877778888"), "new_password1": NEW, "new_password2": NEW}
    )
    assert r.status_code == 302 and r["Location"] == "/accounts/sign-in/"
    assert not is_signed_in(old)
    sign_in(citizen, "10.5.4.5", password=NEW)


def test_password_reset_by_email(citizen):
    client = client_at("10.5.5.1")
    r1 = client.post("/accounts/reset/", {"account": "sunli@example.cn"})
    r2 = client.post("/accounts/reset/", {"account": "nobody@example.cn"})
    assert r1["Location"] == r2["Location"] == "/accounts/reset/email-sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sunli@example.cn"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    r = client.get("/" + path, follow=True)
    assert r.status_code == 200
    r = client.post(r.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 302
    sign_in(citizen, "10.5.5.2", password=NEW)


def test_password_reset_bad_input(citizen):
    r = client_at("10.5.5.3").post("/accounts/reset/", {"account": "not a number"})
    assert r.status_code == 400 and 'id="f-account-err"' in r.content.decode()
    assert client_at("10.5.5.4").get("/accounts/reset/code/").status_code == 302


# --- API -------------------------------------------------------------------------------------------------------

API = "/api/v1/identity"


def test_api_sessions_list_delete_and_end_others(citizen):
    other = sign_in(citizen, "10.5.6.1")
    stranger_person = person("李雷", doc_number=citizen_id(serial=890))
    sign_in(stranger_person, "10.5.6.2")
    me = sign_in(citizen, "10.5.6.3")
    rows = me.get(f"{API}/sessions").json()
    assert len(rows) == 2 and sum(r["current"] for r in rows) == 1
    stranger_id = UserSession.objects.get(user=stranger_person.user).pk
    r = me.delete(f"{API}/sessions/{stranger_id}")
    assert r.status_code == 404 and r.json()["detail"][0]["code"] == "not_found"
    other_id = next(r["id"] for r in rows if not r["current"])
    assert me.delete(f"{API}/sessions/{other_id}").status_code == 204
    assert not is_signed_in(other)
    sign_in(citizen, "10.5.6.4")
    assert me.post(f"{API}/sessions/end-others").json() == {"ended": 1}


def test_api_password_change_and_reset(citizen, outbox):
    me = sign_in(citizen, "10.5.7.1")
    r = me.post(
        f"{API}/password/change", {"old_password": "x", "new_password1": NEW, "new_password2": NEW}, "application/json"
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "old_password"
    r = me.post(
        f"{API}/password/change",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        "application/json",
    )
    assert r.status_code == 204 and is_signed_in(me)
    anon = client_at("10.5.7.2")
    assert anon.post(f"{API}/otp", {"purpose": "reset", "phone": "13877778888"}, "application/json").status_code == 202
    assert anon.post(f"{API}/otp", {"purpose": "reset", "phone": "13700001234"}, "application/json").status_code == 202
    body = {
        "phone": "13877778888",
        "code": outbox.code("13877778888"),
        "new_password1": PASSWORD + "x",
        "new_password2": PASSWORD + "x",
    }
    assert anon.post(f"{API}/password/reset", body, "application/json").json() == {"done": True}
    assert not is_signed_in(me)
    r = anon.post(f"{API}/password/reset", {"email": "nobody@example.cn"}, "application/json")
    assert r.status_code == 202 and r.json() == {"done": False}


def test_api_needs_sign_in():
    client = client_at("10.5.8.1")
    for method, url in (("get", "/me"), ("get", "/sessions"), ("post", "/sessions/end-others"), ("post", "/sign-out")):
        assert getattr(client, method)(API + url).status_code == 401
