"""Bad input at the edge (issue 17): huge page numbers, text that is not text, and one error shape for every
answer under /api/v1/, whichever layer gives it."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tests.cases.test_api import token_for
from tests.cases.test_api import world as world  # the fixture
from tests.factories import OrganisationFactory, make_item, person
from yiwang.cases.models import Case
from yiwang.core.api_errors import is_error_shape
from yiwang.identity.clients import create_client

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def assert_shape(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert is_error_shape(body), body
    problem = body["detail"][0]
    assert problem["message"] and problem["message_en"]
    if field is not None:
        assert field in [p["field"] for p in body["detail"]], body
    if code is not None:
        assert code in [p["code"] for p in body["detail"]], body
    return body


# ------------------------------------------------------------------------------------------------------------
# Paging parameters are bounded in the schema
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["orgs/divisions", "orgs/organisations", "orgs/halls", "catalog/items"])
@pytest.mark.parametrize("page", [str(2**63), str(2**62), "100001", "0", "-1"])
def test_an_out_of_range_page_is_a_422_naming_it(path, page):
    OrganisationFactory()
    assert_shape(Client().get(f"{V1}/{path}", {"page": page}), 422, field="page")


@pytest.mark.parametrize("size", ["0", "101", str(2**63)])
def test_an_out_of_range_page_size_is_a_422(size):
    assert_shape(Client().get(f"{V1}/orgs/divisions", {"page_size": size}), 422, field="page_size")


def test_the_last_allowed_page_answers_empty():
    OrganisationFactory()
    response = Client().get(f"{V1}/orgs/organisations", {"page": 100_000, "page_size": 100})
    assert response.status_code == 200 and response.json()["items"] == []


def test_cursor_and_limits_of_plain_lists_are_bounded(world):
    token = token_for(world["org"], ["cases:read"])
    system = Client(headers={"Authorization": f"Bearer {token}"})
    assert_shape(system.get(f"{V1}/cases/feed", {"after": str(2**64)}), 422, field="after")
    assert_shape(system.get(f"{V1}/cases/feed", {"limit": "501"}), 422, field="limit")
    assert_shape(world["clerk"].get(f"{V1}/cases/queue", {"role": "reviewer", "limit": "0"}), 422, field="limit")
    assert system.get(f"{V1}/cases/feed", {"after": str(2**63 - 1)}).json() == []


def test_the_bounds_are_in_the_document():
    doc = Client().get(f"{V1}/openapi.json").json()
    params = {p["name"]: p["schema"] for p in doc["paths"][f"{V1}/orgs/divisions"]["get"]["parameters"]}
    assert params["page"]["maximum"] == 100_000 and params["page"]["minimum"] == 1
    assert params["page_size"]["anyOf"][0]["maximum"] == 100 or params["page_size"].get("maximum") == 100


# ------------------------------------------------------------------------------------------------------------
# Text that is not text: lone surrogates and NUL, anywhere
# ------------------------------------------------------------------------------------------------------------


def case_json(item_code: str, form_data: str, applicant: str = "") -> str:
    """A case submission written as JSON text, so escapes such as \\ud800 reach the server as a caller wrote them."""
    extra = f', "applicant": {applicant}' if applicant else ""
    return '{"item_code": "' + item_code + '", "form_data": ' + form_data + extra + "}"


def raw_json(client: Client, path: str, text: str, **headers):
    """Posts JSON text as written (json.dumps would escape a lone surrogate the same way, but be explicit)."""
    return client.post(f"{V1}{path}", text.encode(), content_type="application/json", headers=headers)


@pytest.mark.parametrize("bad", ["\\ud800", "a\\udfffb", "\\u0000", "x\\u0000"])
def test_a_citizen_cannot_store_a_broken_address_in_form_data(world, bad):
    body = case_json(world["item"].item_code, '{"contact_phone": "13900001111", "address": "' + bad + '"}')
    response = raw_json(world["me"], "/cases/", body, **{"Idempotency-Key": "k-bad"})
    body = assert_shape(response, 422, field="form_data.address", code="invalid_characters")
    assert "不允许" in body["detail"][0]["message"] and "not allowed" in body["detail"][0]["message_en"]
    assert Case.objects.count() == 0


def test_a_machine_clients_broken_applicant_name_is_422_not_500(world):
    token = token_for(world["org"], ["cases:write"])
    system = Client(headers={"Authorization": f"Bearer {token}"})
    applicant = '{"name": "\\ud83d", "doc_type": "resident_id", "doc_number": "' + world["applicant"].doc_number + '"}'
    body = case_json(world["item"].item_code, "{}", applicant)
    assert_shape(raw_json(system, "/cases/", body, **{"Idempotency-Key": "s-1"}), 422, field="applicant.name")
    assert Case.objects.count() == 0


def test_a_proper_surrogate_pair_is_an_ordinary_character(world):
    form = '{"contact_phone": "13900001111", "address": "\\ud83d\\ude00 幸福路 1 号"}'
    body = case_json(world["item"].item_code, form)
    response = raw_json(world["me"], "/cases/", body, **{"Idempotency-Key": "k-emoji"})
    assert response.status_code == 201, response.content


def test_bad_text_deep_in_lists_and_in_keys_is_named(world):
    body = case_json(world["item"].item_code, '{"rows": [{"x": "ok"}, {"x": "\\udc00"}], "\\u0000": 1}')
    response = raw_json(world["me"], "/cases/", body, **{"Idempotency-Key": "k-deep"})
    fields = {p["field"] for p in assert_shape(response, 422)["detail"]}
    assert fields == {"form_data.rows.1.x", "form_data"}


def test_nul_in_a_query_string_or_a_path_is_refused():
    assert_shape(Client().get(f"{V1}/orgs/divisions", {"q": "安\x00徽"}), 422, field="q")
    assert_shape(Client().get(f"{V1}/catalog/items/%00"), 422, field="path")


def test_nul_in_a_form_field_is_refused_for_the_api():
    from tests.cases.apply_world import upload

    me = Client()
    me.force_login(person("赵六").user)
    response = me.post(f"{V1}/identity/me/materials", {"title": "学历\x00证书", "file": upload()})
    assert_shape(response, 422, field="title", code="invalid_characters")
    assert me.get(f"{V1}/identity/me/materials").json() == []


def test_a_page_refuses_nul_in_a_form_post_naming_the_field():
    response = Client().post("/accounts/sign-in/", {"username": "13900000000\x00", "password": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "username" in html and "不允许" in html


def test_a_page_refuses_nul_in_a_query_string_in_english_when_chosen(settings):
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = c.get("/search/", {"q": "\x00"})
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()


def test_nan_and_infinity_are_not_json(world):
    for constant in ("NaN", "Infinity", "1e999"):
        body = case_json(world["item"].item_code, '{"address": ' + constant + "}")
        assert_shape(raw_json(world["me"], "/cases/", body, **{"Idempotency-Key": "k-nan"}), 400, code="parse_error")


# ------------------------------------------------------------------------------------------------------------
# One error shape for every answer under /api/v1/
# ------------------------------------------------------------------------------------------------------------


def test_an_unparsable_body_is_a_400_in_the_shape(world):
    response = world["me"].post(f"{V1}/cases/", b"{not json", content_type="application/json")
    assert_shape(response, 400, code="parse_error")
    response = world["me"].post(f"{V1}/cases/", b"\xff\xfe", content_type="application/json")
    assert_shape(response, 400, code="parse_error")


def test_a_non_numeric_id_is_a_404_in_the_shape():
    assert_shape(Client().get(f"{V1}/orgs/organisations/abc"), 404, code="not_found")
    assert_shape(Client().get(f"{V1}/no/such/endpoint"), 404, code="not_found")


def test_wrong_method_is_a_405_in_the_shape_keeping_allow():
    response = Client().delete(f"{V1}/orgs/divisions")
    assert_shape(response, 405, code="method_not_allowed")
    assert "GET" in response["Allow"]


def test_unauthenticated_forbidden_and_rate_limited_answers_keep_the_shape(world):
    assert_shape(Client().get(f"{V1}/identity/me"), 401, code="unauthenticated")
    assert_shape(Client(headers={"Authorization": "Bearer nope"}).get(f"{V1}/cases/feed"), 401)
    reader = Client(headers={"Authorization": f"Bearer {token_for(world['org'], ['catalog:read'])}"})
    assert_shape(reader.get(f"{V1}/cases/feed"), 403, code="forbidden")
    client, secret = create_client("限流系统", "department", world["org"], ["cases:read"], rate_limit=1)
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = (
        Client()
        .post("/oauth/token/", {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
        .json()["access_token"]
    )
    system = Client(headers={"Authorization": f"Bearer {token}"})
    assert system.get(f"{V1}/cases/feed").status_code == 200
    limited = system.get(f"{V1}/cases/feed")
    assert_shape(limited, 429, code="rate_limited")
    assert int(limited["Retry-After"]) >= 1


def test_a_body_over_the_limit_is_413_in_the_shape(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"item_code": world["item"].item_code, "form_data": {"note": "x" * 2000}})
    assert_shape(raw_json(world["me"], "/cases/", body), 413, code="too_large")
    assert_shape(world["me"].post(f"{V1}/catalog/import", {"dry_run": "x" * 2000}), 413, code="too_large")


def test_an_unexpected_error_is_a_500_in_the_shape(monkeypatch):
    from yiwang.orgs import api as orgs_api

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(orgs_api, "division_or_problem", boom)
    response = Client(raise_request_exception=False).get(f"{V1}/orgs/divisions", {"parent": "340000"})
    body = assert_shape(response, 500, code="server_error")
    assert "boom" not in json.dumps(body)


def test_schema_errors_speak_chinese_and_english_naming_the_field():
    body = assert_shape(Client().get(f"{V1}/orgs/divisions", {"level": "9"}), 422, field="level")
    problem = body["detail"][0]
    assert problem["code"] == "less_than_equal"
    assert problem["message_en"] == "Must be at most 6." and "6" in problem["message"]
    assert problem["message"] != problem["message_en"]


def test_items_of_the_catalog_reject_a_huge_page_the_same_as_a_person_would_see(admin_a, org_a):
    make_item(org_a)
    person("王五")
    assert_shape(Client().get(f"{V1}/catalog/items", {"page": str(2**62)}), 422, field="page")


def test_an_api_error_never_renders_a_page(settings, tmp_path):
    """Without collected static files the HTML error pages cannot render; the API's answers do not need them."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    settings.DEBUG = False
    c = Client(raise_request_exception=False)
    assert_shape(c.get(f"{V1}/orgs/organisations/abc"), 404, code="not_found")
    assert_shape(c.get(f"{V1}/catalog/items/X/versions/-1"), 404, code="not_found")


def test_every_operation_declares_its_error_answers():
    doc = Client().get(f"{V1}/openapi.json").json()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            responses = op["responses"]
            assert responses["default"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
            if op.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
    problem = doc["components"]["schemas"]["ProblemDetail"]
    assert set(problem["required"]) == {"field", "code", "message", "message_en"}
