"""A bad file is refused with every problem by sheet, row and column, and nothing of it is written."""

import io

import pytest

from tests.io.helpers import edit_xlsx, item_obj, json_file, set_cell, xlsx_file
from yiwang.catalog.io import import_catalog
from yiwang.catalog.models import CatalogEvent, ItemVersion, Material, ServiceItem
from yiwang.core.errors import ProblemsError

pytestmark = pytest.mark.django_db


def refused(buf) -> list[dict]:
    """Imports `buf`, expects a refusal, checks nothing was written, returns the problems."""
    counts = (ServiceItem.objects.count(), ItemVersion.objects.count(), Material.objects.count())
    events = CatalogEvent.objects.count()
    with pytest.raises(ProblemsError) as info:
        import_catalog(buf)
    assert (ServiceItem.objects.count(), ItemVersion.objects.count(), Material.objects.count()) == counts
    assert CatalogEvent.objects.count() == events
    problems = info.value.as_list()
    for p in problems:
        assert p["message"] and p["message_en"]
    return problems


def one(problems, **where) -> dict:
    found = [p for p in problems if all(p.get(k) == v for k, v in where.items())]
    assert found, f"no problem at {where}: {problems}"
    return found[0]


def test_not_a_catalog_file():
    buf = io.BytesIO(b"name,code\nfoo,1\n")
    (p,) = refused(buf)
    assert p["code"] == "file"
    assert "xlsx" in p["message"]


def test_broken_zip_and_broken_json():
    (p,) = refused(io.BytesIO(b"PK\x03\x04 not really a zip"))
    assert p["code"] == "file"
    (p,) = refused(io.BytesIO(b'{"items": [ {"item_code": '))
    assert p["code"] == "file" and "line 1" in p["message_en"]


def test_json_must_be_a_list_of_items():
    (p,) = refused(io.BytesIO(b'{"items": 3}'))
    assert p["code"] == "file"


def test_missing_sheet(org):
    buf = edit_xlsx(xlsx_file([item_obj(org)]), lambda wb: wb.remove(wb["流程"]))
    (p,) = refused(buf)
    assert p["sheet"] == "流程" and p["code"] == "file"


def test_missing_columns_are_all_listed(org):
    def drop(wb):
        wb["事项"].delete_cols(6)  # 事项名称
        wb["材料"].delete_cols(3)  # 材料名称

    problems = refused(edit_xlsx(xlsx_file([item_obj(org)]), drop))
    one(problems, sheet="事项", row=1, column="事项名称")
    one(problems, sheet="材料", row=1, column="材料名称")


def test_bad_enum_and_bad_number_with_their_cells(org):
    def change(wb):
        set_cell(wb, "事项", 3, "online_depth", "Ⅴ")
        set_cell(wb, "事项", 3, "statutory_limit", "二十天")
        set_cell(wb, "事项", 3, "for_persons", "也许")
        set_cell(wb, "材料", 3, "copies", -2)
        set_cell(wb, "流程", 4, "kind", "盖章")

    problems = refused(edit_xlsx(xlsx_file([item_obj(org)]), change))
    p = one(problems, sheet="事项", row=3, column="网上办理深度")
    assert p["code"] == "invalid_choice" and "Ⅳ 全程网办" in p["message"] and p["column_letter"] == "U"
    assert one(problems, sheet="事项", row=3, column="法定时限")["code"] == "invalid_number"
    one(problems, sheet="事项", row=3, column="面向自然人")
    one(problems, sheet="材料", row=3, column="份数")
    one(problems, sheet="流程", row=4, column="环节类型")
    # One cell, one problem: the unreadable depth is not also reported by the catalog rules.
    assert len([p for p in problems if p["column"] == "网上办理深度"]) == 1


def test_catalog_rules_are_reported_on_their_cells(org):
    objs = [
        item_obj(org, promised_limit=30),  # longer than statutory 20
        item_obj(org, online_depth=4, visits_required=2),
        item_obj(org, handling_kind=1, promised_limit=3),
    ]
    objs[1]["materials"][0]["requirement"] = "conditional"  # without a condition
    problems = refused(xlsx_file(objs))
    p = one(problems, sheet="事项", row=3, column="承诺时限")
    assert p["message"] != p["message_en"] or p["message_en"].startswith("The promised")
    one(problems, sheet="事项", row=4, column="到现场次数")
    one(problems, sheet="材料", row=4, column="必需情形")
    one(problems, sheet="事项", row=5, column="承诺时限")


