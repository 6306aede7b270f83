"""The OpenAPI document is complete: every endpoint, typed bodies and responses, error shapes."""

from __future__ import annotations

import pytest

from tests.editor.fixtures import client_for

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("get", "/api/v1/orgs/divisions"),
    ("get", "/api/v1/orgs/divisions/{code}"),
    ("get", "/api/v1/orgs/organisations"),
    ("get", "/api/v1/orgs/organisations/{organisation_id}"),
    ("get", "/api/v1/orgs/halls"),
    ("get", "/api/v1/catalog/items"),
    ("post", "/api/v1/catalog/items"),
    ("get", "/api/v1/catalog/items/{item_code}"),
    ("get", "/api/v1/catalog/items/{item_code}/versions"),
    ("get", "/api/v1/catalog/items/{item_code}/versions/{number}"),
    ("get", "/api/v1/catalog/items/{item_code}/events"),
    ("post", "/api/v1/catalog/items/{item_code}/drafts"),
    ("put", "/api/v1/catalog/items/{item_code}/drafts/current"),
    ("post", "/api/v1/catalog/items/{item_code}/drafts/current/publish"),
    ("post", "/api/v1/catalog/items/{item_code}/retire"),
}


def test_openapi_lists_every_endpoint_with_schemas():
    response = client_for(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    ops = {(m, p) for p, methods in doc["paths"].items() for m in methods}
    assert ops >= EXPECTED
    schemas = doc["components"]["schemas"]
    for name in (
        "ItemOut",
        "ItemDetail",
        "VersionOut",
        "ItemCreateIn",
        "DraftIn",
        "ErrorOut",
        "OrganisationOut",
        "HallOut",
    ):
        assert name in schemas, name
    create = doc["paths"]["/api/v1/catalog/items"]["post"]
    assert {"201", "400", "401", "403"} <= set(create["responses"])
    assert create.get("security"), "writes declare their authentication"
    assert "handling_kind" in schemas["VersionIn"]["properties"]
    assert schemas["VersionIn"]["properties"]["online_depth"].get("type") == "integer"
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert op.get("summary"), (method, path)


def test_browsable_docs_load():
    assert client_for(None).get("/api/v1/docs").status_code == 200
