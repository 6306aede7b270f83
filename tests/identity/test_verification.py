"""Real-name verification: the library provider, the counter provider, the HTTP provider, levels never go down."""

from __future__ import annotations

import json

import pytest
import responses

from tests.factories import enterprise, person
from tests.identity.staff_factories import clerk, in_library, legal_record, member
from yiwang.core.errors import ProblemsError
from yiwang.identity import verification as v
from yiwang.identity.models import Level, RecordStatus, Verification
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db


def level_of(obj) -> int:
    obj.refresh_from_db()
    return obj.level


def test_a_person_in_the_population_library_reaches_level_2():
    p = person("张三")
    in_library(p)
    row = v.verify_person(p)
    assert row.passed and row.provider == "library" and row.method == "library" and row.detail == "matched"
    assert level_of(p) == Level.ID
    assert p.verified_at is not None


def test_a_name_written_with_spaces_or_full_width_dots_still_matches():
    p = person("阿依古丽·买买提")
    in_library(p, name="阿依古丽 • 买买提")
    assert v.verify_person(p).passed


@pytest.mark.parametrize(
    ("setup", "detail"),
    [
        (lambda p: None, "not_found"),
        (lambda p: in_library(p, name="张叁"), "name_mismatch"),
        (lambda p: in_library(p, status=RecordStatus.CANCELLED), "record_cancelled"),
        (lambda p: in_library(p, status=RecordStatus.DECEASED), "record_deceased"),
    ],
    ids=["unknown number", "wrong name", "cancelled", "deceased"],
)
def test_a_mismatch_leaves_the_level_and_logs_a_failed_check(setup, detail):
    p = person("张三")
    setup(p)
    row = v.verify_person(p)
    assert not row.passed and row.detail == detail
    assert level_of(p) == Level.NONE
    assert Verification.objects.filter(person=p, passed=False).count() == 1
    assert p.doc_number not in row.detail
    assert str(v.detail_text(row.detail))


def test_a_failed_check_never_lowers_a_level_reached_before():
    p = person("张三", level=Level.STRONG)
    row = v.verify_person(p)
    assert not row.passed
    assert level_of(p) == Level.STRONG


def test_a_passed_check_below_the_current_level_keeps_the_higher_level():
    p = person("张三", level=Level.STRONG)
    in_library(p)
    assert v.verify_person(p).passed
    assert level_of(p) == Level.STRONG


def test_the_library_method_cannot_establish_level_3():
    p = person("张三")
    with pytest.raises(ProblemsError) as err:
        v.verify_person(p, level=Level.STRONG, method="library")
    assert err.value.problems[0].field == "level"
    assert not Verification.objects.exists()


def test_an_unknown_method_is_refused_without_a_row():
    p = person("张三")
    with pytest.raises(ProblemsError) as err:
        v.verify_person(p, level=Level.STRONG, method="face")
    assert err.value.as_list()[0]["field"] == "method"
    assert "face" in err.value.as_list()[0]["message"]
    assert not Verification.objects.exists()


# -- enterprises -----------------------------------------------------------------------------------------


def test_an_enterprise_with_its_legal_rep_matching_the_library_reaches_level_2():
    rep = person("李四")
    ent = enterprise("蚌埠淮河食品有限公司", legal_rep=rep)
    legal_record(ent, rep=rep)
    row = v.verify_enterprise(ent)
    assert row.passed and row.enterprise_id == ent.pk and row.person_id is None
    assert level_of(ent) == Level.ID


def test_an_enterprise_whose_legal_rep_is_another_person_fails():
    rep = person("李四")
    impostor = person("李四")  # same name, another ID number
    ent = enterprise("蚌埠淮河食品有限公司", legal_rep=impostor)
    legal_record(ent, rep=rep)
    row = v.verify_enterprise(ent)
    assert not row.passed and row.detail == "legal_rep_mismatch"
    assert level_of(ent) == Level.NONE


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"name": "别的公司"}, "enterprise_name_mismatch"),
        ({"status": "deregistered"}, "enterprise_inactive"),
        ({"legal_rep_name": "王五"}, "legal_rep_name_mismatch"),
    ],
)
def test_enterprise_mismatches(overrides, detail):
    rep = person("李四")
    ent = enterprise("蚌埠淮河食品有限公司", legal_rep=rep)
    legal_record(ent, rep=rep, **overrides)
    row = v.verify_enterprise(ent)
    assert (row.passed, row.detail) == (False, detail)
    assert level_of(ent) == Level.NONE


def test_an_enterprise_missing_from_the_library_fails():
    ent = enterprise("蚌埠淮河食品有限公司")
    assert v.verify_enterprise(ent).detail == "enterprise_not_found"


# -- counter ---------------------------------------------------------------------------------------------


