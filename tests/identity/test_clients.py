"""Machine clients: client-credentials tokens, rotation grace, revocation, scopes, rate limits, reach."""

from __future__ import annotations

import base64
import datetime as dt
import time
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from tests.editor.fixtures import client_for
from tests.factories import (
    DEFAULT_STEPS,
    OrganisationFactory,
    UserFactory,
    division_chain,
    make_item,
    material_data,
    staff,
    version_data,
)
from tests.io.helpers import item_obj, json_file
from yiwang.catalog.models import CatalogEvent, ServiceItem, VersionStatus
from yiwang.core.errors import ProblemsError
from yiwang.identity import clients
from yiwang.identity.models import MachineClient
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

TOKEN_URL = "/oauth/token/"
ITEMS = "/api/v1/catalog/items"


@pytest.fixture
def org():
    return OrganisationFactory(name="蚌埠市市场监督管理局")


@pytest.fixture
def other_org():
    return OrganisationFactory(name="蚌埠市公安局")


def new_client(org, scopes=("catalog:read", "catalog:write"), rate=600) -> tuple[MachineClient, str]:
    return clients.create_client("市场监管业务系统", "department", org, list(scopes), rate)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_response(mc: MachineClient, secret: str, *, body_auth: bool = False, scope: str | None = None):
    data: dict[str, Any] = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    if body_auth:
        data.update(client_id=mc.application.client_id, client_secret=secret)
        return Client().post(TOKEN_URL, data)
    return Client().post(TOKEN_URL, data, HTTP_AUTHORIZATION=basic(mc.application.client_id, secret))


def token(mc: MachineClient, secret: str, **kw) -> str:
    response = token_response(mc, secret, **kw)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(tok: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tok}"}


def create_body(org, **overrides) -> dict[str, Any]:
    body = {
        "organisation": org.credit_code,
        "catalog_code": "010000000777",
        "version": version_data(level=org.division.level),
        "materials": [material_data()],
        "steps": DEFAULT_STEPS,
        "themes": [],
    }
    body.update(overrides)
    return body


def api_post(url: str, tok: str, body: Any = None):
    return Client().post(url, body if body is not None else {}, content_type="application/json", **bearer(tok))


# --- the token endpoint ------------------------------------------------------------------------------


def test_token_with_basic_auth_carries_the_granted_scopes(org):
    mc, secret = new_client(org)
    response = token_response(mc, secret)
    assert response.status_code == 200
    data = response.json()
    assert data["token_type"] == "Bearer" and data["expires_in"] > 0
    assert set(data["scope"].split()) == {"catalog:read", "catalog:write"}
    assert "refresh_token" not in data


def test_token_with_credentials_in_the_form_body(org):
    mc, secret = new_client(org)
    assert token_response(mc, secret, body_auth=True).status_code == 200


def test_the_secret_is_stored_hashed(org):
    mc, secret = new_client(org)
    stored = Application.objects.get(pk=mc.application_id).client_secret
    assert secret not in stored and len(secret) >= 40


def test_wrong_secret_and_unknown_client_are_refused(org):
    mc, secret = new_client(org)
    assert token_response(mc, secret + "x").status_code == 401
    assert token_response(mc, "nope", body_auth=True).status_code == 401
    response = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic("no-such-client", secret)
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == 0


def test_a_scope_not_granted_cannot_be_requested(org):
    mc, secret = new_client(org, scopes=["catalog:read"])
    response = token_response(mc, secret, scope="catalog:read catalog:write")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    narrow = token_response(mc, secret, scope="catalog:read").json()
    assert narrow["scope"] == "catalog:read"


def test_revoked_client_gets_no_token_and_its_tokens_die(org):
    mc, secret = new_client(org)
    tok = token(mc, secret)
    assert api_post(f"{ITEMS}", tok, create_body(org)).status_code == 201
    clients.revoke(mc)
    assert AccessToken.objects.filter(application_id=mc.application_id).count() == 0
    assert token_response(mc, secret).status_code == 401
    response = api_post(f"{ITEMS}", tok, create_body(org, catalog_code="010000000778"))
    assert response.status_code == 401
    assert response.json()["detail"][0]["code"] == "unauthenticated"


def test_expired_token_is_refused(org):
    mc, secret = new_client(org)
    tok = token(mc, secret)
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert api_post(ITEMS, tok, create_body(org)).status_code == 401


