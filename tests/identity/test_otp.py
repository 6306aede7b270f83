# ruff: noqa: F811  (pytest fixtures imported from test_signin_support)
"""One-time codes: expiry, wrong codes, one use, the attempts cap, resend delay and hourly caps, providers."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import responses

from tests.factories import person
from tests.identity.test_signin_support import client_at, no_wait, outbox  # noqa: F401
from yiwang.core.errors import ProblemsError
from yiwang.identity import otp, providers
from yiwang.identity.models import OneTimeCode, phone_hash

pytestmark = pytest.mark.django_db
PHONE = "13955556666"


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_code_is_stored_hashed_and_works_once(outbox):
    row = otp.issue("register", PHONE)
    code = outbox.code(PHONE)
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and row.phone_hash == phone_hash(PHONE)
    otp.check("register", PHONE, code)
    with pytest.raises(ProblemsError) as exc:
        otp.check("register", PHONE, code)
    assert codes(exc) == ["used"]


def test_code_for_another_purpose_does_not_work(outbox):
    otp.issue("register", PHONE)
    with pytest.raises(ProblemsError) as exc:
        otp.check("reset", PHONE, outbox.code(PHONE))
    assert codes(exc) == ["expired"]


def test_expired_code_is_refused(outbox):
    otp.issue("register", PHONE)
    OneTimeCode.objects.update(expires_at=OneTimeCode.objects.get().created_at - timedelta(seconds=1))
    with pytest.raises(ProblemsError) as exc:
        otp.check("register", PHONE, outbox.code(PHONE))
    assert codes(exc) == ["expired"]


def test_wrong_codes_count_and_the_fifth_kills_the_code(outbox):
    otp.issue("register", PHONE)
    right = outbox.code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    seen = []
    for _ in range(5):
        with pytest.raises(ProblemsError) as exc:
            otp.check("register", PHONE, wrong)
        seen.append(codes(exc)[0])
    assert seen == ["invalid"] * 4 + ["attempts"]
    assert OneTimeCode.objects.get().attempts == 5
    with pytest.raises(ProblemsError) as exc:
        otp.check("register", PHONE, right)  # even the right code, now
    assert codes(exc) == ["attempts"]


def test_malformed_codes_are_wrong_codes(outbox):
    otp.issue("register", PHONE)
    for bad in ("12345", "abcdef", "1234567"):
        with pytest.raises(ProblemsError) as exc:
            otp.check("register", PHONE, bad)
        assert codes(exc) == ["invalid"]
    with pytest.raises(ProblemsError) as exc:
        otp.check("register", PHONE, "")
    assert codes(exc) == ["required"]


def test_resend_waits_sixty_seconds(outbox):
    otp.issue("register", PHONE)
    with pytest.raises(ProblemsError) as exc:
        otp.issue("register", PHONE)
    assert codes(exc) == ["too_soon"] and 0 < exc.value.problems[0].extra["retry_after"] <= 60
    assert len(outbox.messages) == 1


def test_a_new_code_replaces_the_previous_one(outbox, no_wait):
    otp.issue("register", PHONE)
    first = outbox.code(PHONE)
    otp.issue("register", PHONE)
    second = outbox.code(PHONE)
    if first != second:
        with pytest.raises(ProblemsError):
            otp.check("register", PHONE, first)
    otp.check("register", PHONE, second)


def test_hourly_caps_per_phone_and_per_address(outbox, no_wait, settings):
    for _ in range(otp.PHONE_HOURLY_CAP):
        otp.issue("register", PHONE)
    with pytest.raises(ProblemsError) as exc:
        otp.issue("register", PHONE)
    assert codes(exc) == ["too_many"]
    settings.OTP_IP_HOURLY_CAP = 3
    for i in range(3):
        otp.issue("register", f"1370000000{i}", ip="10.9.9.9")
    with pytest.raises(ProblemsError) as exc:
        otp.issue("register", "13700000009", ip="10.9.9.9")
    assert codes(exc) == ["too_many"]
    otp.issue("register", "13700000009", ip="10.9.9.10")


@pytest.mark.parametrize("phone", ["", "1234", "23912345678", "1391234567a", "139123456789"])
def test_bad_numbers_are_refused_before_anything_is_sent(outbox, phone):
    with pytest.raises(ProblemsError) as exc:
        otp.issue("register", phone)
    assert exc.value.problems[0].field == "phone"
    assert not OneTimeCode.objects.exists() and not outbox.messages


def test_sign_in_code_goes_only_to_an_account_but_the_answer_is_the_same(outbox):
    person("赵六", phone="13911112222")
    otp.issue("sign_in", "13911112222")
    otp.issue("sign_in", "13933334444")
    assert outbox.code("13911112222") and outbox.code("13933334444") is None
    assert OneTimeCode.objects.count() == 2


def test_api_send_code_errors(outbox):
    client = client_at("10.3.0.1")
    url = "/api/v1/identity/otp"
    assert client.post(url, {"purpose": "register", "phone": "12"}, "application/json").status_code == 400
    assert client.post(url, {"purpose": "register", "phone": PHONE}, "application/json").status_code == 202
    r = client.post(url, {"purpose": "register", "phone": PHONE}, "application/json")
    assert r.status_code == 429 and r.json()["detail"][0]["code"] == "too_soon"
    assert client.post(url, {"purpose": "nonsense", "phone": PHONE}, "application/json").status_code == 422


def test_log_sender_masks_the_number_but_shows_the_code(settings, caplog):
    settings.SMS_PROVIDER = "yiwang.identity.providers.LogSmsSender"
    settings.SMS_PROVIDER_OPTIONS = {"banner": False}
    with caplog.at_level(logging.WARNING, logger="yiwang.sms"):
        otp.issue("register", PHONE)
    text = caplog.text
    assert PHONE not in text and "139****6666" in text
    assert any(ch.isdigit() for ch in text.split("139****6666", 1)[1])


@responses.activate
def test_http_sender_posts_json_with_token(settings):
    responses.post("https://sms.example.gov.cn/send", json={"ok": True})
    settings.SMS_PROVIDER = "yiwang.identity.providers.HttpSmsSender"
    settings.SMS_PROVIDER_OPTIONS = {"url": "https://sms.example.gov.cn/send", "token": "t0k", "sign": "【一网通办】"}
    otp.issue("register", PHONE)
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == "Bearer t0k"
    body = json.loads(call.request.body)
    assert body["phone"] == PHONE and body["sign"] == "【一网通办】" and len(body["text"]) > 6


@responses.activate
def test_http_sender_failure_leaves_no_code_and_says_so(settings):
    responses.post("https://sms.example.gov.cn/send", status=503)
    settings.SMS_PROVIDER = "yiwang.identity.providers.HttpSmsSender"
    settings.SMS_PROVIDER_OPTIONS = {"url": "https://sms.example.gov.cn/send"}
    with pytest.raises(ProblemsError) as exc:
        otp.issue("register", PHONE)
    assert codes(exc) == ["not_sent"] and not OneTimeCode.objects.exists()
    with pytest.raises(providers.DeliveryError):
        providers.HttpSmsSender(url="ftp://x").send(PHONE, "x")
