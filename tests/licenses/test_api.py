"""The licenses API: public verification (GET and POST), the holder's list and document, uses, staff issuing."""

import base64
import json

import pytest
from django.test import Client

from tests import factories
from tests.licenses.conftest import business_fields
from yiwang.licenses import identifiers, services
from yiwang.licenses.models import License

pytestmark = pytest.mark.django_db


@pytest.fixture
def lic(business_type, bureau, company):
    return services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )


@pytest.fixture
def teacher(teacher_type, bureau, holder):
    return services.issue(
        license_type=teacher_type,
        issuer=bureau,
        holder_number=holder.doc_number,
        holder_name=holder.name,
        fields={"subject": "数学", "level": "小学"},
    )


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_verify_get_outcomes(client, lic, teacher, holder):
    r = client.get(f"/api/v1/licenses/verify/{lic.identifier}")
    assert r.status_code == 200 and r.json()["outcome"] == "valid"
    body = client.get(f"/api/v1/licenses/verify/{teacher.identifier}").json()
    assert body["holder_number"] != holder.doc_number and body["holder_number"].startswith(holder.doc_number[:4])
    assert "*" in body["holder_number"] and "fields" not in body
    wrong = lic.identifier[:-1] + ("0" if lic.identifier[-1] != "0" else "1")
    assert client.get(f"/api/v1/licenses/verify/{wrong}").json()["outcome"] == "forged"
    assert client.get("/api/v1/licenses/verify/not-a-license").json()["outcome"] == "malformed"
    other = identifiers.build("11100000MB0143028R001", "113403001000000084", "9999999999", 1)
    assert client.get(f"/api/v1/licenses/verify/{other}").json()["outcome"] == "not_found"
    assert client.get(f"/api/v1/licenses/verify/{lic.identifier}?s=deadbeef").json()["outcome"] == "forged"


def test_verify_post_detects_tampered_fields(client, lic, company, holder):
    holder_client = client_for(holder.user)
    doc = holder_client.get(f"/api/v1/licenses/{lic.identifier}/document").json()
    r = client.post(
        "/api/v1/licenses/verify",
        {"document": doc["document"], "signature": doc["signature"]},
        content_type="application/json",
    )
    assert r.json()["outcome"] == "valid"
    tampered = json.loads(json.dumps(doc["document"]))
    tampered["fields"]["capital"] = "100000"
    r = client.post(
        "/api/v1/licenses/verify",
        {"document": tampered, "signature": doc["signature"]},
        content_type="application/json",
    )
    assert r.json()["outcome"] == "forged"
    hexsig = base64.b64decode(doc["signature"]).hex()
    r = client.post(
        "/api/v1/licenses/verify", {"document": doc["document"], "signature": hexsig}, content_type="application/json"
    )
    assert r.json()["outcome"] == "valid"
    r = client.post(
        "/api/v1/licenses/verify", {"document": doc["document"], "signature": "!!!"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "signature"


def test_verify_is_rate_limited(client, lic, settings):
    from yiwang.licenses import api

    settings.RATELIMIT_ENABLE = True
    old = api.VERIFY_RATE
    api.VERIFY_RATE = "3/m"
    try:
        codes = [client.get(f"/api/v1/licenses/verify/{lic.identifier}").status_code for _ in range(5)]
    finally:
        api.VERIFY_RATE = old
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_holder_sees_own_and_others_get_404(lic, teacher, holder):
    c = client_for(holder.user)
    mine = {x["identifier"] for x in c.get("/api/v1/licenses/mine").json()}
    assert mine == {lic.identifier, teacher.identifier}
    assert c.get(f"/api/v1/licenses/{teacher.identifier}").json()["holder_number"] == holder.doc_number
    stranger = factories.person("钱七")
    s = client_for(stranger.user)
    assert s.get("/api/v1/licenses/mine").json() == []
    assert s.get(f"/api/v1/licenses/{teacher.identifier}").status_code == 404
    assert s.get(f"/api/v1/licenses/{teacher.identifier}/document").status_code == 404
    assert Client().get("/api/v1/licenses/mine").status_code == 401


def test_uses(teacher, holder):
    c = client_for(holder.user)
    r = c.post(
        f"/api/v1/licenses/{teacher.identifier}/uses",
        {"purpose": "教师招聘报名", "case_number": "C-1"},
        content_type="application/json",
    )
    assert r.status_code == 201
    s = client_for(factories.person("孙八").user)
    r = s.post(f"/api/v1/licenses/{teacher.identifier}/uses", {"purpose": "冒用"}, content_type="application/json")
    # Someone else's license looks exactly like one that does not exist (tests/access checks the body too).
    assert r.status_code == 404


def test_staff_issue_change_revoke(business_type, bureau, company, approver):
    c = client_for(approver)
    payload = {
        "license_type": business_type.code,
        "issuer": bureau.credit_code,
        "holder_number": company.credit_code,
        "holder_name": company.name,
        "fields": business_fields(),
    }
    r = c.post("/api/v1/licenses/", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    ident = r.json()["identifier"]
    r = c.post(
        f"/api/v1/licenses/{ident}/change",
        {"reason": "增资", "fields": business_fields(capital="300")},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    new = r.json()["identifier"]
    r = c.post(f"/api/v1/licenses/{new}/suspend", {"reason": "调查"}, content_type="application/json")
    assert r.json()["status"] == "suspended"
    r = c.post(f"/api/v1/licenses/{new}/revoke", {"reason": ""}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "reason"
    r = c.post(f"/api/v1/licenses/{new}/revoke", {"reason": "吊销"}, content_type="application/json")
    assert r.json()["status"] == "revoked"
    bad = {**payload, "holder_number": "123", "fields": {"capital": "x"}}
    r = c.post("/api/v1/licenses/", bad, content_type="application/json")
    assert r.status_code == 400
    assert {"holder_number", "fields.capital", "fields.legal_rep"} <= {p["field"] for p in r.json()["detail"]}


def test_staff_of_another_organisation_cannot_issue(business_type, bureau, company, lic):
    other = factories.staff(factories.OrganisationFactory(), "approver")
    c = client_for(other)
    payload = {
        "license_type": business_type.code,
        "issuer": bureau.credit_code,
        "holder_number": company.credit_code,
        "holder_name": company.name,
        "fields": business_fields(),
    }
    r = c.post("/api/v1/licenses/", payload, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == "not_yours"
    assert (
        c.post(
            f"/api/v1/licenses/{lic.identifier}/revoke", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert License.objects.get(pk=lic.pk).status == "valid"


def test_license_history_names_the_staff_member_not_the_account(lic, approver):
    """Issue 18 (Words): the license change log shows who acted by name, never the raw account name."""
    approver.first_name = "市场监管局审批负责人"
    approver.save(update_fields=["first_name"])
    c = client_for(approver)
    r = c.post(f"/api/v1/licenses/{lic.identifier}/suspend", {"reason": "调查"}, content_type="application/json")
    assert r.status_code == 200, r.content
    page = c.get(f"/licenses/{lic.identifier}/").content.decode()
    history = page.split('class="lic-events"')[1].split("</ul>")[0]
    assert "调查 · 市场监管局审批负责人" in history
    assert approver.username not in history
