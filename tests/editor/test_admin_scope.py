"""Who reaches what in the back office: scope by organisation, roles, and the other admins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.editor.fixtures import client_for
from tests.factories import OrganisationFactory, make_item
from yiwang.catalog.models import ItemVersion, ServiceItem, Theme, VersionStatus
from yiwang.orgs.models import Division, Membership, Organisation, Role

pytestmark = pytest.mark.django_db


def test_an_admin_of_another_organisation_gets_404_for_every_guessed_id(org_a, org_b, admin_a, admin_b):
    item = make_item(org_a)
    draft_only = make_item(org_a, publish=False)
    client = client_for(admin_b)
    item_ids = list(ServiceItem.objects.values_list("pk", flat=True))
    version_ids = list(ItemVersion.objects.values_list("pk", flat=True))
    for pk in [*item_ids, max(item_ids) + 1]:
        assert client.get(reverse("admin:catalog_serviceitem_change", args=[pk])).status_code == 404
        assert client.get(reverse("admin:catalog_serviceitem_history", args=[pk])).status_code == 404
        assert client.post(reverse("admin:catalog_serviceitem_start_draft", args=[pk])).status_code == 404
        assert client.post(reverse("admin:catalog_serviceitem_publish", args=[pk])).status_code == 404
        assert client.get(reverse("admin:catalog_serviceitem_retire", args=[pk])).status_code == 404
        assert client.post(reverse("admin:catalog_serviceitem_retire", args=[pk])).status_code == 404
    for pk in [*version_ids, max(version_ids) + 1]:
        assert client.get(reverse("admin:catalog_itemversion_change", args=[pk])).status_code == 404
        assert client.post(reverse("admin:catalog_itemversion_change", args=[pk]), {"name": "x"}).status_code == 404
    # Bulk actions on guessed ids touch nothing outside the scope.
    client.post(
        reverse("admin:catalog_serviceitem_changelist"),
        {"action": "retire_items", "_selected_action": [item.pk]},
    )
    client.post(
        reverse("admin:catalog_itemversion_changelist"),
        {"action": "publish_selected", "_selected_action": [draft_only.versions.get().pk]},
    )
    item.refresh_from_db()
    assert item.current_id is not None
    assert draft_only.versions.get().status == VersionStatus.DRAFT
    assert not ServiceItem.objects.filter(organisation=org_b).exists()


def test_staff_without_the_catalog_role_is_refused(org_a, clerk):
    item = make_item(org_a)
    client = client_for(clerk)
    assert client.get(reverse("admin:catalog_serviceitem_changelist")).status_code == 403
    assert client.get(reverse("admin:catalog_serviceitem_add")).status_code == 403
    assert client.get(reverse("admin:catalog_serviceitem_change", args=[item.pk])).status_code in (403, 404)
    assert client.post(reverse("admin:catalog_serviceitem_start_draft", args=[item.pk])).status_code in (403, 404)
    assert not item.versions.filter(status=VersionStatus.DRAFT).exists()
    index = client.get(reverse("admin:index"))
    assert reverse("admin:catalog_serviceitem_changelist") not in index.content.decode()


def test_anonymous_is_sent_to_sign_in():
    response = client_for(None).get(reverse("admin:catalog_serviceitem_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_division_wide_membership_reaches_organisations_below(org_a):
    from tests.factories import UserFactory, division_chain

    _, _, county = division_chain()
    county_org = OrganisationFactory(division=county, name="龙子湖区市场监管局")
    item = make_item(county_org)
    user = UserFactory(is_staff=True)
    Membership.objects.create(user=user, organisation=org_a, role=Role.CATALOG_ADMIN, covers_division=True)
    client = client_for(user)
    assert client.get(reverse("admin:catalog_serviceitem_change", args=[item.pk])).status_code == 200
    form = client.get(reverse("admin:catalog_serviceitem_add")).context["adminform"].form
    assert {o.pk for o in form.fields["organisation"].queryset} >= {org_a.pk, county_org.pk}


def test_superuser_and_sysadmin_reach_everything(org_a, org_b, superuser, sysadmin):
    a = make_item(org_a)
    b = make_item(org_b)
    for user in (superuser, sysadmin):
        client = client_for(user)
        for item in (a, b):
            assert client.get(reverse("admin:catalog_serviceitem_change", args=[item.pk])).status_code == 200
        choices = client.get(reverse("admin:catalog_serviceitem_add")).context["adminform"].form.fields["organisation"]
        assert set(choices.queryset.values_list("pk", flat=True)) == set(
            Organisation.objects.values_list("pk", flat=True)
        )


def test_admin_speaks_chinese(admin_a):
    client = client_for(admin_a)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'lang="zh-hans"' in text
    assert "欢迎" in text  # Django's own admin strings in Chinese
    assert "服务事项" in text or "service items" in text  # our verbose names (Chinese once compiled)
    changelist = client.get(reverse("admin:catalog_serviceitem_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "搜索" in changelist.content.decode()


def test_site_header_is_the_translatable_title(admin_a):
    from django.contrib import admin

    assert str(admin.site.site_header) in client_for(admin_a).get(reverse("admin:index")).content.decode()


# --- reference data admins ---------------------------------------------------------------------


def test_organisation_admin_checks_the_credit_code(superuser):
    from tests.factories import division_chain

    _, city, _ = division_chain()
    client = client_for(superuser)
    data = {"name": "蚌埠市新设局", "short_name": "", "credit_code": "11340300MB0000000X", "kind": "department"}
    data.update({"is_active": "on", "division": str(city.pk), "parent": "", "address": "", "phone": ""})
    response = client.post(reverse("admin:orgs_organisation_add"), data)
    assert response.status_code == 200
    assert "credit_code" in response.context["adminform"].form.errors
    assert not Organisation.objects.filter(name="蚌埠市新设局").exists()
    from yiwang.core.codes import make_credit_code

    data["credit_code"] = make_credit_code("1", "1", "340300", "77777777")
    assert client.post(reverse("admin:orgs_organisation_add"), data).status_code == 302
    assert Organisation.objects.filter(name="蚌埠市新设局").exists()


def test_catalog_admin_reads_but_does_not_change_reference_data(org_a, admin_a):
    client = client_for(admin_a)
    assert client.get(reverse("admin:orgs_organisation_changelist")).status_code == 200
    assert client.get(reverse("admin:orgs_organisation_add")).status_code == 403
    page = client.get(reverse("admin:orgs_organisation_change", args=[org_a.pk]))
    assert page.status_code == 200 and b'name="credit_code"' not in page.content
    assert client.get(reverse("admin:orgs_membership_changelist")).status_code == 403
    assert client.get(reverse("admin:catalog_theme_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_theme_add")).status_code == 403
    assert client.get(reverse("admin:licenses_licensetype_changelist")).status_code == 200
    assert client.get(reverse("admin:exchange_dataresource_changelist")).status_code == 200
    assert client.get(reverse("admin:exchange_dataresource_add")).status_code == 403


def test_sysadmin_keeps_divisions_halls_and_themes(sysadmin, org_a):
    from tests.factories import division_chain

    division_chain()
    client = client_for(sysadmin)
    response = client.post(reverse("admin:orgs_division_add"), {"code": "340303", "name": "蚌山区", "parent": ""})
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    city = Division.objects.get(code="340300")
    response = client.post(reverse("admin:orgs_division_add"), {"code": "340303", "name": "蚌山区", "parent": city.pk})
    assert response.status_code == 302
    assert Division.objects.get(code="340303").level == 4
    hall = {
        "name": "蚌埠市政务服务中心",
        "organisation": org_a.pk,
        "division": city.pk,
        "address": "蚌埠市东海大道",
        "hours": "",
        "phone": "",
        "windows-TOTAL_FORMS": "1",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "1000",
        "windows-0-number": "A01",
        "windows-0-name": "综合受理",
        "windows-0-kind": "comprehensive",
        "windows-0-organisations": [org_a.pk],
    }
    assert client.post(reverse("admin:orgs_hall_add"), hall).status_code == 302
    assert client.get(reverse("admin:orgs_hall_changelist")).status_code == 200
    response = client.post(
        reverse("admin:catalog_theme_add"),
        {"code": "open-restaurant", "name": "开餐馆", "audience": "enterprise", "order": 1},
    )
    assert response.status_code == 302 and Theme.objects.filter(code="open-restaurant").exists()


def test_data_officer_edits_only_their_own_resources(org_a, org_b):
    from tests.factories import staff
    from yiwang.exchange.models import DataResource

    officer = staff(org_a, Role.DATA_OFFICER)
    mine = DataResource.objects.create(code="R-A", name="本单位数据", provider=org_a)
    theirs = DataResource.objects.create(code="R-B", name="外单位数据", provider=org_b)
    client = client_for(officer)
    form = client.get(reverse("admin:exchange_dataresource_add")).context["adminform"].form
    assert list(form.fields["provider"].queryset) == [org_a]
    assert b'name="name"' in client.get(reverse("admin:exchange_dataresource_change", args=[mine.pk])).content
    assert b'name="name"' not in client.get(reverse("admin:exchange_dataresource_change", args=[theirs.pk])).content
