"""The ratings API (people, devices, staff, public figures), the daily signed export, and the timers command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from yiwang.ratings import export
from yiwang.ratings.models import ExportRun, Rating, Rectification

from .world import accepted, build, client_for, concluded

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def api(client, method, path, body=None):
    fn = getattr(client, method)
    if body is None:
        return fn(f"/api/v1/ratings{path}")
    return fn(f"/api/v1/ratings{path}", json.dumps(body), content_type="application/json")


def test_standard_and_public_figures(client, w):
    r = api(client, "get", "/standard")
    assert r.status_code == 200
    data = r.json()
    assert [lv["code"] for lv in data["levels"]] == ["5", "4", "3", "2", "1"]
    assert {m["mode"] for m in data["modes"]} == {"online", "onsite"}
    assert api(client, "get", "/figures/departments?period=year").status_code == 200
    bad = api(client, "get", "/figures/departments?from=2026-13-01")
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "from"


def test_a_person_rates_their_case_through_the_api(client, w):
    case = accepted(w)
    me = client_for(w["applicant"].user)
    assert api(client, "post", f"/cases/{case.case_number}", {"level": 5}).status_code == 401
    r = api(me, "get", f"/cases/{case.case_number}")
    assert r.status_code == 200 and r.json()["open_stage"] == "accepted"
    r = api(me, "post", f"/cases/{case.case_number}", {"level": 5, "indicators": {"attitude": 5}})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "indicators.attitude"
    r = api(me, "post", f"/cases/{case.case_number}", {"level": 2})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "reasons"
    assert not Rating.objects.exists()
    r = api(me, "post", f"/cases/{case.case_number}", {"level": 2, "reasons": ["overdue"], "comment": "慢"})
    assert r.status_code == 201 and r.json()["channel"] == "api" and r.json()["rectification"]["state"] == "open"
    assert api(me, "post", f"/cases/{case.case_number}", {"level": 5}).status_code == 400
    other = client_for(w["stranger"].user)
    assert api(other, "get", f"/cases/{case.case_number}").status_code == 404
    assert api(other, "post", f"/cases/{case.case_number}", {"level": 5}).status_code == 404
    assert [x["level"] for x in api(me, "get", "/mine").json()] == [2]


def test_staff_work_a_rectification_through_the_api(w):
    case = concluded(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        api(
            client_for(w["applicant"].user),
            "post",
            f"/cases/{case.case_number}",
            {"level": 1, "reasons": ["result_unfair"]},
        )
    rect = Rectification.objects.get()
    dept, sup = client_for(w["reviewer"]), client_for(w["supervisor"])
    assert [x["id"] for x in api(dept, "get", "/rectifications").json()] == [rect.pk]
    assert api(client_for(w["outsider"]), "get", f"/rectifications/{rect.pk}").status_code == 404
    r = api(dept, "post", f"/rectifications/{rect.pk}/callback", {"channel": "phone", "outcome": "confirmed"})
    assert r.status_code == 200 and r.json()["state"] == "verified"
    r = api(dept, "post", f"/rectifications/{rect.pk}/classify", {"category": "nonsense", "finding": "x"})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "category"
    api(dept, "post", f"/rectifications/{rect.pk}/classify", {"category": "policy", "finding": "政策解释不清"})
    api(dept, "post", f"/rectifications/{rect.pk}/submit", {"measures": "重新解释政策"})
    assert api(dept, "post", f"/rectifications/{rect.pk}/review", {"approve": True}).status_code == 403
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api(sup, "post", f"/rectifications/{rect.pk}/review", {"approve": True, "opinion": "同意"})
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["on_time"] is True
    figures = api(sup, "get", "/figures?dim=dept&period=year").json()["rows"]
    assert figures[0]["rectified"] == 1 and figures[0]["rectify_rate"] == 100.0
    assert api(client_for(w["applicant"].user), "get", "/figures").status_code == 403
    r = api(
        client_for(w["applicant"].user),
        "post",
        "/complaints",
        {"kind": "suggestion", "about": "platform", "text": "希望增加夜间办理"},
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "about"  # no service centre in this city
    r = api(
        client_for(w["applicant"].user),
        "post",
        "/complaints",
        {"kind": "suggestion", "about": "case", "case_number": case.case_number, "text": "希望增加夜间办理"},
    )
    assert r.status_code == 201 and r.json()["organisation"] == w["dept"].name
    assert api(client_for(w["applicant"].user), "get", f"/complaints/{r.json()['number']}").status_code == 200


def test_the_device_endpoint_needs_a_client_token(client, w):
    r = api(client, "post", f"/windows/{w['window'].pk}", {"level": 5})
    assert r.status_code == 401
    assert api(client_for(w["clerk"]), "post", f"/windows/{w['window'].pk}", {"level": 5}).status_code == 401


def test_the_export_is_signed_and_once_per_day(w, settings, tmp_path: Path):
    settings.RATINGS_EXPORT_DIR = str(tmp_path)
    case = concluded(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        api(client_for(w["applicant"].user), "post", f"/cases/{case.case_number}", {"level": 4})
    today = timezone.localdate()
    run = export.run(today)
    assert run.state == "done" and run.count == 1
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    rec = doc["records"][0]
    assert rec["case_number"] == case.case_number and rec["level"] == 4 and rec["real_name"] is True
    assert "张三" not in files[0].read_text(encoding="utf-8")  # no rater's name leaves the platform
    exporter = export.EXPORTERS.get()
    assert export.verify(doc, exporter.signing_key())
    doc["records"][0]["level"] = 5
    assert not export.verify(doc, exporter.signing_key())
    assert export.run(today).pk == run.pk and ExportRun.objects.count() == 1
    out = io.StringIO()
    call_command("ratings_timers", "--no-export", stdout=out)
    assert "Default ratings given: 0" in out.getvalue()


def test_an_appeal_and_its_decision_through_the_api_answer_the_rectification(w):
    """appeal and decide_appeal return the Appeal: the endpoints answered 500 reading it as the rectification."""
    case = accepted(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        api(client_for(w["applicant"].user), "post", f"/cases/{case.case_number}", {"level": 1, "reasons": ["overdue"]})
    rect = Rectification.objects.get()
    dept, sup = client_for(w["reviewer"]), client_for(w["supervisor"])
    assert api(sup, "post", f"/rectifications/{rect.pk}/appeal", {"kind": "mistaken", "reason": "x"}).status_code == 403
    r = api(dept, "post", f"/rectifications/{rect.pk}/appeal", {"kind": "mistaken", "reason": "评价人误操作"})
    assert r.status_code == 200 and r.json()["state"] == "appealed" and r.json()["id"] == rect.pk
    assert api(dept, "post", f"/rectifications/{rect.pk}/decide", {"uphold": True, "note": "x"}).status_code == 403
    r = api(sup, "post", f"/rectifications/{rect.pk}/decide", {"uphold": False, "note": "证据不足"})
    assert r.status_code == 200 and r.json()["state"] == "open"
