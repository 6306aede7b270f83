"""The demo city as plain data: deterministic, realistic in shape, codes valid (no database needed)."""

from __future__ import annotations

from collections import Counter

import pytest

from yiwang.catalog.models import HANDLING_ITEM_DIGIT
from yiwang.core.codes import credit_code_error, division_code_error, division_level, division_parent_error
from yiwang.ops.demo import DemoError, generate_city, universe_size
from yiwang.ops.demo.generate import cn_number, templates

ITEMS = 400


@pytest.fixture(scope="module")
def plan():
    return generate_city(2026, ITEMS)


def test_same_seed_same_city_including_codes(plan):
    again = generate_city(2026, ITEMS)
    assert again.as_dict() == plan.as_dict()


def test_other_seed_differs():
    a = generate_city(1, 200)
    b = generate_city(2, 200)
    assert {i.item_code for i in a.items} != {i.item_code for i in b.items}
    assert [o.credit_code for o in a.organisations] != [o.credit_code for o in b.organisations]


def test_exact_item_count_and_limit():
    assert len(generate_city(3, 123).items) == 123
    with pytest.raises(DemoError):
        generate_city(3, universe_size() + 1)
    with pytest.raises(DemoError):
        generate_city(3, 0)


def test_twenty_thousand_items_fit():
    assert universe_size() >= 20000


def test_five_levels_of_real_divisions(plan):
    levels = Counter(d.level for d in plan.divisions)
    assert set(levels) == {2, 3, 4, 5, 6}
    assert levels[2] == 1 and levels[3] == 1 and levels[4] == 7
    names = {d.code: d.name for d in plan.divisions}
    assert names["340000"] == "安徽省" and names["340300"] == "蚌埠市"
    assert names["340302"] == "龙子湖区" and names["340321"] == "怀远县" and names["340323"] == "固镇县"
    codes = [d.code for d in plan.divisions]
    assert len(codes) == len(set(codes))
    for d in plan.divisions:
        assert division_code_error(d.code) is None, d
        assert division_level(d.code) == d.level, d
        assert division_parent_error(d.code, d.parent_code) is None, d


def test_about_a_thousand_organisations_with_valid_unique_codes(plan):
    assert 900 <= len(plan.organisations) <= 1100
    codes = [o.credit_code for o in plan.organisations]
    assert len(codes) == len(set(codes))
    for o in plan.organisations:
        assert credit_code_error(o.credit_code) is None, o
        assert o.address and o.phone.startswith(("0552-", "0551-")), o
    names = {o.name for o in plan.organisations}
    for expected in (
        "蚌埠市市场监督管理局",
        "蚌埠市公安局",
        "蚌埠市人力资源和社会保障局",
        "蚌埠市政务服务中心",
        "蚌埠市数据资源管理局",
        "蚌埠市住房公积金管理中心",
        "蚌埠市不动产登记中心",
        "怀远县市场监督管理局",
        "蚌埠市公安局龙子湖分局",
        "国家税务总局五河县税务局",
        "安徽省公安厅",
    ):
        assert expected in names
    kinds = Counter(o.kind for o in plan.organisations)
    assert kinds["convenience"] == sum(1 for d in plan.divisions if d.level >= 5)
    assert kinds["center"] >= 8


def test_halls_have_every_kind_of_window(plan):
    city_hall = next(h for h in plan.halls if h.division_code == "340300")
    assert {w.kind for w in city_hall.windows} == {"comprehensive", "dedicated", "delivery", "help"}
    assert sum(1 for h in plan.halls if len(h.division_code) == 12) == sum(1 for d in plan.divisions if d.level == 5)
    for h in plan.halls:
        numbers = [w.number for w in h.windows]
        assert len(numbers) == len(set(numbers))


def test_reference_catalogs(plan):
    assert len(plan.license_types) >= 20
    assert len(plan.data_resources) >= 15
    assert all(lt.issuer_codes for lt in plan.license_types)
    names = {lt.name for lt in plan.license_types}
    assert {"营业执照", "食品经营许可证", "居民身份证", "结婚证", "不动产权证书", "社会保障卡", "残疾人证"} <= names
    audiences = Counter(t.audience for t in plan.themes)
    assert audiences["person"] >= 8 and audiences["enterprise"] >= 6


def test_several_hundred_base_items():
    base = templates()
    assert len(base) >= 300
    assert len({(t.dept, t.name) for t in base}) == len(base)


def test_items_are_well_formed(plan):
    credit = {o.credit_code for o in plan.organisations}
    codes = [i.item_code for i in plan.items]
    assert len(codes) == len(set(codes))
    for i in plan.items:
        assert len(i.catalog_code) == 12 and i.catalog_code[:2] == i.version["item_type"]
        assert len(i.item_code) == 31
        assert i.item_code == i.organisation_code + i.catalog_code + HANDLING_ITEM_DIGIT[i.handling_item]
        assert i.organisation_code in credit
        v = i.version
        assert 1 <= len(v["aliases"]) <= 4 and len(set(v["aliases"])) == len(v["aliases"])
        assert 1 <= len(i.materials) <= 8
        assert v["promised_limit"] <= v["statutory_limit"]
        if v["handling_kind"] == 1:
            assert v["promised_limit"] <= 1
        if v["online_depth"] == 4:
            assert v["visits_required"] == 0
        assert sum(s["days"] for s in i.steps) <= max(v["promised_limit"], 1)
        assert v["fee_required"] == bool(v["fees"])
        assert (v["result_type"] == "license") == bool(v["result_license_type"])


@pytest.fixture(scope="module")
def bigger():
    return generate_city(2026, 3000)


def test_items_reach_every_level_and_variants(plan, bigger):
    assert {i.version["level"] for i in plan.items} == {2, 3, 4, 5, 6}
    variants = Counter(i.handling_item for i in bigger.items)
    assert {"", "new", "change", "renew", "cancel"} <= set(variants)


def test_realistic_names_and_colloquial_aliases(bigger):
    plan = bigger
    by_name: dict[str, set[str]] = {}
    for i in plan.items:
        by_name.setdefault(i.version["name"], set()).update(i.version["aliases"])
    assert "开饭店办证" in by_name["食品经营许可（新设）"]
    assert "办身份证" in by_name["居民身份证首次申领"]
    assert "领失业金" in by_name["失业保险金申领"]
    assert "生孩子上户口" in by_name["出生登记"]
    assert "注销社会团体" in by_name.get("社会团体成立登记（注销）", {"注销社会团体"})
    assert len(by_name) >= 150
    levels = Counter(i.version["level"] for i in plan.items)
    assert all(levels[lv] > 0 for lv in (2, 3, 4, 5, 6))


def test_chinese_article_numbers():
    assert [cn_number(n) for n in (1, 10, 12, 35, 60, 100, 105, 120)] == [
        "一",
        "十",
        "十二",
        "三十五",
        "六十",
        "一百",
        "一百零五",
        "一百二十",
    ]
