# ruff: noqa: F811  (pytest fixtures imported from test_signin_support)
"""Registration of natural persons (page and API) and of legal persons by their legal representative."""

from __future__ import annotations

import pytest

from tests.factories import citizen_id, person
from tests.identity.test_signin_support import PASSWORD, client_at, no_wait, outbox  # noqa: F401
from yiwang.core.codes import make_credit_code
from yiwang.identity.models import (
    Enterprise,
    LegalPersonRecord,
    Level,
    OneTimeCode,
    Person,
    PopulationRecord,
    UserSession,
    Verification,
    doc_hash,
)

pytestmark = pytest.mark.django_db
URL = "/accounts/register/"
PHONE = "13866667777"
GOOD_ID = citizen_id(serial=555)


def form(**overrides):
    data = {
        "name": "陈静",
        "doc_type": "resident_id",
        "doc_number": GOOD_ID,
        "phone": PHONE,
        "code": "",
        "password1": "Spring-rain-2025",
        "password2": "Spring-rain-2025",
        "action": "register",
    }
    data.update(overrides)
    return data


def send_code(client, phone=PHONE):
    return client.post(URL, {"action": "send", "phone": phone, "name": "陈静"})


def test_register_with_code_signs_in_and_verifies_against_the_library(outbox):
    PopulationRecord.objects.create(
        doc_type="resident_id", doc_number_hash=doc_hash("resident_id", GOOD_ID), name="陈静"
    )
    client = client_at("10.4.0.1")
    assert send_code(client).status_code == 200
    r = client.post(URL, form(code=outbox.code(PHONE)))
    assert r.status_code == 302, r.content.decode()[:2000]
    p = Person.objects.get()
    assert p.name == "陈静" and p.doc_number == GOOD_ID and p.phone == PHONE
    assert p.level == Level.ID and p.user.check_password("Spring-rain-2025")
    assert Verification.objects.get(person=p).passed
    assert UserSession.objects.get(user=p.user).method == "sms"


def test_register_not_in_library_keeps_phone_level(outbox):
    client = client_at("10.4.0.2")
    send_code(client)
    assert client.post(URL, form(code=outbox.code(PHONE))).status_code == 302
    p = Person.objects.get()
    assert p.level == Level.PHONE
    assert not Verification.objects.get(person=p).passed


BAD_IDS = {
    "length": GOOD_ID[:-1],
    "letters": GOOD_ID[:10] + "AB" + GOOD_ID[12:],
    "bad_date": GOOD_ID[:10] + "1332" + GOOD_ID[14:],
    "bad_division": "000000" + GOOD_ID[6:],
    "check_digit": GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1"),
}


@pytest.mark.parametrize("kind", sorted(BAD_IDS))
def test_malformed_resident_id_numbers_give_a_field_error_and_no_rows(outbox, kind):
    client = client_at("10.4.0.3")
    send_code(client)
    code = outbox.code(PHONE)
    r = client.post(URL, form(doc_number=BAD_IDS[kind], code=code))
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="f-doc_number-err"' in body and 'aria-invalid="true"' in body
    assert not Person.objects.exists()
    # The code was not used up by a refused form.
    assert OneTimeCode.objects.get().used_at is None


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        ("hmt_residence", "81000019900101123"),  # too short
        ("hmt_residence", "11000019900101123X"),  # not a HMT region
        ("hk_macao_permit", "X12345678"),
        ("taiwan_permit", "1234567"),
        ("foreign_permanent", "ABC12345678"),
        ("passport", "E1"),
    ],
)
def test_malformed_numbers_of_other_document_types(outbox, doc_type, number):
    client = client_at("10.4.0.4")
    send_code(client)
    r = client.post(URL, form(doc_type=doc_type, doc_number=number, code=outbox.code(PHONE)))
    assert r.status_code == 400 and 'id="f-doc_number-err"' in r.content.decode()
    assert not Person.objects.exists()


def test_every_field_error_at_once_in_english(outbox, settings):
    client = client_at("10.4.0.5")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post(URL, form(name="", doc_number="123", phone="2", code="", password1="123", password2="456"))
    assert r.status_code == 400
    body = r.content.decode()
    for field in ("name", "doc_number", "phone", "code", "password1", "password2"):
        assert f'id="f-{field}-err"' in body, field
    assert "18" in body  # the ID length message
    assert not Person.objects.exists()


def test_wrong_code_writes_nothing(outbox):
    client = client_at("10.4.0.6")
    send_code(client)
    wrong = f"{(int(outbox.code(PHONE)) + 1) % 1_000_000:06d}"
    r = client.post(URL, form(code=wrong))
    assert r.status_code == 400 and 'id="f-code-err"' in r.content.decode()
    assert not Person.objects.exists()


