# ruff: noqa: F811  (pytest fixtures imported from test_signin_support)
"""Sign-in on the page and through the API: every identifier kind, wrong passwords, lockout, rate limits, ?next=."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory, citizen_id, enterprise, person, staff
from tests.identity.test_signin_support import PASSWORD, client_at, no_wait, outbox  # noqa: F401
from yiwang.identity.models import UserSession

pytestmark = pytest.mark.django_db
URL = "/accounts/sign-in/"


def post_password(client, identifier, password=PASSWORD, **extra):
    return client.post(URL, {"method": "password", "identifier": identifier, "password": password, **extra})


@pytest.fixture
def citizen():
    return person("王小明", doc_number=citizen_id(serial=321), phone="13812345678")


def test_page_renders_both_tabs():
    client = client_at("10.0.0.1")
    r = client.get(URL)
    assert r.status_code == 200
    assert b'name="identifier"' in r.content and b'autocomplete="current-password"' in r.content
    r = client.get(URL + "?method=sms")
    assert b'name="phone"' in r.content and b'autocomplete="one-time-code"' in r.content
    assert b"oidc" not in r.content.lower()


@pytest.mark.parametrize("kind", ["id_number", "id_lowercase_spaced", "mobile", "credit_code", "account_name"])
def test_sign_in_by_each_identifier(citizen, kind):
    ent = enterprise(legal_rep=citizen)
    number = citizen.doc_number
    identifier = {
        "id_number": number,
        "id_lowercase_spaced": f" {number[:6]} {number[6:].lower()} ",
        "mobile": "13812345678",
        "credit_code": ent.credit_code,
        "account_name": citizen.user.username,
    }[kind]
    client = client_at("10.0.0.2")
    r = post_password(client, identifier, next="/search/")
    assert r.status_code == 302 and r["Location"] == "/search/"
    assert client.session["_auth_user_id"] == str(citizen.user.pk)
    row = UserSession.objects.get(user=citizen.user)
    assert (row.method, row.ip) == ("password", "10.0.0.2")


def test_staff_sign_in_by_account_name():
    user = staff(OrganisationFactory())
    client = client_at("10.0.0.3")
    r = post_password(client, user.username)
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_and_unknown_account_read_the_same(citizen):
    client = client_at("10.0.0.4")
    wrong = post_password(client, citizen.doc_number, "not-the-password")
    unknown = post_password(client, citizen_id(serial=999), "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert (
        "账号或密码错误" in wrong.content.decode() or "The account or the password is wrong" in wrong.content.decode()
    )
    assert wrong.content.replace(citizen.doc_number.encode(), b"").count(b"field-error") == unknown.content.count(
        b"field-error"
    )
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_named():
    r = post_password(client_at("10.0.0.5"), "", "")
    assert r.status_code == 400
    assert b'id="f-identifier-err"' in r.content and b'id="f-password-err"' in r.content


def test_lockout_after_five_failures_then_page_says_when(citizen):
    client = client_at("10.0.0.6")
    for _ in range(4):
        assert post_password(client, citizen.doc_number, "wrong-password-123").status_code == 400
    r = post_password(client, citizen.doc_number, "wrong-password-123")
    assert r.status_code == 429
    body = r.content.decode()
    assert 'role="alert"' in body and "identity:reset" not in body
    assert ("after" in body) or ("之后" in body) or ("后再试" in body)
    # Even the right password is refused while locked.
    r = post_password(client, citizen.doc_number)
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the account.
    assert post_password(client_at("10.0.0.7"), citizen.doc_number).status_code == 302


def test_open_redirect_via_next_is_refused(citizen):
    for target in ("https://evil.example/", "//evil.example/x", "http://evil.example", "javascript:alert(1)"):
        client = client_at("10.0.0.8")
        r = post_password(client, citizen.doc_number, next=target)
        assert r.status_code == 302
        assert "evil" not in r["Location"] and not r["Location"].startswith("javascript")


def test_admin_login_redirects_to_the_one_sign_in_page():
    client = client_at("10.0.0.9")
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"] == reverse("identity:sign_in") + "?next=%2Fadmin%2F"
    r = client.get("/admin/login/?next=https://evil.example/")
    assert r["Location"] == reverse("identity:sign_in")


def test_sign_in_by_sms_code(citizen, outbox, no_wait):
    client = client_at("10.0.1.1")
    r = client.post(URL, {"method": "sms", "action": "send", "phone": "138 1234 5678"})
    assert r.status_code == 200 and b'name="code"' in r.content
    code = outbox.code("13812345678")
    assert code is not None
    r = client.post(URL, {"method": "sms", "action": "sign_in", "phone": "13812345678", "code": code})
    assert r.status_code == 302
    assert UserSession.objects.get(user=citizen.user).method == "sms"


def test_sms_code_is_not_sent_to_a_number_without_account(outbox):
    client = client_at("10.0.1.2")
    r = client.post(URL, {"method": "sms", "action": "send", "phone": "13700000000"})
    assert r.status_code == 200  # the same answer as for a registered number
    assert outbox.code("13700000000") is None


def test_sign_out_is_post_only(citizen):
    client = client_at("10.0.1.3")
    post_password(client, citizen.doc_number)
    assert client.get("/accounts/sign-out/").status_code == 405
    assert client.post("/accounts/sign-out/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert not UserSession.objects.filter(user=citizen.user).exists()


def test_header_links_sign_in_and_out(citizen):
    client = client_at("10.0.1.4")
    body = client.get("/").content.decode()
    assert "/accounts/sign-in/?next=" in body and "admin/login" not in body
    post_password(client, citizen.doc_number)
    body = client.get("/").content.decode()
    assert 'action="/accounts/sign-out/"' in body and 'href="/my/"' in body


def test_rate_limit_answers_429_page(citizen, settings):
    settings.IDENTITY_RATES = {"sign_in": "3/m"}
    client = client_at("10.0.1.5")
    statuses = [post_password(client, f"nobody{i}", "whatever-123").status_code for i in range(4)]
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429


# --- API -------------------------------------------------------------------------------------------------------

API = "/api/v1/identity"


def test_api_sign_in_me_and_sign_out(citizen):
    client = client_at("10.0.2.1")
    r = client.post(f"{API}/sign-in", {"identifier": citizen.doc_number, "password": PASSWORD}, "application/json")
    assert r.status_code == 200, r.content
    me = r.json()
    assert me["person"]["doc_number"] != citizen.doc_number and "*" in me["person"]["doc_number"]
    assert me["person"]["phone"] == "138****5678"
    assert client.get(f"{API}/me").json()["account"] == citizen.user.username
    assert client.post(f"{API}/sign-out").status_code == 204
    assert client.get(f"{API}/me").status_code == 401


def test_api_me_lists_enterprises_and_roles(citizen):
    ent = enterprise(legal_rep=citizen)
    client = client_at("10.0.2.2")
    client.post(f"{API}/sign-in", {"identifier": citizen.doc_number, "password": PASSWORD}, "application/json")
    me = client.get(f"{API}/me").json()
    assert [e["credit_code"] for e in me["enterprises"]] == [ent.credit_code]
    assert me["enterprises"][0]["legal_representative"] is True and me["roles"] == []


def test_api_wrong_password_is_400_in_the_error_shape(citizen):
    r = client_at("10.0.2.3").post(
        f"{API}/sign-in", {"identifier": citizen.doc_number, "password": "nope-nope-nope"}, "application/json"
    )
    assert r.status_code == 400
    detail = r.json()["detail"][0]
    assert detail["code"] == "wrong_credentials" and detail["message"] and detail["message_en"]


def test_api_lockout_is_429_in_the_error_shape(citizen):
    client = client_at("10.0.2.4")
    bad = {"identifier": citizen.doc_number, "password": "bad-123456"}
    codes = [client.post(f"{API}/sign-in", bad, "application/json").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]
    r = client.post(f"{API}/sign-in", {"identifier": citizen.doc_number, "password": PASSWORD}, "application/json")
    assert r.status_code == 429
    assert r.json()["detail"][0]["code"] == "locked_out" and r.json()["detail"][0]["retry_at"]


def test_api_rate_limit_429(settings):
    settings.IDENTITY_RATES = {"sign_in": "2/m"}
    client = client_at("10.0.2.5")
    codes = [
        client.post(f"{API}/sign-in", {"identifier": "x", "password": "y"}, "application/json").status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]
    r = client.post(f"{API}/sign-in", {"identifier": "x", "password": "y"}, "application/json")
    assert r.json()["detail"][0]["code"] == "rate_limited" and r["Retry-After"] == "60"


def test_api_sign_in_requires_the_csrf_token(citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.2.6")
    body = {"identifier": citizen.doc_number, "password": PASSWORD}
    r = client.post(f"{API}/sign-in", body, "application/json")
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "forbidden"
    token = client.get(f"{API}/csrf").json()["csrf_token"]
    r = client.post(f"{API}/sign-in", body, "application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 200


def test_api_sign_in_by_sms(citizen, outbox, no_wait):
    client = client_at("10.0.2.7")
    r = client.post(f"{API}/otp", {"purpose": "sign_in", "phone": "13812345678"}, "application/json")
    assert r.status_code == 202 and r.json()["sent"] is True
    code = outbox.code("13812345678")
    r = client.post(f"{API}/sign-in", {"method": "sms", "phone": "13812345678", "code": code}, "application/json")
    assert r.status_code == 200
    assert UserSession.objects.get(user=citizen.user).method == "sms"
