"""The case volume generator (`yiwang generate_cases`): rows the platform itself could have written, and can go on with."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from tests.factories import OrganisationFactory, make_item, staff
from yiwang.cases import actions, policy, services
from yiwang.cases.models import OPEN_STATES, Case, CaseEvent, CaseStep, State, StepState, Suspension
from yiwang.identity import access
from yiwang.identity.models import Enterprise, Person
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    item = make_item(org, promised_limit=10, statutory_limit=20)
    instant = make_item(
        org,
        handling_kind=1,
        promised_limit=0,
        name="个体工商户名称预先核准",
        steps=[{"kind": "accept", "name": "受理", "days": 0}, {"kind": "approve", "name": "批准", "days": 0}],
    )
    return {
        "org": org,
        "item": item,
        "instant": instant,
        "reviewer": staff(org, Role.REVIEWER, username="rev"),
        "approver": staff(org, Role.APPROVER, username="app"),
        "clerk": staff(org, Role.WINDOW_CLERK, username="clerk"),
    }


def generate(n: int = 3000, **kw) -> str:
    out = StringIO()
    call_command("generate_cases", cases=n, years=kw.pop("years", 1), seed=kw.pop("seed", 7), stdout=out, **kw)
    return out.getvalue()


def test_writes_consistent_cases_steps_and_events(world):
    out = generate(3000)
    assert "rows/s" in out and "cases" in out
    assert Case.objects.count() == 3000
    assert Person.objects.count() == 3000 // 8 and Enterprise.objects.count() == 30

    # Every case: events numbered 1..n without gaps, the revision counts them, the first is the submission.
    per_case = CaseEvent.objects.values("case_id").annotate(n=Count("id"), lo=Min("seq"), hi=Max("seq"))
    revisions = dict(Case.objects.values_list("id", "revision"))
    assert len(per_case) == 3000
    for row in per_case:
        assert row["lo"] == 1 and row["hi"] == row["n"] == revisions[row["case_id"]]
    assert set(CaseEvent.objects.filter(seq=1).values_list("action", flat=True)) == {"submit"}

    # The last event leads to the case's state; numbers carry a valid check character and are unique.
    last = {
        e.case_id: e for e in CaseEvent.objects.filter(seq__in=set(revisions.values())) if e.seq == revisions[e.case_id]
    }
    numbers = set()
    for case in Case.objects.all():
        assert last[case.id].to_state == case.state
        assert services.case_number_problem(case.case_number) is None
        numbers.add(case.case_number)
        if case.accepted_at is not None:
            assert case.promised_due is not None and case.statutory_due is not None
    assert len(numbers) == 3000

    states = Counter(Case.objects.values_list("state", flat=True))
    assert states[State.APPROVED] > 2400  # most cases of a year ago are long done
    assert sum(states[s] for s in OPEN_STATES) > 0  # the last days' cases are still open
    assert {State.NOT_ACCEPTED, State.WITHDRAWN} <= set(states)

    # Steps agree with the case: open cases have exactly one step in work (or none before acceptance), done cases none.
    working = Counter(
        CaseStep.objects.filter(state__in=(StepState.ACTIVE, StepState.CLAIMED)).values_list("case_id", flat=True)
    )
    for case_id, state in Case.objects.values_list("id", "state"):
        if state in (State.IN_PROGRESS, State.SUSPENDED):
            assert working[case_id] == 1
        else:
            assert working[case_id] == 0
    # The instant item's cases were concluded on the spot: their steps were skipped.
    instant = Case.objects.filter(item=world["instant"], state=State.APPROVED).first()
    assert instant is not None
    assert set(CaseStep.objects.filter(case=instant).values_list("state", flat=True)) == {StepState.SKIPPED}
    # Claimed steps belong to someone of that organisation and role, who finds them in the "in my hands" list.
    for step in CaseStep.objects.filter(state=StepState.CLAIMED):
        assert step.assignee_id in (world["reviewer"].pk, world["approver"].pk)
    # Special procedures: an open one only on a suspended case, every suspended case has one.
    open_suspensions = set(Suspension.objects.filter(ended_on__isnull=True).values_list("case_id", flat=True))
    assert open_suspensions == set(Case.objects.filter(state=State.SUSPENDED).values_list("id", flat=True))


def test_the_platform_carries_on_with_generated_cases(world):
    generate(3000)
    reviewer = access.actor_for_user(world["reviewer"])
    queue = list(policy.work_queue(reviewer, Role.REVIEWER)[:50])
    active = next((s for s in queue if s.state == StepState.ACTIVE), None)
    assert active is not None, "generated open steps show in the reviewer's to-do list"
    caller = actions.Caller.for_user(world["reviewer"])
    actions.claim(caller, active.case_id, step_id=active.pk)
    actions.complete_step(caller, active.case_id, decision="pass", opinion="同意", step_id=active.pk)
    case = Case.objects.get(pk=active.case_id)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("seq", flat=True))
    assert events == list(range(1, len(events) + 1))  # the next event followed the generated ones

    waiting = Case.objects.filter(state=State.SUBMITTED).first()
    if waiting is not None:
        actions.accept(actions.Caller.for_user(world["clerk"]), waiting)
        assert Case.objects.get(pk=waiting.pk).state in (State.IN_PROGRESS, State.APPROVED)


def test_refuses_a_database_that_already_has_older_cases(world):
    generate(200)
    with pytest.raises(CommandError, match="fresh database"):
        generate(200)
