"""Two departments' items with forms that share fields, a published bundle over them, a citizen, an admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.bundles import services
from yiwang.catalog.models import ItemVersion
from yiwang.orgs.models import Role

LICENSE_FORM = [
    {"name": "shop_name", "label": "店铺名称", "type": "text", "required": True},
    {"name": "area", "label": "经营面积", "type": "number", "required": True, "min": 1},
    {"name": "contact_phone", "label": "联系电话", "type": "phone", "required": True},
]
FOOD_FORM = [
    {"name": "name_of_shop", "label": "店名", "type": "text", "required": True},
    {
        "name": "kind",
        "label": "类别",
        "type": "choice",
        "required": True,
        "choices": [{"value": "catering", "label": "餐饮"}, {"value": "retail", "label": "零售"}],
    },
    {"name": "contact_phone", "label": "联系电话", "type": "phone", "required": True},
]
SIGN_FORM = [{"name": "sign_size", "label": "招牌面积", "type": "number", "required": True}]
QUESTIONS = [{"name": "has_sign", "label": "是否设置户外招牌", "type": "checkbox"}]


@dataclass
class World:
    org: Any
    org2: Any
    license_item: Any
    food_item: Any
    sign_item: Any
    bundle: Any
    citizen: Any
    admin: Any


def _item(org: Any, form: list, name: str) -> Any:
    item = make_item(org, name=name, materials=[])
    ItemVersion.objects.filter(pk=item.current_id).update(form_fields=form)
    item.refresh_from_db()
    return item


def build(publish: bool = True) -> World:
    org = OrganisationFactory(name="市市场监督管理局")
    org2 = OrganisationFactory(name="市城市管理局", division=org.division)
    license_item = _item(org, LICENSE_FORM, "个体工商户注册登记")
    food_item = _item(org, FOOD_FORM, "食品经营许可")
    sign_item = _item(org2, SIGN_FORM, "户外招牌设置")
    admin = staff(org, Role.CATALOG_ADMIN)
    bundle = services.save_bundle(
        organisation=org,
        code="open-restaurant",
        name="我要开餐馆",
        keywords="开饭店 开餐厅",
        questions=QUESTIONS,
        promised_days=5,
        items=[
            services.ItemSpec(license_item.item_code),
            services.ItemSpec(food_item.item_code, field_map={"name_of_shop": "shop_name"}),
            services.ItemSpec(sign_item.item_code, applies_if={"var": "has_sign"}),
        ],
    )
    if publish:
        services.set_status(bundle, "published")
    return World(
        org, org2, license_item, food_item, sign_item, bundle, person("王五", phone="13912345678", level=2), admin
    )


def good_form(**overrides: Any) -> dict[str, Any]:
    data = {"shop_name": "王五小馆", "area": "40", "kind": "catering", "contact_phone": "13912345678"}
    data.update(overrides)
    return data
