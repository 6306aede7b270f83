"""`yiwang seed_halls` on a small demo city: the main hall ready to book and call; idempotent; fails loudly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.halls.models import BusinessLine, DayFigures, HallProfile, WindowItem, WindowLine, WindowState
from yiwang.orgs.models import Hall, Membership, Role

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command("seed_halls", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_the_demo_hall_is_ready_and_seeding_is_idempotent():
    with pytest.raises(CommandError):
        run()
    call_command("seed_demo", seed=11, items=300, no_index=True, stdout=StringIO())
    call_command("demo_accounts", stdout=StringIO())
    output = run("--if-empty")
    hall = Hall.objects.get(name="蚌埠市政务服务中心大厅")
    assert HallProfile.objects.get(hall=hall).is_active
    assert list(BusinessLine.objects.filter(hall=hall).values_list("code", "name")) == [
        ("A", "综合受理"),
        ("B", "不动产"),
        ("C", "社保"),
        ("D", "出件"),
        ("E", "帮办"),
    ]
    for code in "ABCDE":
        assert WindowLine.objects.filter(line__hall=hall, line__code=code).exists(), code
    assert WindowItem.objects.filter(window__hall=hall, window__number="A01").exists()
    state = WindowState.objects.get(window__hall=hall, window__number="A01")
    assert state.status == "open" and state.user.username == "clerk"
    assert Membership.objects.filter(user__username="hall_manager", role=Role.HALL_MANAGER).exists()
    assert DayFigures.objects.filter(hall=hall).count() > 10
    assert "/halls/kiosk/" in output and "/display/" in output
    links = WindowItem.objects.count()
    again = run("--if-empty")
    assert "nothing seeded" in again and WindowItem.objects.count() == links
    run()  # a plain run brings the configuration up to date without duplicating anything
    assert WindowItem.objects.count() == links and BusinessLine.objects.filter(hall=hall).count() == 5


def test_the_demo_has_a_service_point_with_a_helper_and_a_bank_outlet():
    from yiwang.halls.models import AgencyProject, BankItem, HallKind, HallStaff, StaffKind

    call_command("seed_demo", seed=11, items=300, no_index=True, stdout=StringIO())
    call_command("demo_accounts", stdout=StringIO())
    output = run("--if-empty")
    point = Hall.objects.get(name="曹山街道便民服务站")
    outlet = Hall.objects.get(name="蚌埠农商银行龙子湖支行")
    assert point.profile.kind == HallKind.SERVICE_POINT and outlet.profile.kind == HallKind.BANK
    assert HallStaff.objects.get(hall=point, kind=StaffKind.HELPER).user.username == "helper"
    assert HallStaff.objects.get(hall=outlet, kind=StaffKind.BANK).user.username == "bank_clerk"
    assert BankItem.objects.count() == 6 and BankItem.objects.filter(self_service=True).count() == 3
    assert "/workbench/halls/assist/" in output and "open at bank outlets" in output
    run("--if-empty")
    assert BankItem.objects.count() == 6 and HallStaff.objects.count() == 2
    assert AgencyProject.objects.count() <= 1
