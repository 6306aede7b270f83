"""The case state machine through its one write path: the whole path, every illegal move, races and retries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, CaseStep, Channel, Notice, State, StepState
from yiwang.cases.services import Who
from yiwang.cases.states import TRANSITIONS
from yiwang.core.errors import ProblemsError
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    item = make_item(org)
    applicant = person("张三")
    clerk = staff(org, Role.WINDOW_CLERK, username="clerk1")
    reviewer = staff(org, Role.REVIEWER, username="reviewer1")
    approver = staff(org, Role.APPROVER, username="approver1")
    return {
        "org": org,
        "version": item.current,
        "applicant": applicant,
        "me": Who(user=applicant.user, name=applicant.name, channel=Channel.PORTAL),
        "clerk": Who(user=clerk, name="clerk1", role=Role.WINDOW_CLERK, organisation_id=org.pk, channel=Channel.WINDOW),
        "reviewer": Who(user=reviewer, name="reviewer1", role=Role.REVIEWER, organisation_id=org.pk),
        "approver": Who(user=approver, name="approver1", role=Role.APPROVER, organisation_id=org.pk),
    }


def submit(world, key: str = "") -> Case:
    case, _created = cases.submit(
        version=world["version"], person=world["applicant"], who=world["me"], form_data={"x": 1}, idempotency_key=key
    )
    return case


def work_through(world, case: Case, decision: str = "pass") -> Case:
    for who in (world["reviewer"], world["reviewer"], world["approver"]):
        cases.claim(case, who)
        case = cases.complete_step(case, who, decision=decision if who is world["approver"] else "pass", opinion="同意")
    return case


def test_full_path_submit_accept_three_steps_approve_deliver(world):
    case = submit(world)
    assert case.state == State.SUBMITTED and case.acceptance_due is not None
    assert cases.case_number_problem(case.case_number) is None
    case = cases.accept(case, world["clerk"])
    assert case.state == State.IN_PROGRESS and case.promised_due and case.statutory_due
    assert case.promised_due <= case.statutory_due
    steps = list(CaseStep.objects.filter(case=case).order_by("order"))
    assert [s.name for s in steps] == ["承办", "审核", "批准"]
    assert steps[0].state == StepState.ACTIVE and steps[0].due is not None
    case = work_through(world, case)
    assert case.state == State.APPROVED and case.concluded_at
    case = cases.deliver(case, world["clerk"], method="post", address="蚌埠市东海大道1号", tracking_number="EMS123")
    assert case.delivered_at and case.tracking_number == "EMS123"
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["submit", "accept", *["claim", "complete_step"] * 3, "approve", "deliver"]
    seqs = list(CaseEvent.objects.filter(case=case).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    kinds = set(Notice.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {"acceptance", "decision"}


def test_refusal_at_the_approval_step(world):
    case = cases.accept(submit(world), world["clerk"])
    case = work_through(world, case, decision="reject")
    assert case.state == State.REFUSED and case.outcome_reason == "同意"


def test_immediate_items_conclude_on_acceptance():
    org = OrganisationFactory()
    item = make_item(
        org, handling_kind=1, promised_limit=1, promised_unit="wd", statutory_limit=1, statutory_unit="wd", steps=[]
    )
    applicant = person("李四")
    case, _ = cases.submit(version=item.current, person=applicant, who=Who(user=applicant.user))
    clerk = staff(org, Role.WINDOW_CLERK)
    case = cases.accept(case, Who(user=clerk, role=Role.WINDOW_CLERK))
    assert case.state == State.APPROVED
    assert not CaseStep.objects.filter(case=case).exclude(state=StepState.SKIPPED).exists()


def test_correction_then_supplement_then_accept(world):
    case = submit(world)
    with pytest.raises(ProblemsError):
        cases.request_correction(case, world["clerk"], [])
    case = cases.request_correction(
        case,
        world["clerk"],
        [{"material": "食品经营许可申请书", "note": "缺少法定代表人签字"}, {"material": "平面图", "note": "未提交"}],
    )
    assert case.state == State.CORRECTION
    notice = Notice.objects.get(case=case, kind="correction")
    assert len(notice.content["items"]) == 2
    case = cases.supplement(case, world["me"], [{"material_name": "平面图", "source": "upload"}])
    assert case.state == State.SUBMITTED
    assert cases.accept(case, world["clerk"]).state == State.IN_PROGRESS


def test_not_accepted_gives_reason_and_remedies(world):
    case = cases.not_accept(submit(world), world["clerk"], "不属于本机关职权范围")
    assert case.state == State.NOT_ACCEPTED
    notice = Notice.objects.get(case=case, kind="not_accepted")
    assert notice.content["reason"] == "不属于本机关职权范围" and "60" in notice.content["remedies"]


def test_deemed_acceptance_after_five_working_days(world):
    case = submit(world)
    assert cases.sweep_deemed_acceptance(case.acceptance_due) == 0
    assert cases.sweep_deemed_acceptance(case.acceptance_due + dt.timedelta(days=1)) == 1
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and case.deemed_accepted and case.accepted_at == case.submitted_at


ACTIONS = {
    "request_correction": lambda w, c: cases.request_correction(c, w["clerk"], [{"material": "a", "note": "b"}]),
    "supplement": lambda w, c: cases.supplement(c, w["me"], [{"material_name": "a", "source": "upload"}]),
    "accept": lambda w, c: cases.accept(c, w["clerk"]),
    "not_accept": lambda w, c: cases.not_accept(c, w["clerk"], "理由"),
    "claim": lambda w, c: cases.claim(c, w["reviewer"]),
    "suspend": lambda w, c: cases.suspend(
        c, w["approver"], kind="expert", reason="专家评审", expected_end=timezone.localdate() + dt.timedelta(days=10)
    ),
    "resume": lambda w, c: cases.resume(c, w["approver"], result="通过"),
    "withdraw": lambda w, c: cases.withdraw(c, w["me"]),
    "void": lambda w, c: cases.void(c, w["approver"], "重复申请"),
    "deliver": lambda w, c: cases.deliver(c, w["clerk"], method="pickup"),
}


def in_state(world, state: str) -> Case:
    case = submit(world)
    if state == State.SUBMITTED:
        return case
    if state == State.CORRECTION:
        return cases.request_correction(case, world["clerk"], [{"material": "a", "note": "b"}])
    if state == State.NOT_ACCEPTED:
        return cases.not_accept(case, world["clerk"], "理由")
    case = cases.accept(case, world["clerk"])
    if state == State.IN_PROGRESS:
        return case
    if state == State.SUSPENDED:
        cases.suspend(case, world["approver"], kind="expert", reason="r", expected_end=timezone.localdate())
        return Case.objects.get(pk=case.pk)
    if state == State.APPROVED:
        return work_through(world, case)
    if state == State.REFUSED:
        return work_through(world, case, "reject")
    if state == State.WITHDRAWN:
        return cases.withdraw(case, world["me"])
    return cases.void(case, world["approver"], "r")


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_illegal_transition_is_refused_with_a_reason(world, state, action):
    allowed = state in TRANSITIONS[action][0]
    case = in_state(world, state)
    before_events = CaseEvent.objects.filter(case=case).count()
    if allowed:
        return  # the legal moves are covered by the path tests above
    with pytest.raises(ProblemsError) as exc:
        ACTIONS[action](world, case)
    problem = exc.value.problems[0]
    assert problem.field in ("state", "step")
    assert CaseEvent.objects.filter(case=case).count() == before_events
    assert Case.objects.get(pk=case.pk).state == state


def test_retried_submission_creates_one_case(world):
    first = submit(world, key="abc-123")
    again, created = cases.submit(
        version=world["version"], person=world["applicant"], who=world["me"], idempotency_key="abc-123"
    )
    assert not created and again.pk == first.pk
    assert Case.objects.count() == 1


def test_second_acceptance_is_refused(world):
    case = submit(world)
    stale = Case.objects.get(pk=case.pk)
    cases.accept(case, world["clerk"])
    with pytest.raises(ProblemsError) as exc:
        cases.accept(stale, world["clerk"])
    assert exc.value.problems[0].code == "illegal_transition"
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_return_to_an_earlier_step(world):
    case = cases.accept(submit(world), world["clerk"])
    for who in (world["reviewer"], world["reviewer"]):
        cases.claim(case, who)
        cases.complete_step(case, who, decision="pass", opinion="同意")
    cases.claim(case, world["approver"])
    cases.return_step(case, world["approver"], to_order=1, reason="材料需补充核实")
    states = dict(CaseStep.objects.filter(case=case).values_list("order", "state"))
    assert states == {1: StepState.ACTIVE, 2: StepState.WAITING, 3: StepState.WAITING}


def test_suspension_moves_the_deadlines(world):
    case = cases.accept(submit(world), world["clerk"])
    # Accepted 4 days ago (5 working days promised); an expert review ran for the last 3 days.
    Case.objects.filter(pk=case.pk).update(accepted_at=timezone.now() - dt.timedelta(days=4))
    case.refresh_from_db()
    cases.deadlines.recompute(case)
    before = case.promised_due
    cases.suspend(
        case,
        world["approver"],
        kind="expert",
        reason="专家评审",
        expected_end=timezone.localdate() + dt.timedelta(days=3),
    )
    assert Case.objects.get(pk=case.pk).state == State.SUSPENDED
    case.suspensions.update(started_on=timezone.localdate() - dt.timedelta(days=3))
    cases.resume(case, world["approver"], result="评审通过")
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS
    assert case.promised_due > before


def test_a_step_in_someone_elses_hands(world):
    case = cases.accept(submit(world), world["clerk"])
    cases.claim(case, world["reviewer"])
    other = Who(user=staff(world["org"], Role.REVIEWER, username="reviewer2"), role=Role.REVIEWER)
    with pytest.raises(ProblemsError):
        cases.claim(case, other)
    with pytest.raises(ProblemsError):
        cases.complete_step(case, other, decision="pass", opinion="同意")
    cases.release(case, world["reviewer"])
    cases.claim(case, other)


def test_events_are_append_only(world):
    ev = CaseEvent.objects.filter(case=submit(world)).first()
    with pytest.raises(RuntimeError):
        ev.save()
    with pytest.raises(RuntimeError):
        ev.delete()


def test_a_calendar_change_moves_open_deadlines(world, django_capture_on_commit_callbacks):
    from yiwang.calendar import services as calendar_services
    from yiwang.calendar import workdays

    day = timezone.localdate() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_services.load_from_package([day.year])
    while not workdays.is_working_day(day):
        day += dt.timedelta(days=1)
    case = cases.accept(submit(world), world["clerk"])
    due = case.promised_due
    with django_capture_on_commit_callbacks(execute=True):
        calendar_services.set_day(day, "holiday", "临时休假")
    case.refresh_from_db()
    assert case.promised_due > due
    assert CaseEvent.objects.filter(case=case, action="recompute").exists()


def test_the_approver_names_the_result_document(world):
    case = cases.accept(submit(world), world["clerk"])
    for who in (world["reviewer"], world["reviewer"]):
        cases.claim(case, who)
        cases.complete_step(case, who, decision="pass", opinion="同意")
    cases.claim(case, world["approver"])
    case = cases.complete_step(
        case, world["approver"], decision="pass", opinion="准予许可", result="食品经营许可证 JY1340302000001"
    )
    assert case.state == State.APPROVED and case.result_document == "食品经营许可证 JY1340302000001"


def test_a_countersigning_department_sees_and_works_its_step(world):
    from yiwang.cases import policy
    from yiwang.identity.access import actor_for_user

    fire = OrganisationFactory(name="蚌埠市消防救援支队")
    steps = [
        {"kind": "undertake", "name": "承办", "days": 2},
        {"kind": "countersign", "name": "消防会签", "days": 2, "countersign_org_id": fire.pk},
        {"kind": "approve", "name": "批准", "days": 1},
    ]
    version = make_item(world["org"], steps=steps).current
    case, _ = cases.submit(version=version, person=world["applicant"], who=world["me"])
    case = cases.accept(case, world["clerk"])
    fire_reviewer = staff(fire, Role.REVIEWER, username="fire-reviewer")
    actor = actor_for_user(fire_reviewer)
    cases.claim(case, world["reviewer"])
    cases.complete_step(case, world["reviewer"], decision="pass", opinion="同意")
    step = CaseStep.objects.get(case=case, order=2)
    assert step.organisation_id == fire.pk and step.state == StepState.ACTIVE
    assert policy.visible_cases(actor).filter(pk=case.pk).count() == 1
    assert policy.may_work_step(actor, case, step)
    assert list(policy.work_queue(actor, Role.REVIEWER)) == [step]
    who = Who(user=fire_reviewer, role=Role.REVIEWER, organisation_id=fire.pk)
    cases.claim(case, who)
    cases.complete_step(case, who, decision="pass", opinion="消防意见：同意")
    other = actor_for_user(staff(OrganisationFactory(), Role.REVIEWER, username="elsewhere"))
    assert not policy.visible_cases(other).filter(pk=case.pk).exists()
