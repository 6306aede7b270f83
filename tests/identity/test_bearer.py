"""A request with an Authorization header is judged by it alone: a bad token beside a valid session cookie is 401
(issue 17: it answered 200), and a good token never borrows the cookie's person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from tests.editor.fixtures import client_for
from tests.factories import OrganisationFactory, make_item, person, staff
from tests.identity.test_clients import bearer, new_client, token
from yiwang.catalog.models import CatalogEvent
from yiwang.identity import clients

pytestmark = pytest.mark.django_db

BAD = ["Bearer nonsense", "Bearer ", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Token abc", "", "Bearer " + "x" * 300]


@pytest.fixture
def org():
    return OrganisationFactory(name="蚌埠市市场监督管理局")


def with_header(client: Client, value: str) -> Client:
    client.defaults["HTTP_AUTHORIZATION"] = value
    return client


@pytest.mark.parametrize("value", BAD)
def test_a_bad_token_beside_a_staff_session_is_401_on_a_session_or_client_endpoint(org, value):
    item = make_item(org)
    signed_in = client_for(staff(org))
    assert signed_in.post(f"/api/v1/catalog/items/{item.item_code}/drafts").status_code == 201  # the session works
    r = with_header(client_for(staff(org)), value).post(f"/api/v1/catalog/items/{item.item_code}/drafts")
    assert r.status_code == 401
    assert r.json()["detail"][0]["code"] == "unauthenticated" and r.json()["detail"][0]["message_en"]
    assert r["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("value", BAD[:3])
def test_a_bad_token_beside_a_person_session_is_401_everywhere(value):
    citizen = person("张三")
    c = Client()
    c.force_login(citizen.user)
    assert c.get("/api/v1/identity/me").status_code == 200
    with_header(c, value)
    for url in ("/api/v1/identity/me", "/api/v1/identity/me/materials", "/api/v1/catalog/items"):
        assert c.get(url).status_code == 401, url


def test_expired_and_revoked_tokens_beside_a_session_are_401(org):
    mc, secret = new_client(org)
    tok = token(mc, secret)
    c = client_for(staff(org))
    with_header(c, f"Bearer {tok}")
    assert c.get("/api/v1/catalog/items").status_code == 200
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert c.get("/api/v1/catalog/items").status_code == 401
    tok = token(mc, secret)
    clients.revoke(mc)
    with_header(c, f"Bearer {tok}")
    assert c.get("/api/v1/catalog/items").status_code == 401


def test_a_good_token_acts_as_the_client_never_as_the_cookies_person(org):
    mc, secret = new_client(org)
    tok = token(mc, secret)
    item = make_item(org)
    c = client_for(staff(org))
    c.defaults.update(bearer(tok))
    # A session-only endpoint does not accept the cookie when a token is presented.
    assert c.get("/api/v1/identity/me").status_code == 401
    r = c.post(f"/api/v1/catalog/items/{item.item_code}/drafts")
    assert r.status_code == 201, r.content
    event = CatalogEvent.objects.order_by("-pk").first()
    assert event is not None and event.actor_id is None  # recorded as the client, not as the signed-in staff


def test_pages_outside_the_api_keep_the_session():
    citizen = person("李四")
    c = Client(HTTP_AUTHORIZATION="Bearer nonsense")
    c.force_login(citizen.user)
    assert c.get("/my/").status_code == 200
