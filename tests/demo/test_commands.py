"""seed_demo and demo_accounts through the management-command surface, on a small city."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import Client

from yiwang.catalog.models import CatalogEvent, ItemVersion, Material, ProcessStep, ServiceItem, VersionStatus
from yiwang.catalog.services import publish_problems
from yiwang.core.codes import credit_code_error
from yiwang.core.errors import ProblemsError
from yiwang.exchange.models import DataResource
from yiwang.licenses.models import LicenseType
from yiwang.ops.demo import generate_city, write_city
from yiwang.orgs.models import Division, Hall, Membership, Organisation, Role, Window
from yiwang.orgs.scope import organisations_for

pytestmark = pytest.mark.django_db

ITEMS = 300


def seed(**kwargs) -> str:
    out = StringIO()
    kwargs.setdefault("no_index", True)
    call_command("seed_demo", seed=kwargs.pop("seed", 11), items=kwargs.pop("items", ITEMS), stdout=out, **kwargs)
    return out.getvalue()


def test_small_city_has_everything():
    output = seed(no_index=False)
    assert "300" in output
    assert set(Division.objects.values_list("level", flat=True).distinct()) == {2, 3, 4, 5, 6}
    assert Division.objects.get(code="340302").path == "/340000/340300/340302/"
    village = Division.objects.filter(level=6).select_related("parent__parent").first()
    assert village.path == f"{village.parent.path}{village.code}/"
    for code in Organisation.objects.values_list("credit_code", flat=True):
        assert credit_code_error(code) is None
    assert Organisation.objects.count() >= 900
    assert ServiceItem.objects.count() == ITEMS
    assert ServiceItem.objects.filter(current__isnull=True).count() == 0
    assert ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, published_at__isnull=False).count() == ITEMS
    assert CatalogEvent.objects.filter(action="imported", channel="cli").count() == ITEMS
    assert set(ItemVersion.objects.values_list("level", flat=True).distinct()) == {2, 3, 4, 5, 6}
    assert LicenseType.objects.count() >= 20 and DataResource.objects.count() >= 15
    assert LicenseType.objects.filter(issuers__isnull=True).count() == 0
    city_hall = Hall.objects.get(division__code="340300")
    assert set(city_hall.windows.values_list("kind", flat=True)) == {"comprehensive", "dedicated", "delivery", "help"}
    assert Window.objects.filter(kind="dedicated", organisations__isnull=False).exists()


def test_every_published_version_passes_the_catalog_rules():
    seed()
    versions = ItemVersion.objects.select_related("item__organisation__division").prefetch_related("materials", "steps")
    for version in versions:
        assert version.aliases, version
        assert 1 <= len(version.materials.all()) <= 8
        assert publish_problems(version) == [], version.name
    codes = list(ServiceItem.objects.values_list("item_code", flat=True))
    assert len(codes) == len(set(codes))
    assert Material.objects.filter(source="license").exclude(license_type_code="").exists()
    assert Material.objects.filter(source="shared").exclude(data_resource_code="").exists()
    assert ProcessStep.objects.filter(kind="accept").count() == ITEMS


def test_database_matches_the_plan():
    seed(seed=42, items=120)
    plan = generate_city(42, 120)
    stored = dict(ServiceItem.objects.values_list("item_code", "current__name"))
    assert stored == {i.item_code: i.version["name"] for i in plan.items}


def test_if_empty_is_idempotent_and_plain_rerun_refuses():
    seed()
    output = seed(if_empty=True)
    assert ServiceItem.objects.count() == ITEMS
    assert str(ITEMS) in output
    with pytest.raises(CommandError):
        seed()
    assert ServiceItem.objects.count() == ITEMS


def test_too_many_items_is_refused_cleanly():
    with pytest.raises(CommandError):
        seed(items=10**6)
    with pytest.raises(CommandError):
        seed(items=0)
    assert Division.objects.count() == 0


def test_invalid_plan_writes_nothing():
    plan = generate_city(5, 50)
    plan.items[3].version["promised_limit"] = plan.items[3].version["statutory_limit"] + 5
    plan.items[7].materials[0]["license_type_code"] = "NO-SUCH-TYPE"
    plan.items[7].materials[0]["source"] = "license"
    with pytest.raises(ProblemsError) as caught:
        write_city(plan)
    fields = {p.field for p in caught.value.problems}
    assert "items.4.promised_limit" in fields
    assert "items.8.materials.1.license_type_code" in fields
    assert Division.objects.count() == 0 and Organisation.objects.count() == 0 and ServiceItem.objects.count() == 0


def test_city_without_items():
    report = write_city(generate_city(3, 50), with_items=False)
    assert report["created"]["organisations"] == Organisation.objects.count() >= 900
    assert ServiceItem.objects.count() == 0


def test_existing_rows_are_reused():
    province = Division.objects.create(code="340000", name="安徽省")
    city = Division.objects.create(code="340300", name="蚌埠市", parent=province)
    from yiwang.core.codes import make_credit_code

    own = Organisation.objects.create(
        name="蚌埠市市场监督管理局", credit_code=make_credit_code("1", "1", "340300", "77777777"), division=city
    )
    plan = generate_city(9, 400)
    write_city(plan)
    assert Division.objects.filter(code="340300").count() == 1
    assert Organisation.objects.filter(name="蚌埠市市场监督管理局", division=city).count() == 1
    for code in ServiceItem.objects.filter(organisation=own).values_list("item_code", flat=True):
        assert code.startswith(own.credit_code)


def test_demo_accounts_are_idempotent_and_scoped():
    seed()
    first = StringIO()
    call_command("demo_accounts", stdout=first)
    call_command("demo_accounts", stdout=StringIO())
    user_model = get_user_model()
    assert user_model.objects.count() == 7
    assert Membership.objects.count() == 6
    text = first.getvalue()
    for name in (
        "admin",
        "catalog_scjg",
        "catalog_city",
        "clerk",
        "reviewer_scjg",
        "approver_scjg",
        "supervisor",
        "Yiwang-demo-2026",
    ):
        assert name in text
    admin = user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("Yiwang-admin-2026")
    scjg = user_model.objects.get(username="catalog_scjg")
    assert scjg.is_staff and scjg.check_password("Yiwang-demo-2026")
    assert scjg.has_perm("catalog.change_itemversion") and scjg.has_perm("catalog.add_serviceitem")
    assert set(organisations_for(scjg, Role.CATALOG_ADMIN).values_list("name", flat=True)) == {"蚌埠市市场监督管理局"}
    city_admin = user_model.objects.get(username="catalog_city")
    reach = organisations_for(city_admin, Role.CATALOG_ADMIN)
    assert reach.filter(kind="convenience", division__level=6).exists()
    assert not reach.filter(division__code="340000").exists()
    client = Client()
    # django-axes watches every password check and needs the request it came with.
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    assert client.login(request=request, username="catalog_scjg", password="Yiwang-demo-2026")
    assert client.get("/admin/").status_code == 200


def test_demo_accounts_need_the_demo_city():
    with pytest.raises(CommandError):
        call_command("demo_accounts", stdout=StringIO())
    assert get_user_model().objects.count() == 0
