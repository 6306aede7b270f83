"""Which version a guide shows: published by default, ?version=N for history, drafts only for staff in scope."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from tests.factories import OrganisationFactory, make_item, staff
from tests.guide.helpers import login, new_version, rich_item
from yiwang.catalog import services
from yiwang.orgs.models import Membership, Role

pytestmark = pytest.mark.django_db

PAGES = ["catalog:guide", "catalog:guide_mobile", "catalog:guide_print", "catalog:guide_pdf"]


def get(client, item, name="catalog:guide", version=None, **extra):
    url = reverse(name, args=[item.item_code])
    return client.get(url, {"version": version} if version is not None else {}, **extra)


def test_older_version_is_shown_marked_as_repealed(client):
    item = rich_item()
    new_version(item, place="蚌埠市政务服务中心三楼综合窗口", change_note="窗口搬迁")
    current = get(client, item).content.decode()
    assert "蚌埠市政务服务中心三楼综合窗口" in current and "窗口搬迁" in current
    assert gettext("Repealed / historical version") not in current
    assert '?version=1"' in current  # the history list links the old version

    old = get(client, item, version=1)
    assert old.status_code == 200
    html = old.content.decode()
    assert "蚌埠市政务服务中心二楼市场监管窗口" in html
    assert "蚌埠市政务服务中心三楼综合窗口" not in html
    assert gettext("Repealed / historical version") in html
    assert gettext("See the version in force") in html
    assert 'name="robots" content="noindex"' in html
    for name in ["catalog:guide_mobile", "catalog:guide_print"]:
        assert gettext("Repealed / historical version") in get(client, item, name, version=1).content.decode()
    assert get(client, item, "catalog:guide_pdf", version=1).status_code == 200


def test_withdrawn_item_says_so_and_keeps_its_last_guide_for_reference(client):
    item = make_item(name="食品流通许可证核发")
    services.retire(item)
    for name in PAGES:
        response = get(client, item, name)
        assert response.status_code == 410, name
        html = response.content.decode()
        assert gettext("This service has been withdrawn") in html
        assert "食品流通许可证核发" in html
    last = get(client, item, version=1)
    assert last.status_code == 200
    html = last.content.decode()
    assert gettext("Repealed / historical version") in html
    assert gettext("This item has been withdrawn from the catalog.") in html


@pytest.mark.parametrize("name", PAGES)
def test_draft_only_item_is_not_public(client, name):
    item = make_item(publish=False)
    assert get(client, item, name).status_code == 404
    assert get(client, item, name, version=1).status_code == 404


def test_newer_draft_is_hidden_from_anonymous_and_the_published_version_shown(client):
    item = make_item()
    draft = services.start_draft(item)
    services.update_draft(draft, version={"name": "草稿里的新名称"})
    assert "草稿里的新名称" not in get(client, item).content.decode()
    for name in PAGES:
        assert get(client, item, name, version=2).status_code == 404, name


def test_staff_of_another_organisation_cannot_preview_a_draft(client):
    item = make_item(publish=False)
    other = staff(OrganisationFactory())
    login(client, other)
    for name in PAGES:
        assert get(client, item, name, version=1).status_code == 404, name
    # A role other than catalog administrator in the item's own body does not reach drafts either.
    clerk = staff(item.organisation, role=Role.WINDOW_CLERK)
    login(client, clerk)
    assert get(client, item, version=1).status_code == 404


def test_staff_in_scope_preview_drafts(client):
    item = make_item(name="尚未发布的事项", publish=False)
    admin = staff(item.organisation)
    login(client, admin)
    # Without a version number they get the not-found page with a link to their draft.
    missing = get(client, item)
    assert missing.status_code == 404
    assert "?version=1" in missing.content.decode()
    for name in PAGES:
        response = get(client, item, name, version=1)
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"]
    html = get(client, item, version=1).content.decode()
    assert "尚未发布的事项" in html and gettext("Draft preview") in html


def test_staff_covering_the_division_preview_drafts_of_bodies_below(client):
    item = make_item(publish=False)
    parent_body = OrganisationFactory(division=item.organisation.division)
    user = staff(parent_body)
    Membership.objects.filter(user=user).update(covers_division=True)
    login(client, user)
    assert get(client, item, version=1).status_code == 200


@pytest.mark.parametrize("code", ["NOPE", "9" * 31, "1134030010000000840100000000010"])
def test_unknown_item_gets_a_friendly_chinese_404(client, code):
    response = client.get(reverse("catalog:guide", args=[code]))
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert gettext("Service guide not found") in html
    assert 'action="/search/"' in html
    assert "Traceback" not in html and "technical_404" not in html


@pytest.mark.parametrize("version", ["abc", "0", "-1", "99", "1.5", "9" * 20, ""])
def test_bad_version_numbers(client, version):
    item = make_item()
    response = get(client, item, version=version)
    # An empty value means "no version": the current guide; anything else unknown is a 404.
    assert response.status_code == (200 if version == "" else 404)


def test_qr_code_is_only_served_for_items_that_were_published(client):
    draft_only = make_item(publish=False)
    assert client.get(reverse("catalog:guide_qr", args=[draft_only.item_code])).status_code == 404
    assert client.get(reverse("catalog:guide_qr", args=["UNKNOWN"])).status_code == 404
    withdrawn = make_item()
    services.retire(withdrawn)
    assert client.get(reverse("catalog:guide_qr", args=[withdrawn.item_code])).status_code == 200
