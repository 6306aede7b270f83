"""A small city for the ratings tests: one department with its staff, a supervisor, a 12345 operator, a hall with a
window, and 张三 (the applicant) with a case moved along by cases' own services."""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase

from tests.factories import OrganisationFactory, division_chain, make_item, person, staff
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Channel
from yiwang.cases.services import Who
from yiwang.orgs.models import Hall, Role, Window

PASSWORD = "correct-horse-battery"


def build() -> dict[str, Any]:
    _p, city, _c = division_chain()
    dept = OrganisationFactory(name="蚌埠市市场监督管理局", division=city)
    other = OrganisationFactory(name="蚌埠市交通运输局", division=city)
    item = make_item(dept, name="食品经营许可", form_fields=[])
    hall = Hall.objects.create(name="蚌埠市政务服务中心大厅", division=city, organisation=dept)
    window = Window.objects.create(hall=hall, number="A01", name="综合受理")
    applicant = person("张三", password=PASSWORD, phone="13800000001")
    return {
        "city": city,
        "dept": dept,
        "other": other,
        "item": item,
        "hall": hall,
        "window": window,
        "applicant": applicant,
        "stranger": person("李四", password=PASSWORD, phone="13800000002"),
        "clerk": staff(dept, Role.WINDOW_CLERK, username="r-clerk"),
        "reviewer": staff(dept, Role.REVIEWER, username="r-reviewer"),
        "approver": staff(dept, Role.APPROVER, username="r-approver"),
        "supervisor": staff(dept, Role.SUPERVISOR, username="r-supervisor"),
        "operator": staff(other, Role.HOTLINE_OPERATOR, username="r-operator"),
        "outsider": staff(other, Role.REVIEWER, username="r-outsider"),
    }


def submitted(w: dict[str, Any], who=None) -> Case:
    p = who or w["applicant"]
    case, _ = cases.submit(
        version=w["item"].current, person=p, who=Who(user=p.user, name=p.name, channel=Channel.PORTAL), form_data={}
    )
    return case


def accepted(w: dict[str, Any], case: Case | None = None) -> Case:
    case = case or submitted(w)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return cases.accept(
            case, Who(user=w["clerk"], name="clerk", role=Role.WINDOW_CLERK, organisation_id=w["dept"].pk)
        )


def concluded(w: dict[str, Any], case: Case | None = None) -> Case:
    case = case or accepted(w)
    reviewer = Who(user=w["reviewer"], name="reviewer", role=Role.REVIEWER, organisation_id=w["dept"].pk)
    approver = Who(user=w["approver"], name="approver", role=Role.APPROVER, organisation_id=w["dept"].pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        for who in (reviewer, reviewer, approver):
            cases.claim(case, who)
            case = cases.complete_step(case, who, decision="pass", opinion="同意")
    return case


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


BAD = {"level": "1", "reasons": ["overdue"], "comment": "等了很久"}
GOOD = {"level": "5", "ind-efficiency": "5", "ind-convenience": "4"}
