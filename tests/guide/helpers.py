"""Guide-test helpers: an item that exercises every guide element, built through the catalog services."""

from __future__ import annotations

import itertools

from django.core.files.base import ContentFile

from tests.factories import OrganisationFactory, division_chain, license_type, make_item, material_data
from yiwang.catalog import services
from yiwang.catalog.models import ServiceItem, Theme
from yiwang.exchange.models import DataResource

_serial = itertools.count(1)


def rich_materials(extra: int = 0) -> list[dict]:
    mats = [
        material_data(name="食品经营许可申请书", notes="申请人签字或盖章"),
        material_data(name="营业执照", source="license", license_type_code="BUSINESS_LICENSE"),
        material_data(name="户籍证明", source="shared", data_resource_code="HOUSEHOLD_REG"),
        material_data(name="委托书", requirement="conditional", condition="委托他人办理的", form="both", copies=2),
    ]
    mats += [material_data(name=f"补充材料{i}", form="copy") for i in range(extra)]
    return mats


def rich_item(extra_materials: int = 0, extra_themes: int = 0, **overrides) -> ServiceItem:
    """A published item with e-license and shared-data materials, files, fees, themes and steps."""
    county = division_chain()[2]
    org = overrides.pop("organisation", None) or OrganisationFactory(
        name=f"龙子湖区市场监督管理局{next(_serial)}", division=county
    )
    license_type()
    DataResource.objects.get_or_create(code="HOUSEHOLD_REG", defaults={"name": "户籍人口信息", "provider": org})
    themes = [Theme.objects.get_or_create(code="catering", defaults={"name": "餐饮经营", "audience": "enterprise"})[0]]
    themes += [
        Theme.objects.get_or_create(code=f"t{i}", defaults={"name": f"主题{i}", "audience": "person"})[0]
        for i in range(extra_themes)
    ]
    data = {
        "visits_required": 1,
        "online_depth": 3,
        "fee_required": True,
        "fees": [{"name": "证书工本费", "standard": "每证 10 元", "basis": "皖价费〔2020〕8号"}],
        "phone": "0552-1234567，0552-7654321",
        "steps": [
            {"kind": "accept", "name": "受理", "days": 1, "description": "窗口收件并审查材料"},
            {"kind": "undertake", "name": "现场核查", "days": 2},
            {"kind": "review", "name": "审核", "days": 1},
            {"kind": "approve", "name": "批准", "days": 1},
        ],
        **overrides,
    }
    item = make_item(org, publish=False, materials=rich_materials(extra_materials), themes=themes, **data)
    draft = item.versions.get()
    first = draft.materials.order_by("order").first()
    first.blank_form.save("申请书.docx", ContentFile(b"blank"), save=False)
    first.sample.save("申请书样表.pdf", ContentFile(b"sample"), save=False)
    first.save()
    draft.result_sample.save("许可决定书样本.pdf", ContentFile(b"result"), save=True)
    services.publish(draft)
    item.refresh_from_db()
    return item


def new_version(item: ServiceItem, **changes) -> ServiceItem:
    """Publishes a new version of `item` with `changes`; the old one becomes retired."""
    draft = services.start_draft(item)
    services.update_draft(draft, version=changes)
    services.publish(draft)
    item.refresh_from_db()
    return item


def login(client, user) -> None:
    """UserFactory skips saving the password it sets; store it so the session's auth hash matches."""
    user.save(update_fields=["password"])
    client.force_login(user)
