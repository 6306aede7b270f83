# ruff: noqa: F811  (pytest fixtures imported from test_signin_support)
"""The lockout counts the account, not the spelling of its identifier (issue 17, "Sign-in and abuse")."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from tests.factories import citizen_id, enterprise, person
from tests.identity.test_signin_support import PASSWORD, client_at, no_wait, outbox  # noqa: F401
from yiwang.identity.backends import lockout_username, normalise_identifier, user_for_identifier

pytestmark = pytest.mark.django_db
URL = "/accounts/sign-in/"
API = "/api/v1/identity/sign-in"
WRONG = "wrong-password-123"


@pytest.fixture
def wang():
    return person("王五", doc_number=citizen_id(serial=333), phone="13900000003")


def post_password(client, identifier, password=PASSWORD):
    return client.post(URL, {"method": "password", "identifier": identifier, "password": password})


def spellings(p) -> list[str]:
    number = p.doc_number
    return [
        "139 0000 0003",
        "139-0000-0003",
        "１３９０００００００３",  # full-width digits
        f" {number[:6]} {number[6:].lower()} ",
        "+86 139 0000 0003",
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("139 0000 0003", "13900000003"),
        ("139-0000-0003", "13900000003"),
        ("１３９－００００－０００３", "13900000003"),
        ("+86 13900000003", "13900000003"),
        ("34030219900101333x", "34030219900101333X"),
        ("91 340300 MA2T 4K5L 8X", "91340300MA2T4K5L8X"),
    ],
)
def test_identifiers_are_normalised(typed, expected):
    assert normalise_identifier(typed) == expected


def test_every_spelling_and_identifier_names_the_same_account(wang):
    ent = enterprise(legal_rep=wang)
    key = lockout_username(None, {"username": "13900000003"})
    assert key == f"account:{wang.user.pk}"
    for typed in [*spellings(wang), wang.doc_number, ent.credit_code, wang.user.username]:
        assert user_for_identifier(typed) == wang.user, typed
        assert lockout_username(None, {"username": typed}) == key, typed


def test_wrong_tries_in_any_spelling_lock_the_account(wang):
    client = client_at("10.7.0.1")
    codes = [post_password(client, typed, WRONG).status_code for typed in spellings(wang)]
    assert codes == [400, 400, 400, 400, 429]
    # Locked: the right password is refused whatever identifier is typed.
    ent = enterprise(legal_rep=wang)
    for typed in ["13900000003", "139 0000 0003", wang.doc_number, ent.credit_code, wang.user.username]:
        r = post_password(client, typed)
        assert r.status_code == 429, typed
        assert "_auth_user_id" not in client.session
    # The lockout is per account and address, as before: another address may still sign in.
    assert post_password(client_at("10.7.0.2"), "139 0000 0003").status_code == 302


def test_locked_account_is_refused_through_the_api_in_any_spelling(wang):
    client = client_at("10.7.0.3")
    for typed in spellings(wang)[:4]:
        assert client.post(API, {"identifier": typed, "password": WRONG}, "application/json").status_code == 400
    r = client.post(API, {"identifier": wang.doc_number.lower(), "password": WRONG}, "application/json")
    assert r.status_code == 429 and r.json()["detail"][0]["code"] == "locked_out"
    r = client.post(API, {"identifier": "139 0000 0003", "password": PASSWORD}, "application/json")
    assert r.status_code == 429


def test_sms_sign_in_counts_against_and_is_refused_by_the_same_lockout(wang, outbox, no_wait):
    client = client_at("10.7.0.4")
    client.post(URL, {"method": "sms", "action": "send", "phone": "139 0000 0003"})
    code = outbox.code("13900000003")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):  # three wrong SMS codes ...
        r = client.post(URL, {"method": "sms", "action": "sign_in", "phone": "13900000003", "code": wrong})
        assert r.status_code == 400
    for typed in (wang.doc_number, "139-0000-0003"):  # ... and two wrong passwords: five failures of one account
        post_password(client, typed, WRONG)
    client.post(URL, {"method": "sms", "action": "send", "phone": "13900000003"})
    code = outbox.code("13900000003")
    r = client.post(URL, {"method": "sms", "action": "sign_in", "phone": "139 0000 0003", "code": code})
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    r = client.post(API, {"method": "sms", "phone": "13900000003", "code": code}, "application/json")
    assert r.status_code == 429


def test_guessing_at_an_unknown_identifier_is_counted_in_every_spelling_and_kept_hashed():
    number = citizen_id(serial=444)  # nobody has this number
    client = client_at("10.7.0.5")
    variants = [number, number.lower(), f"{number[:6]} {number[6:]}", f"{number[:6]}-{number[6:]}", number]
    codes = [post_password(client, typed, WRONG).status_code for typed in variants]
    assert codes[-1] == 429
    usernames = list(AccessAttempt.objects.values_list("username", flat=True))
    assert len(set(usernames)) == 1 and number not in usernames[0] and usernames[0].startswith("unknown:")


def test_a_success_resets_the_account_counter_whatever_was_typed(wang):
    client = client_at("10.7.0.6")
    for typed in spellings(wang)[:4]:
        post_password(client, typed, WRONG)
    assert post_password(client, wang.doc_number).status_code == 302
    client.post("/accounts/sign-out/")
    for typed in spellings(wang)[:4]:  # four more: still under the limit after the reset
        assert post_password(client, typed, WRONG).status_code == 400
    assert post_password(client, "13900000003").status_code == 302
