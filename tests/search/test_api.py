"""GET /api/v1/catalog/search and /suggest: shape, filters and refusals (never a 500)."""

import pytest

URL = "/api/v1/catalog/search"


def test_search_returns_ranked_items_with_guide_links(city, client):
    data = client.get(URL, {"q": "yyzz"}).json()
    assert data["total"] >= 1 and data["page"] == 1
    top = data["items"][0]
    assert top["name"] == "营业执照核发"
    assert top["item_code"] == city["license_city"].item_code
    assert top["url"] == f"/items/{top['item_code']}/"
    assert top["organisation"] == "蚌埠市市场监督管理局"
    assert top["division"] == "蚌埠市"
    assert top["level"] == 3
    assert top["online_depth"] == 4 and top["visits_required"] == 0
    assert top["promised_limit"] == 5 and top["promised_unit"] == "wd"
    assert top["implementations"] == 3
    assert top["highlights"] == ["营业执照"]
    assert top["matched_aliases"] == ["办营业执照"]


def test_filters_through_the_api(city, client):
    data = client.get(URL, {"q": "营业执照", "division": "340321"}).json()
    assert {i["division"] for i in data["items"]} == {"怀远县"}
    data = client.get(URL, {"catalog_code": "010000000001"}).json()
    assert data["total"] == 3 and data["items"][0]["division"] == "蚌埠市"
    data = client.get(URL, {"audience": "person", "max_visits": 1, "theme": "birth"}).json()
    assert [i["name"] for i in data["items"]] == ["出生医学证明办理"]
    org = city["id_card"].organisation_id
    data = client.get(URL, {"organisation": org}).json()
    assert [i["name"] for i in data["items"]] == ["居民身份证申领"]
    data = client.get(URL, {"level": 4, "group": "false", "page_size": 2, "page": 2}).json()
    assert data["total"] == 4 and data["pages"] == 2 and len(data["items"]) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": 500}, "page_size"),
        ({"audience": "robot"}, "audience"),
        ({"division": "12ab"}, "division"),
        ({"level": 9}, "level"),
        ({"online_depth": 7}, "online_depth"),
        ({"max_visits": -1}, "max_visits"),
        ({"organisation": "abc"}, "organisation"),
        ({"q": "x" * 65}, "q"),
    ],
)
def test_malformed_parameters_are_422_per_field(city, client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["detail"]]


def test_unknown_references_are_400_per_field(city, client):
    response = client.get(URL, {"organisation": 999999, "division": "999999", "theme": "nope", "catalog_code": "??"})
    assert response.status_code == 400
    fields = {d["field"]: d for d in response.json()["detail"]}
    assert set(fields) == {"organisation", "division", "theme", "catalog_code"}
    assert fields["division"]["message"] and fields["division"]["message_en"]


def test_hostile_queries_are_harmless(city, client):
    for q in ["' OR 1=1 --", "%", "_", "\\", "；；；", "😀", "=", "#all", "m:", "d:公安局"]:
        response = client.get(URL, {"q": q})
        assert response.status_code == 200, q


def test_suggest(city, client):
    data = client.get("/api/v1/catalog/suggest", {"q": "yingye"}).json()
    assert 1 <= len(data["suggestions"]) <= 10
    assert data["suggestions"][0]["name"] == "营业执照核发"
    assert client.get("/api/v1/catalog/suggest", {"q": ""}).json()["suggestions"] == []
    assert client.get("/api/v1/catalog/suggest", {"q": "x" * 100}).status_code == 422