def test_registered_id_number_is_refused_without_saying_whose(outbox):
    existing = person("林国栋", doc_number=GOOD_ID, phone="13800001111")
    client = client_at("10.4.0.7")
    send_code(client)
    r = client.post(URL, form(code=outbox.code(PHONE)))
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="f-doc_number-err"' in body
    assert "林" not in body and "1111" not in body and existing.user.username not in body
    assert Person.objects.count() == 1


def test_window_recorded_person_claims_the_record(outbox):
    recorded = person("陈静", account=False, doc_number=GOOD_ID, phone=PHONE)
    client = client_at("10.4.0.8")
    send_code(client)
    assert client.post(URL, form(code=outbox.code(PHONE))).status_code == 302
    recorded.refresh_from_db()
    assert recorded.user is not None and Person.objects.count() == 1


def test_weak_password_is_refused(outbox):
    client = client_at("10.4.0.9")
    send_code(client)
    r = client.post(URL, form(code=outbox.code(PHONE), password1="12345678901", password2="12345678901"))
    assert r.status_code == 400 and 'id="f-password1-err"' in r.content.decode()


def test_api_register(outbox):
    client = client_at("10.4.1.1")
    assert (
        client.post("/api/v1/identity/otp", {"purpose": "register", "phone": PHONE}, "application/json").status_code
        == 202
    )
    body = {k: v for k, v in form(code=outbox.code(PHONE)).items() if k != "action"}
    r = client.post("/api/v1/identity/register", body, "application/json")
    assert r.status_code == 201, r.content
    assert r.json()["verified"] is False and r.json()["person"]["phone"] == "138****7777"
    assert client.get("/api/v1/identity/me").status_code == 200


def test_api_register_bad_input_is_400_per_field(outbox):
    body = {k: v for k, v in form(doc_number="X", code="1").items() if k != "action"}
    r = client_at("10.4.1.2").post("/api/v1/identity/register", body, "application/json")
    assert r.status_code == 400
    assert "doc_number" in {d["field"] for d in r.json()["detail"]}
    assert not Person.objects.exists()


# --- legal persons ---------------------------------------------------------------------------------------------


@pytest.fixture
def rep():
    return person("周建国", doc_number=citizen_id(serial=777))


def library(code: str, rep_person, name="蚌埠市周记餐饮有限公司"):
    return LegalPersonRecord.objects.create(
        credit_code=code, name=name, legal_rep_name=rep_person.name, legal_rep_doc_hash=rep_person.doc_number_hash
    )


def signed_in(p, ip):
    client = client_at(ip)
    assert (
        client.post(
            "/accounts/sign-in/", {"method": "password", "identifier": p.doc_number, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


def test_enterprise_registration_by_its_legal_representative(rep):
    code = make_credit_code("9", "1", "340300", "77700001")
    library(code, rep)
    client = signed_in(rep, "10.4.2.1")
    r = client.post(
        "/accounts/register/enterprise/",
        {"credit_code": code, "name": "蚌埠市周记餐饮有限公司", "kind": "enterprise", "declared": "on"},
    )
    assert r.status_code == 302
    ent = Enterprise.objects.get()
    assert ent.legal_rep == rep and ent.level == Level.ID


def test_enterprise_not_in_library_or_other_rep_is_refused_and_not_kept(rep):
    code = make_credit_code("9", "1", "340300", "77700002")
    other = person("吴某某", doc_number=citizen_id(serial=778))
    library(code, other)
    client = signed_in(rep, "10.4.2.2")
    data = {"credit_code": code, "name": "蚌埠市周记餐饮有限公司", "kind": "enterprise", "declared": "on"}
    r = client.post("/accounts/register/enterprise/", data)
    assert r.status_code == 400 and 'id="f-credit_code-err"' in r.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"credit_code": "91340300MA2N"},  # too short
        {"credit_code": make_credit_code("9", "1", "340300", "77700003")[:17] + "I"},  # letter not allowed
        {"credit_code": "Z" + make_credit_code("9", "1", "340300", "77700003")[1:]},  # wrong check character
        {"name": ""},
        {"kind": "nonsense"},
        {"declared": ""},
    ],
)
def test_enterprise_bad_input(rep, bad):
    data = {
        "credit_code": make_credit_code("9", "1", "340300", "77700003"),
        "name": "蚌埠市周记餐饮有限公司",
        "kind": "enterprise",
        "declared": "on",
        **bad,
    }
    r = signed_in(rep, "10.4.2.3").post("/accounts/register/enterprise/", data)
    assert r.status_code == 400
    field = next(iter(bad))
    assert f'id="f-{field}-err"' in r.content.decode() or (field == "kind" and "field-error" in r.content.decode())
    assert not Enterprise.objects.exists()


def test_enterprise_registration_needs_sign_in():
    r = client_at("10.4.2.4").get("/accounts/register/enterprise/")
    assert r.status_code == 302 and "/accounts/sign-in/" in r["Location"]
