"""The item a person means comes first: exact names, colloquial names, pinyin, initials; filters."""

import pytest

from yiwang.catalog.search import Filters, search
from yiwang.orgs.models import Division


def first(query, **kw):
    result = search(query, **kw)
    assert result.hits, f"nothing found for {query!r}"
    return result.hits[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("营业执照核发", "营业执照核发"),
        ("营业执照", "营业执照核发"),
        ("yyzz", "营业执照核发"),
        ("yingyezhizhao", "营业执照核发"),
        ("yyzzhf", "营业执照核发"),
        ("yyzz注销", "个体工商户营业执照注销"),
        ("营业执照 注销", "个体工商户营业执照注销"),
        ("关店注销", "个体工商户营业执照注销"),
        ("开饭店", "食品经营许可证核发"),
        ("食品经营", "食品经营许可证核发"),
        ("spjyxkz", "食品经营许可证核发"),
        ("shenfenzheng", "居民身份证申领"),
        ("补办身份证", "居民身份证申领"),
        ("社保转移", "城镇职工基本养老保险关系转移接续"),
        ("sbzy", "城镇职工基本养老保险关系转移接续"),
        ("yanglaobaoxian", "城镇职工基本养老保险关系转移接续"),
        ("出生证", "出生医学证明办理"),
        ("卫生许可", "公共场所卫生许可"),
        ("住院分娩记录", "出生医学证明办理"),  # a material
        ("ＹＹＺＺ", "营业执照核发"),  # full-width input
    ],
)
def test_intended_item_first(city, query, expected):
    assert first(query).entry.name == expected


def test_department_name_finds_its_items(city):
    result = search("公安局")
    assert [h.entry.name for h in result.hits][:1] == ["居民身份证申领"]


def test_same_base_item_in_many_counties_is_one_line_city_first(city):
    result = search("营业执照")
    names = [h.entry.name for h in result.hits]
    assert names.count("营业执照核发") == 1
    top = result.hits[0]
    assert top.entry.division_name == "蚌埠市"
    assert top.implementations == 3
    assert top.url == f"/items/{city['license_city'].item_code}/"


def test_ungrouped_lists_every_place_city_first(city):
    result = search("营业执照核发", group=False)
    assert result.hits[0].entry.division_name == "蚌埠市"
    assert sum(h.entry.name == "营业执照核发" for h in result.hits) == 3


def test_division_filter_covers_subtree_and_prefers_it(city):
    county = Division.objects.get(code="340321")
    result = search("营业执照", Filters(division_path=county.path), prefer_path=county.path)
    assert {h.entry.division_name for h in result.hits} == {"怀远县"}
    city_div = Division.objects.get(code="340300")
    result = search("营业执照核发", Filters(division_path=city_div.path), group=False)
    assert {h.entry.division_name for h in result.hits} == {"蚌埠市", "龙子湖区", "怀远县"}


def test_filters(city):
    assert {h.entry.name for h in search("许可证", Filters(audience="enterprise")).hits} >= {"食品经营许可证核发"}
    persons = search("营业执照", Filters(audience="person")).hits
    assert "营业执照核发" not in {h.entry.name for h in persons}  # not for persons
    assert [h.entry.name for h in search("", Filters(theme="birth")).hits] == ["出生医学证明办理"]
    zero = search("", Filters(max_visits=0), group=False).hits
    assert zero and all(h.entry.visits_required == 0 for h in zero)
    one = search("", Filters(max_visits=1), group=False).hits
    assert {"居民身份证申领", "出生医学证明办理"} <= {h.entry.name for h in one}
    assert all(h.entry.online_depth == 3 for h in search("", Filters(online_depth=3)).hits)
    county_level = search("", Filters(level=4), group=False).hits
    assert county_level and all(h.entry.level == 4 for h in county_level)
    org = city["id_card"].organisation
    assert [h.entry.name for h in search("", Filters(organisation_id=org.pk)).hits] == ["居民身份证申领"]


def test_nothing_found_and_garbage(city):
    assert search("qqqqxxxx").total == 0
    assert search("%_'\";--").total == 0
    assert search("营业执照" * 40).total >= 1  # long input is cut, not refused


def test_pages(city):
    everything = search("", group=False, page_size=4)
    assert everything.total == 11 and everything.pages == 3
    last = search("", group=False, page=3, page_size=4)
    assert len(last.hits) == 3
    beyond = search("", group=False, page=9, page_size=4)
    assert beyond.hits == [] and beyond.total == 11


def test_department_words_prefer_that_departments_implementation(city):
    hit = first("龙子湖区 营业执照")
    assert hit.entry.name == "营业执照核发"
    assert hit.entry.division_name == "龙子湖区"  # its department's name matched too
    assert hit.implementations == 3  # still every place offering it
    places = search("龙子湖区 营业执照核发", group=False)
    assert places.hits[0].entry.division_name == "龙子湖区"
    assert sum(h.entry.name == "营业执照核发" for h in places.hits) == 3


@pytest.mark.parametrize("query", ["营业执照", "龙子湖区 营业执照", "许可", "市场监督管理局 许可证", "身份证", "卫生"])
def test_a_short_page_ranks_as_the_first_lines_of_a_long_one(city, query):
    """Department bonuses are computed only for lines that can reach the page: same order either way."""
    full = [(h.entry.item_id, h.score, h.implementations) for h in search(query, page_size=50).hits]
    for size in (1, 2, 3):
        page = [(h.entry.item_id, h.score, h.implementations) for h in search(query, page_size=size).hits]
        assert page == full[:size], size
        second = [(h.entry.item_id, h.score, h.implementations) for h in search(query, page=2, page_size=size).hits]
        assert second == full[size : 2 * size], size
