"""The items API: reads for everyone, writes for catalog administrators in scope, one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.editor.fixtures import client_for
from tests.factories import DEFAULT_STEPS, OrganisationFactory, item_code_for, make_item, material_data, version_data
from yiwang.catalog.models import CatalogEvent, ServiceItem, Theme, VersionStatus

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog/items"


def post(client: Client, url: str, body: Any = None, method: str = "post"):
    return getattr(client, method)(url, body if body is not None else {}, content_type="application/json")


def fields_of(response) -> set[str]:
    return {p["field"] for p in response.json()["detail"]}


def create_body(org, **overrides) -> dict[str, Any]:
    body = {
        "organisation": org.credit_code,
        "catalog_code": "010000000888",
        "version": version_data(level=org.division.level),
        "materials": [material_data()],
        "steps": DEFAULT_STEPS,
        "themes": [],
    }
    body.update(overrides)
    return body


@pytest.fixture
def theme():
    return Theme.objects.create(code="open-shop", name="开店", audience="enterprise")


# --- reading -----------------------------------------------------------------------------------


def test_list_shows_published_items_to_the_public(org_a, org_b, django_assert_max_num_queries):
    for i in range(3):
        make_item(org_a, name=f"公开{i}")
    draft = make_item(org_a, publish=False, name="草稿")
    make_item(org_b, name="乙")
    client = client_for(None)
    with django_assert_max_num_queries(3):
        data = client.get(BASE).json()
    assert data["count"] == 4
    codes = [i["item_code"] for i in data["items"]]
    assert draft.item_code not in codes
    first = data["items"][0]
    assert first["status"] == "published" and first["has_draft"] is None
    assert first["current"]["number"] == 1 and first["organisation"]["credit_code"]
    for i in range(10):
        make_item(org_b, name=f"更多{i}")
    with django_assert_max_num_queries(3):
        assert client.get(BASE, {"page_size": 50}).json()["count"] == 14
    # The public cannot list drafts.
    assert client.get(BASE, {"status": "draft"}).json()["count"] == 0


def test_list_filters(org_a, org_b):
    from tests.factories import division_chain

    _, _, county = division_chain()
    county_org = OrganisationFactory(division=county)
    a = make_item(org_a)
    b = make_item(org_b)
    c = make_item(county_org)
    client = client_for(None)

    def codes(**params):
        return {i["item_code"] for i in client.get(BASE, params).json()["items"]}

    assert codes(organisation=org_a.credit_code) == {a.item_code}
    assert codes(level=4) == {c.item_code}
    assert codes(division="340302") == {c.item_code}
    assert codes(division="340300") == {a.item_code, b.item_code, c.item_code}
    bad = client.get(BASE, {"division": "999999"})
    assert bad.status_code == 400 and fields_of(bad) == {"division"}
    bad = client.get(BASE, {"organisation": "NOPE"})
    assert bad.status_code == 400 and fields_of(bad) == {"organisation"}
    bad = client.get(BASE, {"status": "bogus"})
    assert bad.status_code == 400 and fields_of(bad) == {"status"}
    assert client.get(BASE, {"level": 9}).status_code == 422


def test_staff_in_scope_see_drafts_others_do_not(
    org_a, org_b, admin_a, admin_b, superuser, django_assert_max_num_queries
):
    published = make_item(org_a)
    from yiwang.catalog import services

    services.start_draft(published)
    new = make_item(org_a, publish=False)
    theirs = make_item(org_b, publish=False)
    client = client_for(admin_a)
    with django_assert_max_num_queries(6):
        data = client.get(BASE, {"status": "draft"}).json()
    assert {i["item_code"] for i in data["items"]} == {published.item_code, new.item_code}
    by_code = {i["item_code"]: i for i in client.get(BASE, {"status": "all"}).json()["items"]}
    assert by_code[published.item_code]["has_draft"] is True
    assert by_code[new.item_code]["status"] == "draft"
    assert theirs.item_code not in by_code
    other = {i["item_code"] for i in client_for(admin_b).get(BASE, {"status": "all"}).json()["items"]}
    assert new.item_code not in other and published.item_code in other
    assert client_for(admin_b).get(BASE).json()["items"][0]["has_draft"] is None
    everything = {i["item_code"] for i in client_for(superuser).get(BASE, {"status": "all"}).json()["items"]}
    assert everything == {published.item_code, new.item_code, theirs.item_code}


def test_item_detail_has_materials_steps_and_themes(org_a, theme, django_assert_max_num_queries):
    item = make_item(org_a, themes=[theme], materials=[material_data(), material_data(name="营业执照")])
    with django_assert_max_num_queries(8):
        data = client_for(None).get(f"{BASE}/{item.item_code}").json()
    assert data["item_code"] == item.item_code and data["status"] == "published"
    version = data["version"]
    assert version["number"] == 1 and version["status"] == "published"
    assert [m["name"] for m in version["materials"]] == ["食品经营许可申请书", "营业执照"]
    assert [s["kind"] for s in version["steps"]] == ["accept", "undertake", "review", "approve"]
    assert version["themes"] == [{"code": "open-shop", "name": "开店", "audience": "enterprise"}]
    assert version["aliases"] == ["开饭店办证", "食品许可"]


def test_unknown_or_unpublished_item_is_404_in_the_error_shape(org_a):
    draft = make_item(org_a, publish=False)
    client = client_for(None)
    for url in (f"{BASE}/NOPE", f"{BASE}/{draft.item_code}", f"{BASE}/{draft.item_code}/versions"):
        response = client.get(url)
        assert response.status_code == 404
        problem = response.json()["detail"][0]
        assert problem["code"] == "not_found" and problem["message"] and problem["message_en"]


def test_versions_hide_drafts_from_the_public(org_a, admin_a):
    from yiwang.catalog import services

    item = make_item(org_a)
    services.start_draft(item)
    public = client_for(None)
    assert [v["number"] for v in public.get(f"{BASE}/{item.item_code}/versions").json()] == [1]
    assert public.get(f"{BASE}/{item.item_code}/versions/2").status_code == 404
    assert public.get(f"{BASE}/{item.item_code}/versions/1").json()["status"] == "published"
    staff = client_for(admin_a)
    assert [v["number"] for v in staff.get(f"{BASE}/{item.item_code}/versions").json()] == [2, 1]
    assert staff.get(f"{BASE}/{item.item_code}/versions/2").json()["status"] == "draft"
    assert staff.get(f"{BASE}/{item.item_code}/versions/9").status_code == 404


def test_events_need_a_catalog_admin_in_scope(org_a, admin_a, admin_b, clerk):
    item = make_item(org_a)
    draft_only = make_item(org_a, publish=False)
    url = f"{BASE}/{item.item_code}/events"
    assert client_for(None).get(url).status_code == 401
    assert client_for(clerk).get(url).status_code == 403
    assert client_for(admin_b).get(url).status_code == 403
    assert client_for(admin_b).get(f"{BASE}/{draft_only.item_code}/events").status_code == 404
    events = client_for(admin_a).get(url).json()
    assert [e["action"] for e in events] == ["published", "created"]
    assert events[0]["version"] == 1


# --- writing -----------------------------------------------------------------------------------


def test_create_a_draft_then_edit_publish_and_retire(org_a, admin_a, theme):
    client = client_for(admin_a)
    response = post(client, BASE, create_body(org_a, themes=["open-shop"]))
    assert response.status_code == 201, response.json()
    data = response.json()
    code = item_code_for(org_a, "010000000888")
    assert data["item_code"] == code and data["status"] == "draft" and data["has_draft"] is True
    assert data["version"]["themes"][0]["code"] == "open-shop"
    assert CatalogEvent.objects.get(item__item_code=code).channel == "api"

    # Replace the draft with a rule violation; it is stored (drafts may be wrong), publishing refuses.
    body = {
        "version": version_data(promised_limit=30),
        "materials": [material_data(name="身份证明")],
        "steps": DEFAULT_STEPS,
        "themes": [],
    }
    response = post(client, f"{BASE}/{code}/drafts/current", body, method="put")
    assert response.status_code == 200, response.json()
    assert [m["name"] for m in response.json()["materials"]] == ["身份证明"]
    assert response.json()["themes"] == []
    response = post(client, f"{BASE}/{code}/drafts/current/publish")
    assert response.status_code == 400
    assert "promised_limit" in fields_of(response)
    problem = next(p for p in response.json()["detail"] if p["field"] == "promised_limit")
    assert problem["message"] and problem["message_en"]

    body["version"]["promised_limit"] = 5
    assert post(client, f"{BASE}/{code}/drafts/current", body, method="put").status_code == 200
    response = post(client, f"{BASE}/{code}/drafts/current/publish")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert client_for(None).get(f"{BASE}/{code}").json()["version"]["materials"][0]["name"] == "身份证明"

    # A new draft: 201 the first time, 200 with the same draft after.
    first = post(client, f"{BASE}/{code}/drafts")
    assert first.status_code == 201 and first.json()["number"] == 2
    again = post(client, f"{BASE}/{code}/drafts")
    assert again.status_code == 200 and again.json()["number"] == 2

    response = post(client, f"{BASE}/{code}/retire", {"note": "职能划转"})
    assert response.status_code == 200 and response.json()["status"] == "retired"
    assert ServiceItem.objects.get(item_code=code).current_id is None
    response = post(client, f"{BASE}/{code}/retire")
    assert response.status_code == 400 and fields_of(response) == {"status"}
    actions = [e["action"] for e in client.get(f"{BASE}/{code}/events").json()]
    assert actions[0] == "retired" and "edited" in actions


def test_create_and_publish_at_once(org_a, superuser):
    response = post(client_for(superuser), BASE, create_body(org_a, publish=True, handling_item="new"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["item_code"] == item_code_for(org_a, "010000000888", "1")
    assert data["status"] == "published" and data["version"]["status"] == "published"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"catalog_code": "01X"}, "catalog_code"),
        ({"item_code": "Z" * 31}, "item_code"),
        ({"organisation": "NOPE"}, "organisation"),
        ({"handling_item": "bogus"}, "handling_item"),
        ({"themes": ["no-such-theme"]}, "themes"),
        ({"version": version_data(handling_kind=9)}, "handling_kind"),
        ({"version": version_data(item_type="77")}, "item_type"),
        ({"version": version_data(name="名" * 201)}, "name"),
        ({"version": version_data(statutory_limit=-3)}, "statutory_limit"),
        ({"materials": [material_data(source="nowhere")]}, "materials.1.source"),
        ({"materials": [material_data(copies=100000)]}, "materials.1.copies"),
        ({"steps": [{"kind": "countersign", "name": "会签", "countersign_org": "NOPE"}]}, "steps.1.countersign_org"),
        ({"steps": [{"kind": "dance", "name": "跳舞"}]}, "steps.1.kind"),
        ({"publish": True, "version": version_data(online_depth=4, visits_required=2)}, "visits_required"),
    ],
)
def test_create_refuses_bad_input_per_field_and_writes_nothing(org_a, admin_a, change, field):
    response = post(client_for(admin_a), BASE, create_body(org_a, **change))
    assert response.status_code == 400, response.json()
    assert field in fields_of(response)
    for problem in response.json()["detail"]:
        assert problem["message"] and problem["message_en"]
    assert not ServiceItem.objects.exists() and not CatalogEvent.objects.exists()


def test_create_refuses_a_malformed_body_with_422(org_a, admin_a):
    response = post(client_for(admin_a), BASE, {"organisation": org_a.credit_code})
    assert response.status_code == 422
    assert {"catalog_code", "version"} <= fields_of(response)
    response = client_for(admin_a).post(BASE, "not json", content_type="application/json")
    assert response.status_code in (400, 422)


def test_duplicate_code_is_refused(org_a, admin_a):
    make_item(org_a, catalog_code="010000000888")
    response = post(client_for(admin_a), BASE, create_body(org_a))
    assert response.status_code == 400
    assert [p["code"] for p in response.json()["detail"]] == ["duplicate"]


def test_write_permissions(org_a, org_b, admin_a, admin_b, clerk, superuser):
    published = make_item(org_a)
    hidden = make_item(org_a, publish=False)
    anonymous, other, no_role = client_for(None), client_for(admin_b), client_for(clerk)

    # Creating.
    assert post(anonymous, BASE, create_body(org_a)).status_code == 401
    assert post(no_role, BASE, create_body(org_a)).status_code == 403
    response = post(other, BASE, create_body(org_a))
    assert response.status_code == 403 and response.json()["detail"][0]["code"] == "forbidden"

    writes = [
        ("post", "drafts", None),
        ("put", "drafts/current", {"version": version_data(), "materials": [], "steps": [], "themes": []}),
        ("post", "drafts/current/publish", None),
        ("post", "retire", None),
    ]
    for method, suffix, body in writes:
        for item, out_of_scope in ((published, 403), (hidden, 404)):
            url = f"{BASE}/{item.item_code}/{suffix}"
            assert post(anonymous, url, body, method).status_code == 401
            assert post(no_role, url, body, method).status_code == 403
            # Out of scope: refused, and the existence of an unpublished item is not revealed.
            assert post(other, url, body, method).status_code == out_of_scope
        assert post(other, f"{BASE}/NOPE/{suffix}", body, method).status_code == 404
    assert not published.versions.filter(status=VersionStatus.DRAFT).exists()
    published.refresh_from_db()
    assert published.current_id is not None

    # A superuser reaches both.
    root = client_for(superuser)
    assert post(root, f"{BASE}/{published.item_code}/drafts").status_code == 201
    assert post(root, f"{BASE}/{hidden.item_code}/drafts/current/publish").status_code == 200


def test_put_and_publish_without_a_draft_say_so(org_a, admin_a):
    item = make_item(org_a)
    client = client_for(admin_a)
    body = {"version": version_data(), "materials": [], "steps": [], "themes": []}
    for response in (
        post(client, f"{BASE}/{item.item_code}/drafts/current", body, "put"),
        post(client, f"{BASE}/{item.item_code}/drafts/current/publish"),
    ):
        assert response.status_code == 400
        assert response.json()["detail"][0]["code"] == "no_draft"


def test_session_writes_need_the_csrf_token(org_a, admin_a):
    client = client_for(admin_a, enforce_csrf_checks=True)
    response = post(client, BASE, create_body(org_a))
    assert response.status_code == 403
    assert response.json()["detail"][0]["code"] == "forbidden"
    assert not ServiceItem.objects.exists()
    client.get("/admin/")  # any page that renders a form sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(BASE, create_body(org_a), content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    # Anonymous callers hear "sign in first", not a CSRF failure.
    response = post(Client(enforce_csrf_checks=True), BASE, create_body(org_a))
    assert response.status_code == 401 and response.json()["detail"][0]["code"] == "unauthenticated"
