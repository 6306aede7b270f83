"""Versioning and validation through the catalog's write path."""

import pytest

from tests.factories import OrganisationFactory, item_code_for, make_item, material_data, version_data
from yiwang.catalog import services
from yiwang.catalog.models import CatalogEvent, FrozenVersionError, ItemVersion, Material, VersionStatus
from yiwang.core.errors import ProblemsError

pytestmark = pytest.mark.django_db


def test_publish_sets_current_and_records_events():
    item = make_item()
    assert item.current.status == VersionStatus.PUBLISHED
    assert list(item.events.values_list("action", flat=True).order_by("id")) == ["created", "published"]


def test_published_version_never_changes():
    item = make_item()
    version = ItemVersion.objects.get(pk=item.current_id)
    version.name = "改名"
    with pytest.raises(FrozenVersionError):
        version.save()
    with pytest.raises(FrozenVersionError):
        Material.objects.create(version=version, name="新增材料")
    with pytest.raises(FrozenVersionError):
        version.materials.first().delete()


def test_editing_makes_a_new_draft_and_publishing_retires_the_old_version():
    item = make_item()
    v1 = item.current
    draft = services.start_draft(item)
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    assert [m.name for m in draft.materials.all()] == [m.name for m in v1.materials.all()]
    assert services.start_draft(item) == draft  # one draft at a time
    services.update_draft(draft, version={"phone": "0552-7654321", "change_note": "更换咨询电话"})
    services.publish(draft)
    v1.refresh_from_db()
    item.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED and item.current_id == draft.pk
    assert ItemVersion.objects.get(pk=v1.pk).phone == "0552-1234567"  # the old version is intact


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"promised_limit": 25}, "promised_limit"),
        ({"handling_kind": 1, "promised_limit": 3}, "promised_limit"),
        ({"online_depth": 4, "visits_required": 1}, "visits_required"),
        ({"online_depth": 2, "visits_required": 0}, "online_depth"),
        ({"for_persons": False, "for_enterprises": False}, "service_object"),
        ({"fee_required": True, "fees": []}, "fees"),
        ({"result_type": "license", "result_license_type": "NO_SUCH_TYPE"}, "result_license_type"),
        ({"item_type": "02", "catalog_code": "010000099999"}, "item_type"),
        ({"level": 4}, "level"),
        ({"name": " "}, "name"),
    ],
)
def test_publish_refuses_each_rule_with_the_field_named(overrides, field):
    org = OrganisationFactory()
    with pytest.raises(ProblemsError) as exc:
        make_item(org, **overrides)
    fields = [p["field"] for p in exc.value.as_list()]
    assert field in fields
    first = exc.value.as_list()[0]
    assert first["message"] and first["message_en"]
    assert not org.items.exists()  # nothing half-written


def test_material_source_must_exist():
    with pytest.raises(ProblemsError) as exc:
        make_item(materials=[material_data(source="license", license_type_code="NOPE")])
    assert exc.value.as_list()[0]["field"] == "materials.1.license_type_code"


def test_item_codes_must_be_well_formed_and_unique():
    org = OrganisationFactory()
    make_item(org, catalog_code="010000000001")
    with pytest.raises(ProblemsError) as exc:
        services.create_item(
            organisation=org,
            catalog_code="010000000001",
            item_code=item_code_for(org, "010000000001"),
            version=version_data(),
        )
    assert {p["code"] for p in exc.value.as_list()} == {"duplicate"}
    with pytest.raises(ProblemsError) as exc:
        services.create_item(organisation=org, catalog_code="01000000001", item_code="X" * 31, version=version_data())
    assert {p["field"] for p in exc.value.as_list()} == {"catalog_code", "item_code"}


def test_retire_withdraws_the_item_without_deleting():
    item = make_item()
    services.retire(item, note="法律废止")
    item.refresh_from_db()
    assert item.current is None
    assert item.versions.get().status == VersionStatus.RETIRED
    assert CatalogEvent.objects.filter(item=item, action="retired").exists()
    with pytest.raises(ProblemsError):
        services.retire(item)
