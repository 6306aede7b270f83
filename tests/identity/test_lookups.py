"""Library lookups: the platform's own tables by default, a provincial library service over HTTP when configured."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from tests.factories import enterprise, person
from tests.identity.staff_factories import in_library
from yiwang.identity import lookups
from yiwang.identity import verification as v
from yiwang.identity.models import Level, doc_hash

pytestmark = pytest.mark.django_db

URL = "https://rk.example.gov.cn/api"


@pytest.fixture
def http_library(settings):
    settings.LIBRARY_PROVIDER = "http"
    settings.LIBRARY_PROVIDER_OPTIONS = {"url": URL + "/", "token": "t0ken", "timeout": 3}


def level_of(obj) -> int:
    obj.refresh_from_db()
    return obj.level


def test_the_default_reads_the_platforms_own_tables():
    p = person("张三")
    assert lookups.libraries().key == "local"
    assert lookups.libraries().person(p.doc_type, p.doc_number) is None
    in_library(p)
    entry = lookups.libraries().person(p.doc_type, p.doc_number.lower())
    assert entry == lookups.PersonEntry(doc_type="resident_id", name="张三", status="normal")


@responses.activate
def test_the_http_library_is_asked_with_the_number_and_a_token(http_library):
    p = person("张三")
    responses.post(
        f"{URL}/population", json={"found": True, "name": "张三", "doc_type": "居民身份证", "status": "正常"}
    )
    row = v.verify_person(p)
    assert row.passed and row.detail == "matched" and level_of(p) == Level.ID
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer t0ken"
    assert json.loads(call.body) == {"doc_type": "resident_id", "doc_number": p.doc_number}


@responses.activate
@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        ({"json": {"found": False}}, "not_found"),
        ({"status": 404}, "not_found"),
        ({"json": {"found": True, "name": "张叁"}}, "name_mismatch"),
        ({"json": {"found": True, "name": "张三", "status": "死亡"}}, "record_deceased"),
        ({"status": 503}, "library_unavailable"),
        ({"body": "<html>"}, "library_unavailable"),
        ({"json": {"found": True, "name": "张三", "status": "失踪"}}, "library_unavailable"),
        ({"json": {"found": True}}, "library_unavailable"),
        ({"body": requests.ConnectTimeout("slow")}, "library_unavailable"),
    ],
    ids=["not found", "404", "other name", "deceased", "503", "not json", "odd status", "no name", "timeout"],
)
def test_every_answer_of_the_http_library_is_a_check_result_never_a_crash(http_library, reply, detail):
    p = person("张三")
    responses.post(f"{URL}/population", **reply)
    row = v.verify_person(p)
    assert (row.passed, row.detail) == (False, detail)
    assert level_of(p) == Level.NONE
    assert str(v.detail_text(row.detail))


@responses.activate
def test_the_http_library_checks_a_legal_person_and_its_representative(http_library):
    rep = person("李四")
    ent = enterprise("蚌埠淮河食品有限公司", legal_rep=rep)
    record = {
        "found": True,
        "credit_code": ent.credit_code,
        "name": "蚌埠淮河食品有限公司",
        "legal_rep_name": "李四",
        "legal_rep_doc_type": "身份证",
        "legal_rep_doc_number": rep.doc_number,
        "status": "存续",
        "kind": "企业",
        "registered_on": "2019-03-15",
    }
    responses.post(f"{URL}/legal-persons", json=record)
    entry = lookups.libraries().legal_person(ent.credit_code)
    assert entry.legal_rep_doc_hash == doc_hash("resident_id", rep.doc_number)  # hashed at once, never kept clear
    assert entry.registered_on.isoformat() == "2019-03-15"
    assert v.verify_enterprise(ent).passed and level_of(ent) == Level.ID
    assert json.loads(responses.calls[0].request.body) == {"credit_code": ent.credit_code}


def test_the_http_library_needs_a_url(settings):
    settings.LIBRARY_PROVIDER = "http"
    settings.LIBRARY_PROVIDER_OPTIONS = {}
    found = lookups.LIBRARIES.check_messages()
    assert [(m.id, m.msg) for m in found] == [("yiwang.E102", "LIBRARY_PROVIDER_OPTIONS.url: Field required")]
    settings.LIBRARY_PROVIDER_OPTIONS = {"url": "ftp://rk.example.gov.cn"}
    assert [m.id for m in lookups.LIBRARIES.check_messages()] == ["yiwang.E103"]
