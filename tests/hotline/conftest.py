"""A small 12345 world: the city's centre with an operator and a centre supervisor, two departments with handlers
(one with a township sub-unit), a supervisor, and the category tree of the data migration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import OrganisationFactory, division_chain, staff
from yiwang.hotline import services
from yiwang.hotline.models import Category, Centre, Channel, OrderType
from yiwang.orgs.models import Division, Membership, OrgKind, Role


@dataclass
class HotlineWorld:
    city: Any
    county: Any
    centre: Any
    dept: Any
    other: Any
    township: Any
    operator: Any
    chief: Any
    handler: Any
    handler2: Any
    other_handler: Any
    town_handler: Any
    supervisor: Any

    def who(self, user, role: str = "", org=None, channel: str = "workbench") -> services.Who:
        return services.Who(
            user=user, name=user.get_username(), role=role, organisation_id=getattr(org, "pk", None), channel=channel
        )

    @property
    def op(self) -> services.Who:
        return self.who(self.operator, Role.HOTLINE_OPERATOR, self.centre, Channel.PHONE)

    @property
    def hd(self) -> services.Who:
        return self.who(self.handler, Role.HOTLINE_HANDLER, self.dept)

    @property
    def boss(self) -> services.Who:
        return self.who(self.chief, Role.HOTLINE_OPERATOR, self.centre)


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def ensure_categories() -> None:
    """The data migration's category tree and first policy (a transactional test's flush removes them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("yiwang.hotline.migrations.0002_hotline_policy_and_categories").forwards(apps, None)


def build() -> HotlineWorld:
    from yiwang.calendar import services as calendar

    ensure_categories()
    calendar.load_from_package([2025, 2026])
    _p, city, county = division_chain()
    town, _ = Division.objects.get_or_create(code="340302001000", defaults={"name": "东风街道", "parent": county})
    centre = OrganisationFactory(name="蚌埠市12345政务服务便民热线中心", division=city, kind=OrgKind.SERVICE_CENTER)
    Centre.objects.create(organisation=centre, division=city, is_default=True)
    dept = OrganisationFactory(name="蚌埠市城市管理局", division=city)
    other = OrganisationFactory(name="蚌埠市市场监督管理局", division=city)
    township = OrganisationFactory(name="东风街道办事处", division=town, parent=dept)
    operator = staff(centre, Role.HOTLINE_OPERATOR, username="op", first_name="话务员")
    Membership.objects.filter(user=operator).update(covers_division=True)
    chief = staff(centre, Role.HOTLINE_OPERATOR, username="chief", first_name="值班长")
    Membership.objects.filter(user=chief).update(covers_division=True)
    chief.user_permissions.add(Permission.objects.get(codename="supervise", content_type__app_label="hotline"))
    return HotlineWorld(
        city=city,
        county=county,
        centre=centre,
        dept=dept,
        other=other,
        township=township,
        operator=operator,
        chief=chief,
        handler=staff(dept, Role.HOTLINE_HANDLER, username="hd1", first_name="城管甲"),
        handler2=staff(dept, Role.HOTLINE_HANDLER, username="hd2", first_name="城管乙"),
        other_handler=staff(other, Role.HOTLINE_HANDLER, username="hd-other"),
        town_handler=staff(township, Role.HOTLINE_HANDLER, username="hd-town"),
        supervisor=staff(centre, Role.SUPERVISOR, username="sup"),
    )


@pytest.fixture
def hw(db) -> HotlineWorld:
    return build()


def new_order(hw: HotlineWorld, **kw):
    data = {
        "who": hw.op,
        "order_type": OrderType.COMPLAINT,
        "category": cat("road"),
        "content": "龙子湖区东风路与胜利路交叉口路面塌陷，有安全隐患。",
        "address": "蚌埠市龙子湖区东风路与胜利路交叉口",
        "latitude": 32.9165,
        "longitude": 117.3890,
        "caller_phone": "13912345678",
        "caller_name": "王先生",
        "division": hw.county,
    }
    data.update(kw)
    order, _created = services.create_order(**data)
    return order
