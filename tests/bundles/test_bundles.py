"""Bundles: the merged form, the one submission through the apply door, the pages, the API and the definition."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.bundles.world import build, good_form
from yiwang.bundles import services
from yiwang.bundles.models import Bundle, BundleApplication, BundleCase
from yiwang.cases.actions import Caller
from yiwang.cases.models import Case, CaseEvent
from yiwang.core.errors import ProblemsError

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world():
    return build()


def caller(world):
    return Caller.for_user(world.citizen.user)


def test_merged_form_asks_shared_fields_once(world):
    names = [f.name for f in services.merged_fields(world.bundle)]
    assert names == ["has_sign", "shop_name", "area", "contact_phone", "kind", "sign_size"]
    # name_of_shop is mapped onto shop_name and not asked again
    assert "name_of_shop" not in names


def test_submit_opens_one_case_per_applicable_item_through_the_door(world):
    done = services.submit(caller(world), world.bundle, form=good_form(), channel="api", idempotency_key="b-1")
    assert done.created
    assert [c.item_id for c in done.cases] == [world.license_item.pk, world.food_item.pk]  # no sign: not applicable
    food = Case.objects.get(pk=done.cases[1].pk)
    assert food.form_data == {"name_of_shop": "王五小馆", "kind": "catering", "contact_phone": "13912345678"}
    assert food.organisation_id == world.org.pk and food.person_id == world.citizen.pk
    # every case was recorded by the door's submit event, as the applicant, through the channel
    ev = CaseEvent.objects.get(case=food, action="submit")
    assert ev.role == "applicant" and ev.channel == "api"
    app = done.application
    assert app.number.startswith("YJ") and app.applicant_name == "王五"
    assert BundleCase.objects.filter(application=app).count() == 2
    # the same key again: the same application, nothing new
    again = services.submit(caller(world), world.bundle, form=good_form(), channel="api", idempotency_key="b-1")
    assert not again.created and again.application.pk == app.pk
    assert Case.objects.count() == 2


def test_answers_decide_which_items_apply(world):
    done = services.submit(caller(world), world.bundle, form=good_form(has_sign=True, sign_size="3"), channel="api")
    assert [c.item_id for c in done.cases] == [world.license_item.pk, world.food_item.pk, world.sign_item.pk]
    assert done.cases[2].organisation_id == world.org2.pk


def test_every_problem_at_once_and_nothing_written(world):
    with pytest.raises(ProblemsError) as exc:
        services.submit(caller(world), world.bundle, form=good_form(area="abc", kind="", has_sign=True), channel="api")
    fields = {p.field for p in exc.value.problems}
    assert fields == {"area", "kind", "sign_size"}
    assert Case.objects.count() == 0 and BundleApplication.objects.count() == 0


def test_a_refusal_of_the_door_rolls_back_every_case(world):
    # the sign item is not open online: the door refuses it after the other two would be fine
    from yiwang.catalog.models import ItemVersion

    ItemVersion.objects.filter(pk=world.sign_item.current_id).update(online_depth=1)
    with pytest.raises(ProblemsError) as exc:
        services.submit(caller(world), world.bundle, form=good_form(has_sign=True, sign_size="3"), channel="api")
    assert [p.code for p in exc.value.problems] == ["not_online"]
    assert exc.value.problems[0].extra["item"] == "户外招牌设置"
    assert Case.objects.count() == 0 and BundleApplication.objects.count() == 0


def test_unknown_json_field_is_refused(world):
    with pytest.raises(ProblemsError) as exc:
        services.submit(caller(world), world.bundle, form=good_form(colour="red"), channel="api")
    assert [p.field for p in exc.value.problems] == ["colour"]


def test_definition_problems_name_their_fields(world):
    with pytest.raises(ProblemsError) as exc:
        services.save_bundle(
            organisation=world.org,
            code="Bad Code",
            name="",
            questions=[{"name": "q", "label": "Q", "type": "checkbox"}],
            items=[
                services.ItemSpec("NOPE"),
                services.ItemSpec(world.food_item.item_code, field_map={"missing": "x", "kind": "area"}),
                services.ItemSpec(world.license_item.item_code, applies_if={"==": [{"var": "nope"}, 1]}),
            ],
        )
    fields = {p.field for p in exc.value.problems}
    assert {
        "code",
        "name",
        "items.1.item_code",
        "items.2.field_map.missing",
        "items.3.field_map.area",
        "items.3.applies_if.==.0.var",
    } <= fields
    assert Bundle.objects.count() == 1  # only the world's


def test_pages_find_apply_and_follow(client, world):
    assert client.get(reverse("bundles:list"), {"q": "开饭店"}).content.decode().count("我要开餐馆") == 1
    assert client.get(reverse("bundles:apply", args=["open-restaurant"])).status_code == 302  # sign in first
    client.force_login(world.citizen.user)
    page = client.get(reverse("bundles:apply", args=["open-restaurant"]))
    assert page.status_code == 200 and page.content.decode().count('name="contact_phone"') == 1
    bad = client.post(
        reverse("bundles:apply", args=["open-restaurant"]), {**good_form(area=""), "idempotency_key": "p1"}
    )
    assert bad.status_code == 400 and "经营面积" in bad.content.decode()
    r = client.post(reverse("bundles:apply", args=["open-restaurant"]), {**good_form(), "idempotency_key": "p2"})
    assert r.status_code == 302
    app = BundleApplication.objects.get()
    assert r.url == reverse("bundles:mine_one", args=[app.number])
    page = client.get(r.url).content.decode()
    assert app.number in page and "个体工商户注册登记" in page and "食品经营许可" in page
    assert app.number in client.get(reverse("bundles:mine")).content.decode()
    # someone else cannot see it
    from tests.factories import person

    other = person("赵六")
    client.force_login(other.user)
    assert client.get(reverse("bundles:mine_one", args=[app.number])).status_code == 404


def test_draft_bundle_is_not_found(client):
    w = build(publish=False)
    client.force_login(w.citizen.user)
    assert client.get(reverse("bundles:apply", args=["open-restaurant"])).status_code == 404
    assert client.get("/api/v1/bundles/open-restaurant").status_code == 404


def test_api_submit_and_read(client, world):
    body = client.get("/api/v1/bundles/open-restaurant").json()
    assert [f["name"] for f in body["fields"]].count("contact_phone") == 1
    assert body["promised_days"] == 5 and body["items_promised_days"] == 15
    client.force_login(world.citizen.user)
    r = client.post(
        "/api/v1/bundles/open-restaurant/apply",
        json.dumps({"form_data": good_form()}),
        content_type="application/json",
        headers={"Idempotency-Key": "a-1"},
    )
    assert r.status_code == 201, r.content
    out = r.json()
    assert len(out["cases"]) == 2 and out["progress"] == "open"
    r2 = client.post(
        "/api/v1/bundles/open-restaurant/apply",
        json.dumps({"form_data": good_form()}),
        content_type="application/json",
        headers={"Idempotency-Key": "a-1"},
    )
    assert r2.status_code == 200 and r2.json()["number"] == out["number"]
    bad = client.post(
        "/api/v1/bundles/open-restaurant/apply",
        json.dumps({"form_data": good_form(kind="x")}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "kind"
    mine = client.get("/api/v1/bundles/applications").json()
    assert [a["number"] for a in mine] == [out["number"]]


def test_staff_define_page_and_api(client, world):
    client.force_login(world.citizen.user)
    assert client.get(reverse("bundles:workbench")).status_code == 404
    client.force_login(world.admin)
    assert "我要开餐馆" in client.get(reverse("bundles:workbench")).content.decode()
    items = json.dumps([{"item_code": world.license_item.item_code}])
    r = client.post(reverse("bundles:new"), {"code": "shop", "name": "我要开小店", "items": items, "questions": "[]"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Bundle.objects.get(code="shop").status == "draft"
    r = client.post(reverse("bundles:edit", args=["shop"]), {"action": "publish"})
    assert Bundle.objects.get(code="shop").status == "published"
    bad = client.post(reverse("bundles:new"), {"code": "x y", "name": "", "items": "[{]", "questions": "[]"})
    assert bad.status_code == 400
    payload = {
        "code": "api-shop",
        "name": "接口小店",
        "organisation_id": world.org.pk,
        "items": [{"item_code": world.food_item.item_code}],
    }
    r = client.post("/api/v1/bundles/", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    payload["items"] = [{"item_code": "NOPE"}]
    r = client.put("/api/v1/bundles/api-shop", json.dumps(payload), content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "items.1.item_code"
