"""Supervision API, cards side (/api/v1/supervision/…): what the cards pages do, for staff with their session.

Cards (keyset paging, newest first: pass `older` / `newer` cursors), the rules, correction orders and their
transitions, the watch list and the monitoring figures. The same rules as the pages (`cards_access`): a signed-in
account without the role gets 403, a record out of reach 404 like a missing one; refused input is 400 with
field-specific problems in Chinese and English. Machine clients have no access (sign in as staff).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from yiwang.core import keyset
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.identity import access

from . import cards, cards_access, checks, corrections, monitor
from .models.cards import Card, CardLevel, CorrectionOrder, CorrectionState, Watch

router = Router(tags=["supervision"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
PAGE = 50


# --- schemas (prefixed SupCards: schema names are unique across the API) -----------------------------------------


class SupCardsCardOut(Schema):
    id: int
    case_number: str
    item_name: str
    step_id: int | None
    organisation_id: int
    organisation: str
    staff_id: int | None
    rule: str
    rule_version: int
    level: str
    reason: str
    due: dt.date | None
    issued_at: dt.datetime
    resolved_at: dt.datetime | None
    outcome: str


class SupCardsPageOut(Schema):
    items: list[SupCardsCardOut]
    older: str | None = Field(None, description="Cursor of the next (older) page; null at the end")
    newer: str | None = Field(None, description="Cursor of the previous (newer) page; null on the first page")


class SupCardsFilter(Schema):
    level: str = Field("", description="yellow or red")
    state: str = Field("open", description="open, resolved or all")
    organisation_id: int | None = None
    rule: str = ""
    case_number: str = ""
    mine: bool = False
    older: str = ""
    newer: str = ""


class SupCardsRuleOut(Schema):
    code: str
    version: int
    level: str
    target: str
    title: str
    enabled: bool


class SupCardsRulesOut(Schema):
    yellow_percent: int
    yellow_days_left: int
    rules: list[SupCardsRuleOut]


class SupCardsOrderIn(Schema):
    case_number: str = Field(..., max_length=24)
    step_id: int | None = None
    due: str = Field(..., max_length=20, description="YYYY-MM-DD, today or later")
    text: str = Field(..., max_length=4000)


class SupCardsAnswerIn(Schema):
    text: str = Field(..., max_length=4000)
    revision: int | None = None


class SupCardsCloseIn(Schema):
    note: str = Field("", max_length=4000)
    revision: int | None = None


class SupCardsReopenIn(Schema):
    note: str = Field(..., max_length=4000)
    due: str = Field("", max_length=20)
    revision: int | None = None


class SupCardsEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    at: dt.datetime
    actor_id: int
    note: str


class SupCardsOrderOut(Schema):
    id: int
    number: str
    case_number: str
    item_name: str
    step_id: int | None
    organisation_id: int
    text: str
    due: dt.date
    state: str
    overdue: bool
    answer: str
    issued_at: dt.datetime
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    revision: int
    events: list[SupCardsEventOut] = []


class SupCardsOrderPageOut(Schema):
    items: list[SupCardsOrderOut]
    older: str | None = None
    newer: str | None = None


class SupCardsWatchIn(Schema):
    case_number: str = Field("", max_length=24)
    organisation_id: int | None = None
    note: str = Field("", max_length=200)


class SupCardsWatchOut(Schema):
    id: int
    case_number: str | None
    organisation_id: int | None
    note: str
    created_at: dt.datetime


class SupCardsBucketRowOut(Schema):
    organisation_id: int
    name: str
    counts: dict[str, int]


class SupCardsOldestOut(Schema):
    case_number: str
    item_name: str
    organisation_id: int
    state: str
    submitted_at: dt.datetime
    promised_due: dt.date | None


class SupCardsQueueOut(Schema):
    hall_id: int
    name: str
    waiting: int
    serving: int
    oldest_minutes: int | None
    updated_at: dt.datetime


class SupCardsMonitorOut(Schema):
    buckets: list[str]
    departments: list[SupCardsBucketRowOut]
    cards_today: dict[str, int]
    oldest: list[SupCardsOldestOut]
    queues: list[SupCardsQueueOut]


# --- helpers -------------------------------------------------------------------------------------------------------


def _card(c: Card) -> dict[str, Any]:
    return {
        "id": c.pk,
        "case_number": c.case_number,
        "item_name": c.item_name,
        "step_id": c.step_id,
        "organisation_id": c.organisation_id,
        "organisation": c.organisation.name,
        "staff_id": c.staff_id,
        "rule": c.rule,
        "rule_version": c.rule_version,
        "level": c.level,
        "reason": checks.describe(c.rule, c.details, c.reason),
        "due": c.due,
        "issued_at": c.issued_at,
        "resolved_at": c.resolved_at,
        "outcome": c.outcome,
    }


def _order(o: CorrectionOrder, *, events: bool = False) -> dict[str, Any]:
    out = {
        "id": o.pk,
        "number": o.number,
        "case_number": o.case_number,
        "item_name": o.item_name,
        "step_id": o.step_id,
        "organisation_id": o.organisation_id,
        "text": o.text,
        "due": o.due,
        "state": o.state,
        "overdue": o.state == CorrectionState.OPEN and o.overdue_on(timezone.localdate()),
        "answer": o.answer,
        "issued_at": o.issued_at,
        "answered_at": o.answered_at,
        "closed_at": o.closed_at,
        "revision": o.revision,
        "events": [],
    }
    if events:
        out["events"] = [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "at": e.at,
                "actor_id": e.actor_id,
                "note": e.note,
            }
            for e in o.events.all()
        ]
    return out


def _staff(request: HttpRequest):
    a = access.actor(request)
    if not cards_access.may_see_cards(a):
        raise PermissionDenied
    return a


def _corrections_user(request: HttpRequest):
    a = access.actor(request)
    if a.user_id is None or not (cards_access.is_supervisor(a) or cards_access.department_of(a) != []):
        raise PermissionDenied
    return a


def _supervisor(request: HttpRequest):
    a = access.actor(request)
    if not cards_access.is_supervisor(a):
        raise PermissionDenied
    return a


# --- cards ---------------------------------------------------------------------------------------------------------


@router.get("/cards", response={200: SupCardsPageOut, **ERRORS}, auth=session_auth, summary="Yellow and red cards")
def list_cards(request: HttpRequest, filters: Query[SupCardsFilter]):
    a = _staff(request)
    qs = Card.objects.filter(cards_access.cards_q(a)).select_related("organisation")
    if filters.level in CardLevel.values:
        qs = qs.filter(level=filters.level)
    if filters.state == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif filters.state == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    if filters.organisation_id is not None:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.rule:
        qs = qs.filter(rule=filters.rule)
    if filters.case_number:
        qs = qs.filter(case_number=filters.case_number)
    if filters.mine:
        qs = qs.filter(staff_id=a.user_id)
    page = keyset.page(qs, "issued_at", PAGE, older=filters.older or None, newer=filters.newer or None)
    return {"items": [_card(c) for c in page.rows], "older": page.older, "newer": page.newer}


@router.get("/cards/rules", response={200: SupCardsRulesOut, **ERRORS}, auth=session_auth, summary="Card rules")
def list_rules(request: HttpRequest):
    _staff(request)
    s = cards.settings_row()
    disabled = set(s.disabled_rules or ())
    return {
        "yellow_percent": s.yellow_percent,
        "yellow_days_left": s.yellow_days_left,
        "rules": [
            {
                "code": c.code,
                "version": c.version,
                "level": c.level,
                "target": c.target,
                "title": str(c.title),
                "enabled": c.code not in disabled,
            }
            for c in checks.CHECKS.values()
        ],
    }


# --- correction orders ---------------------------------------------------------------------------------------------


@router.get(
    "/corrections", response={200: SupCardsOrderPageOut, **ERRORS}, auth=session_auth, summary="Correction orders"
)
def list_orders(request: HttpRequest, state: str = "", older: str = "", newer: str = ""):
    a = _corrections_user(request)
    qs = corrections.visible(a)
    if state in CorrectionState.values:
        qs = qs.filter(state=state)
    page = keyset.page(qs, "issued_at", PAGE, older=older or None, newer=newer or None)
    return {"items": [_order(o) for o in page.rows], "older": page.older, "newer": page.newer}


@router.post(
    "/corrections",
    response={201: SupCardsOrderOut, **ERRORS},
    auth=session_auth,
    summary="Issue a correction order (supervisor)",
)
def issue_order(request: HttpRequest, body: SupCardsOrderIn):
    a = _supervisor(request)
    order = corrections.issue(
        a, request.user, case_number=body.case_number, step_id=body.step_id, due=body.due, text=body.text
    )
    return Status(201, _order(order, events=True))


@router.get(
    "/corrections/{order_id}",
    response={200: SupCardsOrderOut, **ERRORS},
    auth=session_auth,
    summary="A correction order and its history",
)
def get_order(request: HttpRequest, order_id: int):
    a = _corrections_user(request)
    return _order(corrections.get_visible(a, order_id), events=True)


@router.post(
    "/corrections/{order_id}/answer",
    response={200: SupCardsOrderOut, **ERRORS},
    auth=session_auth,
    summary="The department answers",
)
def answer_order(request: HttpRequest, order_id: int, body: SupCardsAnswerIn):
    a = _corrections_user(request)
    order = corrections.answer(
        a, request.user, corrections.get_visible(a, order_id), text=body.text, revision=body.revision
    )
    return _order(order, events=True)


@router.post(
    "/corrections/{order_id}/close",
    response={200: SupCardsOrderOut, **ERRORS},
    auth=session_auth,
    summary="The supervisor closes",
)
def close_order(request: HttpRequest, order_id: int, body: SupCardsCloseIn):
    a = _corrections_user(request)
    order = corrections.close(
        a, request.user, corrections.get_visible(a, order_id), note=body.note, revision=body.revision
    )
    return _order(order, events=True)


@router.post(
    "/corrections/{order_id}/reopen",
    response={200: SupCardsOrderOut, **ERRORS},
    auth=session_auth,
    summary="The supervisor reopens",
)
def reopen_order(request: HttpRequest, order_id: int, body: SupCardsReopenIn):
    a = _corrections_user(request)
    order = corrections.reopen(
        a, request.user, corrections.get_visible(a, order_id), note=body.note, due=body.due, revision=body.revision
    )
    return _order(order, events=True)


# --- the watch list ------------------------------------------------------------------------------------------------


def _watch(w: Watch) -> dict[str, Any]:
    return {
        "id": w.pk,
        "case_number": w.case.case_number if w.case_id else None,
        "organisation_id": w.organisation_id,
        "note": w.note,
        "created_at": w.created_at,
    }


@router.get("/watch", response={200: list[SupCardsWatchOut], **ERRORS}, auth=session_auth, summary="My watch list")
def list_watch(request: HttpRequest):
    _supervisor(request)
    return [_watch(w) for w in Watch.objects.filter(user=request.user).select_related("case").order_by("-id")]


@router.post(
    "/watch", response={201: SupCardsWatchOut, **ERRORS}, auth=session_auth, summary="Watch a case or a department"
)
def add_watch(request: HttpRequest, body: SupCardsWatchIn):
    a = _supervisor(request)
    entry = corrections.watch(
        a, request.user, case_number=body.case_number, organisation_id=body.organisation_id, note=body.note
    )
    return Status(201, _watch(entry))


@router.delete("/watch/{watch_id}", response={204: None, **ERRORS}, auth=session_auth, summary="Stop watching")
def remove_watch(request: HttpRequest, watch_id: int):
    a = _supervisor(request)
    corrections.unwatch(a, request.user, watch_id)
    return Status(204, None)


# --- monitoring ----------------------------------------------------------------------------------------------------


@router.get("/monitor", response={200: SupCardsMonitorOut, **ERRORS}, auth=session_auth, summary="Real-time monitoring")
def monitor_figures(request: HttpRequest):
    a = _supervisor(request)
    f = monitor.figures(cards_access.supervised(a))
    return {
        "buckets": [k for k, _label in f["buckets"]],
        "departments": [
            {"organisation_id": r.organisation_id, "name": r.name, "counts": r.counts} for r in f["departments"]
        ],
        "cards_today": f["cards_today"],
        "oldest": [
            {
                "case_number": c.case_number,
                "item_name": c.item_name,
                "organisation_id": c.organisation_id,
                "state": c.state,
                "submitted_at": c.submitted_at,
                "promised_due": c.promised_due,
            }
            for c in f["oldest"]
        ],
        "queues": f["queues"],
    }
