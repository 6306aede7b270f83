"""The policies API: the public library, my matches and grants, staff drafts → publish → rounds; 404 out of reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.factories import OrganisationFactory, person, staff
from yiwang.orgs.models import Role
from yiwang.policies.models import Grant

from .helpers import TESTS, ent_with_facts, policy_data, published_policy

pytestmark = pytest.mark.django_db
API = "/api/v1/policies"
YOUNG = dt.date.today() - dt.timedelta(days=2 * 365)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    rep = person("李四")
    ent = ent_with_facts(founded=YOUNG, legal_rep=rep, name="蚌埠新材料科技有限公司")
    org = OrganisationFactory(name="蚌埠市人力资源和社会保障局")
    with django_capture_on_commit_callbacks(execute=True):
        v = published_policy(org)
    return {"rep": rep, "ent": ent, "org": org, "v": v}


def test_public_library(client, world):
    assert len(client.get(f"{API}/industries").json()) == 117
    found = client.get(f"{API}/library", {"q": "稳岗"}).json()
    assert [p["code"] for p in found] == [world["v"].policy.code]
    one = client.get(f"{API}/library/{world['v'].policy.code}").json()
    assert one["doc_number"] == "蚌政办〔2026〕12号" and one["rules"]
    assert client.get(f"{API}/library/NOPE").status_code == 404


def test_matches_and_grants_for_the_enterprise(client, world, tmp_path):
    assert client.get(f"{API}/matches").status_code == 401
    client.force_login(world["rep"].user)
    [m] = client.get(f"{API}/matches", {"enterprise_id": world["ent"].pk}).json()
    assert m["eligible"] and "成立不满5年" in m["met"]
    assert client.get(f"{API}/matches", {"enterprise_id": 999999}).status_code == 404
    # staff produce and approve a round through the API
    reviewer = staff(world["org"], Role.REVIEWER)
    client.force_login(reviewer)
    rnd = client.post(f"{API}/library/{world['v'].policy.code}/rounds").json()
    assert rnd["grants"] == {"proposed": 1}
    gid = Grant.objects.get().pk
    r = client.post(f"{API}/rounds/{rnd['id']}/grants/{gid}/remove", {"note": ""}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "note"
    assert client.post(f"{API}/rounds/{rnd['id']}/approve").json()["state"] == "approved"
    outsider = staff(OrganisationFactory(), Role.REVIEWER)
    client.force_login(outsider)
    assert client.post(f"{API}/rounds/{rnd['id']}/pay").status_code == 404
    # the enterprise confirms
    client.force_login(world["rep"].user)
    [g] = client.get(f"{API}/grants", {"enterprise_id": world["ent"].pk}).json()
    bad = client.post(
        f"{API}/grants/{gid}/confirm",
        {"bank_name": "工行", "bank_account": "12", "account_name": world["ent"].name, "consent": True},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {p["field"] for p in bad.json()["detail"]} == {"bank_account"}
    ok = client.post(
        f"{API}/grants/{gid}/confirm",
        {
            "bank_name": "工行",
            "bank_account": "6222021300001234567",
            "account_name": world["ent"].name,
            "consent": True,
        },
        content_type="application/json",
    )
    assert ok.json()["state"] == "confirmed"
    client.force_login(reviewer)
    with override_settings(POLICIES_FINANCE_OPTIONS={"path": str(tmp_path / "p.jsonl")}):
        assert client.post(f"{API}/rounds/{rnd['id']}/pay").json()["grants"] == {"paid": 1}
    client.force_login(world["rep"].user)
    [g] = client.get(f"{API}/grants", {"enterprise_id": world["ent"].pk}).json()
    assert g["state"] == "paid" and g["payment_reference"] and g["account_tail"] == "4567"
    stranger = person("赵六")
    client.force_login(stranger.user)
    assert client.post(f"{API}/grants/{gid}/decline", {}, content_type="application/json").status_code == 404


def test_staff_write_the_library(client, world):
    admin = staff(world["org"], Role.CATALOG_ADMIN)
    client.force_login(admin)
    body = policy_data(
        tests=[TESTS[1]], title="蚌埠市小微企业首贷贴息", doc_number="蚌金〔2026〕2号", organisation_id=world["org"].pk
    )
    bad = client.post(f"{API}/library", {**body, "industries": ["ZZ"]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "industries.1"
    made = client.post(f"{API}/library", body, content_type="application/json")
    assert made.status_code == 201
    code = made.json()["code"]
    r = client.patch(f"{API}/library/{code}/draft", {"tests": []}, content_type="application/json")
    assert r.status_code == 200
    r = client.post(f"{API}/library/{code}/publish")
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "tests"
    client.patch(f"{API}/library/{code}/draft", {"tests": [TESTS[1]]}, content_type="application/json")
    assert client.post(f"{API}/library/{code}/publish").json()["status"] == "published"
    other = staff(OrganisationFactory(), Role.CATALOG_ADMIN)
    client.force_login(other)
    assert client.post(f"{API}/library/{code}/publish").status_code == 404
    figures = client.get(f"{API}/figures")
    assert figures.status_code == 200 and figures.json() == []
    client.force_login(world["rep"].user)
    assert client.get(f"{API}/figures").status_code == 403
