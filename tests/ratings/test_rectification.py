"""差评整改 and 申诉复核 through the staff pages: callback, classify, rectify, supervisor review; the person told;
appeals upheld (out of the statistics, kept on record) or rejected; reach and roles; overdue warnings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from yiwang.identity.providers import OutboxSmsSender
from yiwang.ratings import rollup, services, stats
from yiwang.ratings.models import Appeal, Dim, Rating, RatingEvent, Rectification, RectState
from yiwang.ratings.standard import Stage

from .world import BAD, build, client_for, concluded

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def w(settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    yield build()
    OutboxSmsSender.clear()


def bad_review(w) -> Rectification:
    case = concluded(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client_for(w["applicant"].user).post(f"/my/cases/{case.case_number}/rate/", BAD)
    assert r.status_code == 302
    return Rectification.objects.get(rating__case=case)


def act(user, rect, action, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_for(user).post(f"/workbench/ratings/rectifications/{rect.pk}/{action}/", data)


def year(w):
    return stats.overall(Dim.DEPARTMENT, [w["dept"].pk], stats.preset_span("year"))


def test_the_whole_rectification_and_the_person_rates_again(w):
    rect = bad_review(w)
    home = client_for(w["reviewer"]).get("/workbench/ratings/")
    assert home.status_code == 200 and f"/workbench/ratings/rectifications/{rect.pk}/" in home.content.decode()
    page = client_for(w["reviewer"]).get(f"/workbench/ratings/rectifications/{rect.pk}/").content.decode()
    assert "等了很久" in page and "13800000001" not in page  # the phone only on a logged reveal

    # Order is enforced: no classification before a callback.
    r = act(w["reviewer"], rect, "classify", {"category": "efficiency", "finding": "x", "revision": rect.revision})
    assert r.status_code == 400
    r = act(w["reviewer"], rect, "callback", {"channel": "phone", "outcome": "bogus", "revision": rect.revision})
    assert r.status_code == 400 and Rectification.objects.get(pk=rect.pk).state == RectState.OPEN
    r = act(
        w["reviewer"],
        rect,
        "callback",
        {"channel": "phone", "outcome": "confirmed", "note": "已致歉", "revision": rect.revision},
    )
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectState.VERIFIED and rect.callbacks.get().outcome == "confirmed"
    # A stale form (old revision) is refused, not applied twice.
    r = act(w["reviewer"], rect, "classify", {"category": "efficiency", "finding": "x", "revision": rect.revision - 1})
    assert r.status_code == 400
    r = act(
        w["reviewer"],
        rect,
        "classify",
        {"category": "efficiency", "finding": "审批超时两天", "revision": rect.revision},
    )
    assert r.status_code == 302
    rect.refresh_from_db()
    evidence = SimpleUploadedFile("整改通知.pdf", PDF, content_type="application/pdf")
    r = act(w["reviewer"], rect, "submit", {"measures": "", "revision": rect.revision})
    assert r.status_code == 400
    r = act(
        w["reviewer"],
        rect,
        "submit",
        {"measures": "优化审批流程，限时办结", "files": evidence, "revision": rect.revision},
    )
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectState.SUBMITTED and rect.files.count() == 1
    # Only the supervisor reviews; the department cannot close its own rectification.
    r = act(w["reviewer"], rect, "review", {"decision": "close", "revision": rect.revision})
    assert r.status_code == 403 or Rectification.objects.get(pk=rect.pk).state == RectState.SUBMITTED
    r = act(w["supervisor"], rect, "review", {"decision": "return", "opinion": "", "revision": rect.revision})
    assert r.status_code == 400
    r = act(w["supervisor"], rect, "review", {"decision": "close", "opinion": "整改到位", "revision": rect.revision})
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectState.CLOSED and rect.on_time is True
    f = year(w)
    assert (f.bad_named, f.rectified, f.rectified_on_time, f.rectify_rate) == (1, 1, 1, 100.0)
    # The person is told what was done and invited to rate again (after rectification).
    texts = [m.text for m in OutboxSmsSender.outbox if m.to == w["applicant"].phone]
    assert any("优化审批流程" in t for t in texts)
    case = rect.rating.case
    assert services.open_stage(case, w["applicant"].pk) == Stage.FOLLOWUP
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client_for(w["applicant"].user).post(f"/my/cases/{case.case_number}/rate/", {"level": "4"})
    assert r.status_code == 302
    follow = Rating.objects.get(case=case, stage=Stage.FOLLOWUP)
    assert follow.counted and not Rating.objects.get(pk=rect.rating_id).counted
    assert RatingEvent.objects.filter(rectification=rect).count() >= 4
    assert rollup.snapshot() == _rebuilt()


def _rebuilt():
    rollup.rebuild()
    return rollup.snapshot()


def test_appeal_upheld_removes_the_review_from_statistics_but_keeps_it(w):
    rect = bad_review(w)
    r = act(w["reviewer"], rect, "appeal", {"kind": "malicious", "reason": "", "revision": rect.revision})
    assert r.status_code == 400
    r = act(
        w["reviewer"], rect, "appeal", {"kind": "malicious", "reason": "申请人误评他人办件", "revision": rect.revision}
    )
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectState.APPEALED and year(w).appeals == 1
    # The department cannot decide its own appeal.
    act(w["reviewer"], rect, "decide", {"decision": "uphold", "revision": rect.revision})
    assert Rectification.objects.get(pk=rect.pk).state == RectState.APPEALED
    r = act(w["supervisor"], rect, "decide", {"decision": "uphold", "note": "属实", "revision": rect.revision})
    assert r.status_code == 302
    rect.refresh_from_db()
    rating = Rating.objects.get(pk=rect.rating_id)
    assert rect.state == RectState.EXCLUDED and rating.excluded and not rating.counted
    f = year(w)
    assert (f.total, f.bad, f.appeals, f.appeals_upheld, f.excluded) == (0, 0, 1, 1, 1)
    assert Appeal.objects.get(rectification=rect).state == "upheld"
    assert rollup.snapshot() == _rebuilt()


def test_appeal_rejected_returns_to_where_it_was(w):
    rect = bad_review(w)
    act(w["reviewer"], rect, "callback", {"channel": "phone", "outcome": "disputed", "revision": rect.revision})
    rect.refresh_from_db()
    act(w["reviewer"], rect, "appeal", {"kind": "mistaken", "reason": "非本部门事项", "revision": rect.revision})
    rect.refresh_from_db()
    r = act(w["supervisor"], rect, "decide", {"decision": "reject", "note": "仍需整改", "revision": rect.revision})
    assert r.status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectState.VERIFIED and year(w).bad == 1
    # Once only.
    r = act(w["reviewer"], rect, "appeal", {"kind": "mistaken", "reason": "再次申诉", "revision": rect.revision})
    assert r.status_code == 400


def test_reach_roles_and_reveal(w):
    rect = bad_review(w)
    assert client_for(w["outsider"]).get(f"/workbench/ratings/rectifications/{rect.pk}/").status_code == 404
    assert client_for(w["applicant"].user).get("/workbench/ratings/").status_code == 403
    r = act(w["outsider"], rect, "callback", {"channel": "phone", "outcome": "confirmed"})
    assert r.status_code == 404 and rect.callbacks.count() == 0
    r = act(w["reviewer"], rect, "reveal", {})
    assert r.status_code == 200 and "13800000001" in r.content.decode()
    assert act(w["outsider"], rect, "reveal", {}).status_code == 404


def test_overdue_rectifications_turn_yellow_then_red(w):
    rect = bad_review(w)
    later = timezone.now() + dt.timedelta(days=40)
    counts = services.sweep_warnings(now=later)
    rect.refresh_from_db()
    assert rect.warning == "over" and counts == {"warn": 0, "over": 1}
    assert services.sweep_warnings(now=later) == {"warn": 0, "over": 0}  # announced once
    assert RatingEvent.objects.filter(rectification=rect, action="overdue").count() == 1
    page = client_for(w["reviewer"]).get("/workbench/ratings/?queue=open").content.decode()
    assert re.search(r"urg-(ok|warn|over)", page)
