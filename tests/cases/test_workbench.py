"""The staff workbench through its pages: queues per role, every action, refusals, staleness, batch, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.workbench_world import build, client_for, page, post, submit
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseStep, Notice, State, StepState
from yiwang.cases.services import Who
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def accepted(w) -> Case:
    case = submit(w)
    return cases.accept(case, Who(user=w["clerk"], name="clerk1", role=Role.WINDOW_CLERK))


def queue(user, key: str, **params):
    return client_for(user).get("/workbench/cases/", {"queue": key, **params})


# --- lists ---------------------------------------------------------------------------------------------------


def test_each_role_sees_its_own_queues(w):
    case = submit(w)
    r = queue(w["clerk"], "accept")
    assert r.status_code == 200 and case.case_number in r.content.decode()
    assert case.case_number not in queue(w["other_clerk"], "accept").content.decode()
    # Reviewers also decide acceptance for their department; their step queue is empty until it is accepted.
    assert case.case_number not in queue(w["reviewer"], "reviewer").content.decode()
    cases.accept(case, Who(user=w["clerk"], role=Role.WINDOW_CLERK))
    assert case.case_number in queue(w["reviewer"], "reviewer").content.decode()
    assert case.case_number not in queue(w["approver"], "approver").content.decode()
    assert case.case_number not in queue(w["clerk"], "accept").content.decode()
    # The supervisor has only the read-only "all" list, and sees the case there.
    r = queue(w["supervisor"], "accept")
    body = r.content.decode()
    assert r.context["queue"].key == "all" and case.case_number in body
    assert [q.key for q, _n in r.context["tabs"]] == ["all"]


def test_a_person_without_a_case_role_is_refused(w):
    assert client_for(w["applicant"].user).get("/workbench/cases/").status_code == 403
    assert client_for(w["applicant"].user).get("/workbench/window/apply/").status_code == 403


def test_mine_lists_claimed_steps_and_rows_carry_words_not_only_colours(w):
    case = accepted(w)
    cases.claim(case, Who(user=w["reviewer"], role=Role.REVIEWER))
    r = queue(w["reviewer"], "mine")
    row = r.context["page"].rows[0]
    assert row.case_number == case.case_number and row.step_name == "承办"
    assert row.clock.urgency == "ok" and row.clock.label and row.clock.detail
    assert f"clock-{row.clock.urgency}" in r.content.decode()
    assert queue(w["reviewer2"], "mine").context["page"].rows == []


def test_urgency_yellow_red_and_grey(w):
    case = accepted(w)
    step = CaseStep.objects.get(case=case, order=1)
    today = timezone.localdate()
    # Started long ago, due yesterday: overdue.
    CaseStep.objects.filter(pk=step.pk).update(
        started_at=timezone.now() - dt.timedelta(days=20), due=today - dt.timedelta(days=1)
    )
    row = queue(w["reviewer"], "reviewer").context["page"].rows[0]
    assert row.clock.urgency == "over"
    assert any(word in row.clock.detail.lower() for word in ("overdue", "逾期", "超期"))
    cases.suspend(
        case, Who(user=w["approver"], role=Role.APPROVER), kind="expert", reason="专家评审", expected_end=today
    )
    row = queue(w["reviewer"], "reviewer").context["page"].rows[0]
    assert row.clock.urgency == "stopped"


def test_clock_thresholds():
    from yiwang.calendar import workdays
    from yiwang.cases import queries

    cal = workdays.snapshot()
    start = dt.date(2025, 3, 3)  # a Monday
    due = cal.add_working_days(start, 10)
    at = timezone.make_aware(dt.datetime(2025, 3, 5, 12))
    assert queries.clock(cal, start, due, now=at).urgency == "ok"
    late_in = timezone.make_aware(dt.datetime.combine(cal.add_working_days(start, 9), dt.time(12)))
    assert queries.clock(cal, start, due, now=late_in).urgency == "warn"
    after = timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=3), dt.time(12)))
    assert queries.clock(cal, start, due, now=after).urgency == "over"
    assert queries.clock(cal, start, due, stopped=True).urgency == "stopped"
    assert queries.clock(cal, None, None).urgency == "none"


def test_filters_and_search(w):
    first = submit(w)
    second = submit(w, name="李四")
    r = queue(w["clerk"], "accept", q=first.case_number)
    assert [x.case_number for x in r.context["page"].rows] == [first.case_number]
    r = queue(w["clerk"], "accept", q=first.case_number[:12])
    assert {x.case_number for x in r.context["page"].rows} == {first.case_number, second.case_number}
    r = queue(w["clerk"], "all", q="李")
    assert [x.case_number for x in r.context["page"].rows] == [second.case_number]
    r = queue(w["clerk"], "all", state="approved")
    assert r.context["page"].rows == []
    r = queue(w["clerk"], "all", channel="portal", item=w["item"].item_code)
    assert len(r.context["page"].rows) == 2
    r = queue(w["clerk"], "all", overdue="1")
    assert r.context["page"].rows == []
    today = timezone.localdate()
    r = queue(w["clerk"], "all", **{"from": today.isoformat(), "to": today.isoformat()})
    assert len(r.context["page"].rows) == 2


def test_bad_filters_give_messages_not_errors(w):
    submit(w)
    r = queue(w["clerk"], "all", state="nonsense", **{"from": "2025-13-01", "to": "yesterday"}, channel="fax")
    assert r.status_code == 200
    fields = {p.field for p in r.context["problems"]}
    assert fields == {"state", "from", "to", "channel"}
    assert len(r.context["page"].rows) == 1
    assert queue(w["clerk"], "nope", page="x").status_code == 200


@pytest.mark.parametrize("n", [5, 50])
def test_query_count_does_not_grow_with_rows(w, n, django_assert_max_num_queries):
    for i in range(n):
        c = submit(w)
        if i % 2:
            cases.accept(c, Who(user=w["clerk"], role=Role.WINDOW_CLERK))
    for user, key in (
        (w["clerk"], "accept"),
        (w["reviewer"], "reviewer"),
        (w["clerk"], "all"),
        (w["supervisor"], "all"),
    ):
        c = client_for(user)
        # a constant budget: one of the queries resolves the reach to organisation ids (no join in the list query)
        with django_assert_max_num_queries(18):
            r = c.get("/workbench/cases/", {"queue": key})
        assert r.status_code == 200 and r.context["page"].rows


# --- the case page and its actions ---------------------------------------------------------------------------


def test_case_page_shows_everything(w):
    case = submit(w)
    r = page(w, w["clerk"], case)
    body = r.content.decode()
    assert r.status_code == 200
    assert case.case_number in body and "13900000000" in body
    assert r.context["actions"]["accept"] and r.context["actions"]["correction"]
    assert not r.context["actions"]["claim"]
    assert f'name="revision" value="{case.revision}"' in body


def test_other_organisation_case_is_not_found(w):
    case = submit(w)
    assert page(w, w["other_clerk"], case).status_code == 404
    assert post(w, w["other_clerk"], case, "accept").status_code == 404
    assert client_for(w["clerk"]).get("/workbench/cases/3403002501010000019/").status_code == 404
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED


def test_accept_through_the_page(w):
    case = submit(w)
    r = post(w, w["clerk"], case, "accept", {"note": "材料齐全"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS
    ev = CaseEvent.objects.get(case=case, action="accept")
    assert ev.role == Role.WINDOW_CLERK and ev.channel == "window" and ev.organisation_id == w["org"].pk
    assert Notice.objects.filter(case=case, kind="acceptance").exists()


def test_stale_revision_is_refused(w):
    case = submit(w)
    old = case.revision
    cases.request_correction(case, Who(user=w["clerk"], role=Role.WINDOW_CLERK), [{"material": "a", "note": "b"}])
    r = post(w, w["clerk"], case, "not_accept", {"reason": "不属于本机关职权"}, revision=old)
    assert r.status_code == 400 and r.context["stale"]
    assert Case.objects.get(pk=case.pk).state == State.CORRECTION
    # A double click: the second post carries the revision the first one already moved past.
    case2 = submit(w)
    rev = Case.objects.get(pk=case2.pk).revision
    assert post(w, w["clerk"], case2, "accept", revision=rev).status_code == 302
    assert post(w, w["clerk"], case2, "accept", revision=rev).status_code == 400
    assert CaseEvent.objects.filter(case=case2, action="accept").count() == 1


def test_one_time_correction_lists_everything_at_once(w):
    case = submit(w)
    material = w["version"].materials.get()
    bad = post(w, w["clerk"], case, "correction", {f"material_{material.pk}": "1", "extra_name_0": "平面图"})
    assert bad.status_code == 400
    errors = bad.context["errors"]
    assert set(errors) == {f"note_{material.pk}", "extra_note_0"}
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED
    nothing = post(w, w["clerk"], case, "correction", {})
    assert nothing.status_code == 400 and "items" in nothing.context["errors"]
    ok = post(
        w,
        w["clerk"],
        case,
        "correction",
        {
            f"material_{material.pk}": "1",
            f"note_{material.pk}": "缺少法定代表人签字",
            "extra_name_0": "平面图",
            "extra_note_0": "未提交",
        },
    )
    assert ok.status_code == 302
    notice = Notice.objects.get(case=case, kind="correction")
    assert [i["material"] for i in notice.content["items"]] == [material.name, "平面图"]
    assert Case.objects.get(pk=case.pk).state == State.CORRECTION


def test_not_accept_needs_a_reason(w):
    case = submit(w)
    r = post(w, w["clerk"], case, "not_accept", {"reason": "  "})
    assert r.status_code == 400 and "reason" in r.context["errors"]
    assert post(w, w["clerk"], case, "not_accept", {"reason": "不属于本机关职权范围"}).status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.NOT_ACCEPTED


def _step(case: Case) -> CaseStep:
    return CaseStep.objects.filter(case=case, state__in=("active", "claimed")).order_by("order").first()


def test_steps_claim_complete_return_and_conclude(w):
    case = accepted(w)
    reviewer, approver = w["reviewer"], w["approver"]
    assert post(w, approver, case, "claim", {"step": _step(case).pk}).status_code == 403  # not the approver's step
    for _i in range(2):
        step = _step(case)
        assert post(w, reviewer, case, "claim", {"step": step.pk}).status_code == 302
        missing = post(w, reviewer, case, "complete", {"step": step.pk, "decision": "pass", "opinion": ""})
        assert missing.status_code == 400 and "opinion" in missing.context["errors"]
        assert (
            post(w, reviewer, case, "complete", {"step": step.pk, "decision": "pass", "opinion": "同意"}).status_code
            == 302
        )
    step = _step(case)
    assert step.name == "批准"
    assert post(w, approver, case, "claim", {"step": step.pk}).status_code == 302
    r = post(w, approver, case, "return", {"step": step.pk, "to_order": "1", "reason": ""})
    assert r.status_code == 400 and "reason" in r.context["errors"]
    assert post(w, approver, case, "return", {"step": step.pk, "to_order": "1", "reason": "需核实"}).status_code == 302
    assert _step(case).order == 1
    for user in (reviewer, reviewer, approver):
        step = _step(case)
        post(w, user, case, "claim", {"step": step.pk})
        r = post(w, user, case, "complete", {"step": step.pk, "decision": "pass", "opinion": "同意"})
        assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.APPROVED and case.result_document


def test_release_hands_the_step_back(w):
    case = accepted(w)
    step = _step(case)
    post(w, w["reviewer"], case, "claim", {"step": step.pk})
    r = post(w, w["reviewer2"], case, "claim", {"step": step.pk})
    assert r.status_code == 400  # someone else has it
    assert post(w, w["reviewer"], case, "release", {"step": step.pk}).status_code == 302
    assert post(w, w["reviewer2"], case, "claim", {"step": step.pk}).status_code == 302
    assert CaseStep.objects.get(pk=step.pk).assignee == w["reviewer2"]


def test_attachments_are_checked_by_content(w):
    case = accepted(w)
    step = _step(case)
    post(w, w["reviewer"], case, "claim", {"step": step.pk})
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(w["reviewer"])
    case.refresh_from_db()
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    r = c.post(
        f"/workbench/cases/{case.case_number}/complete/",
        {"revision": case.revision, "step": step.pk, "decision": "pass", "opinion": "同意", "attachments": exe},
    )
    assert r.status_code == 400 and "attachments" in r.context["errors"]
    assert CaseStep.objects.get(pk=step.pk).state == StepState.CLAIMED
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    r = c.post(
        f"/workbench/cases/{case.case_number}/complete/",
        {"revision": case.revision, "step": step.pk, "decision": "pass", "opinion": "同意", "attachments": pdf},
    )
    assert r.status_code == 302
    m = CaseMaterial.objects.get(case=case, content_type="application/pdf")
    got = c.get(f"/workbench/cases/{case.case_number}/materials/{m.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    assert client_for(w["other_clerk"]).get(f"/workbench/cases/{case.case_number}/materials/{m.pk}/").status_code == 404


def test_special_procedure_stops_and_restarts_the_clock(w):
    case = accepted(w)
    today = timezone.localdate()
    bad = post(
        w, w["approver"], case, "suspend", {"kind": "expert", "reason": "专家评审", "expected_end": "2020-01-01"}
    )
    assert bad.status_code == 400 and "expected_end" in bad.context["errors"]
    bad = post(w, w["approver"], case, "suspend", {"kind": "x", "reason": "", "expected_end": "soon"})
    assert bad.status_code == 400
    end = (today + dt.timedelta(days=7)).isoformat()
    assert (
        post(
            w, w["approver"], case, "suspend", {"kind": "expert", "reason": "专家评审", "expected_end": end}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.state == State.SUSPENDED
    assert page(w, w["approver"], case).context["deadlines"]["case_clock"].urgency == "stopped"
    assert post(w, w["approver"], case, "resume", {"result": ""}).status_code == 400
    assert post(w, w["approver"], case, "resume", {"result": "评审通过"}).status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS


def test_void_and_deliver(w):
    case = accepted(w)
    assert post(w, w["approver"], case, "void", {"reason": ""}).status_code == 400
    assert post(w, w["approver"], case, "void", {"reason": "重复申请"}).status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.VOIDED
    done = accepted(w)
    for who in (w["reviewer"], w["reviewer"], w["approver"]):
        cases.claim(done, Who(user=who))
        cases.complete_step(done, Who(user=who), decision="pass", opinion="同意")
    r = post(w, w["clerk"], done, "deliver", {"method": "post", "address": "", "tracking_number": ""})
    assert r.status_code == 400 and {"address", "tracking_number"} <= set(r.context["errors"])
    r = post(
        w, w["clerk"], done, "deliver", {"method": "post", "address": "蚌埠市东海大道1号", "tracking_number": "EMS1"}
    )
    assert r.status_code == 302
    done.refresh_from_db()
    assert done.tracking_number == "EMS1" and done.delivered_at


def test_a_refused_transition_explains_itself(w):
    case = accepted(w)
    r = post(w, w["clerk"], case, "accept")
    assert r.status_code == 400 and "state" in r.context["errors"]


def test_supervisor_reads_but_cannot_act(w):
    case = submit(w)
    r = page(w, w["supervisor"], case)
    assert r.status_code == 200 and not r.context["any_action"]
    assert "/accept/" not in r.content.decode()
    for action, data in (("accept", {}), ("not_accept", {"reason": "x"}), ("void", {"reason": "x"})):
        assert post(w, w["supervisor"], case, action, data).status_code == 403
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED
    assert (
        client_for(w["supervisor"])
        .post("/workbench/cases/batch/", {"op": "accept", "cases": [case.case_number]})
        .status_code
        == 200
    )
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED


# --- batch ---------------------------------------------------------------------------------------------------


def test_batch_accept_reports_each_case(w):
    a, b = submit(w), submit(w)
    foreign = submit(w, version=w["other_version"])
    c = client_for(w["clerk"])
    r = c.post(
        "/workbench/cases/batch/",
        {
            "op": "accept",
            "cases": [f"{a.case_number}:{a.revision}", f"{b.case_number}:{b.revision + 5}", foreign.case_number],
        },
    )
    assert r.status_code == 200
    results = {x["case_number"]: x["ok"] for x in r.context["results"]}
    assert results == {a.case_number: True, b.case_number: False, foreign.case_number: False}
    assert Case.objects.get(pk=a.pk).state == State.IN_PROGRESS
    assert Case.objects.get(pk=b.pk).state == State.SUBMITTED
    assert Case.objects.get(pk=foreign.pk).state == State.SUBMITTED


def test_batch_claim_and_pickup(w):
    one, two = accepted(w), accepted(w)
    c = client_for(w["reviewer"])
    picks = [f"{x.case_number}:{Case.objects.get(pk=x.pk).revision}" for x in (one, two)]
    r = c.post("/workbench/cases/batch/", {"op": "claim", "cases": picks})
    assert [x["ok"] for x in r.context["results"]] == [True, True]
    assert CaseStep.objects.filter(assignee=w["reviewer"], state="claimed").count() == 2
    for x in (one, two):
        for who in (w["reviewer"], w["reviewer"], w["approver"]):
            cases.claim(x, Who(user=who))
            cases.complete_step(x, Who(user=who), decision="pass", opinion="同意")
    r = client_for(w["clerk"]).get("/workbench/cases/", {"queue": "deliver"})
    assert len(r.context["page"].rows) == 2
    picks = [f"{x.case_number}:{Case.objects.get(pk=x.pk).revision}" for x in (one, two)]
    r = client_for(w["clerk"]).post("/workbench/cases/batch/", {"op": "pickup", "cases": picks})
    assert [x["ok"] for x in r.context["results"]] == [True, True]
    assert Case.objects.filter(delivery="pickup").count() == 2
