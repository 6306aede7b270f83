"""The card rules: each a registered, versioned check over the facts of one case or one open step.

A check is a plain function `(case, step, ctx) -> Finding | None | KEEP` registered with `@check(code, version=…)`:

- a `Finding` — the rule is broken now: a card of the check's level must be open for (case, step, rule);
- `None` — the rule holds: an open card of this rule is resolved;
- `KEEP` — the facts cannot tell now (the clock is stopped by a special procedure, a fact is not recorded):
  leave whatever card there is.

Checks read only `CaseFacts` / `StepFacts` (plain values read in bulk by `cards.evaluate`), the day and the working-day
calendar, so they are pure and tested directly (tests/supervision/cards/test_checks.py). Changing what a rule means
bumps its version: cards keep the version that issued them, so last year's figures stay explainable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.calendar import workdays

from .models.cards import CardLevel

CASE, STEP = "case", "step"


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(slots=True)
class CaseFacts:
    id: int
    case_number: str
    item_name: str
    organisation_id: int
    state: str
    submitted_on: dt.date
    accepted_on: dt.date | None = None
    acceptance_due: dt.date | None = None
    promised_due: dt.date | None = None
    statutory_due: dt.date | None = None
    deemed_accepted: bool = False
    concluded_on: dt.date | None = None
    outcome_reason: str = ""
    result: str = ""  # the result document or the e-license identifier, whichever is recorded
    fee_required: bool | None = None
    fees_charged: float | None = None  # only when the case records it (form_data["fees_charged"]); else None
    correction_notice_on: dt.date | None = None  # the first one-time correction notice, when one was given
    staff_id: int | None = None  # who holds the case's current step


@dataclass(slots=True)
class StepFacts:
    id: int
    case_id: int
    organisation_id: int
    name: str
    state: str
    assignee_id: int | None
    started_on: dt.date | None
    due: dt.date | None
    done_on: dt.date | None = None


@dataclass(slots=True)
class Ctx:
    today: dt.date
    cal: workdays.Calendar
    yellow_percent: int = 80
    yellow_days_left: int = 1
    # Working days between two dates, remembered: a sweep meets the same few hundred dates a million times.
    memo: dict[tuple[dt.date, dt.date], int] = field(default_factory=dict)

    def between(self, a: dt.date, b: dt.date) -> int:
        key = (a, b)
        n = self.memo.get(key)
        if n is None:
            n = self.memo[key] = self.cal.working_days_between(a, b)
        return n


@dataclass(slots=True)
class Finding:
    details: dict[str, Any] = field(default_factory=dict)
    due: dt.date | None = None
    staff_id: int | None = None
    organisation_id: int | None = None
    # A record of something already over (a step finished late): the card is written resolved, once.
    closed: bool = False


@dataclass(frozen=True)
class Check:
    code: str
    version: int
    level: str
    target: str
    title: Any
    message: Any  # the reason, with %(name)s parameters from Finding.details
    fn: Callable[..., Any]
    supersedes: str = ""  # the yellow rule this red one takes over from (its open card ends "escalated")

    def __call__(self, case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
        return self.fn(case, step, ctx)


CHECKS: dict[str, Check] = {}


def check(
    code: str, *, version: int, level: str, target: str, title: Any, message: Any, supersedes: str = ""
) -> Callable:
    """Registers a check under `code` (unique); the same code registered twice is a programming error."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if code in CHECKS:
            raise ValueError(f"card rule {code!r} is registered twice")
        CHECKS[code] = Check(code, version, level, target, title, message, fn, supersedes)
        return fn

    return register


def for_target(target: str, disabled: frozenset[str] = frozenset()) -> list[Check]:
    return [c for c in CHECKS.values() if c.target == target and c.code not in disabled]


def describe(rule: str, details: dict[str, Any], fallback: str = "") -> str:
    """The reason in the active language (from the rule's message and the card's figures)."""
    c = CHECKS.get(rule)
    if c is None:
        return fallback
    try:
        return str(c.message) % details
    except (KeyError, TypeError, ValueError):
        return fallback


# --- time limits ---------------------------------------------------------------------------------------------------


def span(start: dt.date, due: dt.date, today: dt.date, ctx: Ctx) -> tuple[int, int, int]:
    """(total, used, left) in working days: start→due, start→today, today→due (left < 0 when overdue)."""
    return ctx.between(start, due), ctx.between(start, today), ctx.between(today, due)


