"""The staff catalog workbench at /workbench/catalog/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.editor.fixtures import client_for
from tests.factories import UserFactory, make_item
from yiwang.catalog import services

pytestmark = pytest.mark.django_db


def test_url_name_and_staff_only(admin_a):
    url = reverse("catalog:workbench")
    assert url == "/workbench/catalog/"
    assert client_for(None).get(url).status_code == 302
    assert client_for(UserFactory()).get(url).status_code == 302  # signed in, not staff


def test_lists_items_in_scope_with_status_counts_and_links(org_a, org_b, admin_a, django_assert_max_num_queries):
    published = make_item(org_a, name="已发布事项")
    pending = make_item(org_a, name="有草稿事项")
    services.start_draft(pending)
    new = make_item(org_a, publish=False, name="新建事项")
    withdrawn = make_item(org_a, name="已撤销事项")
    services.retire(withdrawn)
    other = make_item(org_b, name="外单位事项")
    client = client_for(admin_a)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("catalog:workbench"))
    assert page.status_code == 200
    text = page.content.decode()
    for item in (published, pending, new, withdrawn):
        assert item.item_code in text
    assert other.item_code not in text and "外单位事项" not in text
    assert page.context["counts"] == {"total": 4, "published": 2, "unpublished": 2, "pending": 2}
    assert "/workbench/catalog/import/" in text and "/workbench/catalog/export/" in text
    assert reverse("admin:catalog_serviceitem_change", args=[published.pk]) in text
    draft = new.versions.get()
    assert reverse("admin:catalog_itemversion_change", args=[draft.pk]) in text
    assert reverse("catalog:guide", args=[published.item_code]) in text

    pending_only = client.get(reverse("catalog:workbench"), {"status": "pending"}).content.decode()
    assert pending.item_code in pending_only and published.item_code not in pending_only
    found = client.get(reverse("catalog:workbench"), {"q": "已撤销"}).content.decode()
    assert withdrawn.item_code in found and published.item_code not in found

    for i in range(15):
        make_item(org_a, name=f"批量{i}")
    with django_assert_max_num_queries(14):
        client.get(reverse("catalog:workbench"))


def test_staff_without_role_sees_a_notice(clerk, org_a):
    make_item(org_a)
    page = client_for(clerk).get(reverse("catalog:workbench"))
    assert page.status_code == 200
    assert page.context["rows"] == [] and not page.context["has_role"]


def test_bad_page_and_status_are_harmless(admin_a, org_a):
    make_item(org_a)
    client = client_for(admin_a)
    assert client.get(reverse("catalog:workbench"), {"page": "zzz", "status": "bogus"}).status_code == 200
    assert client.get(reverse("catalog:workbench"), {"page": "999"}).status_code == 200
