"""Statistics of submissions saved by e-licenses: counted from uses with a case number, per type, item, month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.licenses.conftest import business_fields
from yiwang.cases import services as cases
from yiwang.cases import uploads
from yiwang.cases.services import Who
from yiwang.licenses import services, stats
from yiwang.licenses.models import LicenseUse
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bureau, teacher_type, business_type, holder, company):
    teacher_item = factories.make_item(
        bureau,
        name="教师岗位聘用备案",
        materials=[factories.material_data(name="教师资格证", source="license", license_type_code=teacher_type.code)],
    )
    shop_item = factories.make_item(
        bureau,
        name="食品经营许可证核发",
        materials=[factories.material_data(name="营业执照", source="license", license_type_code=business_type.code)],
    )
    teacher = services.issue(
        license_type=teacher_type,
        issuer=bureau,
        holder_number=holder.doc_number,
        holder_name=holder.name,
        fields={"subject": "数学", "level": "小学"},
    )
    biz = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    return {"teacher_item": teacher_item, "shop_item": shop_item, "teacher": teacher, "biz": biz}


def _apply(item, lic, person, enterprise=None):
    m = item.current.materials.get()
    row = uploads.material_row(name=m.name, catalog_material_id=m.pk, source="license", reference=lic.identifier)
    case, _ = cases.submit(
        version=item.current,
        person=person,
        enterprise=enterprise,
        who=Who(user=person.user, name=person.name),
        form_data={},
        materials=[row],
    )
    return case


def test_counts_per_type_item_and_month(world, holder, company, bureau):
    _apply(world["teacher_item"], world["teacher"], holder)
    _apply(world["teacher_item"], world["teacher"], holder)
    _apply(world["shop_item"], world["biz"], holder, company)
    services.use_license(world["teacher"], presenter=holder, purpose="报名考试")  # no case: not a saved submission
    last_month = timezone.now() - dt.timedelta(days=40)
    LicenseUse.objects.filter(pk=LicenseUse.objects.filter(license=world["biz"]).get().pk).update(at=last_month)

    s = stats.savings()
    assert (s.uses, s.cases) == (3, 3)
    assert [(r["name"], r["uses"]) for r in s.by_type] == [("教师资格证", 2), ("营业执照", 1)]
    assert [(r["item_name"], r["uses"], r["item_code"]) for r in s.by_item] == [
        ("教师岗位聘用备案", 2, world["teacher_item"].item_code),
        ("食品经营许可证核发", 1, world["shop_item"].item_code),
    ]
    assert [(r["month"], r["uses"]) for r in s.by_month] == [
        (timezone.localtime(last_month).strftime("%Y-%m"), 1),
        (timezone.localtime().strftime("%Y-%m"), 2),
    ]
    recent = stats.savings(since=timezone.localdate() - dt.timedelta(days=5))
    assert recent.uses == 2 and [r["name"] for r in recent.by_type] == ["教师资格证"]


def test_queries_do_not_grow_with_the_uses(world, holder):
    _apply(world["teacher_item"], world["teacher"], holder)
    with CaptureQueriesContext(connection) as one:
        stats.savings()
    for _ in range(5):
        _apply(world["teacher_item"], world["teacher"], holder)
    with CaptureQueriesContext(connection) as six:
        assert stats.savings().uses == 6
    assert len(one) == len(six) == 4


def test_page_for_catalog_admins_and_supervisors_within_reach(client, world, holder, bureau):
    _apply(world["teacher_item"], world["teacher"], holder)
    url = reverse("licenses:stats")
    assert url == "/workbench/licenses/stats/"
    client.force_login(factories.staff(bureau, Role.CATALOG_ADMIN))
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "教师资格证" in html and "教师岗位聘用备案" in html
    from yiwang.orgs.models import Division

    province = Division.objects.get(code="340000")
    huainan = Division.objects.create(code="340400", name="淮南市", parent=province)
    elsewhere = factories.OrganisationFactory(name="淮南市教育局", division=huainan)
    client.force_login(factories.staff(elsewhere, Role.SUPERVISOR))
    html = client.get(url).content.decode()
    assert "教师岗位聘用备案" not in html  # another organisation's uses are out of reach
    client.force_login(factories.staff(elsewhere, Role.SYSADMIN))
    assert "教师岗位聘用备案" in client.get(url).content.decode()
    client.force_login(holder.user)
    assert client.get(url).status_code == 404
    client.force_login(factories.staff(bureau, Role.REVIEWER))
    assert client.get(url).status_code == 404


def test_page_bad_dates_say_which_field(client, bureau):
    client.force_login(factories.staff(bureau, Role.SUPERVISOR))
    r = client.get(reverse("licenses:stats"), {"since": "2025-13-01", "until": ""})
    assert r.status_code == 400 and 'id="since-err"' in r.content.decode()
    r = client.get(reverse("licenses:stats"), {"since": "2025-05-01", "until": "2025-04-01"})
    assert r.status_code == 400 and 'id="until-err"' in r.content.decode()


def test_api(client, world, holder, bureau):
    _apply(world["teacher_item"], world["teacher"], holder)
    assert client.get("/api/v1/licenses/stats").status_code == 401
    client.force_login(holder.user)
    r = client.get("/api/v1/licenses/stats")
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "forbidden"
    client.force_login(factories.staff(bureau, Role.CATALOG_ADMIN))
    body = client.get("/api/v1/licenses/stats").json()
    assert body["uses"] == 1 and body["by_type"][0]["code"] == world["teacher"].license_type.code
    assert body["by_item"][0]["item_code"] == world["teacher_item"].item_code and body["by_month"][0]["uses"] == 1
    bad = client.get("/api/v1/licenses/stats", {"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "since"
    empty = client.get("/api/v1/licenses/stats", {"since": "2000-01-01", "until": "2000-12-31"}).json()
    assert empty["uses"] == 0 and empty["by_type"] == [] and empty["since"] == "2000-01-01"
