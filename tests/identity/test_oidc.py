"""Sign-in through the provincial identity platform: a real RS256 ID token, the full redirect → callback flow."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from jwt.algorithms import RSAAlgorithm

from tests.factories import citizen_id, enterprise, person
from yiwang.core.codes import make_credit_code
from yiwang.identity.models import Enterprise, Level, Person, UserSession, Verification
from yiwang.identity.services import find_person

pytestmark = pytest.mark.django_db

IDP = "https://idp.example.gov.cn"
CLIENT_ID = "yiwang-rp"
KID = "key-1"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = _key()
OTHER_KEY = _key()


@pytest.fixture
def oidc(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "rp-secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{IDP}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{IDP}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{IDP}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{IDP}/jwks"
    settings.OIDC_OP_ISSUER = IDP
    settings.OIDC_TRUSTED_LEVEL = 2
    return settings


def jwks() -> dict:
    jwk = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
    jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    return {"keys": [jwk]}


def id_token(nonce: str, key=None, **claims) -> str:
    now = int(time.time())
    payload = {"iss": IDP, "aud": CLIENT_ID, "sub": "u-1001", "iat": now, "exp": now + 300, "nonce": nonce}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key or SIGNING_KEY, algorithm="RS256", headers={"kid": KID})


def sign_in(client: Client, token_for, userinfo: dict | None = None, next_url: str = ""):
    """Runs the browser's part: start, (the platform), callback. `token_for(nonce)` makes the ID token."""
    start = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    query = parse_qs(urlparse(start["Location"]).query)
    assert start["Location"].startswith(f"{IDP}/authorize?")
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    state, nonce = query["state"][0], query["nonce"][0]
    token = token_for(nonce)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{IDP}/token", json={"access_token": "at-1", "token_type": "Bearer", "id_token": token})
        rsps.get(f"{IDP}/jwks", json=jwks())
        rsps.get(f"{IDP}/userinfo", json=userinfo if userinfo is not None else {"sub": "u-1001"})
        return client.get("/oidc/callback/", {"code": "code-1", "state": state})


def signed_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def test_unknown_person_is_created_at_the_trusted_level(oidc):
    number = citizen_id(serial=501)
    client = Client()
    response = sign_in(client, lambda nonce: id_token(nonce, id_number=number, name="王小明"))
    assert response.status_code == 302
    p = find_person("resident_id", number)
    assert p is not None and p.name == "王小明" and p.level == Level.ID and p.user_id
    assert signed_in_user_id(client) == str(p.user_id)
    assert Verification.objects.filter(person=p, provider="oidc", passed=True).count() == 1
    assert UserSession.objects.get(user_id=p.user_id).method == "oidc"


def test_existing_person_is_matched_by_id_number_and_never_downgraded(oidc):
    number = citizen_id(serial=502)
    p = person("李华", doc_number=number, level=Level.STRONG)
    client = Client()
    # the ID number in lower case with spaces is the same number
    response = sign_in(client, lambda nonce: id_token(nonce, id_number=f" {number.lower()} ", name="别的名字"))
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(p.user_id)
    p.refresh_from_db()
    assert p.level == Level.STRONG and p.name == "李华"
    assert Person.objects.count() == 1


def test_existing_person_without_account_gets_one_and_level_is_raised(oidc):
    number = citizen_id(serial=503)
    p = person("赵敏", doc_number=number, account=False)
    client = Client()
    sign_in(client, lambda nonce: id_token(nonce, id_number=number))
    p.refresh_from_db()
    assert p.user_id and signed_in_user_id(client) == str(p.user_id)
    assert p.level == Level.ID and not p.user.has_usable_password()


def test_next_url_is_followed_after_sign_in(oidc):
    number = citizen_id(serial=504)
    response = sign_in(Client(), lambda nonce: id_token(nonce, id_number=number, name="钱多"), next_url="/search/")
    assert response["Location"] == "/search/"


def test_credit_code_signs_in_the_legal_representative(oidc):
    rep = person("孙法人", doc_number=citizen_id(serial=505))
    ent = enterprise("蚌埠甲有限公司", legal_rep=rep)
    client = Client()
    sign_in(client, lambda nonce: id_token(nonce, credit_code=ent.credit_code))
    assert signed_in_user_id(client) == str(rep.user_id)
    ent.refresh_from_db()
    assert ent.level == Level.ID
    assert Verification.objects.filter(enterprise=ent, person=rep, provider="oidc", passed=True).exists()


def test_unknown_enterprise_is_registered_with_its_representative(oidc):
    number = citizen_id(serial=506)
    code = make_credit_code("9", "1", "340300", "55500001")
    client = Client()
    sign_in(
        client,
        lambda nonce: id_token(
            nonce, id_number=number, name="周老板", credit_code=code, enterprise_name="蚌埠乙有限公司"
        ),
    )
    ent = Enterprise.objects.get(credit_code=code)
    assert ent.legal_rep.name == "周老板" and ent.level == Level.ID
    assert signed_in_user_id(client) == str(ent.legal_rep.user_id)


def test_someone_else_cannot_sign_in_as_an_enterprise(oidc):
    rep = person("吴法人", doc_number=citizen_id(serial=507))
    ent = enterprise(legal_rep=rep)
    stranger = citizen_id(serial=508)
    client = Client()
    response = sign_in(
        client, lambda nonce: id_token(nonce, id_number=stranger, name="冒充者", credit_code=ent.credit_code)
    )
    assert response.status_code == 403 and signed_in_user_id(client) is None
    assert find_person("resident_id", stranger) is None  # rolled back with the refusal
    row = Verification.objects.get(provider="oidc", passed=False)
    assert row.detail == "not_authorised" and row.person is None and row.enterprise == ent


