"""A small world for the cards side: a department H (reviewer, approver = the leader), another department O, a
supervisor reaching H only (and one covering the city), an item with a 5-working-day promise and its cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from tests.factories import OrganisationFactory, division_chain, make_item, person, staff
from yiwang.calendar import services as calendar
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Channel
from yiwang.cases.services import Who
from yiwang.orgs.models import Division, Membership, Role

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    rec: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.rec[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def client(self, user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    def submit(self, item=None, *, accept: bool = True) -> Case:
        item = item or self.item
        applicant = self.applicant
        who = Who(user=applicant.user, name=applicant.name, channel=Channel.PORTAL)
        case, _ = cases.submit(version=item.current, person=applicant, who=who, form_data={})
        if accept:
            case = cases.accept(case, self.window_who, note="")
        case.refresh_from_db()
        return case


def build() -> World:
    calendar.load_from_package([2025, 2026])
    _province, city, _county = division_chain()
    h = OrganisationFactory(name="蚌埠市市场监督管理局", division=city)
    o = OrganisationFactory(name="蚌埠市交通运输局", division=city)
    centre = OrganisationFactory(name="蚌埠市政务服务中心", division=city)
    item = make_item(h, form_fields=[])
    other_item = make_item(o, form_fields=[])
    # Another city of the province: out of reach of the supervisors here (a supervisor reaches their division).
    hefei, _ = Division.objects.get_or_create(code="340100", defaults={"name": "合肥市", "parent": _province})
    far = OrganisationFactory(name="合肥市市场监督管理局", division=hefei)
    far_item = make_item(far, form_fields=[])
    clerk = staff(centre, Role.WINDOW_CLERK, username="c-clerk")
    Membership.objects.filter(user=clerk).update(covers_division=True)
    w = World()
    w.rec.update(
        city=city,
        h=h,
        o=o,
        centre=centre,
        item=item,
        other_item=other_item,
        far=far,
        far_item=far_item,
        clerk=clerk,
        reviewer=staff(h, Role.REVIEWER, username="c-reviewer"),
        approver=staff(h, Role.APPROVER, username="c-approver"),
        other_reviewer=staff(o, Role.REVIEWER, username="c-other-reviewer"),
        supervisor=staff(h, Role.SUPERVISOR, username="c-supervisor"),
        city_supervisor=staff(centre, Role.SUPERVISOR, username="c-city-supervisor"),
        applicant=person("张三", password=PASSWORD),
        window_who=Who(
            user=clerk, name="窗口", role=Role.WINDOW_CLERK, organisation_id=centre.pk, channel=Channel.WINDOW
        ),
    )
    Membership.objects.filter(user=w.city_supervisor).update(covers_division=True)
    return w


def reviewer_who(w: World) -> Who:
    return Who(user=w.reviewer, name="承办", role=Role.REVIEWER, organisation_id=w.h.pk, channel=Channel.PORTAL)


def days_after(case: Case, n: int) -> dt.date:
    from yiwang.calendar import workdays

    return workdays.add_working_days(case.accepted_at.date(), n)
