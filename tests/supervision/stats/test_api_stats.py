"""The statistics API: indicators, drill-down, dashboard, export, scoring models and rankings, each in scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yiwang.supervision.models import ScoringModel

from . import world as W

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"


@pytest.fixture
def w():
    w = W.build()
    W.conclude(w, W.submit(w))
    W.submit(w)
    W.conclude(w, W.submit(w, version=w["other_item"].current), decision="reject")
    W.drain()
    return w


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_indicators_in_scope(w):
    city = client(w["city_sup"]).get(f"{API}/indicators").json()
    assert city["total"]["received"] == 3 and city["total"]["concluded"] == 2
    assert {r["label"] for r in city["rows"]} == {w["org"].name, w["other"].name}
    dept = client(w["approver"]).get(f"{API}/indicators?group=item").json()
    assert dept["total"]["received"] == 2 and len(dept["rows"]) == 1
    assert client(w["approver"]).get(f"{API}/indicators?organisation={w['other'].pk}").status_code == 404
    assert Client().get(f"{API}/indicators").status_code == 401
    assert client(w["applicant"].user).get(f"{API}/indicators").status_code == 403
    bad = client(w["city_sup"]).get(f"{API}/indicators?start=yesterday&group=x")
    assert bad.status_code == 400
    fields = {p["field"] for p in bad.json()["detail"]}
    assert {"start", "group"} <= fields


def test_drill_down_and_export(w):
    c = client(w["city_sup"])
    refused = c.get(f"{API}/indicators/cases?figure=concluded&organisation={w['other'].pk}").json()
    assert refused["count"] == 1 and refused["cases"][0]["outcome"] == "refused"
    open_ = c.get(f"{API}/indicators/cases?figure=open").json()
    assert open_["count"] == 1 and open_["cases"][0]["outcome"] == ""
    x = c.get(f"{API}/indicators/export.xlsx?group=channel")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    d = c.get(f"{API}/dashboard").json()
    assert d["kpi"]["received"] == 3


def test_scoring_models_and_rankings(w):
    sup = client(w["city_sup"])
    assert client(w["approver"]).get(f"{API}/scoring-models").status_code == 403
    models = sup.get(f"{API}/scoring-models").json()
    assert models and models[0]["formula"].startswith("100 ×")
    bad = sup.post(f"{API}/scoring-models", {"name": "x", "weights": {"nope": 1}}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "weights.nope"
    made = sup.post(
        f"{API}/scoring-models", {"name": "x", "weights": {"on_time_rate": 1}}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["version"] == 1
    month = timezone.localdate().replace(day=1).strftime("%Y-%m")
    pub = sup.post(f"{API}/rankings", {"month": month, "model_id": made.json()["id"]}, content_type="application/json")
    assert pub.status_code == 201
    body = pub.json()
    # on-time rate only: the approving department (1 of 1 on time) ranks before the refusing one (also on time) by
    # name at equal scores, both 100
    assert [r["score"] for r in body["rows"]] == [100.0, 100.0]
    listed = client(w["approver"]).get(f"{API}/rankings").json()
    assert listed[0]["id"] == body["id"]
    mine = client(w["approver"]).get(f"{API}/rankings/{body['id']}").json()
    assert [r["name"] for r in mine["rows"]] == [w["org"].name]
    assert client(w["approver"]).get(f"{API}/rankings/999999").status_code == 404
    assert ScoringModel.objects.filter(name="x").count() == 1
    assert sup.post(f"{API}/rankings", {"month": "2026-1x"}, content_type="application/json").status_code == 400
    far = (dt.date.today() + dt.timedelta(days=70)).strftime("%Y-%m")
    assert sup.post(f"{API}/rankings", {"month": far}, content_type="application/json").status_code == 400
