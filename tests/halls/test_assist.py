"""Assisted handling (帮办代办) and bank outlets (政银通办) through the pages: consent by SMS code or signature, the
one apply door with channels "helper" and "bank", who helped where and for whom, My Space, enterprise projects."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client

from tests.factories import enterprise
from tests.halls.assist_world import build_assist
from yiwang.cases.models import Case, CaseEvent
from yiwang.halls.models import AgencyProject, AssistedCase, Consent
from yiwang.identity.providers import OutboxSmsSender

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def w():
    return build_assist()


@pytest.fixture
def outbox(settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    yield OutboxSmsSender.outbox
    OutboxSmsSender.clear()


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def start(c: Client, w, hall, **extra):
    p = w["citizen"]
    data = {
        "hall": hall.pk,
        "name": p.name,
        "doc_type": p.doc_type,
        "doc_number": p.doc_number,
        "item_code": w["item"].item_code,
        "method": "sms",
        **extra,
    }
    return c.post("/workbench/halls/assist/", data)


def test_a_helper_applies_with_the_sms_code_the_person_reads_out(w, outbox):
    c = login(w["helper"])
    assert c.get("/workbench/halls/assist/").status_code == 200
    r = start(c, w, w["point"])
    consent = Consent.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/workbench/halls/assist/consent/{consent.pk}/"
    assert len(outbox) == 1 and outbox[0].to == w["citizen"].phone and w["item"].item_code in outbox[0].text
    code = re.search(r"验证码 (\d{6})", outbox[0].text).group(1)
    # The form cannot be reached before the code is confirmed; a wrong code is refused with a field error.
    assert c.get(f"/workbench/halls/assist/consent/{consent.pk}/apply/")["Location"].endswith(f"/consent/{consent.pk}/")
    wrong = c.post(f"/workbench/halls/assist/consent/{consent.pk}/", {"code": "000000" if code != "000000" else "1"})
    assert wrong.status_code == 400 and Consent.objects.get().confirmed_at is None
    ok = c.post(f"/workbench/halls/assist/consent/{consent.pk}/", {"code": code})
    assert ok["Location"] == f"/workbench/halls/assist/consent/{consent.pk}/apply/"
    form = c.get(ok["Location"])
    assert form.status_code == 200 and "食品经营许可证核发" in form.content.decode()
    done = c.post(ok["Location"], {"key": "k1", "contact_phone": "13912345678"})
    assert done.status_code == 302, re.findall(r'role="alert".*?</ul>', done.content.decode(), re.S)
    case = Case.objects.get()
    assert done["Location"] == f"/workbench/halls/assist/cases/{case.case_number}/"
    assert case.channel == "helper" and case.hall_id == w["point"].pk and case.person_id == w["citizen"].pk
    row = AssistedCase.objects.get()
    assert (row.helper, row.hall, row.person, row.consent) == (w["helper"], w["point"], w["citizen"], consent)
    submit = CaseEvent.objects.get(case=case, action="submit")
    assert submit.role == "helper" and submit.on_behalf_of == w["citizen"].name and submit.channel == "helper"
    receipt = c.get(done["Location"]).content.decode()
    assert case.case_number in receipt and "曹山街道便民服务站" in receipt
    # The consent served once: the same page again finds nothing.
    assert c.get(f"/workbench/halls/assist/consent/{consent.pk}/apply/").status_code == 404
    # The person sees it in My Space.
    space = login(w["citizen"].user).get("/my/").content.decode()
    assert case.case_number in space and "王帮办" in space and "曹山街道便民服务站" in space


def test_a_signature_is_consent_too_and_a_bad_one_is_refused(w):
    c = login(w["helper"])
    bad = start(c, w, w["point"], method="signature", signature="data:image/png;base64,bm90IGEgcG5n")
    assert bad.status_code == 400 and not Consent.objects.exists()
    good = start(
        c, w, w["point"], method="signature", signature="data:image/png;base64," + base64.b64encode(PNG).decode()
    )
    consent = Consent.objects.get()
    assert consent.confirmed_at is not None and bytes(consent.signature) == PNG
    assert good["Location"] == f"/workbench/halls/assist/consent/{consent.pk}/apply/"
    assert c.post(good["Location"], {"key": "k2", "contact_phone": "13912345678"}).status_code == 302
    assert Case.objects.get().channel == "helper"


def test_who_may_help_and_for_what(w):
    # Not a helper anywhere: refused; a helper at another point's hall: nothing started.
    assert login(w["clerk"]).get("/workbench/halls/assist/").status_code == 403
    assert Client().get("/workbench/halls/assist/").status_code == 302
    c = login(w["helper"])
    assert start(c, w, w["hall"]).status_code == 400  # the city centre is not the helper's point
    wrong_name = start(c, w, w["point"], name="李四")
    assert wrong_name.status_code == 400 and not Consent.objects.exists()
    # Someone else's consent is not found.
    other = login(w["bank_staff"])
    start(c, w, w["point"], method="signature", signature="data:image/png;base64," + base64.b64encode(PNG).decode())
    consent = Consent.objects.get()
    assert other.get(f"/workbench/halls/assist/consent/{consent.pk}/apply/").status_code == 404


def test_free_agency_for_an_enterprise_project_is_listed_per_helper(w):
    legal_rep = w["citizen"]
    firm = enterprise("蚌埠新材料有限公司", legal_rep=legal_rep)
    project = AgencyProject.objects.create(
        enterprise=firm, name="年产万吨新材料项目", hall=w["point"], helper=w["helper"]
    )
    c = login(w["helper"])
    sig = "data:image/png;base64," + base64.b64encode(PNG).decode()
    r = start(c, w, w["point"], method="signature", signature=sig, credit_code=firm.credit_code, project=project.pk)
    assert r.status_code == 302, r.content.decode()
    assert c.post(r["Location"], {"key": "k3", "contact_phone": "13912345678"}).status_code == 302
    case = Case.objects.get()
    assert case.enterprise_id == firm.pk and AssistedCase.objects.get().project == project
    page = c.get("/workbench/halls/assist/").content.decode()
    assert "年产万吨新材料项目" in page and case.case_number in page


def test_bank_staff_apply_only_for_items_opened_to_bank_outlets(w):
    c = login(w["bank_staff"])
    closed = start(c, w, w["outlet"], item_code=w["closed_item"].item_code)
    assert closed.status_code == 400 and "银行" in closed.content.decode()
    r = start(c, w, w["outlet"])
    assert r["Location"] == "/workbench/halls/assist/bank/apply/"
    done = c.post(r["Location"], {"key": "b1", "contact_phone": "13912345678"})
    case = Case.objects.get()
    assert done["Location"] == f"/workbench/halls/assist/cases/{case.case_number}/"
    row = AssistedCase.objects.get()
    assert case.channel == "bank" and row.pickup_here and row.hall == w["outlet"] and row.consent is None
    assert "在本网点领取" in c.get(done["Location"]).content.decode() or row.pickup_here