def refused(client: Client, response) -> None:
    assert response.status_code == 403
    assert signed_in_user_id(client) is None
    page = response.content.decode()
    assert "登录未完成" in page or "Sign-in not completed" in page


def test_bad_signature_is_refused(oidc):
    number = citizen_id(serial=509)
    client = Client()
    response = sign_in(client, lambda nonce: id_token(nonce, key=OTHER_KEY, id_number=number, name="甲"))
    refused(client, response)
    assert find_person("resident_id", number) is None
    assert Verification.objects.get(provider="oidc").detail == "token"


def test_wrong_audience_is_refused(oidc):
    number = citizen_id(serial=510)
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token(nonce, aud="another-app", id_number=number, name="乙")))
    assert find_person("resident_id", number) is None


def test_wrong_issuer_is_refused(oidc):
    client = Client()
    refused(
        client, sign_in(client, lambda n: id_token(n, iss="https://evil.example", id_number=citizen_id(), name="丙"))
    )


def test_expired_token_is_refused(oidc):
    number = citizen_id(serial=511)
    old = int(time.time()) - 3600
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token(nonce, iat=old, exp=old + 300, id_number=number, name="丁")))
    assert find_person("resident_id", number) is None


def test_wrong_nonce_is_refused(oidc):
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token("another-nonce", id_number=citizen_id(), name="戊")))


def test_missing_claim_is_refused_without_an_account(oidc):
    client = Client()
    response = sign_in(client, lambda nonce: id_token(nonce, name="己"))
    refused(client, response)
    assert "did not send an ID number" in response.content.decode() or "身份证号" in response.content.decode()
    assert Person.objects.count() == 0
    assert Verification.objects.get(provider="oidc").detail == "missing_claim"


@pytest.mark.parametrize(
    "bad",
    ["34030219900101123", "340302199001011234X", "340302199013011234", "ABCDEFGHIJKLMNOPQR"],
)
def test_malformed_id_number_is_refused(oidc, bad):
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token(nonce, id_number=bad, name="庚")))
    assert Person.objects.count() == 0
    assert Verification.objects.get(provider="oidc").detail == "malformed_id_number"


def test_wrong_check_digit_is_refused(oidc):
    good = citizen_id(serial=512)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token(nonce, id_number=bad, name="辛")))
    assert Person.objects.count() == 0


def test_malformed_credit_code_is_refused(oidc):
    code = make_credit_code("9", "1", "340300", "55500002")
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token(nonce, credit_code=bad)))
    assert Verification.objects.get(provider="oidc").detail == "malformed_credit_code"


def test_missing_name_for_a_new_person_is_refused(oidc):
    client = Client()
    refused(client, sign_in(client, lambda nonce: id_token(nonce, id_number=citizen_id(serial=513))))
    assert Person.objects.count() == 0


def test_userinfo_about_another_subject_is_refused(oidc):
    client = Client()
    response = sign_in(
        client, lambda nonce: id_token(nonce, id_number=citizen_id(serial=514), name="壬"), userinfo={"sub": "u-9"}
    )
    refused(client, response)


def test_provider_down_is_a_friendly_page(oidc):
    client = Client()
    start = client.get("/oidc/authenticate/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    with responses.RequestsMock() as rsps:
        rsps.post(f"{IDP}/token", status=503, body="down")
        response = client.get("/oidc/callback/", {"code": "c", "state": state})
    refused(client, response)


def test_unknown_state_and_cancelled_sign_in_are_friendly_pages(oidc):
    client = Client()
    client.get("/oidc/authenticate/")
    refused(client, client.get("/oidc/callback/", {"code": "c", "state": "forged"}))
    refused(client, client.get("/oidc/callback/", {"error": "access_denied", "state": "x"}))
    refused(Client(), Client().get("/oidc/callback/", {"code": "c", "state": "no-session"}))


def test_replayed_callback_is_refused(oidc):
    number = citizen_id(serial=515)
    client = Client()
    start = client.get("/oidc/authenticate/")
    query = parse_qs(urlparse(start["Location"]).query)
    state, nonce = query["state"][0], query["nonce"][0]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{IDP}/token", json={"access_token": "a", "id_token": id_token(nonce, id_number=number, name="癸")})
        rsps.get(f"{IDP}/jwks", json=jwks())
        rsps.get(f"{IDP}/userinfo", json={"sub": "u-1001"})
        assert client.get("/oidc/callback/", {"code": "c", "state": state}).status_code == 302
        client.logout()
        response = client.get("/oidc/callback/", {"code": "c", "state": state})
    assert response.status_code == 403


def test_pages_are_not_found_while_oidc_is_off(settings):
    settings.OIDC_ENABLED = False
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/", {"code": "c", "state": "s"}).status_code == 404


def test_password_sign_in_never_reaches_the_provider(oidc):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().get("/accounts/sign-in/?code=x&state=y")
    with responses.RequestsMock():  # any outgoing call would fail the test
        assert authenticate(request, username="nobody", password="wrong-password-1") is None


def test_sign_in_page_offers_the_provincial_platform(oidc):
    oidc.OIDC_OP_DISPLAY_NAME = "皖事通"
    page = Client().get("/accounts/sign-in/").content.decode()
    assert "/oidc/authenticate/" in page and "皖事通" in page