def near(start: dt.date, due: dt.date, ctx: Ctx) -> dict[str, Any] | None:
    """The yellow test: not overdue, and `yellow_percent` of the time used or `yellow_days_left` working days left."""
    if ctx.today > due:
        return None
    total, used, left = span(start, due, ctx.today, ctx)
    used = max(0, used)
    if left <= ctx.yellow_days_left or (total > 0 and used * 100 >= ctx.yellow_percent * total):
        percent = 100 if total <= 0 else min(100, used * 100 // total)
        return {"used": used, "total": max(total, 0), "left": max(left, 0), "percent": percent, "due": due.isoformat()}
    return None


def over(due: dt.date, ctx: Ctx) -> dict[str, Any] | None:
    """The red test: the day is past the deadline (by how many working days)."""
    if ctx.today <= due:
        return None
    return {"over": max(1, ctx.between(due, ctx.today)), "due": due.isoformat()}


CLOCK_RUNNING = ("in_progress",)
CLOCK_STOPPED = ("suspended",)


@check(
    "step_near_due",
    version=1,
    level=CardLevel.YELLOW,
    target=STEP,
    title=_("Step near its time limit"),
    message=_("Step near its limit: %(used)s of %(total)s working days used, %(left)s left (due %(due)s)."),
)
def step_near_due(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    if step is None or step.due is None or step.started_on is None:
        return None
    if case.state in CLOCK_STOPPED:
        return KEEP
    found = near(step.started_on, step.due, ctx)
    return Finding(found, step.due, step.assignee_id, step.organisation_id) if found else None


@check(
    "step_overdue",
    version=1,
    level=CardLevel.RED,
    target=STEP,
    title=_("Step overdue"),
    supersedes="step_near_due",
    message=_("Step overdue by %(over)s working days (due %(due)s)."),
)
def step_overdue(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    if step is None or step.due is None:
        return None
    if step.done_on is not None:  # finished: a record when it finished late
        if step.done_on <= step.due:
            return None
        late = Ctx(step.done_on, ctx.cal, ctx.yellow_percent, ctx.yellow_days_left, ctx.memo)
        return Finding(over(step.due, late) or {}, step.due, step.assignee_id, step.organisation_id, closed=True)
    if case.state in CLOCK_STOPPED:
        return KEEP
    found = over(step.due, ctx)
    return Finding(found, step.due, step.assignee_id, step.organisation_id) if found else None


@check(
    "case_near_due",
    version=1,
    level=CardLevel.YELLOW,
    target=CASE,
    title=_("Case near its promised time limit"),
    message=_("Case near its promised limit: %(used)s of %(total)s working days used, %(left)s left (due %(due)s)."),
)
def case_near_due(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    if case.state in CLOCK_STOPPED:
        return KEEP
    if case.state not in CLOCK_RUNNING or case.promised_due is None or case.accepted_on is None:
        return None
    found = near(case.accepted_on, case.promised_due, ctx)
    return Finding(found, case.promised_due, case.staff_id) if found else None


@check(
    "case_overdue",
    version=1,
    level=CardLevel.RED,
    target=CASE,
    title=_("Case overdue"),
    supersedes="case_near_due",
    message=_("Case overdue by %(over)s working days past its promised limit (due %(due)s)."),
)
def case_overdue(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    if case.promised_due is None:
        return None
    if case.concluded_on is not None:  # concluded: a record when it concluded late
        if case.state not in ("approved", "refused") or case.concluded_on <= case.promised_due:
            return None
        late = Ctx(case.concluded_on, ctx.cal, ctx.yellow_percent, ctx.yellow_days_left, ctx.memo)
        return Finding(over(case.promised_due, late) or {}, case.promised_due, case.staff_id, closed=True)
    if case.state in CLOCK_STOPPED:
        return KEEP
    if case.state not in CLOCK_RUNNING:
        return None
    found = over(case.promised_due, ctx)
    return Finding(found, case.promised_due, case.staff_id) if found else None


@check(
    "correction_notice_late",
    version=1,
    level=CardLevel.RED,
    target=CASE,
    title=_("No acceptance decision or correction notice within 5 working days"),
    message=_(
        "No acceptance decision or one-time correction notice within 5 working days of submission (due %(due)s)."
    ),
)
def correction_notice_late(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    due = case.acceptance_due
    if due is None:
        return None
    details = {"due": due.isoformat()}
    if case.deemed_accepted:
        return Finding(details, due)
    if case.correction_notice_on is not None and case.correction_notice_on > due:
        return Finding(details, due)
    if case.state == "submitted" and ctx.today > due:
        return Finding(details, due)
    return None


@check(
    "refusal_without_grounds",
    version=1,
    level=CardLevel.RED,
    target=CASE,
    title=_("Refused without grounds"),
    message=_("The application was not accepted or refused without a recorded reason."),
)
def refusal_without_grounds(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    if case.state in ("not_accepted", "refused") and not case.outcome_reason.strip():
        return Finding({}, None, case.staff_id)
    return None


@check(
    "concluded_without_result",
    version=1,
    level=CardLevel.RED,
    target=CASE,
    title=_("Concluded without a result"),
    message=_("The case was approved but no result document or e-license is recorded."),
)
def concluded_without_result(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    if case.state == "approved" and not case.result.strip():
        return Finding({}, None, case.staff_id)
    return None


@check(
    "fees_outside_rules",
    version=1,
    level=CardLevel.RED,
    target=CASE,
    title=_("Fee outside the item's rules"),
    message=_("A fee of %(amount)s yuan was charged for an item that charges no fee."),
)
def fees_outside_rules(case: CaseFacts, step: StepFacts | None, ctx: Ctx) -> Any:
    # Cases record a charged fee only when a department system or form sends `fees_charged`; without it the rule
    # has nothing to judge (registered, skipped: docs/supervision-cards.md).
    if case.fees_charged is None or case.fee_required is None:
        return None
    if case.fees_charged > 0 and not case.fee_required:
        return Finding({"amount": f"{case.fees_charged:g}"}, None, case.staff_id)
    return None
