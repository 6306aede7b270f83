"""一窗受理: a clerk applies for a walk-in applicant through the window pages."""

from __future__ import annotations

import pytest

from tests.cases.workbench_world import build, client_for
from tests.factories import citizen_id
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, State
from yiwang.identity.models import Person, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def find(c, doc_number: str, doc_type: str = "resident_id"):
    return c.post("/workbench/window/apply/", {"op": "find", "doc_type": doc_type, "doc_number": doc_number})


def form(w, **extra):
    material = w["version"].materials.get()
    data = {"key": "k-1", "contact_phone": "13912345678", "address": "蚌埠市", "materials": [str(material.pk)]}
    data.update(extra)
    return data


def test_known_applicant_apply_and_accept_on_the_spot(w):
    c = client_for(w["clerk"])
    applicant = w["applicant"]
    r = find(c, applicant.doc_number)
    assert r.status_code == 302
    page = c.get("/workbench/window/apply/")
    assert applicant.name in page.content.decode()
    assert w["item"].item_code in page.content.decode()
    assert w["other_version"].item.item_code not in page.content.decode()  # not this window's department
    r = c.post(f"/workbench/window/apply/{w['item'].item_code}/", form(w, accept_now="1"))
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.channel == "window" and case.submitted_by == w["clerk"] and case.person == applicant
    assert case.state == State.IN_PROGRESS
    submit_ev = CaseEvent.objects.get(case=case, action="submit")
    assert submit_ev.on_behalf_of == applicant.name and submit_ev.role == "clerk" and submit_ev.channel == "window"
    assert CaseMaterial.objects.get(case=case).source == "paper"
    assert case.form_data["contact_phone"] == "13912345678"
    # The query code is shown once, in the confirmation.
    shown = c.get(r.url).content.decode()
    assert case.case_number in shown


def test_walk_in_without_a_record_is_registered_after_the_counter_check(w):
    c = client_for(w["clerk"])
    number = citizen_id()
    r = find(c, number)
    assert r.status_code == 200 and r.context["register"]
    base = {"op": "register", "doc_type": "resident_id", "doc_number": number, "name": "赵六", "phone": "13800001111"}
    r = c.post("/workbench/window/apply/", base)
    assert r.status_code == 400 and "document_checked" in r.context["errors"]
    assert not Person.objects.filter(name="赵六").exists()
    r = c.post("/workbench/window/apply/", {**base, "document_checked": "1", "photo_matches": "1"})
    assert r.status_code == 302
    p = Person.objects.get(name="赵六")
    assert p.level == 3 and p.user_id is None
    assert Verification.objects.get(person=p).method == "counter"
    r = c.post(f"/workbench/window/apply/{w['item'].item_code}/", form(w))
    assert r.status_code == 302
    case = Case.objects.get(person=p)
    assert case.state == State.SUBMITTED and case.applicant_name == "赵六"


def test_bad_document_numbers_are_refused_per_field(w):
    c = client_for(w["clerk"])
    r = find(c, "340302199001011234")
    assert r.status_code == 400 and "doc_number" in r.context["errors"]
    r = c.post("/workbench/window/apply/", {"op": "find", "doc_type": "x", "doc_number": "1"})
    assert r.status_code == 400 and "doc_type" in r.context["errors"]


def test_form_and_materials_problems_write_nothing(w):
    c = client_for(w["clerk"])
    find(c, w["applicant"].doc_number)
    url = f"/workbench/window/apply/{w['item'].item_code}/"
    r = c.post(url, form(w, contact_phone="12", materials=[]))
    assert r.status_code == 400 and "contact_phone" in r.context["errors"]
    r = c.post(url, {"key": "k-2", "contact_phone": "13912345678", "accept_now": "1"})
    assert r.status_code == 400 and "accept_now" in r.context["errors"]
    r = c.post(url, form(w, materials=["999999"]))
    assert r.status_code == 400 and "materials" in r.context["errors"]
    assert Case.objects.count() == 0


def test_a_retried_post_makes_one_case(w):
    c = client_for(w["clerk"])
    find(c, w["applicant"].doc_number)
    url = f"/workbench/window/apply/{w['item'].item_code}/"
    assert c.post(url, form(w)).status_code == 302
    find(c, w["applicant"].doc_number)
    assert c.post(url, form(w)).status_code == 302
    assert Case.objects.count() == 1


def test_only_clerks_and_only_their_departments(w):
    assert client_for(w["reviewer"]).get("/workbench/window/apply/").status_code == 403
    c = client_for(w["clerk"])
    assert c.get(f"/workbench/window/apply/{w['item'].item_code}/").status_code == 302  # applicant first
    find(c, w["applicant"].doc_number)
    assert c.get(f"/workbench/window/apply/{w['other_version'].item.item_code}/").status_code == 404
    assert c.get(f"/workbench/window/apply/{w['item'].item_code}/").status_code == 200


def test_item_search_by_name(w):
    c = client_for(w["clerk"])
    find(c, w["applicant"].doc_number)
    r = c.get("/workbench/window/apply/", {"q": "食品经营"})
    assert [i.item_code for i in r.context["items"]] == [w["item"].item_code]
    r = c.get("/workbench/window/apply/", {"q": "不存在的事项"})
    assert r.context["items"] == []