def test_unknown_organisation_license_type_data_resource_theme(org):
    obj = item_obj(org, themes=["no-such-theme"], result_type="license", result_license_type="NOPE")
    obj["materials"].append(
        {"name": "身份证", "source": "license", "license_type_code": "NO_SUCH", "order": 2},
    )
    obj["materials"].append({"name": "户籍", "source": "shared", "data_resource_code": "NO_DATA", "order": 3})
    stranger = dict(item_obj(org), credit_code="91340300MA2N0000X0")
    problems = refused(xlsx_file([obj, stranger]))
    assert one(problems, sheet="事项", row=4, column="实施主体统一社会信用代码")["code"] == "unknown_organisation"
    one(problems, sheet="事项", row=3, column="主题")
    one(problems, sheet="事项", row=3, column="结果证照类型代码")
    assert "NO_SUCH" in one(problems, sheet="材料", row=4, column="证照类型代码")["message"]
    one(problems, sheet="材料", row=5, column="数据资源代码")


def test_duplicate_code_and_orphan_rows(org):
    obj = item_obj(org)

    def orphan(wb):
        set_cell(wb, "流程", 3, "item_code", "1" * 31)

    problems = refused(edit_xlsx(xlsx_file([obj, obj]), orphan))
    dup = one(problems, sheet="事项", row=4, column="实施编码")
    assert dup["code"] == "duplicate" and "3" in dup["message"]
    assert one(problems, sheet="流程", row=3, column="实施编码")["code"] == "unknown_item"


def test_bad_codes(org):
    obj = item_obj(org)
    obj["item_code"] = obj["item_code"][:-1] + "Ä"
    other = item_obj(org)
    other["catalog_code"] = "99" + other["catalog_code"][2:]
    problems = refused(json_file([obj, other]))
    one(problems, sheet="items", row=1, column="item_code")
    one(problems, sheet="items", row=2, column="catalog_code")


def test_json_problems_name_the_item_and_path(org):
    obj = item_obj(org, level="市")  # a word is fine
    obj["materials"][0]["copies"] = "two"
    obj["steps"][1]["kind"] = "stamp"
    del obj["name"]
    problems = refused(json_file([item_obj(org), obj]))
    one(problems, sheet="items", row=2, column="materials[1].copies")
    one(problems, sheet="items", row=2, column="steps[2].kind")
    assert one(problems, sheet="items", row=2, column="name")["code"] == "required"


def test_every_problem_of_a_large_file_is_listed(org):
    objs = [item_obj(org, promised_limit=99) for _ in range(50)]
    problems = refused(xlsx_file(objs))
    rows = sorted(p["row"] for p in problems if p["column"] == "承诺时限")
    assert rows == list(range(3, 53))


def test_a_good_file_with_one_bad_row_writes_nothing(org):
    objs = [item_obj(org) for _ in range(5)] + [item_obj(org, phone="")]
    problems = refused(xlsx_file(objs))
    assert [(p["row"], p["column"]) for p in problems] == [(8, "咨询电话")]


def test_too_long_text_is_refused_before_the_database_sees_it(org):
    problems = refused(json_file([item_obj(org, name="长" * 201)]))
    assert one(problems, column="name")["code"] == "max_length"


def test_existing_item_cannot_change_its_handling_item(org):
    obj = item_obj(org)
    import_catalog(json_file([obj]))
    problems = refused(json_file([dict(obj, handling_item="new", phone="0552-1")]))
    assert one(problems, column="handling_item")["code"] == "immutable"


def test_a_zip_that_is_not_a_workbook():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    buf.seek(0)
    (p,) = refused(buf)
    assert p["code"] == "file"


def test_a_workbook_with_broken_sheet_xml(org):
    import zipfile

    good = xlsx_file([item_obj(org)])
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    out.seek(0)
    problems = refused(out)
    assert [p["code"] for p in problems] == ["file"]
