"""The card rules on their own: pure functions of the facts, the day and the calendar (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.calendar.workdays import Calendar
from yiwang.supervision import checks
from yiwang.supervision.checks import KEEP, CaseFacts, Ctx, StepFacts

CAL = Calendar(loaded_years=frozenset(range(2020, 2031)))  # weekends only: holidays do not change the thresholds
START = dt.date(2026, 3, 2)  # a Monday


def case(**kw) -> CaseFacts:
    base = dict(
        id=1,
        case_number="C1",
        item_name="item",
        organisation_id=7,
        state="in_progress",
        submitted_on=START,
        accepted_on=START,
        acceptance_due=CAL.add_working_days(START, 5),
        promised_due=CAL.add_working_days(START, 10),
    )
    base.update(kw)
    return CaseFacts(**base)


def step(days: int, **kw) -> StepFacts:
    base = dict(
        id=11,
        case_id=1,
        organisation_id=7,
        name="承办",
        state="active",
        assignee_id=5,
        started_on=START,
        due=CAL.add_working_days(START, days),
    )
    base.update(kw)
    return StepFacts(**base)


def ctx(today: dt.date, percent: int = 80, left: int = 1) -> Ctx:
    return Ctx(today=today, cal=CAL, yellow_percent=percent, yellow_days_left=left)


def test_every_rule_is_registered_once_with_a_version():
    codes = set(checks.CHECKS)
    assert {
        "step_near_due",
        "step_overdue",
        "case_near_due",
        "case_overdue",
        "correction_notice_late",
        "refusal_without_grounds",
        "concluded_without_result",
        "fees_outside_rules",
    } <= codes
    assert all(c.version >= 1 and c.level in ("yellow", "red") for c in checks.CHECKS.values())
    with pytest.raises(ValueError):
        checks.check("step_overdue", version=2, level="red", target="step", title="x", message="x")(lambda *a: None)


@given(
    days=st.integers(min_value=1, max_value=60),
    elapsed=st.integers(min_value=0, max_value=90),
    percent=st.integers(min_value=1, max_value=100),
    left_at=st.integers(min_value=0, max_value=3),
)
def test_yellow_and_red_thresholds_over_working_day_spans(days, elapsed, percent, left_at):
    """Over any span: red exactly when past the due date; yellow exactly when not past it and either `percent` of
    the working days are used or at most `left_at` working days are left; never both."""
    s = step(days)
    today = CAL.add_working_days(START, elapsed)
    c = ctx(today, percent, left_at)
    red = checks.CHECKS["step_overdue"](case(), s, c)
    yellow = checks.CHECKS["step_near_due"](case(), s, c)
    overdue = elapsed > days
    assert (red is not None) == overdue
    expect_yellow = not overdue and (days - elapsed <= left_at or elapsed * 100 >= percent * days)
    assert (yellow is not None) == expect_yellow
    assert not (red is not None and yellow is not None)
    if red is not None:
        assert red.details["over"] == elapsed - days and red.staff_id == 5
    if yellow is not None:
        assert yellow.details["left"] == days - elapsed and yellow.details["used"] == elapsed


@given(days=st.integers(min_value=2, max_value=40))
def test_eighty_percent_by_default(days):
    s = step(days)
    first_yellow = next(
        n for n in range(days + 1) if checks.CHECKS["step_near_due"](case(), s, ctx(CAL.add_working_days(START, n)))
    )
    assert first_yellow == min(-(-80 * days // 100), days - 1)


def test_a_weekend_does_not_count():
    s = step(1)  # due Tuesday
    saturday = START + dt.timedelta(days=5)
    assert checks.CHECKS["step_overdue"](case(), s, ctx(saturday)) is not None
    due = CAL.add_working_days(START, 5)  # Monday next week
    s = step(5)
    sunday = due - dt.timedelta(days=1)
    found = checks.CHECKS["step_near_due"](case(), s, ctx(sunday))
    assert found is not None and found.details["left"] == 1  # Friday→Monday is one working day


def test_the_clock_stops_in_a_special_procedure():
    late = CAL.add_working_days(START, 30)
    for code in ("step_overdue", "step_near_due"):
        assert checks.CHECKS[code](case(state="suspended"), step(3), ctx(late)) is KEEP
    assert checks.CHECKS["case_overdue"](case(state="suspended"), None, ctx(late)) is KEEP


def test_a_step_finished_late_is_a_closed_record():
    s = step(2, state="done", done_on=CAL.add_working_days(START, 4))
    found = checks.CHECKS["step_overdue"](case(), s, ctx(CAL.add_working_days(START, 9)))
    assert found.closed and found.details["over"] == 2
    s = step(2, state="done", done_on=CAL.add_working_days(START, 2))
    assert checks.CHECKS["step_overdue"](case(), s, ctx(CAL.add_working_days(START, 9))) is None


def test_case_deadline_rules():
    due = case().promised_due
    assert checks.CHECKS["case_overdue"](case(), None, ctx(due)) is None
    assert checks.CHECKS["case_overdue"](case(), None, ctx(CAL.add_working_days(due, 1))).details["over"] == 1
    assert checks.CHECKS["case_near_due"](case(), None, ctx(CAL.add_working_days(due, -1))) is not None
    assert checks.CHECKS["case_near_due"](case(), None, ctx(START)) is None
    concluded = case(state="approved", concluded_on=CAL.add_working_days(due, 3), result="决定书")
    assert checks.CHECKS["case_overdue"](concluded, None, ctx(START)).closed
    assert checks.CHECKS["case_near_due"](concluded, None, ctx(START)) is None


def test_correction_notice_within_five_working_days():
    rule = checks.CHECKS["correction_notice_late"]
    waiting = case(state="submitted", accepted_on=None, promised_due=None)
    due = waiting.acceptance_due
    assert rule(waiting, None, ctx(due)) is None
    assert rule(waiting, None, ctx(CAL.add_working_days(due, 1))) is not None
    assert rule(case(deemed_accepted=True), None, ctx(START)) is not None
    assert rule(case(state="correction", correction_notice_on=due), None, ctx(START)) is None
    late = CAL.add_working_days(due, 1)
    assert rule(case(state="correction", correction_notice_on=late), None, ctx(late)) is not None


def test_refusal_result_and_fee_rules():
    refusal = checks.CHECKS["refusal_without_grounds"]
    assert refusal(case(state="not_accepted", outcome_reason=" "), None, ctx(START)) is not None
    assert refusal(case(state="not_accepted", outcome_reason="材料不属于本机关职权范围"), None, ctx(START)) is None
    assert refusal(case(state="refused"), None, ctx(START)) is not None
    result = checks.CHECKS["concluded_without_result"]
    assert result(case(state="approved", result=""), None, ctx(START)) is not None
    assert result(case(state="approved", result="许可证"), None, ctx(START)) is None
    assert result(case(state="refused", outcome_reason="x"), None, ctx(START)) is None
    fees = checks.CHECKS["fees_outside_rules"]
    assert fees(case(fee_required=False), None, ctx(START)) is None  # no fee recorded: nothing to judge
    assert fees(case(fee_required=False, fees_charged=20.0), None, ctx(START)).details["amount"] == "20"
    assert fees(case(fee_required=True, fees_charged=20.0), None, ctx(START)) is None
    assert fees(case(fee_required=False, fees_charged=0.0), None, ctx(START)) is None
