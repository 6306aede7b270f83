"""The other channels: the SMS link (signed, one use), the window pad (anonymous, 一次一评), the 12345 operator,
complaints and suggestions, and the public figures."""

from __future__ import annotations

import re

import pytest
from django.test import TestCase

from yiwang.identity.providers import OutboxSmsSender
from yiwang.ratings.models import Complaint, ComplaintState, Pad, Rating, Rectification
from yiwang.ratings.standard import Channel

from .world import BAD, accepted, build, client_for, concluded

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    yield build()
    OutboxSmsSender.clear()


def test_the_sms_link_rates_once_without_signing_in(w, client):
    case = concluded(w)
    sms = OutboxSmsSender.last_to(w["applicant"].phone)
    link = re.search(r"/rate/t/([^/\s]+)/", sms.text)
    assert link, sms.text
    url = f"/rate/t/{link.group(1)}/"
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "xx/").status_code == 404  # forged
    r = client.post(url, {"level": "5"})
    assert r.status_code == 200
    rating = Rating.objects.get(case=case)
    assert rating.channel == Channel.SMS and rating.person_id == w["applicant"].pk
    again = client.post(url, {"level": "1", "reasons": ["overdue"]})
    assert again.status_code == 400 and Rating.objects.filter(case=case).count() == 1


def test_the_window_pad(w, client, settings):
    settings.RATINGS_PAD_SECONDS = 0
    clerk = client_for(w["clerk"])
    page = clerk.post("/workbench/ratings/pads/", {"op": "create", "window": w["window"].pk, "label": "A01 平板"})
    assert page.status_code == 200
    link = re.search(r"/rate/pad/([^/<\s]+)/", page.content.decode())
    assert link
    pad = Pad.objects.get(window=w["window"])
    url = f"/rate/pad/{link.group(1)}/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"level": "5", "ind-attitude": "5"})
    assert r.status_code == 200
    rating = Rating.objects.get(window=w["window"])
    assert rating.anonymous and rating.channel == Channel.PAD and rating.indicators == {"attitude": 5}
    # Anonymous bad reviews count but open no rectification (nobody to call back).
    client.post(url, {"level": "1", "reasons": ["long_wait"]})
    assert Rating.objects.filter(window=w["window"], level=1).exists() and not Rectification.objects.exists()
    clerk.post("/workbench/ratings/pads/", {"op": "revoke", "window": w["window"].pk, "pad": pad.pk})
    assert client.get(url).status_code == 404
    assert client.get("/rate/pad/not-a-key/").status_code == 404


def test_the_12345_operator_records_a_callers_rating(w):
    case = accepted(w)
    op = client_for(w["operator"])
    r = op.post(
        "/workbench/ratings/hotline/", {"case_number": case.case_number, "caller_phone": "13900000000", "level": "5"}
    )
    assert r.status_code == 400 and not Rating.objects.exists()
    r = op.post(
        "/workbench/ratings/hotline/",
        {
            "case_number": case.case_number,
            "caller_phone": w["applicant"].phone,
            "work_order": "GD2026001",
            "level": "2",
            "reasons": ["attitude"],
        },
    )
    assert r.status_code == 302
    rating = Rating.objects.get(case=case)
    assert rating.channel == Channel.HOTLINE and rating.recorded_by_id == w["operator"].pk
    assert rating.work_order == "GD2026001" and Rectification.objects.filter(rating=rating).exists()
    assert client_for(w["reviewer"]).get("/workbench/ratings/hotline/").status_code == 404


def test_complaint_loop(w):
    case = accepted(w)
    me = client_for(w["applicant"].user)
    r = me.post("/my/complaints/new/", {"case": case.case_number, "kind": "complaint", "about": "case", "text": ""})
    assert r.status_code == 400 and not Complaint.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = me.post(
            "/my/complaints/new/",
            {"case": case.case_number, "kind": "complaint", "about": "case", "text": "窗口人员态度不好"},
        )
    assert r.status_code == 302
    c = Complaint.objects.get()
    assert c.organisation_id == w["dept"].pk and c.due > c.day
    assert me.get(f"/my/complaints/{c.number}/").status_code == 200
    assert client_for(w["stranger"].user).get(f"/my/complaints/{c.number}/").status_code == 404
    reviewer, supervisor = client_for(w["reviewer"]), client_for(w["supervisor"])
    base = f"/workbench/ratings/complaints/{c.number}/"
    assert reviewer.post(base + "verify/", {"note": "情况属实"}).status_code == 302
    assert reviewer.post(base + "handle/", {"handling": "已批评教育"}).status_code == 302
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert reviewer.post(base + "reply/", {"reply": "已处理，感谢监督"}).status_code == 302
    assert supervisor.post(base + "review/", {"decision": "close", "note": ""}).status_code == 302
    c.refresh_from_db()
    assert c.state == ComplaintState.CLOSED and c.on_time
    assert "已处理" in me.get(f"/my/complaints/{c.number}/").content.decode()
    assert client_for(w["outsider"]).get(base).status_code == 404


def test_public_and_staff_figures_pages(w, client):
    case = concluded(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(w["applicant"].user).post(f"/my/cases/{case.case_number}/rate/", BAD)
    page = client.get("/ratings/")
    assert page.status_code == 200 and w["dept"].name in page.content.decode()
    dept = client.get(f"/ratings/departments/{w['dept'].pk}/")
    assert dept.status_code == 200 and "等了很久" not in dept.content.decode()  # no comments in public
    assert client.get("/ratings/?period=bogus").status_code == 200
    for dim in ("dept", "item", "hall", "window", "staff"):
        assert client_for(w["supervisor"]).get(f"/workbench/ratings/stats/?dim={dim}").status_code == 200
    mine = client_for(w["approver"]).get("/workbench/ratings/mine/")
    assert mine.status_code == 200
    space = client_for(w["applicant"].user).get("/my/ratings/")
    assert space.status_code == 200 and case.case_number in space.content.decode()
