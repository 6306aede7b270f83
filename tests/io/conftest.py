import pytest

from tests.factories import OrganisationFactory, license_type, make_item, material_data, staff
from yiwang.catalog.models import Theme
from yiwang.exchange.models import DataResource


@pytest.fixture
def org(db):
    return OrganisationFactory()


@pytest.fixture
def admin_user(org):
    return staff(org)


@pytest.fixture
def rich_catalog(org):
    """Published items using every kind of element: themes, fees, license and shared-data materials, countersigning."""
    other = OrganisationFactory(name="蚌埠市公安局")
    license_type()
    DataResource.objects.create(code="HOUSEHOLD", name="户籍信息", provider=other)
    theme = Theme.objects.create(code="open-restaurant", name="开餐馆", audience="enterprise")
    items = [
        make_item(org, themes=[theme]),
        make_item(
            org,
            name="道路运输经营许可",
            aliases=[],
            fee_required=True,
            fees=[{"name": "工本费", "standard": "10元/证", "basis": "《收费标准》第3条"}],
            materials=[
                material_data(name="营业执照", source="license", license_type_code="BUSINESS_LICENSE", form="original"),
                material_data(name="户口簿", source="shared", data_resource_code="HOUSEHOLD"),
                material_data(name="租赁合同", requirement="conditional", condition="经营场所为租赁的", copies=2),
            ],
            steps=[
                {"kind": "accept", "name": "受理", "days": 1},
                {"kind": "countersign", "name": "公安会签", "days": 2, "countersign_org_id": other.pk},
                {"kind": "approve", "name": "批准", "days": 1},
            ],
        ),
        make_item(
            org,
            item_type="20",
            name="老年人优待证办理",
            handling_kind=1,
            promised_limit=0,
            statutory_limit=5,
            online_depth=3,
            visits_required=1,
            for_enterprises=False,
            result_type="other",
            steps=[{"kind": "accept", "name": "当场办结", "days": 0}],
        ),
    ]
    return items
