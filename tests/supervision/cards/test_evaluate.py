"""Cards follow the cases: issued once, escalated, resolved; from the outbox event and from the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.cases import services as cases
from yiwang.cases.models import CaseStep, Message
from yiwang.core import outbox
from yiwang.supervision import cards
from yiwang.supervision.checks import Ctx
from yiwang.supervision.models import Card, CardOutcome, CardSettings

from .world import build, reviewer_who

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def ctx_on(day: dt.date) -> Ctx:
    ctx, _disabled = cards.context(day)
    return ctx


def open_cards(case):
    return {(c.rule, c.step_id) for c in Card.objects.filter(case=case, resolved_at__isnull=True)}


def test_a_fresh_case_has_no_card_and_time_turns_it_yellow_then_red(w):
    case = w.submit()
    assert outbox.drain() >= 0
    assert open_cards(case) == set()  # the accept event was evaluated: nothing wrong yet
    step = CaseStep.objects.get(case=case, state="active")
    from yiwang.calendar import workdays

    cal = workdays.snapshot()
    # One working day before the step's due date: yellow for the step (1 day left).
    cards.sweep(today=cal.add_working_days(step.due, -1))
    assert ("step_near_due", step.pk) in open_cards(case)
    yellow = Card.objects.get(case=case, rule="step_near_due")
    assert yellow.level == "yellow" and yellow.organisation_id == w.h.pk and yellow.rule_version == 1
    # Sweeping again issues nothing twice.
    again = cards.sweep(today=cal.add_working_days(step.due, -1))
    assert again.issued == 0
    assert Card.objects.filter(case=case, rule="step_near_due").count() == 1
    # The day after the due date: red, and the yellow became red (escalated, still counted).
    cards.sweep(today=cal.add_working_days(step.due, 1))
    assert ("step_overdue", step.pk) in open_cards(case)
    yellow.refresh_from_db()
    assert yellow.resolved_at is not None and yellow.outcome == CardOutcome.ESCALATED


def test_yellow_resolved_in_time_leaves_a_record_and_red_ends_late(w):
    case = w.submit()
    step = CaseStep.objects.get(case=case, state="active")
    from yiwang.calendar import workdays

    cal = workdays.snapshot()
    cards.sweep(today=cal.add_working_days(step.due, -1))
    who = reviewer_who(w)
    cases.claim(case, who, step_id=step.pk)
    cases.complete_step(case, who, step_id=step.pk, decision="pass", opinion="同意")
    outbox.drain()
    yellow = Card.objects.get(case=case, rule="step_near_due", step=step)
    assert yellow.outcome == CardOutcome.IN_TIME and yellow.resolved_at is not None


def test_the_staff_member_and_the_leader_get_a_message(w):
    case = w.submit()
    step = CaseStep.objects.get(case=case, state="active")
    cases.claim(case, reviewer_who(w), step_id=step.pk)
    from yiwang.calendar import workdays

    day = workdays.snapshot().add_working_days(step.due, 2)
    figures = cards.sweep(today=day)
    assert figures.issued >= 1
    red = Card.objects.get(case=case, rule="step_overdue", step=step)
    assert red.staff_id == w.reviewer.pk
    for user in (w.reviewer, w.approver):
        assert Message.objects.filter(recipient=user, case=case, text__contains=case.case_number).exists()
    assert not Message.objects.filter(recipient=w.other_reviewer).exists()


def test_the_yellow_threshold_is_a_setting(w):
    case = w.submit()
    step = CaseStep.objects.get(case=case, state="active")
    CardSettings.objects.create(pk=1, yellow_percent=1, yellow_days_left=0)
    from yiwang.calendar import workdays

    cal = workdays.snapshot()
    start = timezone.localdate(step.started_at)
    total = cal.working_days_between(start, step.due)
    assert total >= 2
    cards.sweep(today=cal.add_working_days(start, 1))
    assert ("step_near_due", step.pk) in open_cards(case)


def test_a_switched_off_rule_issues_nothing_and_its_cards_end(w):
    case = w.submit()
    step = CaseStep.objects.get(case=case, state="active")
    from yiwang.calendar import workdays

    day = workdays.snapshot().add_working_days(step.due, 2)
    cards.sweep(today=day)
    assert ("step_overdue", step.pk) in open_cards(case)
    CardSettings.objects.create(pk=1, disabled_rules=["step_overdue"])
    cards.sweep(today=day)
    assert ("step_overdue", step.pk) not in open_cards(case)
    assert Card.objects.get(case=case, rule="step_overdue").outcome == CardOutcome.CLEARED


def test_deemed_acceptance_is_a_red_card(w):
    case = w.submit(accept=False)
    from yiwang.calendar import workdays

    late = workdays.snapshot().add_working_days(case.acceptance_due, 1)
    cards.sweep(today=late)
    assert ("correction_notice_late", None) in open_cards(case)
    cases.sweep_deemed_acceptance(today=late)
    outbox.drain()
    card = Card.objects.get(case=case, rule="correction_notice_late")
    assert card.level == "red" and card.resolved_at is None


def test_a_refusal_without_reason_and_an_approval_without_result_are_red(w):
    case = w.submit()
    from yiwang.cases.models import Case

    Case.objects.filter(pk=case.pk).update(state="approved", result_document="", result_license="")
    cards.evaluate([case.pk])
    assert ("concluded_without_result", None) in open_cards(case)
    Case.objects.filter(pk=case.pk).update(state="not_accepted", outcome_reason="")
    cards.evaluate([case.pk])
    assert ("refusal_without_grounds", None) in open_cards(case)
    assert ("concluded_without_result", None) not in open_cards(case)


def test_fees_are_judged_only_where_recorded(w):
    case = w.submit()
    from yiwang.cases.models import Case

    cards.evaluate([case.pk])
    assert ("fees_outside_rules", None) not in open_cards(case)
    Case.objects.filter(pk=case.pk).update(form_data={"fees_charged": 50})
    cards.evaluate([case.pk])
    card = Card.objects.get(case=case, rule="fees_outside_rules")
    assert card.level == "red" and "50" in card.reason
