"""Assisted handling and bank outlets through the API: consent, the helper's application, 代办 projects, bank staff
and a smart teller (machine client with scope halls:bank) applying with channel "bank", a kiosk client."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client

from tests.factories import enterprise
from tests.halls.assist_world import build_assist
from yiwang.cases.models import Case
from yiwang.halls.models import AgencyProject, AssistedCase, SmartTeller, Ticket
from yiwang.identity.clients import create_client
from yiwang.identity.providers import OutboxSmsSender

pytestmark = pytest.mark.django_db
API = "/api/v1/halls"
FORM = {"contact_phone": "13912345678"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def w(settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    yield build_assist()
    OutboxSmsSender.clear()


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, body: dict, key: str = ""):
    headers = {"Idempotency-Key": key} if key else {}
    return c.post(API + path, body, content_type="application/json", headers=headers)


def token_client(org, scopes: tuple[str, ...]) -> tuple[Client, object]:
    mc, secret = create_client("智能柜员机", "bank", org, list(scopes))
    basic = base64.b64encode(f"{mc.application.client_id}:{secret}".encode()).decode()
    r = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200, r.content
    return Client(headers={"Authorization": f"Bearer {r.json()['access_token']}"}), mc


def applicant(p) -> dict:
    return {"name": p.name, "doc_type": p.doc_type, "doc_number": p.doc_number}


def test_a_helper_applies_through_the_api_once_per_key(w):
    c = login(w["helper"])
    body = {"hall_id": w["point"].pk, "applicant": applicant(w["citizen"]), "item_code": w["item"].item_code}
    r = post(c, "/assist/consents", {**body, "method": "sms"})
    assert r.status_code == 201 and not r.json()["confirmed"] and r.json()["sent_to"]
    consent_id = r.json()["id"]
    # Without a confirmed consent nothing is applied for.
    early = post(c, "/assist/applications", {"consent_id": consent_id, "form_data": FORM})
    assert early.status_code == 400 and early.json()["detail"][0]["code"] == "consent_required"
    code = re.search(r"(?:验证码|code) (\d{6})", OutboxSmsSender.outbox[-1].text).group(1)
    assert post(c, f"/assist/consents/{consent_id}/confirm", {"code": code}).json()["confirmed"]
    first = post(c, "/assist/applications", {"consent_id": consent_id, "form_data": FORM}, key="a-1")
    again = post(c, "/assist/applications", {"consent_id": consent_id, "form_data": FORM}, key="a-1")
    assert first.status_code == 201 and again.status_code == 200, first.content
    out = first.json()
    assert out["channel"] == "helper" and out["hall"] == "曹山街道便民服务站" and out["helped_by"] == "王帮办"
    assert (
        out["query_code"] and again.json()["query_code"] == out["query_code"]
    )  # a retry gets the code back while it is kept
    assert Case.objects.count() == 1
    # A new key cannot reuse the consent.
    reuse = post(c, "/assist/applications", {"consent_id": consent_id, "form_data": FORM}, key="a-2")
    assert reuse.status_code == 400 and Case.objects.count() == 1


def test_helper_endpoints_refuse_others_and_check_the_fields(w):
    body = {"hall_id": w["point"].pk, "applicant": applicant(w["citizen"]), "item_code": w["item"].item_code}
    assert post(login(w["clerk"]), "/assist/consents", {**body, "method": "sms"}).status_code == 403
    assert post(Client(), "/assist/consents", {**body, "method": "sms"}).status_code == 401
    c = login(w["helper"])
    assert post(c, "/assist/consents", {**body, "hall_id": w["hall"].pk, "method": "sms"}).status_code == 404
    bad = post(c, "/assist/consents", {**body, "method": "fax"})
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "method"
    unsigned = post(c, "/assist/consents", {**body, "method": "signature", "signature_png": "!!"})
    assert unsigned.status_code == 400 and unsigned.json()["detail"][0]["field"] == "signature"
    assert post(c, "/assist/consents/999999/confirm", {"code": "123456"}).status_code == 404


def test_the_project_lists_its_cases_per_helper(w):
    firm = enterprise("蚌埠新材料有限公司", legal_rep=w["citizen"])
    project = AgencyProject.objects.create(enterprise=firm, name="新材料项目", hall=w["point"], helper=w["helper"])
    c = login(w["helper"])
    r = post(
        c,
        "/assist/consents",
        {
            "hall_id": w["point"].pk,
            "applicant": applicant(w["citizen"]),
            "enterprise": firm.credit_code,
            "item_code": w["item"].item_code,
            "method": "signature",
            "signature_png": base64.b64encode(PNG).decode(),
        },
    )
    assert r.status_code == 201 and r.json()["confirmed"]
    done = post(c, "/assist/applications", {"consent_id": r.json()["id"], "form_data": FORM, "project_id": project.pk})
    assert done.status_code == 201, done.content
    listed = c.get(API + "/assist/projects").json()
    assert listed[0]["name"] == "新材料项目" and listed[0]["cases"][0]["case_number"] == done.json()["case_number"]
    assert login(w["bank_staff"]).get(API + "/assist/projects").status_code == 403


def test_bank_staff_and_a_smart_teller_apply_with_channel_bank(w):
    staff = login(w["bank_staff"])
    body = {"hall_id": w["outlet"].pk, "applicant": applicant(w["citizen"]), "item_code": w["item"].item_code}
    r = post(staff, "/bank/applications", {**body, "form_data": FORM}, key="b-1")
    assert r.status_code == 201 and r.json()["channel"] == "bank" and r.json()["pickup_here"], r.content
    closed = post(staff, "/bank/applications", {**body, "item_code": w["closed_item"].item_code, "form_data": FORM})
    assert closed.status_code == 400 and closed.json()["detail"][0]["code"] == "not_at_bank"
    assert post(staff, "/bank/applications", {**body, "hall_id": w["point"].pk}).status_code == 404
    assert post(login(w["helper"]), "/bank/applications", body).status_code == 403
    # A smart teller: a machine client with scope halls:bank standing in the outlet.
    teller, mc = token_client(w["outlet"].organisation, ("halls:bank",))
    not_placed = post(teller, "/bank/applications", {**body, "form_data": FORM})
    assert not_placed.status_code == 403
    SmartTeller.objects.create(client=mc, hall=w["outlet"])
    done = post(teller, "/bank/applications", {**body, "hall_id": None, "form_data": FORM}, key="t-1")
    assert done.status_code == 201 and done.json()["helped_by"] == "智能柜员机", done.content
    case = Case.objects.get(case_number=done.json()["case_number"])
    assert case.channel == "bank" and AssistedCase.objects.get(case=case).client == mc
    items = Client().get(API + "/bank/items").json()
    assert items == [{"item_code": w["item"].item_code, "name": "食品经营许可证核发", "self_service": True}]


def test_a_kiosk_client_of_the_hall_operator_issues_numbers(w):
    kiosk, _mc = token_client(w["centre"], ("halls:kiosk",))
    r = post(kiosk, f"/{w['hall'].pk}/tickets", {"line_id": w["line"].pk, "client_ref": "tap-1"})
    assert r.status_code == 201 and r.json()["number"] == "A001"
    assert Ticket.objects.get().source == "kiosk"
    other, _ = token_client(w["dept"], ("halls:kiosk",))
    assert post(other, f"/{w['hall'].pk}/tickets", {"line_id": w["line"].pk}).status_code == 404
