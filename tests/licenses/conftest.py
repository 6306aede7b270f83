"""License fixtures: an issuing bureau, two license types with field schemas, holders and an approver."""

from __future__ import annotations

import pytest

from tests import factories
from yiwang.licenses.models import HolderKind, LicenseType
from yiwang.orgs.models import Role

BUSINESS_FIELDS = [
    {
        "name": "enterprise_type",
        "label": "类型",
        "type": "choice",
        "required": True,
        "choices": ["有限责任公司", "股份有限公司", "个人独资企业"],
    },
    {"name": "legal_rep", "label": "法定代表人", "type": "text", "required": True},
    {"name": "capital", "label": "注册资本（万元）", "type": "number", "required": False},
    {"name": "founded", "label": "成立日期", "type": "date", "required": True},
    {"name": "scope", "label": "经营范围", "type": "text", "required": False},
]
TEACHER_FIELDS = [
    {"name": "subject", "label": "任教学科", "type": "text", "required": True},
    {
        "name": "level",
        "label": "资格种类",
        "type": "choice",
        "required": True,
        "choices": ["小学", "初级中学", "高级中学"],
    },
]


@pytest.fixture
def bureau(db):
    return factories.OrganisationFactory(name="蚌埠市市场监督管理局")


@pytest.fixture
def business_type(bureau):
    lt = LicenseType.objects.create(
        code="11100000MB0143028R001",
        name="营业执照",
        holder_kind=HolderKind.ENTERPRISE,
        fields=BUSINESS_FIELDS,
        layout={"main": ["enterprise_type", "legal_rep", "capital", "founded"], "side": ["scope"]},
    )
    lt.issuers.add(bureau)
    return lt


@pytest.fixture
def teacher_type(bureau):
    lt = LicenseType.objects.create(
        code="11100000000013338W001",
        name="教师资格证",
        holder_kind=HolderKind.PERSON,
        fields=TEACHER_FIELDS,
        validity_years=5,
    )
    lt.issuers.add(bureau)
    return lt


@pytest.fixture
def holder(db):
    return factories.person("王小明")


@pytest.fixture
def company(holder):
    return factories.enterprise("蚌埠明月科技有限公司", legal_rep=holder)


@pytest.fixture
def approver(bureau):
    return factories.staff(bureau, Role.APPROVER)


def business_fields(**overrides):
    data = {
        "enterprise_type": "有限责任公司",
        "legal_rep": "王小明",
        "capital": "100",
        "founded": "2020-05-01",
        "scope": "软件开发；信息技术咨询服务",
    }
    data.update(overrides)
    return data
