"""Real-name checks for machine clients (identity:verify): the answer, the refusals, the use recorded."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, citizen_id, enterprise, person
from tests.identity.staff_factories import in_library, legal_record
from tests.identity.test_clients import bearer, token
from yiwang.identity import clients
from yiwang.identity.models import DataUse, Verification

pytestmark = pytest.mark.django_db

PERSON = "/api/v1/identity/verify/person"
ENTERPRISE = "/api/v1/identity/verify/enterprise"


@pytest.fixture
def tok():
    mc, secret = clients.create_client("公安实名核验对接", "department", OrganisationFactory(), ["identity:verify"])
    return token(mc, secret)


def post(url: str, body: dict, tok: str):
    return Client().post(url, body, content_type="application/json", **bearer(tok))


def test_a_matching_name_and_number_pass_and_the_use_is_recorded(tok):
    p = person("张三")
    in_library(p)
    r = post(PERSON, {"name": "张三", "doc_number": p.doc_number, "purpose": "不动产登记", "case_number": "BB1"}, tok)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["passed"] is True and body["code"] == "matched" and body["message"] and body["message_en"]
    use = DataUse.objects.get(person=p)
    assert use.used_by == "公安实名核验对接" and use.purpose == "不动产登记" and use.case_number == "BB1"
    # A check for someone else changes nothing on the person: no verification row, no level.
    assert not Verification.objects.exists()


@pytest.mark.parametrize(
    ("name", "code"), [("张叁", "name_mismatch"), (None, "not_found")], ids=["wrong name", "not in the library"]
)
def test_a_mismatch_says_why_and_never_returns_the_record(tok, name, code):
    p = person("张三")
    if name is not None:
        in_library(p)
        body = post(PERSON, {"name": name, "doc_number": p.doc_number, "purpose": "核验"}, tok).json()
    else:
        body = post(PERSON, {"name": "王五", "doc_number": citizen_id(serial=777), "purpose": "核验"}, tok).json()
    assert body["passed"] is False and body["code"] == code
    assert "张三" not in str(body)


def test_bad_input_is_a_field_error_in_both_languages(tok):
    r = post(PERSON, {"name": " ", "doc_type": "nonsense", "doc_number": "123", "purpose": ""}, tok)
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert {d["field"] for d in detail} == {"name", "doc_type", "purpose"}
    assert all(d["message"] and d["message_en"] for d in detail)
    r = post(PERSON, {"name": "张三", "doc_number": "340302199001011234", "purpose": "核验"}, tok)
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "doc_number"


def test_an_enterprise_check(tok):
    rep = person("李四")
    ent = enterprise("蚌埠淮河食品有限公司", legal_rep=rep)
    legal_record(ent, rep=rep)
    body = {"credit_code": ent.credit_code, "name": ent.name, "legal_rep_name": "李四", "purpose": "招投标"}
    r = post(ENTERPRISE, body, tok)
    assert r.status_code == 200 and r.json()["code"] == "enterprise_matched"
    assert DataUse.objects.filter(enterprise=ent, purpose="招投标").count() == 1
    wrong = post(ENTERPRISE, {**body, "legal_rep_name": "王五"}, tok).json()
    assert (wrong["passed"], wrong["code"]) == (False, "legal_rep_name_mismatch")
    bad = post(ENTERPRISE, {**body, "credit_code": "91340300MA2N00000X"}, tok)
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "credit_code"


def test_the_scope_is_required():
    mc, secret = clients.create_client("审批系统", "department", OrganisationFactory(), ["cases:read"])
    r = post(PERSON, {"name": "张三", "doc_number": citizen_id(), "purpose": "核验"}, token(mc, secret))
    assert r.status_code == 403
    # A person's session is no way in either: this is for department systems.
    browser = Client()
    browser.force_login(person("张三").user)
    assert browser.post(PERSON, {}, content_type="application/json").status_code == 401
