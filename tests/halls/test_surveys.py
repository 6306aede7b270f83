"""On-site surveys (现勘现审): opened when a case with a survey step is accepted (through cases' signal), times
proposed with the clock stopped, chosen by the applicant (page or SMS link), the result with photos restarting it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.utils import timezone

from tests.factories import OrganisationFactory, division_chain, make_item, person, staff
from yiwang.cases import services as cases
from yiwang.cases.models import Case, State, Suspension
from yiwang.cases.services import Who
from yiwang.core.errors import ProblemsError
from yiwang.halls import services
from yiwang.halls.models import HallEvent, SurveyPhoto, SurveyRequest, SurveyState
from yiwang.identity.providers import OutboxSmsSender
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
STEPS = [
    {"kind": "accept", "name": "受理", "days": 1},
    {"kind": "undertake", "name": "承办", "days": 1},
    {"kind": "review", "name": "现场勘查", "days": 1},
    {"kind": "approve", "name": "批准", "days": 1},
]


@pytest.fixture
def world(settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    _p, city, _c = division_chain()
    dept = OrganisationFactory(name="蚌埠市卫生健康委员会", division=city)
    other = OrganisationFactory(name="蚌埠市交通运输局", division=city)
    item = make_item(dept, name="医疗机构执业登记", steps=STEPS, form_fields=[])
    plain = make_item(dept, name="护士执业注册", form_fields=[])
    applicant = person("赵六", password="correct-horse-battery")
    reviewer = staff(dept, Role.REVIEWER, username="s-reviewer")
    w = {
        "dept": dept,
        "item": item,
        "plain": plain,
        "applicant": applicant,
        "reviewer": reviewer,
        "stranger_reviewer": staff(other, Role.REVIEWER, username="s-other"),
        "clerk": staff(dept, Role.WINDOW_CLERK, username="s-clerk"),
    }
    yield w
    OutboxSmsSender.clear()


def accepted(w, item=None) -> Case:
    me = Who(user=w["applicant"].user, name=w["applicant"].name)
    case, _ = cases.submit(version=(item or w["item"]).current, person=w["applicant"], who=me, form_data={})
    with TestCase.captureOnCommitCallbacks(execute=True):
        case = cases.accept(case, Who(user=w["clerk"], name="窗口", role=Role.WINDOW_CLERK, channel="window"))
    return case


def later(days: int, hour: int) -> str:
    d = timezone.localdate() + dt.timedelta(days=days)
    return f"{d.isoformat()} {hour:02d}:00"


def codes(exc) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_accepting_a_case_with_a_survey_step_opens_a_survey(world):
    case = accepted(world)
    survey = SurveyRequest.objects.get(case=case)
    assert survey.state == SurveyState.TO_PROPOSE and survey.step.name == "现场勘查"
    assert services.open_survey(case).pk == survey.pk  # idempotent
    plain = accepted(world, world["plain"])
    assert not SurveyRequest.objects.filter(case=plain).exists()


def test_the_full_survey_stops_and_restarts_the_clock(world):
    case = accepted(world)
    survey = SurveyRequest.objects.get(case=case)
    reviewer = Client()
    reviewer.force_login(world["reviewer"])
    r = reviewer.post(f"/workbench/surveys/{survey.pk}/", {"address": "", "start_0": "tomorrow"})
    assert r.status_code == 400
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = reviewer.post(
            f"/workbench/surveys/{survey.pk}/",
            {
                "address": "蚌埠市蚌山区涂山路 1 号",
                "start_0": later(2, 9),
                "end_0": later(2, 11),
                "start_1": later(3, 14),
                "end_1": later(3, 16),
                "note": "请保持现场开放",
            },
        )
    assert r.status_code == 302
    survey.refresh_from_db()
    case.refresh_from_db()
    assert survey.state == SurveyState.PROPOSED and survey.suspended
    assert case.state == State.SUSPENDED
    open_suspension = Suspension.objects.get(case=case, ended_on__isnull=True)
    assert open_suspension.kind == "survey" and open_suspension.expected_end == (
        timezone.localdate() + dt.timedelta(days=3)
    )
    sms = OutboxSmsSender.last_to(world["applicant"].phone)
    link = re.search(r"https?://\S+/survey/(\S+)/", sms.text)
    assert link and case.case_number in sms.text

    # The applicant opens the SMS link without signing in and picks the second time.
    anonymous = Client()
    page = anonymous.get(f"/survey/{link.group(1)}/")
    assert page.status_code == 200 and "涂山路" in page.content.decode()
    second = survey.options.order_by("starts_at").last()
    assert anonymous.post(f"/survey/{link.group(1)}/", {"option": second.pk}).status_code == 200
    survey.refresh_from_db()
    assert survey.state == SurveyState.SCHEDULED and survey.chosen_id == second.pk and survey.chosen_via == "sms"
    assert anonymous.get("/survey/not-a-token/").status_code == 404

    # The reviewer records the result with a photo: the case runs again.
    r = reviewer.post(
        f"/workbench/surveys/{survey.pk}/",
        {
            "op": "result",
            "conclusion": "rectify",
            "findings": "消毒间需增设洗手池",
            "photos": [SimpleUploadedFile("site.png", PNG, content_type="image/png")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    survey.refresh_from_db()
    case.refresh_from_db()
    assert survey.state == SurveyState.DONE and survey.conclusion == "rectify"
    assert case.state == State.IN_PROGRESS
    ended = Suspension.objects.get(case=case)
    assert ended.ended_on is not None and "消毒间" in ended.result
    photo = SurveyPhoto.objects.get(survey=survey)
    assert photo.content_type == "image/png"
    assert reviewer.get(f"/workbench/surveys/{survey.pk}/photos/{photo.pk}/").content == PNG
    mine = Client()
    mine.force_login(world["applicant"].user)
    assert mine.get(f"/workbench/surveys/{survey.pk}/photos/{photo.pk}/").status_code == 200
    assert mine.get(f"/my/surveys/{survey.pk}/").status_code == 200
    actions = list(HallEvent.objects.filter(survey=survey).values_list("action", flat=True))
    assert actions == ["survey_open", "survey_propose", "survey_choose", "survey_result"]


def test_bad_input_and_reach(world):
    case = accepted(world)
    survey = SurveyRequest.objects.get(case=case)
    by = services.By(user=world["reviewer"], name="审核")
    with pytest.raises(ProblemsError) as exc:
        services.propose_survey(survey, [], by, role=Role.REVIEWER, address="")
    assert set(codes(exc)) == {"required"}
    with pytest.raises(ProblemsError) as exc:
        services.propose_survey(
            survey,
            [(later(-1, 9), later(-1, 10)), (later(2, 11), later(2, 10)), (later(90, 9), later(90, 10))],
            by,
            role=Role.REVIEWER,
            address="x",
        )
    assert codes(exc) == ["past", "order", "too_far"]
    with pytest.raises(ProblemsError) as exc:
        services.record_survey_result(
            survey,
            by,
            role=Role.REVIEWER,
            conclusion="maybe",
            findings="",
            photos=[SimpleUploadedFile("x.gif", b"GIF89a....")],
        )
    assert set(codes(exc)) == {"invalid", "required", "type"}
    survey.refresh_from_db()
    assert survey.state == SurveyState.TO_PROPOSE and not SurveyPhoto.objects.exists()
    outsider = Client()
    outsider.force_login(world["stranger_reviewer"])
    assert outsider.get(f"/workbench/surveys/{survey.pk}/").status_code == 404
    citizen = Client()
    citizen.force_login(person("路人").user)
    assert citizen.get(f"/my/surveys/{survey.pk}/").status_code == 404
    assert citizen.get("/workbench/surveys/").status_code == 403


def test_a_withdrawn_case_cancels_its_survey(world):
    case = accepted(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        cases.withdraw(case, Who(user=world["applicant"].user, name="赵六"), "不办了")
    assert SurveyRequest.objects.get(case=case).state == SurveyState.CANCELLED
