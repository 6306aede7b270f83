"""A small world for the statistics tests: two departments, an item each, staff, cases pushed through services."""

from __future__ import annotations

from tests.cases import workbench_world
from tests.factories import OrganisationFactory, make_item, staff
from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.cases.services import Who
from yiwang.core import outbox
from yiwang.orgs.models import Membership, Role


def build() -> dict:
    w = workbench_world.build()
    w["other_item"] = make_item(w["other"])
    w["other_approver"] = staff(w["other"], Role.APPROVER, username="approver9")
    city = OrganisationFactory(name="蚌埠市数据资源管理局")
    w["city_sup"] = staff(city, Role.SUPERVISOR, username="citysup")
    Membership.objects.filter(user=w["city_sup"]).update(covers_division=True)
    return w


def submit(w, version=None) -> Case:
    return workbench_world.submit(w, version=version)


def conclude(w, case: Case, decision: str = "pass") -> Case:
    """Accepts the case and works its three steps (reviewer, reviewer, approver) through to the end."""
    org_id = case.organisation_id
    clerk = Who(user=w["clerk"], name="clerk1", role=Role.WINDOW_CLERK, organisation_id=org_id)
    case = cases.accept(case, clerk)
    steps = [(w["reviewer"], Role.REVIEWER), (w["reviewer"], Role.REVIEWER), (w["approver"], Role.APPROVER)]
    for user, role in steps:
        who = Who(user=user, name=user.username, role=role, organisation_id=org_id)
        cases.claim(case, who)
        case = cases.complete_step(case, who, decision=decision if role == Role.APPROVER else "pass", opinion="同意")
    return case


def drain() -> int:
    return outbox.drain()
