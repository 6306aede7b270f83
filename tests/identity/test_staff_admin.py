"""The identity admin shows masked values only and keeps the logs read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory, person
from tests.identity.staff_factories import in_library
from yiwang.identity import verification
from yiwang.identity.models import PiiAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    c = Client()
    c.force_login(UserFactory(is_superuser=True, is_staff=True))
    return c


def test_person_pages_never_show_full_values(admin_client):
    p = person("张三", address="安徽省蚌埠市龙子湖区东海大道 1 号")
    in_library(p)
    verification.verify_person(p)
    for url in ("/admin/identity/person/", f"/admin/identity/person/{p.pk}/change/"):
        r = admin_client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert p.doc_number not in html and p.phone not in html and "东海大道" not in html
        assert p.masked_doc_number in html
    assert admin_client.get("/admin/identity/person/add/").status_code == 403


@pytest.mark.parametrize(
    "model", ["verification", "piiaccess", "datause", "populationrecord", "legalpersonrecord", "agent", "enterprise"]
)
def test_every_identity_list_opens(admin_client, model):
    assert admin_client.get(f"/admin/identity/{model}/").status_code == 200


def test_logs_are_read_only(admin_client):
    p = person("张三")
    viewer = UserFactory()
    row = PiiAccess.objects.create(viewer=viewer, person=p, field="phone", reason="核对")
    assert admin_client.get("/admin/identity/piiaccess/add/").status_code == 403
    assert admin_client.post(f"/admin/identity/piiaccess/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PiiAccess.objects.filter(pk=row.pk).exists()
