"""The exchange API for department systems: catalog, access requests and grants, and data service calls — with
every call logged, only granted fields returned, sensitive ones masked, and out-of-reach resources 404."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.exchange import world as xworld
from tests.factories import OrganisationFactory, citizen_id, staff
from yiwang.exchange import dataconnectors, grants
from yiwang.exchange.models import AccessRequest, CallDay, DataCall
from yiwang.identity.clients import create_client
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

BASE = "/api/v1/exchange"


def token_client(org, scopes: list[str]) -> tuple[Client, object]:
    mc, secret = create_client("不动产登记系统", "department", org, scopes)
    basic = base64.b64encode(f"{mc.application.client_id}:{secret}".encode()).decode()
    token = (
        Client()
        .post(
            "/oauth/token/",
            {"grant_type": "client_credentials", "scope": " ".join(scopes)},
            headers={"Authorization": f"Basic {basic}"},
        )
        .json()["access_token"]
    )
    return Client(headers={"Authorization": f"Bearer {token}"}), mc


class Person:
    def __init__(self, name: str):
        self.name = name
        self.doc_number = citizen_id()


@pytest.fixture
def w():
    resource, service = xworld.hukou()
    zhang = Person("张三")
    xworld.keep(resource, zhang)
    consumer = OrganisationFactory(name="蚌埠市不动产登记中心")
    api, mc = token_client(consumer, ["exchange:catalog", "exchange:query"])
    return {"resource": resource, "service": service, "zhang": zhang, "consumer": consumer, "api": api, "mc": mc}


def query(w, keys=None, **body):
    payload = {"keys": keys if keys is not None else {"gmsfhm": w["zhang"].doc_number}, "purpose": "不动产登记", **body}
    return w["api"].post(f"{BASE}/services/{w['service'].code}/query", payload, content_type="application/json")


def test_catalog_search_and_detail(w):
    r = w["api"].get(f"{BASE}/resources", {"q": "户籍"})
    assert r.status_code == 200
    [found] = r.json()
    assert found["code"] == "HJ.RKXX" and found["provider"] == "蚌埠市公安局"
    assert [f["name"] for f in found["fields"]] == ["gmsfhm", "xm", "hjdz", "hh"]
    assert found["services"] == [
        {"code": "HJ.RKXX.BY-ID", "name": "按身份证号查询户籍", "keys": ["gmsfhm"], "many": False}
    ]
    assert w["api"].get(f"{BASE}/resources", {"q": "营业执照"}).json() == []
    assert w["api"].get(f"{BASE}/resources/HJ.RKXX").json()["sharing"] == "conditional"
    # An unlisted resource of another department is out of reach: 404 like a missing one.
    xworld.hukou(w["resource"].provider, code="HJ.SECRET")
    from yiwang.exchange.models import DataResource

    DataResource.objects.filter(code="HJ.SECRET").update(public=False)
    assert w["api"].get(f"{BASE}/resources/HJ.SECRET").status_code == 404
    assert w["api"].get(f"{BASE}/resources/NOPE").status_code == 404
    assert Client().get(f"{BASE}/resources").status_code == 401


def test_request_approve_query_mask_and_log(w):
    # No grant yet: refused, and the refusal is logged.
    r = query(w)
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "no_grant"
    assert DataCall.objects.get().status == "denied"

    until = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    r = w["api"].post(
        f"{BASE}/access-requests",
        {
            "resource": "HJ.RKXX",
            "fields": ["gmsfhm", "xm", "hjdz"],
            "purpose": "不动产登记核验",
            "legal_basis": "《不动产登记暂行条例》",
            "valid_until": until,
        },
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"  # conditional: the provider decides
    assert query(w).status_code == 403

    officer = staff(w["resource"].provider, Role.DATA_OFFICER)
    grants.decide(AccessRequest.objects.get(), approve=True, user=officer)
    assert w["api"].get(f"{BASE}/access-requests").json()[0]["status"] == "approved"
    [g] = w["api"].get(f"{BASE}/grants").json()
    assert g["masked"] == ["hjdz"] and g["current"] and g["for_client_only"]

    r = query(w, case_number="BB2026-0001")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["fields"] == ["gmsfhm", "xm", "hjdz"] and body["masked"] == ["hjdz"]
    [rec] = body["records"]
    assert rec["xm"] == "张三" and "hh" not in rec and "东海大道" not in rec["hjdz"]
    call = DataCall.objects.get(pk=body["call_id"])
    assert call.status == "ok" and call.case_number == "BB2026-0001" and call.client_id == w["mc"].pk
    assert call.legal_basis == "《不动产登记暂行条例》" and call.records == 1 and call.response_bytes > 0
    assert call.requested_at <= call.provider_sent_at <= call.provider_answered_at <= call.responded_at

    assert query(w, keys={"gmsfhm": citizen_id()}).json()["records"] == []
    assert DataCall.objects.filter(status="not_found").count() == 1
    assert sum(CallDay.objects.values_list("calls", flat=True)) == 4


def test_bad_requests_get_field_errors_and_are_logged(w):
    xworld.grant(w["resource"], w["consumer"])
    r = query(w, keys={"xm": "张三"}, purpose="")
    assert r.status_code == 400
    fields = {p["field"] for p in r.json()["detail"]}
    assert {"keys", "keys.gmsfhm", "purpose"} <= fields
    assert all(p["message"] and p["message_en"] for p in r.json()["detail"])
    assert DataCall.objects.get().status == "invalid"
    r = w["api"].post(
        f"{BASE}/access-requests",
        {"resource": "HJ.RKXX", "fields": ["nope"], "purpose": "x", "legal_basis": "", "valid_until": "2000-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert {p["field"] for p in r.json()["detail"]} == {"fields", "purpose", "legal_basis", "valid_until"}
    assert AccessRequest.objects.count() == 1  # only the one behind the grant made above


def test_a_failing_provider_is_503_with_the_call_id(w, monkeypatch):
    xworld.grant(w["resource"], w["consumer"])

    def broken(*args, **kwargs):
        raise dataconnectors.ConnectorError("timeout")

    monkeypatch.setattr(dataconnectors.TableConnector, "fetch", broken)
    r = query(w)
    assert r.status_code == 503
    assert DataCall.objects.get(pk=r.json()["call_id"]).error == "timeout"


def test_scopes(w):
    catalog_only, _mc = token_client(w["consumer"], ["exchange:catalog"])
    xworld.grant(w["resource"], w["consumer"])
    r = catalog_only.post(
        f"{BASE}/services/{w['service'].code}/query",
        {"keys": {"gmsfhm": w["zhang"].doc_number}, "purpose": "核验"},
        content_type="application/json",
    )
    assert r.status_code == 403 and not DataCall.objects.exists()
    other, _mc = token_client(OrganisationFactory(), ["exchange:query"])
    r = other.post(
        f"{BASE}/services/{w['service'].code}/query",
        {"keys": {"gmsfhm": w["zhang"].doc_number}, "purpose": "核验"},
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "no_grant"  # the grant is the consumer's
