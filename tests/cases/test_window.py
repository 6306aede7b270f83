"""一窗受理: a clerk applies for a walk-in applicant through the window pages."""

from __future__ import annotations

import pytest

from tests.cases.workbench_world import build, client_for
from tests.factories import OrganisationFactory, citizen_id, division_chain, make_item, staff
from yiwang.cases import window
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, State
from yiwang.core.codes import make_credit_code
from yiwang.identity.models import Person, Verification
from yiwang.orgs.models import Division, Hall, Membership, Role, Window

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


@pytest.fixture
def city(w):
    return city_world(w)


def city_world(w) -> dict:
    """A city-centre clerk whose role covers the city, its county and a village; their hall serves a county
    department at one window."""
    _province, city_div, county_div = division_chain()
    township = Division.objects.create(code="340302001000", name="东风街道", parent=county_div)
    village = Division.objects.create(code="340302001001", name="东风社区", parent=township)
    centre = OrganisationFactory(name="蚌埠市政务服务中心")
    clerk = staff(centre, Role.WINDOW_CLERK, username="cityclerk")
    Membership.objects.filter(user=clerk).update(covers_division=True)

    def org(name, division, n):
        return OrganisationFactory(
            name=name,
            division=division,
            credit_code=make_credit_code("1", "1", division.code[:6], f"{3000000 + n:08d}"),
        )

    village_org = org("东风社区便民服务中心", village, 1)
    county_org = org("龙子湖区市场监督管理局", county_div, 2)
    served = org("龙子湖区人力资源和社会保障局", county_div, 3)
    hall = Hall.objects.create(name="蚌埠市政务服务大厅", organisation=centre, division=city_div, address="蚌埠市")
    Window.objects.create(hall=hall, number="A01", name="社保").organisations.add(served)
    items = {
        "village": make_item(village_org),
        "county": make_item(county_org),
        "hall": make_item(served),
        "city": w["item"],  # 蚌埠市市场监督管理局, a city department
        "city2": w["other_version"].item,  # 蚌埠市交通运输局, another (its name sorts first)
    }
    c = client_for(clerk)
    find(c, w["applicant"].doc_number)
    return {"client": c, "items": items, "county": county_div, "county_org": county_org}


def codes(r) -> list[str]:
    return [i.item_code for i in r.context["items"]]


def test_item_search_ranks_the_clerks_hall_then_level_first(w, city):
    """Issue 18: a city-centre clerk searching 食品经营许可 sees their hall's departments, then the city's own
    items, then the county's, and the village's last."""
    it = city["items"]
    r = city["client"].get("/workbench/window/apply/", {"q": "食品经营"})
    assert codes(r) == [it[k].item_code for k in ("hall", "city2", "city", "county", "village")]
    page = r.content.decode()
    assert "共 5 个事项，本大厅和本级事项在前" in page
    assert "蚌埠市" in page and "东风社区" in page  # each item shows its area


def test_item_search_filters_by_area_and_department(w, city):
    it, c = city["items"], city["client"]
    r = c.get("/workbench/window/apply/", {"area": city["county"].code})
    assert set(codes(r)) == {it[k].item_code for k in ("hall", "county", "village")}
    options = r.context["choices"]
    assert (city["county"].code, city["county"].name) in options["areas"]
    assert (city["county_org"].pk, city["county_org"].name) in options["departments"]
    r = c.get("/workbench/window/apply/", {"area": city["county"].code, "org": city["county_org"].pk})
    assert codes(r) == [it["county"].item_code]
    # Nonsense in the filters is ignored, never a server error.
    for bad in ({"org": "9" * 30}, {"area": "34'; --"}, {"page": "x"}, {"page": "999"}):
        assert c.get("/workbench/window/apply/", bad).status_code == 200


def test_item_search_pages(w, city, monkeypatch):
    monkeypatch.setattr(window, "ITEM_RESULTS", 3)
    c = city["client"]
    r = c.get("/workbench/window/apply/", {"q": "食品经营"})
    page = r.content.decode()
    assert len(codes(r)) == 3 and 'rel="next"' in page and "q=%E9%A3%9F" in page
    r = c.get("/workbench/window/apply/", {"q": "食品经营", "page": 2})
    assert (
        codes(r) == [city["items"][k].item_code for k in ("county", "village")] and 'rel="prev"' in r.content.decode()
    )
