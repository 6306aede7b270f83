"""A small world for the workbench and window tests: one department with its staff, another department, cases."""

from __future__ import annotations

from django.test import Client

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Channel
from yiwang.cases.services import Who
from yiwang.orgs.models import Membership, Role


def build() -> dict:
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    other = OrganisationFactory(name="蚌埠市交通运输局")
    item = make_item(org)
    other_item = make_item(other)
    applicant = person("张三")
    w = {
        "org": org,
        "other": other,
        "item": item,
        "version": item.current,
        "other_version": other_item.current,
        "applicant": applicant,
        "me": Who(user=applicant.user, name=applicant.name, channel=Channel.PORTAL),
        "clerk": staff(org, Role.WINDOW_CLERK, username="clerk1", first_name="王窗口"),
        "reviewer": staff(org, Role.REVIEWER, username="reviewer1"),
        "reviewer2": staff(org, Role.REVIEWER, username="reviewer2"),
        "approver": staff(org, Role.APPROVER, username="approver1"),
        "other_clerk": staff(other, Role.WINDOW_CLERK, username="clerk9"),
    }
    sup = staff(org, Role.SUPERVISOR, username="super1")
    w["supervisor"] = sup
    Membership.objects.filter(user=sup).update(covers_division=True)
    return w


def submit(w, version=None, name: str = "") -> Case:
    who = w["me"]
    applicant = w["applicant"]
    if name:
        applicant = person(name)
        who = Who(user=applicant.user, name=name, channel=Channel.PORTAL)
    case, _created = cases.submit(
        version=version or w["version"], person=applicant, who=who, form_data={"contact_phone": "13900000000"}
    )
    return case


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(w, user, case: Case):
    return client_for(user).get(f"/workbench/cases/{case.case_number}/")


def post(w, user, case: Case, action: str, data: dict | None = None, revision: int | None = None, client=None):
    case.refresh_from_db()
    payload = {"revision": case.revision if revision is None else revision, **(data or {})}
    return (client or client_for(user)).post(f"/workbench/cases/{case.case_number}/{action}/", payload)