def test_a_window_clerk_verifies_in_person_to_level_3():
    p = person("张三")
    c = clerk()
    row = v.verify_person(p, level=Level.STRONG, method="counter", performed_by=c, evidence={"document_checked": True})
    assert row.passed and row.performed_by_id == c.pk and row.provider == "counter"
    assert level_of(p) == Level.STRONG


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SUPERVISOR, Role.SYSADMIN])
def test_only_a_window_clerk_may_verify_in_person(role):
    p = person("张三")
    row = v.verify_person(
        p, level=Level.STRONG, method="counter", performed_by=member(role), evidence={"document_checked": True}
    )
    assert not row.passed and row.detail == "counter_not_clerk"
    assert level_of(p) == Level.NONE


def test_counter_needs_the_document_check_and_no_failed_item():
    p = person("张三")
    c = clerk()
    assert not v.verify_person(p, level=Level.STRONG, method="counter", performed_by=c, evidence={}).passed
    row = v.verify_person(
        p,
        level=Level.STRONG,
        method="counter",
        performed_by=c,
        evidence={"document_checked": True, "photo_matches": False},
    )
    assert row.detail == "counter_not_checked"
    assert level_of(p) == Level.NONE


def test_counter_without_anyone_performing_it_fails():
    p = person("张三")
    row = v.verify_person(p, level=Level.STRONG, method="counter", evidence={"document_checked": True})
    assert not row.passed and row.performed_by_id is None


# -- HTTP face / bank-card service ---------------------------------------------------------------------

URL = "https://verify.example.gov.cn/api/check"


@pytest.fixture
def http_provider(settings):
    settings.VERIFICATION_PROVIDERS = [
        "yiwang.identity.verification.LibraryProvider",
        "yiwang.identity.verification.HttpVerificationProvider",
    ]
    settings.VERIFICATION_HTTP_URL = URL
    settings.VERIFICATION_HTTP_TOKEN = "s3cret"
    settings.VERIFICATION_HTTP_METHODS = ["face", "bank_card"]
    settings.VERIFICATION_HTTP_NAME = "city-face"


@responses.activate
def test_the_http_provider_posts_the_identity_and_raises_to_level_3(http_provider):
    responses.post(URL, json={"passed": True, "reason": "比对通过"})
    p = person("张三")
    row = v.verify_person(p, level=Level.STRONG, method="face", evidence={"liveness_token": "abc"})
    assert row.passed and row.provider == "city-face" and row.method == "face"
    assert level_of(p) == Level.STRONG
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer s3cret"
    body = json.loads(call.body)
    assert body == {
        "name": "张三",
        "doc_type": "resident_id",
        "doc_number": p.doc_number,
        "method": "face",
        "evidence": {"liveness_token": "abc"},
    }
    assert "比对通过" in v.detail_text(row.detail)


@responses.activate
def test_a_refusal_from_the_service_is_a_failed_check_with_its_reason_masked(http_provider):
    p = person("张三")
    responses.post(URL, json={"passed": False, "reason": f"证件号 {p.doc_number} 与银行预留信息不一致"})
    row = v.verify_person(p, level=Level.STRONG, method="bank_card")
    assert not row.passed and row.detail.startswith("service_failed")
    assert p.doc_number not in row.detail
    assert level_of(p) == Level.NONE


@pytest.mark.parametrize(
    "reply",
    [
        {"status": 500, "json": {"error": "boom"}},
        {"status": 200, "body": "not json"},
        {"status": 200, "json": {"ok": True}},
        {"body": __import__("requests").ConnectionError("refused")},
    ],
    ids=["500", "not json", "no passed", "connection refused"],
)
@responses.activate
def test_an_unusable_answer_is_a_failed_check_not_a_crash(http_provider, reply):
    responses.post(URL, **reply)
    p = person("张三")
    row = v.verify_person(p, level=Level.STRONG, method="face")
    assert (row.passed, row.detail) == (False, "service_unavailable")
    assert level_of(p) == Level.NONE


def test_the_http_provider_is_unused_until_configured(settings):
    settings.VERIFICATION_PROVIDERS = ["yiwang.identity.verification.HttpVerificationProvider"]
    settings.VERIFICATION_HTTP_URL = ""
    assert v.provider_for("face") is None
    with pytest.raises(ProblemsError):
        v.verify_person(person("张三"), level=Level.STRONG, method="face")


# -- item minimum level --------------------------------------------------------------------------------


def test_level_problem_names_the_required_and_current_levels():
    from types import SimpleNamespace

    version = SimpleNamespace(min_identity_level=Level.ID)
    p = person("张三", level=Level.PHONE)
    problem = v.level_problem(p, version)
    assert problem is not None and problem.field == "identity_level" and problem.code == "level_too_low"
    both = problem.as_dict()
    assert "level 2" in both["message_en"] and "level 1" in both["message_en"]
    assert "2" in both["message"] and "1" in both["message"]
    assert v.level_problem(None, version) is not None
    p.level = Level.STRONG
    assert v.level_problem(p, version) is None
    assert v.level_problem(None, SimpleNamespace(min_identity_level=0)) is None
