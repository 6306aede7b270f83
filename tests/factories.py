"""Shared factories: valid divisions, organisations and published items built through the services."""

from __future__ import annotations

import itertools
from typing import Any

import factory
from django.contrib.auth import get_user_model

from yiwang.catalog import services
from yiwang.catalog.models import ServiceItem, Theme
from yiwang.core.codes import make_credit_code
from yiwang.licenses.models import LicenseType
from yiwang.orgs.models import Division, Membership, Organisation, Role

_serial = itertools.count(1)


def division_chain() -> tuple[Division, Division, Division]:
    """Province 安徽省 → city 蚌埠市 → county 龙子湖区 (get-or-create, so tests can share them)."""
    province, _ = Division.objects.get_or_create(code="340000", defaults={"name": "安徽省"})
    city, _ = Division.objects.get_or_create(code="340300", defaults={"name": "蚌埠市", "parent": province})
    county, _ = Division.objects.get_or_create(code="340302", defaults={"name": "龙子湖区", "parent": city})
    return province, city, county


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"蚌埠市测试局{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code("1", "1", "340300", f"{10000000 + n:08d}"))
    division = factory.LazyFunction(lambda: division_chain()[1])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


def staff(organisation: Organisation, role: str = Role.CATALOG_ADMIN, **kwargs: Any):
    """A staff user holding `role` in `organisation`."""
    user = UserFactory(is_staff=True, **kwargs)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def version_data(**overrides: Any) -> dict[str, Any]:
    """A complete, publishable set of guide elements for a city-level licensing item."""
    data: dict[str, Any] = {
        "name": "食品经营许可证核发",
        "aliases": ["开饭店办证", "食品许可"],
        "item_type": "01",
        "level": 3,
        "competent_department": "蚌埠市市场监督管理局",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "for_persons": True,
        "for_enterprises": True,
        "acceptance_conditions": "申请人取得营业执照等合法主体资格;具有与经营的食品品种、数量相适应的经营场所。",
        "statutory_limit": 20,
        "statutory_unit": "wd",
        "promised_limit": 5,
        "promised_unit": "wd",
        "handling_kind": 2,
        "visits_required": 0,
        "online_depth": 4,
        "fee_required": False,
        "fees": [],
        "place": "蚌埠市政务服务中心二楼市场监管窗口",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "phone": "0552-1234567",
        "complaint_phone": "12345",
        "result_type": "approval",
        "result_name": "食品经营许可决定书",
    }
    data.update(overrides)
    return data


def material_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "食品经营许可申请书",
        "source": "applicant",
        "form": "electronic",
        "copies": 1,
        "requirement": "required",
    }
    data.update(overrides)
    return data


DEFAULT_STEPS = [
    {"kind": "accept", "name": "受理", "days": 1},
    {"kind": "undertake", "name": "承办", "days": 2},
    {"kind": "review", "name": "审核", "days": 1},
    {"kind": "approve", "name": "批准", "days": 1},
]


def item_code_for(org: Organisation, catalog_code: str, digit: str = "0") -> str:
    return f"{org.credit_code}{catalog_code}{digit}"


def make_item(
    organisation: Organisation | None = None,
    *,
    catalog_code: str | None = None,
    publish: bool = True,
    materials: list[dict[str, Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    themes: list[Theme] | None = None,
    **version_overrides: Any,
) -> ServiceItem:
    """Creates (and by default publishes) an item through the catalog services."""
    org = organisation or OrganisationFactory()
    item_type = version_overrides.get("item_type", "01")
    code = catalog_code or f"{item_type}{next(_serial):010d}"
    return services.create_item(
        organisation=org,
        catalog_code=code,
        item_code=item_code_for(org, code),
        version=version_data(**{"level": org.division.level, **version_overrides}),
        materials=materials if materials is not None else [material_data()],
        steps=steps if steps is not None else DEFAULT_STEPS,
        themes=themes,
        publish_now=publish,
    )


def license_type(
    code: str = "BUSINESS_LICENSE", name: str = "营业执照", holder_kind: str = "enterprise"
) -> LicenseType:
    lt, _ = LicenseType.objects.get_or_create(code=code, defaults={"name": name, "holder_kind": holder_kind})
    return lt


def citizen_id(division: str = "340302", born: str = "19900101", serial: int | None = None) -> str:
    """A valid GB 11643 resident ID number (sequence from a counter unless given)."""
    from yiwang.core.codes import citizen_check_char

    first17 = f"{division}{born}{(serial if serial is not None else next(_serial)) % 1000:03d}"
    return first17 + citizen_check_char(first17)


def person(name: str = "张三", *, account: bool = True, password: str = "correct-horse-battery", **kwargs: Any):
    """A natural person (through identity.services), with an online account unless account=False."""
    from yiwang.identity import services as identity

    kwargs.setdefault("doc_type", "resident_id")
    kwargs.setdefault("doc_number", citizen_id())
    kwargs.setdefault("phone", f"139{next(_serial) % 100000000:08d}")
    p = identity.register_person(name=name, **kwargs)
    if account:
        identity.create_account(p, password)
    return p


def enterprise(name: str | None = None, *, legal_rep=None, **kwargs: Any):
    """A legal person with a valid credit code; `legal_rep` (a Person) represents it."""
    from yiwang.identity import services as identity

    n = next(_serial)
    kwargs.setdefault("credit_code", make_credit_code("9", "1", "340300", f"{20000000 + n:08d}"))
    return identity.register_enterprise(
        name=name or f"蚌埠测试有限公司{n}",
        legal_rep_name=legal_rep.name if legal_rep else "李四",
        legal_rep=legal_rep,
        **kwargs,
    )
