"""A small hall for the halls tests: 蚌埠市政务服务中心 with its hall, two lines, three windows, items, a clerk, a
manager and a citizen, built through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.factories import OrganisationFactory, division_chain, make_item, person, staff
from yiwang.halls import services
from yiwang.halls.models import HallProfile
from yiwang.orgs.models import Hall, Membership, OrgKind, Role, Window, WindowKind

ALL_DAY = [("08:00", "12:00"), ("13:00", "18:00")]


def build(*, queue_outside_hours: bool = True, windows: int = 3, **profile: Any) -> dict[str, Any]:
    _province, city, _county = division_chain()
    centre = OrganisationFactory(name="蚌埠市政务服务中心", division=city, kind=OrgKind.SERVICE_CENTER)
    dept = OrganisationFactory(name="蚌埠市市场监督管理局", division=city)
    hall = Hall.objects.create(name="蚌埠市政务服务中心大厅", organisation=centre, division=city, address="东海大道")
    prof = services.ensure_profile(hall, queue_outside_hours=queue_outside_hours, **profile)
    services.set_weekly_hours(hall, {d: ALL_DAY for d in range(7)}, services.SYSTEM)
    general = services.add_line(hall, code="A", name="综合受理", service_minutes=15)
    pickup = services.add_line(hall, code="C", name="出件", service_minutes=5, bookable=False)
    item = make_item(dept, name="食品经营许可证核发")
    other_item = make_item(dept, name="食品生产许可证核发")
    wins = []
    for i in range(windows):
        w = Window.objects.create(
            hall=hall, number=f"A{i + 1:02d}", name=f"综合受理窗口{i + 1}", kind=WindowKind.COMPREHENSIVE
        )
        services.set_window_lines(w, [general])
        services.set_window_items(w, [item])
        wins.append(w)
    c01 = Window.objects.create(hall=hall, number="C01", name="出件窗口", kind=WindowKind.DELIVERY)
    services.set_window_lines(c01, [pickup])
    clerk = staff(centre, Role.WINDOW_CLERK, username="h-clerk", first_name="窗口")
    clerk2 = staff(centre, Role.WINDOW_CLERK, username="h-clerk2")
    manager = staff(centre, Role.HALL_MANAGER, username="h-manager")
    citizen = person("张三", password="correct-horse-battery")
    return {
        "city": city,
        "centre": centre,
        "dept": dept,
        "hall": hall,
        "profile": HallProfile.objects.get(pk=prof.pk),
        "line": general,
        "pickup": pickup,
        "item": item,
        "other_item": other_item,
        "windows": wins,
        "c01": c01,
        "clerk": clerk,
        "clerk2": clerk2,
        "manager": manager,
        "citizen": citizen,
    }


def tomorrow_at(hour: int, minute: int = 0, days: int = 1) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def booker(p, channel: str = "portal") -> services.Booker:
    return services.Booker(person=p, user=p.user, channel=channel)


def by(user, channel: str = "window") -> services.By:
    return services.By(user=user, name=user.username, channel=channel)


def member(user, org, role) -> None:
    Membership.objects.get_or_create(user=user, organisation=org, role=role)
