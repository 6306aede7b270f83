"""The hotline API (machine clients and sessions) and the Open311 GeoReport v2 endpoint."""

from __future__ import annotations

import base64
import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from yiwang.hotline import open311, services
from yiwang.hotline.models import Channel, IntakeToken, OrderType, State, WorkOrder
from yiwang.identity.clients import create_client

from .conftest import cat, client_for, new_order

pytestmark = pytest.mark.django_db


def bearer(org, scopes):
    mc, secret = create_client("微信小程序", "hotline", org, scopes)
    basic = base64.b64encode(f"{mc.application.client_id}:{secret}".encode()).decode()
    r = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        headers={"Authorization": f"Basic {basic}"},
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['access_token']}"}


BODY = {
    "order_type": "help",
    "category": "water",
    "content": "小区停水两天了，请尽快处理。",
    "address": "淮河路 8 号",
    "caller_phone": "13977778888",
    "channel": "wechat",
}


def test_wechat_client_creates_orders_idempotently(hw):
    auth = bearer(hw.centre, ["hotline:write"])
    c = Client()
    r = c.post(
        "/api/v1/hotline/orders", json.dumps(BODY), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc", **auth
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["channel"] == Channel.WECHAT and data["query_code"]
    again = c.post(
        "/api/v1/hotline/orders", json.dumps(BODY), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc", **auth
    )
    assert again.status_code == 200 and again.json()["number"] == data["number"]
    assert WorkOrder.objects.count() == 1
    assert c.get(f"/api/v1/hotline/orders/{data['number']}", **auth).status_code == 200


def test_api_errors_name_the_field_in_both_languages(hw):
    auth = bearer(hw.centre, ["hotline:write"])
    r = Client().post(
        "/api/v1/hotline/orders",
        json.dumps({**BODY, "category": "nope", "content": "x"}),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert detail[0]["field"] == "category" and detail[0]["message"] and detail[0]["message_en"]


def test_scopes_and_reach(hw):
    order = new_order(hw)
    read_only = bearer(hw.centre, ["hotline:read"])
    assert (
        Client()
        .post("/api/v1/hotline/orders", json.dumps(BODY), content_type="application/json", **read_only)
        .status_code
        == 403
    )
    other = bearer(hw.other, ["hotline:read", "hotline:write"])
    assert Client().get(f"/api/v1/hotline/orders/{order.number}", **other).status_code == 404
    services.dispatch(order, hw.op, hw.other)
    assert Client().get(f"/api/v1/hotline/orders/{order.number}", **other).status_code == 200
    # The department's system signs and replies through the API.
    assert Client().post(f"/api/v1/hotline/orders/{order.number}/sign", **other).status_code == 200
    r = Client().post(
        f"/api/v1/hotline/orders/{order.number}/reply",
        json.dumps({"text": "已处理，谢谢反映。"}),
        content_type="application/json",
        **other,
    )
    assert r.status_code == 200 and r.json()["state"] == State.REPLIED
    # But it cannot take the centre's steps.
    r = Client().post(
        f"/api/v1/hotline/orders/{order.number}/callback",
        json.dumps({"reached": True}),
        content_type="application/json",
        **other,
    )
    assert r.status_code == 403


def test_operator_api_lookup_duplicates_and_knowledge(hw):
    c = client_for(hw.operator)
    order = new_order(hw)
    r = c.get("/api/v1/hotline/callers", {"phone": "13912345678"})
    assert r.json()["known"] and r.json()["orders"][0]["number"] == order.number
    assert r.json()["phone"] == "139****5678"
    d = c.get("/api/v1/hotline/duplicates", {"category": "road", "latitude": 32.9166, "longitude": 117.3891})
    assert [x["number"] for x in d.json()] == [order.number] and d.json()[0]["distance"] < 50
    far = c.get("/api/v1/hotline/duplicates", {"category": "road", "latitude": 32.95, "longitude": 117.39})
    assert far.json() == []
    assert client_for(hw.handler).get("/api/v1/hotline/callers", {"phone": "13912345678"}).status_code == 403


def test_open311_services_and_definitions(hw):
    c = Client()
    services_json = c.get("/open311/v2/services.json").json()
    assert {"service_code": "road", "group": "城市管理"}.items() <= next(
        s for s in services_json if s["service_code"] == "road"
    ).items()
    xml = ET.fromstring(c.get("/open311/v2/services.xml").content)  # noqa: S314 - our own answer
    assert xml.tag == "services" and xml.find("service/service_code") is not None
    road = cat("road")
    road.attributes = [{"code": "depth", "datatype": "string", "required": True, "description": "坑深"}]
    road.save()
    d = c.get("/open311/v2/services/road.json").json()
    assert d["service_code"] == "road" and d["attributes"][0]["code"] == "depth"
    assert c.get("/open311/v2/services/nope.json").status_code == 404


def test_open311_post_with_key_then_get(hw, settings):
    _key, raw = open311.new_key("城市随手拍", hw.centre)
    c = Client()
    assert c.post("/open311/v2/requests.json", {"service_code": "lighting"}).status_code == 403
    missing = c.post(
        "/open311/v2/requests.json",
        {"api_key": raw, "service_code": "road", "description": "坑", "lat": "32.9", "long": "117.4"},
    )
    assert missing.status_code == 400 and "content" in missing.json()[0]["description"]  # too short to act on
    r = c.post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "lighting",
            "lat": "32.91",
            "long": "117.38",
            "description": "路灯不亮已经一周",
            "phone": "13900009999",
            "first_name": "明",
            "last_name": "周",
        },
    )
    assert r.status_code == 201, r.content
    sid = r.json()[0]["service_request_id"]
    order = WorkOrder.objects.get(number=sid)
    assert order.channel == Channel.OPEN311 and order.caller is not None
    one = c.get(f"/open311/v2/requests/{sid}.json").json()[0]
    assert one["status"] == "open" and str(State.RECEIVED.label) in one["status_notes"] and one["expected_datetime"]
    assert "13900009999" not in json.dumps(one, ensure_ascii=False)
    xml = ET.fromstring(c.get(f"/open311/v2/requests/{sid}.xml").content)  # noqa: S314 - our own answer
    assert xml.find("request/service_request_id").text == sid
    token = r.json()[0]["token"]
    assert c.get(f"/open311/v2/tokens/{token}.json").json()[0]["service_request_id"] == sid


