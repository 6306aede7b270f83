"""Search test data: a small city with the same base items implemented in several counties."""

from __future__ import annotations

from typing import Any

from tests.factories import division_chain, make_item, material_data
from yiwang.catalog.models import Theme
from yiwang.core.codes import make_credit_code
from yiwang.orgs.models import Division, Organisation

_org_serial = iter(range(50_000_000, 60_000_000))


def county(code: str, name: str) -> Division:
    _province, city, _county = division_chain()
    div, _ = Division.objects.get_or_create(code=code, defaults={"name": name, "parent": city})
    return div


def org(name: str, division: Division) -> Organisation:
    found = Organisation.objects.filter(name=name, division=division).first()
    if found:
        return found
    return Organisation.objects.create(
        name=name,
        credit_code=make_credit_code("1", "1", division.code[:6], f"{next(_org_serial):08d}"),
        division=division,
    )


def theme(code: str, name: str, audience: str = "person", order: int = 0) -> Theme:
    found, _ = Theme.objects.get_or_create(code=code, defaults={"name": name, "audience": audience, "order": order})
    return found


def item(organisation: Organisation, name: str, catalog_code: str, aliases=(), materials=(), **kw: Any):
    """A published item with the given name, aliases and material names."""
    mats = [material_data(name=m) for m in materials] or [material_data(name="申请表")]
    return make_item(
        organisation,
        catalog_code=catalog_code,
        name=name,
        aliases=list(aliases),
        materials=mats,
        competent_department=organisation.name,
        **kw,
    )


def small_city() -> dict[str, Any]:
    """蚌埠市 with two counties; licensing items at city and county level, persons' items too."""
    _province, city, longzihu = division_chain()
    huaiyuan = county("340321", "怀远县")
    market_city = org("蚌埠市市场监督管理局", city)
    market_lzh = org("龙子湖区市场监督管理局", longzihu)
    market_hy = org("怀远县市场监督管理局", huaiyuan)
    police = org("蚌埠市公安局", city)
    health = org("蚌埠市卫生健康委员会", city)
    hrss = org("蚌埠市人力资源和社会保障局", city)
    birth = theme("birth", "出生", "person", 1)
    startup = theme("startup", "开办企业", "enterprise", 1)
    items: dict[str, Any] = {}
    for o, suffix in ((market_city, "city"), (market_lzh, "lzh"), (market_hy, "hy")):
        items[f"license_{suffix}"] = item(
            o,
            "营业执照核发",
            "010000000001",
            aliases=["办营业执照", "开公司执照"],
            materials=["公司登记申请书", "法定代表人身份证"],
            for_persons=False,
            themes=[startup],
        )
        items[f"food_{suffix}"] = item(
            o,
            "食品经营许可证核发",
            "010000000002",
            aliases=["开饭店办证", "食品许可"],
            materials=["食品经营许可申请书", "营业执照"],
        )
    items["cancel"] = item(
        market_city, "个体工商户营业执照注销", "010000000003", aliases=["关店注销"], materials=["注销登记申请书"]
    )
    items["id_card"] = item(
        police,
        "居民身份证申领",
        "200000000004",
        item_type="20",
        aliases=["办身份证", "补办身份证"],
        materials=["户口簿", "本人照片"],
        for_enterprises=False,
        visits_required=1,
        online_depth=3,
    )
    items["birth_cert"] = item(
        health,
        "出生医学证明办理",
        "200000000005",
        item_type="20",
        aliases=["办出生证"],
        materials=["父母身份证", "住院分娩记录"],
        for_enterprises=False,
        themes=[birth],
        visits_required=1,
        online_depth=3,
    )
    items["pension"] = item(
        hrss,
        "城镇职工基本养老保险关系转移接续",
        "200000000006",
        item_type="20",
        aliases=["社保转移", "养老保险转出"],
        materials=["居民身份证", "参保缴费凭证"],
        for_enterprises=False,
    )
    items["hygiene"] = item(
        health, "公共场所卫生许可", "010000000007", aliases=["卫生许可证"], materials=["卫生许可申请表"]
    )
    return items
