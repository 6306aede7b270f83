"""The cases API: the whole path through HTTP for people and for a department system, and who may do what."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases.models import Case, CaseEvent
from yiwang.identity.clients import create_client
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db
API = "/api/v1/cases"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world():
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    item = make_item(org)
    applicant = person("张三")
    return {
        "org": org,
        "item": item,
        "applicant": applicant,
        "me": signed_in(applicant.user),
        "clerk": signed_in(staff(org, Role.WINDOW_CLERK, username="clerk1")),
        "reviewer": signed_in(staff(org, Role.REVIEWER, username="reviewer1")),
        "approver": signed_in(staff(org, Role.APPROVER, username="approver1")),
        "supervisor": signed_in(staff(org, Role.SUPERVISOR, username="super1")),
    }


def post(client: Client, path: str, body: dict | None = None, **headers):
    return client.post(f"{API}{path}", body or {}, content_type="application/json", headers=headers)


def apply(world, key: str = "k-1"):
    body = {"item_code": world["item"].item_code, "form_data": {"contact_phone": "13900001111"}}
    return post(world["me"], "/", body, **{"Idempotency-Key": key})


def test_full_path_over_http(world):
    r = apply(world)
    assert r.status_code == 201, r.content
    body = r.json()
    number, code = body["case_number"], body["query_code"]
    assert body["state"] == "submitted" and len(code) == 6
    assert post(world["clerk"], f"/{number}/accept").json()["state"] == "in_progress"
    for who in ("reviewer", "reviewer", "approver"):
        assert post(world[who], f"/{number}/claim").status_code == 200
        r = post(world[who], f"/{number}/complete", {"decision": "pass", "opinion": "同意"})
        assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved"
    r = post(world["clerk"], f"/{number}/deliver", {"method": "pickup"})
    assert r.status_code == 200 and r.json()["delivery"] == "pickup"
    events = world["me"].get(f"{API}/{number}/events").json()
    assert [e["action"] for e in events][:2] == ["submit", "accept"]
    anon = Client().get(f"{API}/track", {"case_number": number, "query_code": code})
    assert anon.status_code == 200 and anon.json()["applicant_name"] == "张*"


def test_retried_submission_returns_the_same_case(world):
    first, again = apply(world, "same"), apply(world, "same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["case_number"] == again.json()["case_number"]
    # The first answer may have been lost: the retry gives the same query code (kept encrypted for a while).
    assert again.json()["query_code"] == first.json()["query_code"] and len(first.json()["query_code"]) == 6
    assert Case.objects.count() == 1


def test_other_people_and_wrong_roles_cannot_reach_a_case(world):
    number = apply(world).json()["case_number"]
    stranger = signed_in(person("王五").user)
    assert stranger.get(f"{API}/{number}").status_code == 404
    assert stranger.get(f"{API}/000000000000000000X").status_code == 404
    assert post(stranger, f"/{number}/withdraw").status_code == 404
    # The applicant cannot accept their own case; the supervisor sees it and cannot act.
    assert post(world["me"], f"/{number}/accept").status_code == 403
    assert world["supervisor"].get(f"{API}/{number}").status_code == 200
    assert post(world["supervisor"], f"/{number}/accept").status_code == 403
    other_org = OrganisationFactory()
    outsider = signed_in(staff(other_org, Role.WINDOW_CLERK, username="clerk-elsewhere"))
    assert post(outsider, f"/{number}/accept").status_code == 404
    assert Client().get(f"{API}/{number}").status_code == 401


def test_illegal_transition_is_a_clear_400(world):
    number = apply(world).json()["case_number"]
    r = post(world["approver"], f"/{number}/void", {"reason": "重复"})
    assert r.status_code == 200
    r = post(world["clerk"], f"/{number}/accept")
    assert r.status_code == 400
    problem = r.json()["detail"][0]
    assert problem["code"] == "illegal_transition" and problem["message"] and problem["message_en"]


def test_stale_revision_is_refused(world):
    body = apply(world).json()
    r = post(world["clerk"], f"/{body['case_number']}/accept", {"expected_revision": body["revision"] + 5})
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == "stale"


def test_anonymous_tracking_refuses_wrong_codes_like_missing_cases(world):
    number = apply(world).json()["case_number"]
    anon = Client()
    assert anon.get(f"{API}/track", {"case_number": number, "query_code": "AAAAAA"}).status_code == 404
    bad = anon.get(f"{API}/track", {"case_number": number[:-1] + "0", "query_code": "AAAAAA"})
    assert bad.status_code in (400, 404)


def token_for(org, scopes: list[str]) -> str:
    client, secret = create_client("部门审批系统", "department", org, scopes)
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    r = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200, r.content
    return r.json()["access_token"]


def test_a_department_system_pulls_and_pushes(world):
    token = token_for(world["org"], ["cases:read", "cases:write"])
    system = Client(headers={"Authorization": f"Bearer {token}"})
    number = apply(world).json()["case_number"]
    feed = system.get(f"{API}/feed").json()
    assert [e["case_number"] for e in feed] == [number]
    assert post(system, f"/{number}/accept").status_code == 200
    for _ in range(3):
        r = post(system, f"/{number}/complete", {"decision": "pass", "opinion": "系统审核通过"})
        assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved"
    last = feed[-1]["id"]
    newer = system.get(f"{API}/feed", {"after": last}).json()
    assert newer and all(e["id"] > last for e in newer)
    assert {e["channel"] for e in newer} == {"api"}
    assert CaseEvent.objects.filter(client_id__isnull=False).exists()


def test_a_system_of_another_organisation_sees_nothing(world):
    token = token_for(OrganisationFactory(), ["cases:read", "cases:write"])
    system = Client(headers={"Authorization": f"Bearer {token}"})
    number = apply(world).json()["case_number"]
    assert system.get(f"{API}/{number}").status_code == 404
    assert system.get(f"{API}/feed").json() == []


def test_a_system_submits_for_a_person_once_per_key(world):
    token = token_for(world["org"], ["cases:write"])
    system = Client(headers={"Authorization": f"Bearer {token}"})
    body = {
        "item_code": world["item"].item_code,
        "applicant": {"name": "张三", "doc_type": "resident_id", "doc_number": world["applicant"].doc_number},
        "form_data": {"contact_phone": "13900001111"},
    }
    first = post(system, "/", body, **{"Idempotency-Key": "sys-1"})
    again = post(system, "/", body, **{"Idempotency-Key": "sys-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert Case.objects.get().channel == "api"
    wrong_name = {**body, "applicant": {**body["applicant"], "name": "赵六"}}
    r = post(system, "/", wrong_name, **{"Idempotency-Key": "sys-2"})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "applicant.name"