def test_open311_async_tokens(hw, settings, django_capture_on_commit_callbacks):
    settings.HOTLINE_OPEN311_ASYNC = True
    _key, raw = open311.new_key("城市随手拍", hw.centre)
    with django_capture_on_commit_callbacks(execute=True):
        r = Client().post(
            "/open311/v2/requests.json", {"api_key": raw, "service_code": "lighting", "description": "路灯不亮已经一周"}
        )
    body = r.json()[0]
    assert "service_request_id" not in body
    t = IntakeToken.objects.get(token=body["token"])
    assert t.order is not None
    assert Client().get(f"/open311/v2/tokens/{t.token}.json").json()[0]["service_request_id"] == t.order.number


def test_open311_list_filters_limits_and_bad_records(hw, caplog):
    open_order = new_order(hw)
    closed = new_order(hw, order_type=OrderType.CONSULT, category=cat("policy"))
    services.conclude_direct(closed, hw.op, "已当场答复。")
    old = new_order(hw, received_at=timezone.now() - dt.timedelta(days=120))
    c = Client()
    rows = c.get("/open311/v2/requests.json").json()
    ids = {r["service_request_id"] for r in rows}
    assert open_order.number in ids and closed.number in ids and old.number not in ids  # 90 days by default
    assert {r["service_request_id"] for r in c.get("/open311/v2/requests.json", {"status": "closed"}).json()} == {
        closed.number
    }
    assert c.get("/open311/v2/requests.json", {"status": "weird"}).status_code == 400
    assert c.get("/open311/v2/requests.json", {"start_date": "2020-01-01", "end_date": "2026-01-01"}).status_code == 400
    # A record that cannot be written out is left out; the rest still come.
    real = open311.request_row

    def flaky(order):
        if order.pk == open_order.pk:
            raise ValueError("broken record")
        return real(order)

    open311.request_row = flaky
    try:
        rows = c.get("/open311/v2/requests.json").json()
    finally:
        open311.request_row = real
    assert closed.number in {r["service_request_id"] for r in rows}
    assert open_order.number not in {r["service_request_id"] for r in rows}
    assert open311.MAX_RESULTS == 1000 and open311.DEFAULT_DAYS == 90
