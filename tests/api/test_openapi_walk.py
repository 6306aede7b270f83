"""Real answers match the committed document: a walk through the API (apply → accept → steps → approve → the
e-license verified, catalog, orgs, calendar, identity and My Space reads, and the errors met on the way), each
answer validated against docs/openapi.json with openapi-core.

The document once described the catalog's steps with the case's step schema (two classes named StepOut): a
reader trusting it expected `id`, `role` and `state` that never came. This walk catches any such drift.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests import factories
from tests.cases.apply_world import PDF
from tests.licenses.conftest import TEACHER_FIELDS
from yiwang.core.api_errors import is_error_shape
from yiwang.identity.clients import create_client
from yiwang.licenses.models import HolderKind, License, LicenseType
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
V1 = "/api/v1"
TEACHER = "11100000000013338W001"
FORM = [
    {"name": "subject", "label": "任教学科", "type": "text", "required": True},
    {"name": "level", "label": "资格种类", "type": "choice", "required": True, "choices": ["小学", "初级中学"]},
]


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(DOCUMENT))


class Checked:
    """A test client whose every answer under /api/v1/ is validated against the document (status, type, body)."""

    def __init__(self, openapi: OpenAPI, client: Client | None = None) -> None:
        self.openapi = openapi
        self.client = client or Client()
        self.seen: list[tuple[str, str, int]] = []

    def call(self, method: str, path: str, query: dict | None = None, json: dict | None = None, **kwargs):
        url = f"{V1}{path}" + (f"?{urlencode(query)}" if query else "")
        if json is not None:
            kwargs.update(data=json, content_type="application/json")
        response = getattr(self.client, method)(url, **kwargs)
        content_type = response.get("Content-Type", "application/json").split(";")[0]
        request = MockRequest("http://testserver", method, f"{V1}{path}", args=query or {})
        answer = MockResponse(response.content, status_code=response.status_code, content_type=content_type)
        self.openapi.validate_response(request, answer)  # raises with the schema error when they disagree
        self.seen.append((method, path, response.status_code))
        return response

    def get(self, path: str, query: dict | None = None, **kwargs):
        return self.call("get", path, query, **kwargs)

    def post(self, path: str, json: dict | None = None, **kwargs):
        return self.call("post", path, None, json if json is not None else {}, **kwargs)


def signed_in(openapi: OpenAPI, user) -> Checked:
    client = Client()
    client.force_login(user)
    return Checked(openapi, client)


def bearer(openapi: OpenAPI, org, scopes: list[str]) -> Checked:
    client, secret = create_client("部门审批系统", "department", org, scopes)
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        headers={"Authorization": f"Basic {basic}"},
    )
    return Checked(openapi, Client(headers={"Authorization": f"Bearer {token.json()['access_token']}"}))


@pytest.fixture
def world():
    bureau = factories.OrganisationFactory(name="蚌埠市教育局")
    license_type = LicenseType.objects.create(
        code=TEACHER, name="教师资格证", holder_kind=HolderKind.PERSON, fields=TEACHER_FIELDS, validity_years=5
    )
    license_type.issuers.add(bureau)
    item = factories.make_item(
        bureau,
        name="教师资格认定",
        result_type="license",
        result_name="教师资格证",
        result_license_type=TEACHER,
        materials=[factories.material_data(name="认定申请表", requirement="optional")],
        form_fields=FORM,
        for_enterprises=False,
    )
    return {
        "bureau": bureau,
        "item": item,
        "teacher": factories.person("李老师", level=2),
        "clerk": factories.staff(bureau, Role.WINDOW_CLERK),
        "reviewer": factories.staff(bureau, Role.REVIEWER),
        "approver": factories.staff(bureau, Role.APPROVER),
        "admin": factories.staff(bureau, Role.CATALOG_ADMIN),
    }


def test_a_walk_through_the_api_matches_the_document(openapi, world, django_capture_on_commit_callbacks):
    anonymous = Checked(openapi)
    me = signed_in(openapi, world["teacher"].user)
    clerk, reviewer, approver = (signed_in(openapi, world[k]) for k in ("clerk", "reviewer", "approver"))
    admin = signed_in(openapi, world["admin"])
    system = bearer(openapi, world["bureau"], ["cases:read", "catalog:read"])
    code = world["item"].item_code

    # Catalog, orgs and calendar: what anyone reads.
    assert anonymous.get("/catalog/items").json()["count"] == 1
    item = anonymous.get(f"/catalog/items/{code}").json()
    assert item["version"]["steps"] and "role" not in item["version"]["steps"][0]
    anonymous.get(f"/catalog/items/{code}/versions")
    anonymous.get(f"/catalog/items/{code}/versions/1")
    anonymous.get("/catalog/search", {"q": "教师资格"})
    anonymous.get("/catalog/suggest", {"q": "教师"})
    admin.get(f"/catalog/items/{code}/events")
    division = world["bureau"].division.code
    anonymous.get("/orgs/divisions")
    anonymous.get(f"/orgs/divisions/{division}")
    anonymous.get("/orgs/organisations", {"division": division})
    anonymous.get(f"/orgs/organisations/{world['bureau'].pk}")
    anonymous.get("/orgs/halls")
    anonymous.get("/calendar/years")
    anonymous.get("/calendar/days", {"year": 2025})
    anonymous.get("/calendar/is-working-day", {"date": "2025-10-11"})
    anonymous.get("/calendar/add", {"start": "2025-09-26", "days": 6})
    anonymous.get("/calendar/between", {"start": "2025-09-26", "end": "2025-10-13"})
    anonymous.post("/calendar/deadline", {"start": "2025-09-22", "days": 10, "suspensions": []})
    anonymous.get("/identity/clients/scopes")

    # The teacher applies; the bureau accepts, reviews twice and approves; the license is issued on approval.
    with django_capture_on_commit_callbacks(execute=True):
        applied = me.post(
            "/cases/", {"item_code": code, "form_data": {"subject": "数学", "level": "小学"}}, HTTP_IDEMPOTENCY_KEY="w1"
        )
        assert applied.status_code == 201, applied.content
        number, query_code = applied.json()["case_number"], applied.json()["query_code"]
        assert clerk.post(f"/cases/{number}/accept").status_code == 200
        clerk.get("/cases/", {"state": "in_progress"})
        for who in (reviewer, reviewer, approver):
            who.get("/cases/queue", {"role": "approver" if who is approver else "reviewer"})
            assert who.post(f"/cases/{number}/claim").status_code == 200
            done = who.post(f"/cases/{number}/complete", {"decision": "pass", "opinion": "同意"})
            assert done.status_code == 200, done.content
    assert done.json()["state"] == "approved"
    me.get(f"/cases/{number}")
    me.get(f"/cases/{number}/events")
    me.get(f"/cases/{number}/notices")
    me.get("/cases/")
    anonymous.get("/cases/track", {"case_number": number, "query_code": query_code})
    system.get("/cases/feed", {"limit": 50})
    system.get(f"/cases/{number}")

    # The e-license: the holder's list and document, anyone's verification.
    identifier = License.objects.get().identifier
    assert me.get("/licenses/mine").json()
    me.get(f"/licenses/{identifier}")
    me.get(f"/licenses/{identifier}/document")
    assert anonymous.get(f"/licenses/verify/{identifier}").json()["outcome"] == "valid"

    # Identity and My Space.
    anonymous.get("/identity/csrf")
    me.get("/identity/me")
    me.get("/identity/me/space")
    me.get("/identity/sessions")
    stored = me.call("post", "/identity/me/materials", data={"title": "学历证书", "file": _pdf()})
    assert stored.status_code == 201, stored.content
    me.get("/identity/me/materials")
    me.get("/identity/me/uses")
    me.post("/identity/me/prefill", {"fields": ["name", "phone"], "purpose": "申请教师资格认定"})

    # Errors met on the way are in the document too.
    assert anonymous.get("/identity/me").status_code == 401
    assert anonymous.get("/catalog/items/NOSUCHITEM").status_code == 404
    assert anonymous.get("/orgs/divisions", {"page": 2**62}).status_code == 422
    assert anonymous.get("/calendar/is-working-day", {"date": "0"}).status_code == 422
    wrong_method = Client().delete(f"{V1}/orgs/divisions")  # no such operation in the document to check against
    assert wrong_method.status_code == 405 and is_error_shape(wrong_method.json())
    assert me.post(f"/cases/{number}/accept").status_code in (403, 404)
    assert len(anonymous.seen) + len(me.seen) > 40


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("学历证书.pdf", PDF, content_type="application/pdf")
