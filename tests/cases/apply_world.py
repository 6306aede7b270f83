"""A small world for the applicant-side tests: an item with a real form and materials, a person, staff, files."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import OrganisationFactory, make_item, material_data, person, staff
from yiwang.cases.models import Channel
from yiwang.cases.services import Who
from yiwang.catalog.models import ItemVersion
from yiwang.orgs.models import Role

FORM = [
    {
        "name": "shop_name",
        "label": "店铺名称",
        "label_en": "Shop name",
        "type": "text",
        "required": True,
        "max_length": 50,
    },
    {"name": "area", "label": "经营面积（平方米）", "type": "number", "required": True, "min": 1, "max": 10000},
    {"name": "opening", "label": "开业日期", "type": "date"},
    {
        "name": "kind",
        "label": "经营类别",
        "type": "choice",
        "required": True,
        "choices": [{"value": "retail", "label": "食品销售"}, {"value": "catering", "label": "餐饮服务"}],
    },
    {
        "name": "extras",
        "label": "附加项目",
        "type": "multichoice",
        "choices": [{"value": "cold", "label": "冷食类"}, {"value": "raw", "label": "生食类"}],
    },
    {"name": "has_branch", "label": "是否有分店", "type": "checkbox"},
    {"name": "branch_address", "label": "分店地址", "type": "text", "required": True, "show_if": {"has_branch": True}},
    {"name": "contact_phone", "label": "联系电话", "type": "phone", "required": True, "prefill": "phone"},
    {"name": "manager_id", "label": "负责人身份证号", "type": "id_number"},
    {"name": "supplier_code", "label": "供货单位信用代码", "type": "credit_code"},
    {"name": "email", "label": "电子邮箱", "type": "email"},
    {"name": "note", "label": "说明", "type": "textarea", "max_length": 100},
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


def ofd_bytes() -> bytes:
    """A minimal OFD package (GB/T 33190): OFD.xml at the root, naming the document root the package holds."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "OFD.xml",
            "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016' Version='1.0' DocType='OFD'><ofd:DocBody>"
            "<ofd:DocInfo><ofd:DocID>1</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
            "</ofd:DocBody></ofd:OFD>",
        )
        z.writestr("Doc_0/Document.xml", "<ofd:Document xmlns:ofd='http://www.ofdspec.org/2016'/>")
    return buf.getvalue()


def upload(name: str = "申请书.pdf", content: bytes = PDF, ctype: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=ctype)


@dataclass
class World:
    org: Any
    item: Any
    version: Any
    applicant: Any
    clerk: Any
    reviewer: Any
    approver: Any
    application_form: Any
    floor_plan: Any

    def clerk_who(self) -> Who:
        return Who(
            user=self.clerk, name="clerk", role=Role.WINDOW_CLERK, organisation_id=self.org.pk, channel=Channel.WINDOW
        )

    def staff_who(self, user, role) -> Who:
        return Who(user=user, name=user.username, role=role, organisation_id=self.org.pk)


def build(**item_overrides: Any) -> World:
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    form_fields = item_overrides.pop("form_fields", FORM)
    item = make_item(
        org,
        materials=item_overrides.pop(
            "materials",
            [
                material_data(name="食品经营许可申请书"),
                material_data(name="经营场所平面图", form="original"),
                material_data(name="健康证明", requirement="optional"),
            ],
        ),
        **item_overrides,
    )
    # catalog.services does not write form_fields yet (the editor has no form designer): set it directly.
    ItemVersion.objects.filter(pk=item.current_id).update(form_fields=form_fields)
    item.refresh_from_db()
    version = item.current
    mats = list(version.materials.order_by("order", "id"))
    return World(
        org=org,
        item=item,
        version=version,
        applicant=person("张三", phone="13912345678", email="zhangsan@example.com", level=2),
        clerk=staff(org, Role.WINDOW_CLERK),
        reviewer=staff(org, Role.REVIEWER),
        approver=staff(org, Role.APPROVER),
        application_form=mats[0],
        floor_plan=mats[1],
    )


def good_post(world: World, key: str = "k-1", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_key": key,
        "action": "submit",
        "shop_name": "张三小吃店",
        "area": "35.5",
        "opening": "2025-10-08",
        "kind": "catering",
        "extras": ["cold"],
        "contact_phone": "13912345678",
        f"m{world.application_form.pk}": "upload",
        f"m{world.application_form.pk}-file": upload(),
        f"m{world.floor_plan.pk}": "paper",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
