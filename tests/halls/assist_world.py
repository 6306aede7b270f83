"""A village service point with a helper and a bank outlet with staff and a smart teller, next to the hall world."""

from __future__ import annotations

from typing import Any

from tests.factories import OrganisationFactory, UserFactory, make_item
from tests.halls.world import build
from yiwang.halls import services
from yiwang.halls.models import BankItem, HallKind, HallStaff, StaffKind
from yiwang.orgs.models import Division, Hall, OrgKind


def build_assist() -> dict[str, Any]:
    w = build()
    county = Division.objects.get(code="340302")
    township = OrganisationFactory(name="曹山街道便民服务中心", division=county, kind=OrgKind.CONVENIENCE_CENTER)
    point = Hall.objects.create(name="曹山街道便民服务站", organisation=township, division=county, address="曹山路1号")
    services.ensure_profile(point, kind=HallKind.SERVICE_POINT)
    bank_org = OrganisationFactory(name="蚌埠农商银行", division=county, kind=OrgKind.PUBLIC_INSTITUTION)
    outlet = Hall.objects.create(
        name="蚌埠农商银行龙子湖支行", organisation=bank_org, division=county, address="胜利路8号"
    )
    services.ensure_profile(outlet, kind=HallKind.BANK)
    helper = UserFactory(username="helper-wang", first_name="王帮办")
    HallStaff.objects.create(hall=point, user=helper, kind=StaffKind.HELPER)
    teller_staff = UserFactory(username="bank-li", first_name="李柜员")
    HallStaff.objects.create(hall=outlet, user=teller_staff, kind=StaffKind.BANK)
    BankItem.objects.create(item=w["item"], self_service=True)
    closed_item = make_item(w["dept"], name="食品经营许可证延续")  # not opened to bank outlets
    w.update(point=point, outlet=outlet, helper=helper, bank_staff=teller_staff, closed_item=closed_item)
    return w
