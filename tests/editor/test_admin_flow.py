"""The catalog editor in the Django admin, driven with the test client as an administrator would."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.editor.fixtures import client_for
from tests.factories import DEFAULT_STEPS, item_code_for, make_item, material_data
from yiwang.catalog.models import CatalogEvent, ItemVersion, ServiceItem, VersionStatus

pytestmark = pytest.mark.django_db


def form_data(response) -> dict[str, Any]:
    """The POST data a browser would send for an admin change form as rendered (main form and inlines)."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for bf in form:
            value = bf.value()
            if bf.field.widget.input_type == "file" if hasattr(bf.field.widget, "input_type") else False:
                continue
            if isinstance(value, bool):
                if value:
                    data[bf.html_name] = "on"
                continue
            if value is None:
                value = ""
            if isinstance(value, list | tuple):
                data[bf.html_name] = [str(v) for v in value]
            else:
                data[bf.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        for bf in fs.management_form:
            data[bf.html_name] = str(bf.value())
        for form in fs.forms:
            add(form)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def add_item(client, org, **overrides) -> Any:
    data = {
        "organisation": str(org.pk),
        "catalog_code": "010000000777",
        "handling_item": "",
        "item_code": "",
        "name": "餐饮服务许可",
        "handling_kind": "2",
        "statutory_limit": "20",
        "promised_limit": "5",
        "limit_unit": "wd",
        "online_depth": "3",
        "visits_required": "1",
    }
    data.update(overrides)
    return client.post(reverse("admin:catalog_serviceitem_add"), data)


def test_full_editing_flow(org_a, admin_a):
    client = client_for(admin_a)

    # Create: the implementation code is derived, the first draft opens for editing.
    response = add_item(client, org_a)
    item = ServiceItem.objects.get()
    assert item.item_code == item_code_for(org_a, "010000000777", "0")
    draft = item.versions.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_itemversion_change", args=[draft.pk])
    assert draft.status == VersionStatus.DRAFT and draft.level == org_a.division.level and draft.item_type == "01"

    # Edit the draft: fill in the guide, add a material and the steps, and try to publish with a
    # promised limit longer than the statutory one.
    page = client.get(reverse("admin:catalog_itemversion_change", args=[draft.pk]))
    assert page.status_code == 200
    assert b'name="_publish"' in page.content
    data = form_data(page)
    data.update(
        {
            "aliases": "开饭店\n餐馆办证",
            "legal_basis": "《中华人民共和国食品安全法》",
            "for_persons": "on",
            "acceptance_conditions": "有经营场所",
            "place": "市政务服务中心",
            "hours": "工作日 9:00-17:00",
            "phone": "0552-1234567",
            "promised_limit": "25",
            "result_type": "approval",
            "fees": "",
            "change_note": "首次发布",
            "materials-TOTAL_FORMS": "1",
            "materials-0-name": "申请书",
            "materials-0-source": "applicant",
            "materials-0-form": "electronic",
            "materials-0-copies": "1",
            "materials-0-requirement": "required",
            "materials-0-order": "1",
            "steps-TOTAL_FORMS": "2",
            "steps-0-kind": "accept",
            "steps-0-name": "受理",
            "steps-0-days": "1",
            "steps-0-order": "1",
            "steps-1-kind": "approve",
            "steps-1-name": "决定",
            "steps-1-days": "2",
            "steps-1-order": "2",
            "_publish": "1",
        }
    )
    response = client.post(reverse("admin:catalog_itemversion_change", args=[draft.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_itemversion_change", args=[draft.pk])
    errors = messages_of(response)
    assert any("promised time limit" in m.lower() or "承诺时限" in m for m in errors), errors
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT  # saved, not published
    assert draft.aliases == ["开饭店", "餐馆办证"] and draft.promised_limit == 25
    assert [m.name for m in draft.materials.all()] == ["申请书"]
    assert [s.name for s in draft.steps.all()] == ["受理", "决定"]

    # Fix the problem and publish.
    page = client.get(reverse("admin:catalog_itemversion_change", args=[draft.pk]))
    data = form_data(page)
    data.update({"promised_limit": "3", "_publish": "1"})
    response = client.post(reverse("admin:catalog_itemversion_change", args=[draft.pk]), data)
    assert response.status_code == 302, messages_of(response)
    assert response["Location"] == reverse("admin:catalog_serviceitem_change", args=[item.pk])
    item.refresh_from_db()
    assert item.current_id == draft.pk
    assert [m.name for m in item.current.materials.all()] == ["申请书"]  # materials survived the save
    actions = list(CatalogEvent.objects.filter(item=item).order_by("id").values_list("action", "channel"))
    assert actions[0] == ("created", "admin")
    assert ("edited", "admin") in actions and actions[-1] == ("published", "admin")

    # The published version is read-only: no inputs, and a POST is refused.
    page = client.get(reverse("admin:catalog_itemversion_change", args=[draft.pk]))
    assert page.status_code == 200
    assert b'name="name"' not in page.content and b'name="materials-0-name"' not in page.content
    assert b'name="_publish"' not in page.content
    refused = client.post(reverse("admin:catalog_itemversion_change", args=[draft.pk]), data)
    assert refused.status_code == 403
    assert ItemVersion.objects.get(pk=draft.pk).promised_limit == 3

    # Start a new draft from the item page; it copies the published content.
    response = client.post(reverse("admin:catalog_serviceitem_start_draft", args=[item.pk]))
    v2 = item.versions.get(status=VersionStatus.DRAFT)
    assert response["Location"] == reverse("admin:catalog_itemversion_change", args=[v2.pk])
    assert v2.number == 2 and [m.name for m in v2.materials.all()] == ["申请书"]

    # Retire: a confirmation page, then the item leaves the public catalog.
    assert client.get(reverse("admin:catalog_serviceitem_retire", args=[item.pk])).status_code == 200
    response = client.post(reverse("admin:catalog_serviceitem_retire", args=[item.pk]), {"note": "职能调整"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.current_id is None
    assert CatalogEvent.objects.filter(item=item, action="retired", note="职能调整", channel="admin").exists()


def test_item_page_shows_versions_and_history_and_publish_button_reports_problems(org_a, admin_a):
    item = make_item(org_a, publish=False, promised_limit=30)
    client = client_for(admin_a)
    page = client.get(reverse("admin:catalog_serviceitem_change", args=[item.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "v1" in text and reverse("admin:catalog_serviceitem_publish", args=[item.pk]) in text
    response = client.post(reverse("admin:catalog_serviceitem_publish", args=[item.pk]))
    draft = item.versions.get()
    assert response["Location"] == reverse("admin:catalog_itemversion_change", args=[draft.pk])
    assert any("promised" in m.lower() or "承诺" in m for m in messages_of(response))
    assert ItemVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
    # GET on an action URL does nothing.
    assert client.get(reverse("admin:catalog_serviceitem_publish", args=[item.pk])).status_code == 405


def test_add_form_offers_only_organisations_in_scope_and_refuses_others(org_a, org_b, admin_a):
    client = client_for(admin_a)
    page = client.get(reverse("admin:catalog_serviceitem_add"))
    choices = [pk for pk, _ in page.context["adminform"].form.fields["organisation"].choices if pk]
    assert [int(str(c)) for c in choices] == [org_a.pk]
    response = add_item(client, org_b)
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"catalog_code": "01ABC"}, "catalog_code"),
        ({"catalog_code": "990000000001"}, "catalog_code"),
        ({"item_code": "X" * 31}, "item_code"),
        ({"name": ""}, "name"),
        ({"statutory_limit": "-1"}, "statutory_limit"),
    ],
)
def test_add_form_reports_bad_codes_per_field_and_writes_nothing(org_a, admin_a, overrides, field):
    response = add_item(client_for(admin_a), org_a, **overrides)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ServiceItem.objects.exists() and not CatalogEvent.objects.exists()


def test_add_form_refuses_a_duplicate_code(org_a, admin_a):
    make_item(org_a, catalog_code="010000000777")
    response = add_item(client_for(admin_a), org_a)
    assert response.status_code == 200
    assert "item_code" in response.context["adminform"].form.errors
    assert ServiceItem.objects.count() == 1


def test_bulk_actions_publish_and_retire(org_a, admin_a):
    good = make_item(org_a, publish=False)
    bad = make_item(org_a, publish=False, promised_limit=30)
    client = client_for(admin_a)
    url = reverse("admin:catalog_serviceitem_changelist")
    response = client.post(url, {"action": "publish_drafts", "_selected_action": [good.pk, bad.pk]}, follow=True)
    assert response.status_code == 200
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.current_id and not bad.current_id
    assert any(bad.item_code in str(m) for m in response.context["messages"])
    client.post(url, {"action": "retire_items", "_selected_action": [good.pk]})
    good.refresh_from_db()
    assert good.current_id is None
    client.post(url, {"action": "start_drafts", "_selected_action": [good.pk]})
    assert good.versions.filter(status=VersionStatus.DRAFT).count() == 1


def test_version_actions_publish_selected(org_a, admin_a):
    item = make_item(org_a, publish=False)
    draft = item.versions.get()
    client = client_for(admin_a)
    client.post(
        reverse("admin:catalog_itemversion_changelist"), {"action": "publish_selected", "_selected_action": [draft.pk]}
    )
    assert ItemVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED


def test_changelists_list_items_with_versions_filters_and_search(org_a, org_b, admin_a, django_assert_max_num_queries):
    mine = [make_item(org_a, name=f"事项{i}") for i in range(3)]
    services_draft = make_item(org_a, publish=False, name="待发布事项")
    theirs = make_item(org_b, name="外单位事项")
    client = client_for(admin_a)
    url = reverse("admin:catalog_serviceitem_changelist")
    with django_assert_max_num_queries(20):
        page = client.get(url)
    text = page.content.decode()
    for item in [*mine, services_draft]:
        assert item.item_code in text
    assert theirs.item_code not in text
    assert "外单位事项" not in text
    # Search by name and by code, filter by status.
    assert services_draft.item_code in client.get(url, {"q": "待发布"}).content.decode()
    assert mine[0].item_code in client.get(url, {"q": mine[0].item_code}).content.decode()
    pending = client.get(url, {"status": "pending"}).content.decode()
    assert services_draft.item_code in pending and mine[0].item_code not in pending
    assert mine[0].item_code in client.get(url, {"level": "3"}).content.decode()
    # More items: the same number of queries.
    for i in range(10):
        make_item(org_a, name=f"更多{i}")
    with django_assert_max_num_queries(20):
        client.get(url)
    versions = client.get(reverse("admin:catalog_itemversion_changelist")).content.decode()
    assert "外单位事项" not in versions and "待发布事项" in versions


def test_events_are_listed_read_only_and_scoped(org_a, org_b, admin_a):
    make_item(org_a, name="本单位")
    make_item(org_b, name="外单位")
    client = client_for(admin_a)
    page = client.get(reverse("admin:catalog_catalogevent_changelist"))
    assert page.status_code == 200
    ids_b = CatalogEvent.objects.filter(item__organisation=org_b).values_list("pk", flat=True)
    for pk in ids_b:
        assert client.get(reverse("admin:catalog_catalogevent_change", args=[pk])).status_code == 404
    mine = CatalogEvent.objects.filter(item__organisation=org_a).first()
    view = client.get(reverse("admin:catalog_catalogevent_change", args=[mine.pk]))
    assert view.status_code == 200 and b'name="action"' not in view.content
    assert client.get(reverse("admin:catalog_catalogevent_add")).status_code == 403


def test_steps_and_materials_of_the_default_factory_show_on_the_version_page(org_a, admin_a):
    item = make_item(org_a, materials=[material_data(name="身份证明")], steps=DEFAULT_STEPS)
    page = client_for(admin_a).get(reverse("admin:catalog_itemversion_change", args=[item.current_id]))
    text = page.content.decode()
    assert "身份证明" in text and "审核" in text
