"""Export then import: the same catalog comes back; re-imports make new versions or change nothing."""

import io
import json

import pytest
from openpyxl import load_workbook

from tests.io.helpers import edit_xlsx, item_obj, json_file, set_cell, xlsx_file
from yiwang.catalog import services
from yiwang.catalog.io import import_catalog, published_versions
from yiwang.catalog.io.writer import item_dict
from yiwang.catalog.models import CatalogEvent, ItemVersion, Material, ServiceItem, VersionStatus

pytestmark = pytest.mark.django_db


def snapshot() -> list[dict]:
    out = []
    for v in published_versions():
        d = item_dict(v)
        d.pop("version")
        out.append(d)
    return out


def export(client, fmt: str) -> io.BytesIO:
    response = client.get(f"/api/v1/catalog/export?format={fmt}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    buf = io.BytesIO(body)
    buf.name = f"catalog.{fmt}"
    return buf


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_export_reimports_to_the_same_catalog(client, rich_catalog, fmt):
    before = snapshot()
    assert len(before) == 3
    buf = export(client, fmt)
    # The same file again changes nothing.
    result = import_catalog(buf)
    assert (result.created, result.new_versions, result.unchanged) == (0, 0, 3)
    # Into an empty catalog it makes the same items.
    ServiceItem.objects.all().delete()
    result = import_catalog(buf)
    assert (result.created, result.new_versions, result.unchanged) == (3, 0, 0)
    assert snapshot() == before
    assert set(CatalogEvent.objects.values_list("action", "channel")) == {("imported", "import")}
    assert all(v.status == VersionStatus.PUBLISHED and v.number == 1 for v in ItemVersion.objects.all())


def test_xlsx_has_chinese_headers_machine_keys_and_labels(client, rich_catalog):
    wb = load_workbook(export(client, "xlsx"), read_only=True)
    assert wb.sheetnames == ["事项", "材料", "流程", "收费", "说明"]
    rows = list(wb["事项"].iter_rows(values_only=True))
    assert rows[0][:2] == ("实施编码", "基本编码") and rows[1][:2] == ("item_code", "catalog_code")
    assert len(rows) == 2 + 3
    assert "行政许可" in rows[2] and "承诺件" in rows[2] and "Ⅳ 全程网办" in rows[2]
    fees = list(wb["收费"].iter_rows(values_only=True))
    assert fees[2][1:] == ("工本费", "10元/证", "《收费标准》第3条")


def test_json_export_is_documented_shape(client, rich_catalog):
    doc = json.loads(export(client, "json").getvalue())
    assert doc["format"] == "yiwang-catalog" and len(doc["items"]) == 3
    item = next(i for i in doc["items"] if i["name"] == "道路运输经营许可")
    assert item["credit_code"] == rich_catalog[0].organisation.credit_code
    assert item["steps"][1]["countersign_credit_code"]
    assert item["materials"][0]["license_type_code"] == "BUSINESS_LICENSE"
    assert item["fees"][0]["standard"] == "10元/证"


def test_export_filters_by_organisation_and_division(client, rich_catalog, org):
    from tests.factories import OrganisationFactory, make_item
    from yiwang.orgs.models import Division

    county = Division.objects.get(code="340302")
    other = OrganisationFactory(division=county)
    make_item(other, level=4)
    doc = json.loads(b"".join(client.get(f"/api/v1/catalog/export?organisation={org.credit_code}").streaming_content))
    assert len(doc["items"]) == 3
    doc = json.loads(b"".join(client.get("/api/v1/catalog/export?division=340302").streaming_content))
    assert [i["credit_code"] for i in doc["items"]] == [other.credit_code]
    doc = json.loads(b"".join(client.get("/api/v1/catalog/export?division=340300").streaming_content))
    assert len(doc["items"]) == 4  # the city and the county below it
    response = client.get("/api/v1/catalog/export?division=999999")
    assert response.status_code == 400 and response.json()["detail"][0]["field"] == "division"


def test_reimport_with_changes_publishes_new_versions(client, rich_catalog, admin_user):
    first = rich_catalog[0]
    material = Material.objects.filter(version=first.current).first()
    # Files attached to the old version are carried into the new one.
    Material.objects.filter(pk=material.pk).update(blank_form="catalog/forms/form.docx")
    buf = export(client, "xlsx")

    def change(wb):
        set_cell(wb, "事项", 3, "phone", "0552-7777777")
        set_cell(wb, "事项", 3, "change_note", "更换咨询电话")

    result = import_catalog(edit_xlsx(buf, change), user=admin_user)
    assert (result.created, result.new_versions, result.unchanged) == (0, 1, 2)
    first.refresh_from_db()
    versions = {v.number: v for v in first.versions.all()}
    assert versions[1].status == VersionStatus.RETIRED and versions[1].retired_at is not None
    assert versions[1].phone == "0552-1234567"  # the old version is intact
    assert versions[2].status == VersionStatus.PUBLISHED and first.current_id == versions[2].pk
    assert versions[2].phone == "0552-7777777" and versions[2].change_note == "更换咨询电话"
    assert versions[2].materials.get(name=material.name).blank_form.name == "catalog/forms/form.docx"
    assert list(first.events.order_by("id").values_list("action", flat=True))[-2:] == ["retired", "imported"]
    assert first.events.filter(action="imported").get().actor == admin_user


def test_reimport_leaves_an_open_draft_alone(client, rich_catalog):
    item = rich_catalog[0]
    draft = services.start_draft(item)
    buf = json_file([{**item_dict(item.current), "phone": "0552-9999999"}])
    result = import_catalog(buf)
    assert result.new_versions == 1 and result.open_drafts == [item.item_code]
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    item.refresh_from_db()
    assert item.current.number == draft.number + 1 and item.current.phone == "0552-9999999"


def test_retired_item_is_published_again(client, rich_catalog):
    item = rich_catalog[0]
    data = item_dict(item.current)
    services.retire(item)
    result = import_catalog(json_file([data]))
    assert result.new_versions == 1
    item.refresh_from_db()
    assert item.current.number == 2


def test_dry_run_writes_nothing(org):
    result = import_catalog(xlsx_file([item_obj(org), item_obj(org)]), dry_run=True)
    assert result.created == 2 and result.dry_run
    assert not ServiceItem.objects.exists() and not CatalogEvent.objects.exists()


def test_hand_made_workbook_with_chinese_headers_only_and_labels(org):
    """A person's workbook: no machine-key row, choice words instead of codes, columns in another order."""
    buf = xlsx_file([item_obj(org)])

    def strip_keys(wb):
        for ws in wb.worksheets:
            if ws.title != "说明":
                ws.delete_rows(2)
        ws = wb["事项"]
        ws.move_range(f"A1:A{ws.max_row}", cols=40)

    result = import_catalog(edit_xlsx(buf, strip_keys))
    assert result.created == 1
    version = ServiceItem.objects.get().current
    assert version.handling_kind == 2 and version.online_depth == 4 and version.item_type == "01"
    assert version.materials.count() == 1 and version.steps.count() == 4


def test_search_index_is_refreshed_after_commit(org, django_capture_on_commit_callbacks):
    from yiwang.catalog.models import SearchEntry

    with django_capture_on_commit_callbacks(execute=True):
        import_catalog(json_file([item_obj(org, name="特种设备使用登记")]))
    assert SearchEntry.objects.filter(name="特种设备使用登记").exists()


def test_result_sample_file_is_carried(rich_catalog):
    item = rich_catalog[0]
    ItemVersion.objects.filter(pk=item.current_id).update(result_sample="catalog/samples/s.pdf")
    item.refresh_from_db()
    data = item_dict(item.current)
    data["hours"] = "工作日 8:30-17:30"
    import_catalog(json_file([data]))
    item.refresh_from_db()
    assert item.current.result_sample.name == "catalog/samples/s.pdf"
