"""What ratings adds to other modules' pages: a section in My Space and one on the applicant's case page.

Both show the same things: the cases waiting for the person's rating (with the button to rate), the ratings given
and, for a bad review, where its rectification stands and what was done; and the way to complain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from yiwang.identity import access
from yiwang.identity.models import AgentPermission, Enterprise

from . import casefacts, services
from .models import Complaint, Kind, Rating, RectState
from .standard import Stage

PANEL_CASES = 20
PANEL_RATINGS = 5


def stages_for(cases: list, person_id: int | None, now: dt.datetime | None = None) -> dict[int, str]:
    """case id → the stage open for rating now (three queries whatever the number of cases)."""
    ids = [c.pk for c in cases]
    if not ids:
        return {}
    rated = set(Rating.objects.filter(case_id__in=ids, kind=Kind.CASE).values_list("case_id", "stage"))
    followup = set()
    if person_id is not None:
        followup = set(
            Rating.objects.filter(
                case_id__in=ids, person_id=person_id, rectification__state=RectState.CLOSED
            ).values_list("case_id", flat=True)
        )
    out = {}
    for c in cases:
        if c.pk in followup and (c.pk, Stage.FOLLOWUP) not in rated:
            out[c.pk] = Stage.FOLLOWUP
            continue
        stage = casefacts.stage_now(c, now)
        if stage is not None and (c.pk, stage) not in rated:
            out[c.pk] = stage
    return out


def _may_rate_for(request: HttpRequest, subject: Any) -> bool:
    a = access.actor(request)
    if isinstance(subject, Enterprise):
        return a.acts_for(subject.pk, AgentPermission.APPLY)
    return a.person_id == subject.pk


def space_context(request: HttpRequest, subject: Any) -> dict[str, Any] | None:
    """My Space: cases to rate now, the latest ratings with their rectification, open complaints."""
    a = access.actor(request)
    if isinstance(subject, Enterprise):
        cases = casefacts.recent_cases(None, subject.pk, PANEL_CASES)
        ratings = Rating.objects.filter(enterprise_id=subject.pk)
        complaints = Complaint.objects.filter(enterprise_id=subject.pk)
    else:
        cases = casefacts.recent_cases(subject.pk, None, PANEL_CASES)
        ratings = Rating.objects.filter(person_id=subject.pk, enterprise__isnull=True)
        complaints = Complaint.objects.filter(person_id=subject.pk, enterprise__isnull=True)
    may_rate = _may_rate_for(request, subject)
    stages = stages_for(cases, a.person_id) if may_rate else {}
    to_rate = [
        {"case": c, "stage": stages[c.pk], "stage_label": Stage(stages[c.pk]).label} for c in cases if c.pk in stages
    ]
    latest = list(ratings.select_related("rectification").order_by("-rated_at", "-id")[:PANEL_RATINGS])
    open_complaints = list(complaints.exclude(state="closed").order_by("-filed_at")[:3])
    if not to_rate and not latest and not open_complaints:
        return {"empty": True}
    return {"to_rate": to_rate, "ratings": latest, "complaints": open_complaints}


def case_context(request: HttpRequest, case: Any) -> dict[str, Any] | None:
    """The case page: rate now (when a stage is open), the ratings given, their rectification, complain."""
    a = access.actor(request)
    stage = services.open_stage(case, a.person_id) if casefacts.may_rate(a, case) else None
    given = list(
        Rating.objects.filter(case_id=case.pk, kind=Kind.CASE).select_related("rectification").order_by("rated_at")
    )
    return {
        "case": case,
        "stage": stage,
        "stage_label": Stage(stage).label if stage else "",
        "ratings": given,
        "now": timezone.now(),
    }
