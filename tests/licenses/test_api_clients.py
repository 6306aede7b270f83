"""Machine clients and the licenses API: issuing takes licenses:issue; licenses:verify buys the client's own budget."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.test import Client

from tests import factories
from tests.identity.test_clients import bearer, token
from tests.licenses.conftest import business_fields
from yiwang.identity import clients
from yiwang.licenses import services
from yiwang.licenses.models import License, LicenseEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/licenses/"


def payload(lt, issuer, company) -> dict:
    return {
        "license_type": lt.code,
        "issuer": issuer.credit_code,
        "holder_number": company.credit_code,
        "holder_name": company.name,
        "fields": business_fields(),
    }


def client_token(org, scopes: list[str], rate: int = 600) -> tuple[object, str]:
    mc, secret = clients.create_client("市场监管审批系统", "department", org, scopes, rate)
    return mc, token(mc, secret)


def test_a_client_with_licenses_issue_issues_for_its_organisation(business_type, bureau, company):
    mc, tok = client_token(bureau, ["licenses:issue"])
    r = Client().post(URL, payload(business_type, bureau, company), content_type="application/json", **bearer(tok))
    assert r.status_code == 201, r.content
    lic = License.objects.get(identifier=r.json()["identifier"])
    assert lic.issuer == bureau and lic.signature
    event = LicenseEvent.objects.get(license=lic)
    # Who acted is recorded: the department system, no person.
    assert event.kind == "issued" and event.client_id == mc.pk and event.actor_id is None


def test_a_client_of_the_parent_organisation_issues_for_its_child(business_type, bureau, company):
    parent = factories.OrganisationFactory(name="蚌埠市人民政府")
    bureau.parent = parent
    bureau.save(update_fields=["parent"])
    _mc, tok = client_token(parent, ["licenses:issue"])
    r = Client().post(URL, payload(business_type, bureau, company), content_type="application/json", **bearer(tok))
    assert r.status_code == 201, r.content


def test_without_licenses_issue_a_client_is_refused(business_type, bureau, company):
    _mc, tok = client_token(bureau, ["cases:read", "cases:write", "licenses:verify"])
    r = Client().post(URL, payload(business_type, bureau, company), content_type="application/json", **bearer(tok))
    assert r.status_code == 403 and r.json()["detail"][0]["code"] == "forbidden"
    assert not License.objects.exists()


def test_a_client_cannot_issue_in_another_organisations_name(business_type, bureau, company):
    other = factories.OrganisationFactory(name="蚌埠市公安局")
    _mc, tok = client_token(other, ["licenses:issue"])
    r = Client().post(URL, payload(business_type, bureau, company), content_type="application/json", **bearer(tok))
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == "not_yours"
    assert not License.objects.exists()


def test_a_client_may_not_change_or_revoke(business_type, bureau, company):
    lic = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    _mc, tok = client_token(bureau, ["licenses:issue"])
    r = Client().post(f"{URL}{lic.identifier}/revoke", {"reason": "x"}, content_type="application/json", **bearer(tok))
    assert r.status_code == 401
    assert License.objects.get(pk=lic.pk).status == "valid"


def test_licenses_verify_counts_against_the_clients_own_limit(business_type, bureau, company, settings, monkeypatch):
    import django_ratelimit.core

    from yiwang.licenses import api

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
    settings.RATELIMIT_ENABLE = True
    monkeypatch.setattr(api, "VERIFY_RATE", "2/m")
    lic = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    url = f"{URL}verify/{lic.identifier}"
    _mc, tok = client_token(bureau, ["licenses:verify"], rate=5)
    scoped = [Client().get(url, **bearer(tok)).status_code for _ in range(6)]
    # Past the public per-address limit (2), within the client's own (5); the sixth is over the client's.
    assert scoped == [200, 200, 200, 200, 200, 429]
    # A token without the scope is just the public: the per-address limit applies.
    _mc2, other = client_token(bureau, ["cases:read"])
    plain = [Client().get(url, **bearer(other)).status_code for _ in range(3)]
    assert plain == [200, 200, 429]
