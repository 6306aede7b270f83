"""Public read API of divisions, organisations and halls."""

from __future__ import annotations

import pytest

from tests.editor.fixtures import client_for
from tests.factories import OrganisationFactory, division_chain
from yiwang.orgs.models import Division, Hall, OrgKind, Window

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs"


@pytest.fixture
def city_data():
    province, city, county = division_chain()
    town = Division.objects.create(code="340302001000", name="东风街道", parent=county)
    bureau = OrganisationFactory(name="蚌埠市市场监督管理局", division=city)
    center = OrganisationFactory(name="龙子湖区政务服务中心", division=county, kind=OrgKind.SERVICE_CENTER)
    hall = Hall.objects.create(name="龙子湖区政务服务大厅", organisation=center, division=county, address="东风路1号")
    window = Window.objects.create(hall=hall, number="A01", name="综合受理")
    window.organisations.set([bureau, center])
    return {"province": province, "city": city, "county": county, "town": town, "bureau": bureau, "center": center}


def test_divisions_list_and_filters(city_data, django_assert_max_num_queries):
    client = client_for(None)
    with django_assert_max_num_queries(2):
        data = client.get(f"{BASE}/divisions").json()
    assert [d["code"] for d in data["items"]] == ["340000", "340300", "340302", "340302001000"]
    assert data["items"][1]["parent"] == "340000" and data["items"][1]["level"] == 3
    assert [d["code"] for d in client.get(f"{BASE}/divisions", {"parent": "340300"}).json()["items"]] == ["340302"]
    assert [d["code"] for d in client.get(f"{BASE}/divisions", {"level": 5}).json()["items"]] == ["340302001000"]
    assert [d["name"] for d in client.get(f"{BASE}/divisions", {"q": "龙子湖"}).json()["items"]] == ["龙子湖区"]
    bad = client.get(f"{BASE}/divisions", {"parent": "999999"})
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "parent"
    assert client.get(f"{BASE}/divisions", {"level": 0}).status_code == 422


def test_division_detail(city_data):
    client = client_for(None)
    data = client.get(f"{BASE}/divisions/340302").json()
    assert data["full_name"] == "安徽省蚌埠市龙子湖区"
    assert data["children"] == [{"code": "340302001000", "name": "东风街道", "level": 5}]
    assert data["organisation_count"] == 1 and data["parent"] == "340300"
    missing = client.get(f"{BASE}/divisions/000000")
    assert missing.status_code == 404 and missing.json()["detail"][0]["code"] == "not_found"


def test_organisations_list_filters_and_detail(city_data, django_assert_max_num_queries):
    client = client_for(None)
    with django_assert_max_num_queries(2):
        data = client.get(f"{BASE}/organisations").json()
    assert data["count"] == 2
    first = data["items"][0]
    assert first["division"]["code"] == "340300" and first["credit_code"]
    by_division = client.get(f"{BASE}/organisations", {"division": "340302"}).json()["items"]
    assert [o["name"] for o in by_division] == ["龙子湖区政务服务中心"]
    subtree = client.get(f"{BASE}/organisations", {"division": "340300"}).json()["count"]
    assert subtree == 2
    assert client.get(f"{BASE}/organisations", {"kind": "center"}).json()["count"] == 1
    assert client.get(f"{BASE}/organisations", {"q": "市场监督"}).json()["count"] == 1
    code = city_data["bureau"].credit_code
    assert client.get(f"{BASE}/organisations", {"q": code}).json()["items"][0]["credit_code"] == code
    assert client.get(f"{BASE}/organisations", {"division": "123"}).status_code == 400
    detail = client.get(f"{BASE}/organisations/{city_data['center'].pk}").json()
    assert detail["kind"] == "center" and detail["division"]["level"] == 4
    assert client.get(f"{BASE}/organisations/999999").status_code == 404
    for _ in range(10):
        OrganisationFactory(division=city_data["city"])
    with django_assert_max_num_queries(2):
        assert client.get(f"{BASE}/organisations").json()["count"] == 12


def test_halls_with_windows(city_data, django_assert_max_num_queries):
    client = client_for(None)
    with django_assert_max_num_queries(4):
        data = client.get(f"{BASE}/halls").json()
    hall = data["items"][0]
    assert hall["name"] == "龙子湖区政务服务大厅"
    assert hall["windows"] == [
        {
            "number": "A01",
            "name": "综合受理",
            "kind": "comprehensive",
            "organisations": sorted([city_data["bureau"].pk, city_data["center"].pk]),
        }
    ]
    assert client.get(f"{BASE}/halls", {"division": "340300"}).json()["count"] == 1
    assert client.get(f"{BASE}/halls", {"organisation": city_data["bureau"].pk}).json()["count"] == 0
    assert client.get(f"{BASE}/halls", {"division": "9"}).status_code == 400