def test_rotation_keeps_the_old_secret_during_the_grace_period_only(org):
    mc, old = new_client(org)
    new = clients.rotate_secret(mc, grace_hours=2)
    assert new != old
    assert token_response(mc, new).status_code == 200
    assert token_response(mc, old).status_code == 200
    assert token_response(mc, old, body_auth=True).status_code == 200
    MachineClient.objects.filter(pk=mc.pk).update(previous_secret_expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert token_response(mc, old).status_code == 401
    assert token_response(mc, new).status_code == 200


def test_rotation_without_grace_ends_the_old_secret_at_once(org):
    mc, old = new_client(org)
    new = clients.rotate_secret(mc, grace_hours=0)
    assert token_response(mc, old).status_code == 401
    assert token_response(mc, new).status_code == 200


def test_a_second_rotation_retires_the_first_secret(org):
    mc, first = new_client(org)
    second = clients.rotate_secret(mc, grace_hours=24)
    third = clients.rotate_secret(mc, grace_hours=24)
    assert token_response(mc, first).status_code == 401
    assert token_response(mc, second).status_code == 200
    assert token_response(mc, third).status_code == 200


def test_bad_rotation_and_creation_input(org):
    mc, _ = new_client(org)
    for bad in (-1, 10_000, "x"):
        with pytest.raises(ProblemsError) as exc:
            clients.rotate_secret(mc, bad)
        assert exc.value.problems[0].field == "grace_hours"
    clients.revoke(mc)
    with pytest.raises(ProblemsError):
        clients.rotate_secret(mc, 1)
    with pytest.raises(ProblemsError) as exc:
        clients.create_client("", "robot", None, ["catalog:root"], 0)
    assert {p.field for p in exc.value.problems} == {"name", "kind", "organisation", "scopes", "rate_limit"}
    assert MachineClient.objects.count() == 1 and Application.objects.count() == 1


# --- using the API ------------------------------------------------------------------------------------


def test_client_creates_and_publishes_items_of_its_organisation(org):
    mc, secret = new_client(org)
    tok = token(mc, secret)
    response = api_post(ITEMS, tok, create_body(org, publish=True))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "published" and data["has_draft"] is False
    item = ServiceItem.objects.get(item_code=data["item_code"])
    event = CatalogEvent.objects.filter(item=item).first()
    assert event.channel == "api" and event.actor_id is None
    draft = api_post(f"{ITEMS}/{item.item_code}/drafts", tok)
    assert draft.status_code == 201 and draft.json()["status"] == VersionStatus.DRAFT


def test_client_reaches_its_organisations_children(org):
    child = OrganisationFactory(name="龙子湖区市场监管所", parent=org, division=division_chain()[2])
    item = make_item(child)
    mc, secret = new_client(org)
    assert api_post(f"{ITEMS}/{item.item_code}/drafts", token(mc, secret)).status_code == 201


def test_missing_scope_is_403(org):
    mc, secret = new_client(org, scopes=["catalog:read"])
    tok = token(mc, secret)
    response = api_post(ITEMS, tok, create_body(org))
    assert response.status_code == 403
    problem = response.json()["detail"][0]
    assert problem["code"] == "forbidden" and "catalog:write" in problem["message_en"]
    assert ServiceItem.objects.count() == 0


def test_client_cannot_write_another_organisations_items_and_learns_nothing(org, other_org):
    theirs_published = make_item(other_org)
    theirs_draft = make_item(other_org, publish=False, catalog_code="010000000555")
    mc, secret = new_client(org)
    tok = token(mc, secret)
    missing = api_post(f"{ITEMS}/{'9' * 31}/drafts", tok)
    for item in (theirs_published, theirs_draft):
        response = api_post(f"{ITEMS}/{item.item_code}/drafts", tok)
        assert response.status_code == 404
        assert response.json() == missing.json()
        assert api_post(f"{ITEMS}/{item.item_code}/retire", tok).status_code == 404
    response = api_post(ITEMS, tok, create_body(other_org))
    unknown = api_post(ITEMS, tok, create_body(other_org, organisation="91340300MA00000000"))
    assert response.status_code == 400 and response.json()["detail"][0]["field"] == "organisation"
    assert unknown.status_code == 400
    assert ServiceItem.objects.filter(organisation=org).count() == 0
    assert theirs_published.versions.count() == 1


def test_history_needs_a_catalog_scope(org):
    item = make_item(org)
    mc, secret = new_client(org, scopes=["catalog:read"])
    tok = token(mc, secret)
    response = Client().get(f"{ITEMS}/{item.item_code}/events", **bearer(tok))
    assert response.status_code == 200 and response.json()
    other, other_secret = clients.create_client("12345", "hotline", org, ["introspection"], 60)
    response = Client().get(f"{ITEMS}/{item.item_code}/events", **bearer(token(other, other_secret)))
    assert response.status_code == 403


def test_per_client_rate_limit_is_429_in_the_error_shape(org, other_org, monkeypatch):
    # one fixed instant, so the requests cannot straddle two of django-ratelimit's one-minute windows
    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
    item = make_item(org)
    mc, secret = new_client(org, rate=3)
    tok = token(mc, secret)
    url = f"{ITEMS}/{item.item_code}/events"
    codes = [Client().get(url, **bearer(tok)).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    response = Client().get(url, **bearer(tok))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["detail"][0]["code"] == "rate_limited"
    # another client has its own budget
    mc2, secret2 = new_client(org, rate=3)
    assert Client().get(url, **bearer(token(mc2, secret2))).status_code == 200


def test_bogus_bearer_tokens_are_401_and_sessions_still_work(org):
    item = make_item(org)
    for value in ("Bearer nonsense", "Bearer ", "Bearer " + "x" * 400, "Basic abc"):
        response = Client().post(f"{ITEMS}/{item.item_code}/drafts", HTTP_AUTHORIZATION=value)
        assert response.status_code == 401
    admin = staff(org)
    assert client_for(admin).post(f"{ITEMS}/{item.item_code}/drafts").status_code == 201


def _upload(objs):
    buf = json_file(objs)
    buf.seek(0)
    buf.name = "catalog.json"
    return buf


def test_client_imports_only_for_its_organisation(org, other_org):
    mc, secret = new_client(org)
    tok = token(mc, secret)
    refused = Client().post("/api/v1/catalog/import", {"file": _upload([item_obj(other_org)])}, **bearer(tok))
    assert refused.status_code == 400 and not ServiceItem.objects.exists()
    response = Client().post("/api/v1/catalog/import", {"file": _upload([item_obj(org)])}, **bearer(tok))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert set(CatalogEvent.objects.values_list("channel", flat=True)) == {"api"}
    reader, reader_secret = new_client(org, scopes=["catalog:read"])
    response = Client().post(
        "/api/v1/catalog/import", {"file": _upload([item_obj(org)])}, **bearer(token(reader, reader_secret))
    )
    assert response.status_code == 403


# --- management pages ----------------------------------------------------------------------------------


@pytest.fixture
def sysadmin_user(org):
    return staff(org, role=Role.SYSADMIN)


def test_pages_need_a_system_administrator(org):
    assert Client().get("/workbench/clients/").status_code == 302
    clerk = staff(org, role=Role.CATALOG_ADMIN)
    browser = client_for(clerk)
    assert browser.get("/workbench/clients/").status_code == 403
    assert browser.post("/workbench/clients/new/", {"name": "x"}).status_code == 403
    mc, _ = new_client(org)
    assert browser.post(f"/workbench/clients/{mc.pk}/revoke/").status_code == 403
    mc.refresh_from_db()
    assert mc.revoked_at is None


def test_sysadmin_creates_a_client_and_sees_the_secret_once(org, sysadmin_user):
    browser = client_for(sysadmin_user)
    form = browser.get("/workbench/clients/new/")
    assert form.status_code == 200 and "catalog:write" in form.content.decode()
    response = browser.post(
        "/workbench/clients/new/",
        {
            "name": "不动产登记系统",
            "kind": "department",
            "organisation": org.pk,
            "scopes": ["catalog:read"],
            "rate_limit": "120",
        },
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    mc = MachineClient.objects.get(name="不动产登记系统")
    secret = response.context["secret"]
    assert secret in response.content.decode() and mc.application.client_id in response.content.decode()
    assert token_response(mc, secret).status_code == 200
    detail = browser.get(f"/workbench/clients/{mc.pk}/").content.decode()
    assert secret not in detail and mc.application.client_id in detail
    listing = browser.get("/workbench/clients/").content.decode()
    assert "不动产登记系统" in listing


def test_bad_form_input_is_shown_per_field_and_nothing_is_made(org, sysadmin_user):
    browser = client_for(sysadmin_user)
    response = browser.post(
        "/workbench/clients/new/", {"name": "", "kind": "robot", "organisation": "999999", "rate_limit": "abc"}
    )
    assert response.status_code == 400
    assert set(response.context["errors"]) == {"name", "kind", "organisation", "scopes", "rate_limit"}
    assert 'aria-invalid="true"' in response.content.decode()
    assert MachineClient.objects.count() == 0 and Application.objects.count() == 0


def test_sysadmin_rotates_and_revokes_from_the_pages(org, sysadmin_user):
    browser = client_for(sysadmin_user)
    mc, old = new_client(org)
    response = browser.post(f"/workbench/clients/{mc.pk}/rotate/", {"grace_hours": "1"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = response.context["secret"]
    assert token_response(mc, old).status_code == 200 and token_response(mc, new).status_code == 200
    bad = browser.post(f"/workbench/clients/{mc.pk}/rotate/", {"grace_hours": "forever"})
    assert bad.status_code == 400 and "grace_hours" in bad.context["errors"]
    tok = token(mc, new)
    unconfirmed = browser.post(f"/workbench/clients/{mc.pk}/revoke/")
    assert unconfirmed.status_code == 302
    mc.refresh_from_db()
    assert mc.revoked_at is None
    response = browser.post(f"/workbench/clients/{mc.pk}/revoke/", {"confirm": "1"})
    assert response.status_code == 302
    assert api_post(ITEMS, tok, create_body(org)).status_code == 401
    assert browser.get("/workbench/clients/?show=revoked").content.decode().count(mc.name) == 1
    assert browser.get("/workbench/clients/999999/").status_code == 404


# --- the management API ---------------------------------------------------------------------------------

API = "/api/v1/identity/clients"


def test_api_create_rotate_revoke(org, sysadmin_user):
    browser = client_for(sysadmin_user)
    body = {"name": "12345热线平台", "kind": "hotline", "organisation": org.credit_code, "scopes": ["cases:read"]}
    response = browser.post(API, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["organisation"] == org.credit_code and data["scopes"] == ["cases:read"]
    mc = MachineClient.objects.get(pk=data["id"])
    assert token_response(mc, data["client_secret"]).status_code == 200
    listed = browser.get(API).json()
    assert [c["id"] for c in listed] == [mc.pk] and "client_secret" not in listed[0]
    assert "client_secret" not in browser.get(f"{API}/{mc.pk}").json()
    rotated = browser.post(f"{API}/{mc.pk}/rotate", {"grace_hours": 0}, content_type="application/json")
    assert rotated.status_code == 200
    assert token_response(mc, data["client_secret"]).status_code == 401
    assert token_response(mc, rotated.json()["client_secret"]).status_code == 200
    revoked = browser.post(f"{API}/{mc.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert browser.get(API, {"revoked": True}).json()[0]["id"] == mc.pk
    assert browser.post(f"{API}/{mc.pk}/rotate").status_code == 400


def test_api_bad_input_is_per_field_and_writes_nothing(org, sysadmin_user):
    browser = client_for(sysadmin_user)
    body = {
        "name": " ",
        "kind": "robot",
        "organisation": "91340300MA00000000",
        "scopes": ["root"],
        "rate_limit_per_minute": 0,
    }
    response = browser.post(API, body, content_type="application/json")
    assert response.status_code == 400
    fields = {p["field"] for p in response.json()["detail"]}
    assert fields == {"name", "kind", "organisation", "scopes", "rate_limit"}
    assert all(p["message"] and p["message_en"] for p in response.json()["detail"])
    assert MachineClient.objects.count() == 0
    response = browser.post(API, {"name": "x"}, content_type="application/json")
    assert response.status_code == 422


def test_api_is_for_system_administrators_only(org):
    assert Client().get(API).status_code == 401
    clerk = client_for(staff(org, role=Role.CATALOG_ADMIN))
    assert clerk.get(API).status_code == 403
    mc, _ = new_client(org)
    assert clerk.post(f"{API}/{mc.pk}/revoke").status_code == 403
    # a machine client cannot manage clients, whatever its scopes
    mc2, secret = new_client(org)
    assert Client().get(API, **bearer(token(mc2, secret))).status_code == 401
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert client_for(superuser).get(f"{API}/{mc.pk}").status_code == 200
    assert client_for(superuser).get(f"{API}/999999").status_code == 404


def test_scope_catalogue_is_public_in_both_languages():
    data = Client().get(f"{API}/scopes").json()
    names = [s["name"] for s in data]
    assert {"catalog:read", "catalog:write", "identity:verify", "licenses:issue", "licenses:verify"} <= set(names)
    assert all(s["description_en"] for s in data)
    # Offered because the hotline module registers it (its endpoints demand it).
    assert {"hotline:read", "hotline:write"} <= set(names)


# --- the command --------------------------------------------------------------------------------------


def test_create_client_command_prints_id_and_secret(org):
    out = StringIO()
    call_command(
        "create_client",
        "--name",
        "银行网点",
        "--org",
        org.credit_code,
        "--scope",
        "identity:verify",
        "--kind",
        "bank",
        stdout=out,
        stderr=StringIO(),
    )
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    mc = MachineClient.objects.get(application__client_id=lines["client_id"])
    assert mc.kind == "bank" and mc.scopes == ["identity:verify"]
    assert token_response(mc, lines["client_secret"]).status_code == 200


def test_create_client_command_refuses_bad_input(org):
    with pytest.raises(CommandError, match="organisation"):
        call_command("create_client", "--name", "x", "--org", "91340300MA00000000", "--scope", "catalog:read")
    with pytest.raises(CommandError, match="scopes"):
        call_command("create_client", "--name", "x", "--org", org.credit_code, "--scope", "nope")
    assert MachineClient.objects.count() == 0
