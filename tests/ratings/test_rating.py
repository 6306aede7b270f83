"""一事一评 through the portal: only the applicant, once per stage, the result replacing acceptance in the figures,
bad reviews opening a rectification, and the figures kept by the rollups."""

from __future__ import annotations

import pytest
from django.test import TestCase

from yiwang.cases.models import State
from yiwang.ratings import rollup, stats
from yiwang.ratings.models import CaseRecord, Dim, Rating, Rectification, RectState

from .world import BAD, GOOD, accepted, build, client_for, concluded

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def rate(w, case, data, user=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_for(user or w["applicant"].user).post(f"/my/cases/{case.case_number}/rate/", data)


def test_applicant_rates_after_acceptance_then_after_result(w):
    case = accepted(w)
    page = client_for(w["applicant"].user).get(f"/my/cases/{case.case_number}/")
    assert page.status_code == 200 and f"/my/cases/{case.case_number}/rate/" in page.content.decode()
    r = rate(w, case, GOOD)
    assert r.status_code == 302
    first = Rating.objects.get(case=case)
    assert (first.stage, first.level, first.channel, first.counted) == ("accepted", 5, "portal", True)
    assert first.indicators == {"efficiency": 5, "convenience": 4}
    assert first.organisation_id == w["dept"].pk and first.person_id == w["applicant"].pk
    # Once per stage: the same stage again is refused with a field message, nothing written.
    again = rate(w, case, GOOD)
    assert again.status_code == 400 and 'name="level"' not in again.content.decode()  # no form: nothing to rate
    assert Rating.objects.filter(case=case).count() == 1

    case = concluded(w, case)
    assert case.state == State.APPROVED
    rate(w, case, {"level": "4"})
    second = Rating.objects.get(case=case, stage="result")
    first.refresh_from_db()
    assert second.counted and not first.counted and first.superseded_by_id == second.pk
    f = stats.overall(Dim.DEPARTMENT, [w["dept"].pk], stats.preset_span("year"))
    assert (f.total, f.level4, f.level5, f.concluded, f.rated_concluded) == (1, 1, 0, 1, 1)
    assert f.unrated_rate == 0.0 and f.good_rate == 100.0
    assert rollup.snapshot() == _rebuilt()


def _rebuilt():
    rollup.rebuild()
    return rollup.snapshot()


def test_nobody_else_can_rate_the_case(w):
    case = accepted(w)
    r = rate(w, case, GOOD, user=w["stranger"].user)
    assert r.status_code == 404
    assert client_for(w["stranger"].user).get(f"/my/cases/{case.case_number}/rate/").status_code == 404
    assert client_for(w["applicant"].user).get("/my/cases/3403000000000000000/rate/").status_code == 404
    assert not Rating.objects.exists()


def test_bad_form_gets_field_messages_and_writes_nothing(w):
    case = accepted(w)
    r = rate(w, case, {"level": "1"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "at least one reason" in body or "至少" in body
    r = rate(w, case, {"level": "9"})
    assert r.status_code == 400
    r = rate(w, case, {"level": "5", "ind-efficiency": "7"})
    assert r.status_code == 400
    r = rate(w, case, {"level": "5", "reasons": ["overdue"]})
    assert r.status_code == 400
    assert not Rating.objects.exists()


def test_a_bad_review_opens_a_rectification_due_in_working_days(w):
    case = concluded(w)
    r = rate(w, case, BAD)
    assert r.status_code == 302
    rating = Rating.objects.get(case=case)
    rect = Rectification.objects.get(rating=rating)
    assert rect.state == RectState.OPEN and rect.organisation_id == w["dept"].pk
    assert rect.due > rating.day
    f = stats.overall(Dim.DEPARTMENT, [w["dept"].pk], stats.preset_span("year"))
    assert (f.bad, f.bad_named, f.rectified) == (1, 1, 0)
    assert CaseRecord.objects.get(pk=case.pk).rated
    # The case page shows where the rectification stands.
    page = client_for(w["applicant"].user).get(f"/my/cases/{case.case_number}/").content.decode()
    assert str(RectState.OPEN.label) in page or "回访" in page
