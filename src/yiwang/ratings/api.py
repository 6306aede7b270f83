"""Ratings API (/api/v1/ratings/): what the ratings pages do, for apps, department systems and evaluator devices.

Public: the standard's vocabulary and every department's figures (no personal data). People rate their own cases,
file complaints and read their ratings with their session (CSRF token on writes). A department's evaluator device
sends on-site ratings for its windows with a machine client's bearer token holding `ratings:write`; department
systems read their figures and bad reviews with `ratings:read`. Staff work on rectifications with their session.
A case, window, rectification or complaint out of reach answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from yiwang.cases.actions import Caller
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access
from yiwang.identity.api_security import RateLimited, require_scope
from yiwang.orgs.models import Window

from . import casefacts, policy, services, stats
from .models import Complaint, Dim, Kind, Rating, Rectification
from .standard import (
    INDICATOR_NAMES,
    INDICATORS,
    OVERALL,
    Category,
    Channel,
    Level,
    Mode,
    reason_choices,
)
from .views.common import over_limit
from .views.workbench import keys_for

router = Router(tags=["ratings"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
READ = [require_scope("ratings:read"), session_auth]
DEVICE = [require_scope("ratings:write")]


# --- schemas (prefixed: schema names are unique across the whole API) -------------------------------------------


class RatingsChoiceOut(Schema):
    code: str
    name: str


class RatingsModeOut(Schema):
    mode: str
    name: str
    indicators: list[RatingsChoiceOut]
    reasons: list[RatingsChoiceOut]


class RatingsStandardOut(Schema):
    levels: list[RatingsChoiceOut]
    modes: list[RatingsModeOut]
    categories: list[RatingsChoiceOut]


class RatingsAnswerIn(Schema):
    level: int = Field(..., ge=1, le=5, description="5 very satisfied … 1 very dissatisfied; 1–2 are bad reviews")
    indicators: dict[str, int] = Field(default_factory=dict, description="Optional scores 1–5 by indicator code")
    reasons: list[str] = Field(default_factory=list, max_length=20, description="Required for a bad review")
    comment: str = Field("", max_length=1000)


class RatingsDeviceIn(RatingsAnswerIn):
    ticket: str = Field("", max_length=60, description="The device's visit id: one rating per visit when given")


class RatingsRectBriefOut(Schema):
    id: int
    state: str
    state_name: str
    due: dt.date
    measures: str


class RatingsRatingOut(Schema):
    id: int
    kind: str
    stage: str
    level: int
    level_name: str
    indicators: dict[str, int]
    reasons: list[str]
    comment: str
    channel: str
    case_number: str
    item_name: str
    rated_at: dt.datetime
    counted: bool
    excluded: bool
    rectification: RatingsRectBriefOut | None = None


class RatingsCaseOut(Schema):
    case_number: str
    mode: str
    open_stage: str | None = Field(None, description="The stage that may be rated now, or null")
    ratings: list[RatingsRatingOut]


class RatingsComplaintIn(Schema):
    kind: str = Field(..., description="complaint or suggestion")
    about: str = Field(..., description="case, window, staff or platform")
    text: str = Field(..., max_length=2000)
    case_number: str = Field("", max_length=24)
    window_id: int | None = None
    staff_id: int | None = None
    work_order: str = Field("", max_length=40)


class RatingsComplaintOut(Schema):
    number: str
    kind: str
    about: str
    state: str
    state_name: str
    case_number: str
    organisation: str
    filed_at: dt.datetime
    due: dt.date
    reply: str


class RatingsRectOut(Schema):
    id: int
    state: str
    state_name: str
    organisation_id: int
    organisation: str
    opened_at: dt.datetime
    due: dt.date
    category: str
    finding: str
    measures: str
    on_time: bool | None
    level: int
    reasons: list[str]
    comment: str
    case_number: str
    item_name: str
    revision: int


class RatingsCallbackIn(Schema):
    channel: str
    outcome: str
    note: str = Field("", max_length=2000)
    at: dt.datetime | None = None
    revision: int | None = None


class RatingsClassifyIn(Schema):
    category: str
    finding: str = Field(..., max_length=2000)
    revision: int | None = None


class RatingsSubmitIn(Schema):
    measures: str = Field(..., max_length=2000)
    revision: int | None = None


class RatingsReviewIn(Schema):
    approve: bool
    opinion: str = Field("", max_length=2000)
    revision: int | None = None


class RatingsAppealIn(Schema):
    kind: str = Field(..., description="mistaken or malicious")
    reason: str = Field(..., max_length=2000)
    revision: int | None = None


class RatingsDecideIn(Schema):
    uphold: bool
    note: str = Field("", max_length=2000)
    revision: int | None = None


class RatingsFiguresOut(Schema):
    key: int | None
    name: str
    ratings: int
    levels: dict[str, int]
    good: int
    bad: int
    good_rate: float | None
    active: int
    active_good_rate: float | None
    defaults: int
    concluded: int
    unrated_rate: float | None
    bad_named: int
    rectified: int
    rectified_on_time: int
    rectify_rate: float | None
    on_time_rate: float | None
    appeals: int
    appeals_upheld: int
    excluded: int
    complaints: int
    complaints_closed: int
    indicators: dict[str, float]


class RatingsTableOut(Schema):
    dim: str
    start: dt.date
    end: dt.date
    rows: list[RatingsFiguresOut]


# --- helpers ---------------------------------------------------------------------------------------------------------


def _answer(body: RatingsAnswerIn) -> services.Answer:
    return services.Answer(
        level=body.level, indicators=dict(body.indicators), reasons=list(body.reasons), comment=body.comment
    )


def _rating(r: Rating) -> dict[str, Any]:
    rect = getattr(r, "rectification", None) if r.is_bad else None
    return {
        "id": r.pk,
        "kind": r.kind,
        "stage": r.stage,
        "level": r.level,
        "level_name": str(r.get_level_display()),
        "indicators": r.indicators,
        "reasons": r.reasons,
        "comment": r.comment,
        "channel": r.channel,
        "case_number": r.case_number,
        "item_name": r.item_name,
        "rated_at": r.rated_at,
        "counted": r.counted,
        "excluded": r.excluded,
        "rectification": (
            {
                "id": rect.pk,
                "state": rect.state,
                "state_name": str(rect.get_state_display()),
                "due": rect.due,
                "measures": rect.measures if rect.state == "closed" else "",
            }
            if rect is not None
            else None
        ),
    }


def _complaint(c: Complaint) -> dict[str, Any]:
    return {
        "number": c.number,
        "kind": c.kind,
        "about": c.about,
        "state": c.state,
        "state_name": str(c.get_state_display()),
        "case_number": c.case_number,
        "organisation": c.organisation.name,
        "filed_at": c.filed_at,
        "due": c.due,
        "reply": c.reply if c.state == "closed" else "",
    }


def _rect(r: Rectification) -> dict[str, Any]:
    rating = r.rating
    return {
        "id": r.pk,
        "state": r.state,
        "state_name": str(r.get_state_display()),
        "organisation_id": r.organisation_id,
        "organisation": r.organisation.name,
        "opened_at": r.opened_at,
        "due": r.due,
        "category": r.category,
        "finding": r.finding,
        "measures": r.measures,
        "on_time": r.on_time,
        "level": rating.level,
        "reasons": rating.reasons,
        "comment": rating.comment,
        "case_number": rating.case_number,
        "item_name": rating.item_name,
        "revision": r.revision,
    }


def _limited(request: HttpRequest, group: str) -> None:
    if over_limit(request, group):
        raise RateLimited(60)


def _my_case(request: HttpRequest, case_number: str):
    case = casefacts.visible_to_applicant(access.actor(request), case_number)
    if case is None:
        raise Http404
    return case


def _staff_rect(request: HttpRequest, rect_id: int) -> Rectification:
    return access.get_or_404(
        policy.rectifications(access.actor(request)).select_related("rating", "organisation"), pk=rect_id
    )


def _table(dim: str, keys: list[int] | None, request: HttpRequest) -> dict[str, Any]:
    span, problems = stats.parse_span(request.GET)
    if problems:
        raise ProblemsError(problems)
    rows = stats.table(dim, keys, span)
    return {"dim": dim, "start": span.start, "end": span.end, "rows": [f.as_dict() for f in rows]}


# --- public ------------------------------------------------------------------------------------------------------------


@router.get("/standard", response=RatingsStandardOut, auth=None, summary="Levels, indicators, reasons, categories")
def standard(request: HttpRequest):
    def choices(pairs) -> list[dict[str, str]]:
        return [{"code": str(code), "name": str(name)} for code, name in pairs]

    return {
        "levels": choices(Level.choices),
        "modes": [
            {
                "mode": mode,
                "name": str(Mode(mode).label),
                "indicators": choices((c, INDICATOR_NAMES[c]) for c in INDICATORS[mode] if c != OVERALL),
                "reasons": choices(reason_choices(mode)),
            }
            for mode in Mode.values
        ],
        "categories": choices(Category.choices),
    }


@router.get(
    "/figures/departments",
    response={200: RatingsTableOut, **ERRORS},
    auth=None,
    summary="Every department's figures for a period (public; ?period=month|last_month|year|last_year|last_12 "
    "or ?from=&to=)",
)
def public_figures(request: HttpRequest):
    return _table(Dim.DEPARTMENT, None, request)


# --- people ----------------------------------------------------------------------------------------------------------


@router.get("/mine", response={200: list[RatingsRatingOut], **ERRORS}, auth=session_auth, summary="My ratings")
def my_ratings(request: HttpRequest):
    qs = policy.own_ratings(access.actor(request)).select_related("rectification").order_by("-rated_at", "-id")[:100]
    return [_rating(r) for r in qs]


@router.get(
    "/cases/{case_number}", response={200: RatingsCaseOut, **ERRORS}, auth=session_auth, summary="My case's ratings"
)
def case_ratings(request: HttpRequest, case_number: str):
    a = access.actor(request)
    case = _my_case(request, case_number)
    stage = services.open_stage(case, a.person_id) if casefacts.may_rate(a, case) else None
    given = Rating.objects.filter(case_id=case.pk, kind=Kind.CASE).select_related("rectification").order_by("rated_at")
    return {
        "case_number": case.case_number,
        "mode": casefacts.mode_of(case),
        "open_stage": stage,
        "ratings": [_rating(r) for r in given],
    }


@router.post(
    "/cases/{case_number}",
    response={201: RatingsRatingOut, **ERRORS},
    auth=session_auth,
    summary="Rate my case at the stage open now (一事一评)",
)
def rate_case(request: HttpRequest, case_number: str, body: RatingsAnswerIn):
    _limited(request, "rate")
    case = _my_case(request, case_number)
    rating = services.rate_case(Caller.of(request), case, _answer(body), channel=Channel.API)
    return Status(201, _rating(rating))


@router.post(
    "/complaints", response={201: RatingsComplaintOut, **ERRORS}, auth=session_auth, summary="Complain or suggest"
)
def file_complaint(request: HttpRequest, body: RatingsComplaintIn):
    _limited(request, "complain")
    c = services.file_complaint(
        Caller.of(request),
        kind=body.kind,
        about=body.about,
        text=body.text,
        case_number=body.case_number,
        window_id=body.window_id,
        staff_id=body.staff_id,
        channel=Channel.API,
        work_order=body.work_order,
    )
    return Status(201, _complaint(c))


@router.get(
    "/complaints/{number}", response={200: RatingsComplaintOut, **ERRORS}, auth=session_auth, summary="My complaint"
)
def my_complaint(request: HttpRequest, number: str):
    a = access.actor(request)
    c = access.get_or_404(
        policy.complaints_visible(a).filter(person_id=a.person_id or 0).select_related("organisation"), number=number
    )
    return _complaint(c)


# --- devices -----------------------------------------------------------------------------------------------------------


@router.post(
    "/windows/{window_id}",
    response={201: RatingsRatingOut, **ERRORS},
    auth=DEVICE,
    summary="An evaluator device's on-site rating for a window (一次一评; bearer token with ratings:write)",
)
def rate_window(request: HttpRequest, window_id: int, body: RatingsDeviceIn):
    caller = Caller.of(request)
    window = Window.objects.select_related("hall").filter(pk=window_id).first()
    if window is None or not policy.client_windows(caller.actor).filter(pk=window_id).exists():
        raise Http404
    rating = services.rate_from_device(caller, window, _answer(body), ticket=body.ticket)
    return Status(201, _rating(rating))


# --- staff: bad reviews and figures ------------------------------------------------------------------------------------


@router.get(
    "/rectifications",
    response={200: list[RatingsRectOut], **ERRORS},
    auth=READ,
    summary="Bad reviews of my departments and their rectification (open first)",
)
def rectifications(request: HttpRequest, state: str = "", limit: int = Query(50, ge=1, le=200)):
    qs = policy.rectifications(access.actor(request)).select_related("rating", "organisation").order_by("due", "id")
    if state:
        qs = qs.filter(state=state)
    return [_rect(r) for r in qs[:limit]]


@router.get(
    "/rectifications/{rect_id}", response={200: RatingsRectOut, **ERRORS}, auth=READ, summary="One rectification"
)
def rectification(request: HttpRequest, rect_id: int):
    return _rect(_staff_rect(request, rect_id))


def _act(request: HttpRequest, rect_id: int, fn, **kwargs: Any) -> dict[str, Any]:
    """Runs one step and answers the rectification as it now is (appeal and decide_appeal return the Appeal)."""
    rect = _staff_rect(request, rect_id)
    fn(Caller.of(request), rect, **kwargs)
    rect.refresh_from_db()
    return _rect(rect)


@router.post(
    "/rectifications/{rect_id}/callback",
    response={200: RatingsRectOut, **ERRORS},
    auth=session_auth,
    summary="Record a callback (核实)",
)
def rect_callback(request: HttpRequest, rect_id: int, body: RatingsCallbackIn):
    return _act(
        request,
        rect_id,
        services.record_callback,
        channel=body.channel,
        outcome=body.outcome,
        note=body.note,
        at=body.at,
        expected_revision=body.revision,
    )


@router.post(
    "/rectifications/{rect_id}/classify",
    response={200: RatingsRectOut, **ERRORS},
    auth=session_auth,
    summary="Classify the bad review (定性)",
)
def rect_classify(request: HttpRequest, rect_id: int, body: RatingsClassifyIn):
    return _act(
        request,
        rect_id,
        services.classify,
        category=body.category,
        finding=body.finding,
        expected_revision=body.revision,
    )


@router.post(
    "/rectifications/{rect_id}/submit",
    response={200: RatingsRectOut, **ERRORS},
    auth=session_auth,
    summary="Say what was done and submit for review (整改)",
)
def rect_submit(request: HttpRequest, rect_id: int, body: RatingsSubmitIn):
    return _act(request, rect_id, services.submit, measures=body.measures, files=[], expected_revision=body.revision)


@router.post(
    "/rectifications/{rect_id}/review",
    response={200: RatingsRectOut, **ERRORS},
    auth=session_auth,
    summary="The supervisor approves and closes, or returns (复核)",
)
def rect_review(request: HttpRequest, rect_id: int, body: RatingsReviewIn):
    return _act(
        request, rect_id, services.review, approve=body.approve, opinion=body.opinion, expected_revision=body.revision
    )


@router.post(
    "/rectifications/{rect_id}/appeal",
    response={200: RatingsRectOut, **ERRORS},
    auth=session_auth,
    summary="The department appeals a mistaken or malicious review (申诉)",
)
def rect_appeal(request: HttpRequest, rect_id: int, body: RatingsAppealIn):
    return _act(request, rect_id, services.appeal, kind=body.kind, reason=body.reason, expected_revision=body.revision)


@router.post(
    "/rectifications/{rect_id}/decide",
    response={200: RatingsRectOut, **ERRORS},
    auth=session_auth,
    summary="The supervising office decides the appeal",
)
def rect_decide(request: HttpRequest, rect_id: int, body: RatingsDecideIn):
    return _act(
        request, rect_id, services.decide_appeal, uphold=body.uphold, note=body.note, expected_revision=body.revision
    )


@router.get(
    "/figures",
    response={200: RatingsTableOut, **ERRORS},
    auth=READ,
    summary="Figures within my reach by dept, item, hall, window or staff, for a period",
)
def staff_figures(request: HttpRequest, dim: str = Dim.DEPARTMENT):
    a = access.actor(request)
    if not policy.is_workbench_user(a) and a.client_id is None:
        raise PermissionDenied
    if dim not in Dim.values:
        raise ProblemsError([Problem("dim", _("Choose dept, item, hall, window or staff."), "invalid")])
    return _table(dim, keys_for(a, dim), request)
