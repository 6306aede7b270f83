"""Staff identity tools, pages and API: lookup by exact number, in-person verification, reveal with a reason,
the access log, and who may do each (everyone else sees 404)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import UserFactory, person
from tests.identity.staff_factories import clerk, member, org, other_county_org
from yiwang.identity import staff_tools
from yiwang.identity.models import Level, PiiAccess, Verification
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

PEOPLE = "/workbench/people/"
LOG = "/workbench/people/access-log/"
API = "/api/v1/identity"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def api_client(user) -> Client:
    c = Client(enforce_csrf_checks=False)
    c.force_login(user)
    return c


def find(c: Client, p) -> str:
    """Looks `p` up by document number on the page; returns the person page URL it redirects to."""
    r = c.post(PEOPLE, {"by": "doc", "doc_type": p.doc_type, "doc_number": p.doc_number})
    assert r.status_code == 302, r.content[:500]
    return r["Location"]


@pytest.fixture
def zhang():
    return person("张三", address="安徽省蚌埠市龙子湖区东海大道 1 号", email="zhangsan@example.cn")


# -- finding a person --------------------------------------------------------------------------------------


def test_a_clerk_finds_a_person_by_exact_number_and_sees_masked_values(zhang):
    c = signed_in(clerk())
    url = find(c, zhang)
    r = c.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert zhang.masked_doc_number in html and zhang.doc_number not in html
    assert zhang.masked_phone in html and zhang.phone not in html
    assert "东海大道" not in html
    assert "no-store" in r["Cache-Control"]


def test_a_lowercase_x_and_spaces_in_the_number_still_find_the_person():
    from tests.factories import citizen_id

    number = next(n for n in (citizen_id(serial=s) for s in range(200, 400)) if n.endswith("X"))
    p = person("赵六", doc_number=number)
    c = signed_in(clerk())
    r = c.post(PEOPLE, {"by": "doc", "doc_type": "resident_id", "doc_number": f" {number[:9]} {number[9:].lower()}"})
    assert r.status_code == 302
    assert p.masked_name in c.get(r["Location"]).content.decode() or p.name in c.get(r["Location"]).content.decode()


def test_a_clerk_of_another_division_finds_anyone_by_exact_number(zhang):
    c = signed_in(clerk(other_county_org()))
    assert c.get(find(c, zhang)).status_code == 200


def test_a_number_nobody_holds_says_so(zhang):
    from tests.factories import citizen_id

    c = signed_in(clerk())
    r = c.post(PEOPLE, {"by": "doc", "doc_type": "resident_id", "doc_number": citizen_id()})
    assert r.status_code == 200
    assert "results" not in r.context or r.context["results"] == []
    assert r.context["searched"] is True


def test_lookup_by_mobile_lists_everyone_with_that_number():
    a = person("张三", phone="13900001111")
    b = person("张小三", phone="13900001111")
    c = signed_in(clerk())
    r = c.post(PEOPLE, {"by": "phone", "phone": "139 0000 1111"})
    assert r.status_code == 200
    assert {p.name for p in r.context["results"]} == {a.name, b.name}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"by": "doc", "doc_type": "resident_id", "doc_number": "340302199001010011"}, "doc_number"),
        ({"by": "doc", "doc_type": "resident_id", "doc_number": "3403021990"}, "doc_number"),
        ({"by": "doc", "doc_type": "nonsense", "doc_number": "340302199001010011"}, "doc_type"),
        ({"by": "doc", "doc_type": "resident_id", "doc_number": ""}, "doc_number"),
        ({"by": "phone", "phone": "2390000111"}, "phone"),
    ],
    ids=["bad check digit", "too short", "unknown type", "empty", "bad mobile"],
)
def test_malformed_input_is_a_clear_field_error(data, field):
    c = signed_in(clerk())
    r = c.post(PEOPLE, data)
    assert r.status_code == 400
    assert field in r.context["errors"]
    assert 'aria-invalid="true"' in r.content.decode()


@pytest.mark.parametrize("role", [Role.CATALOG_ADMIN, Role.DATA_OFFICER, Role.HOTLINE_OPERATOR, Role.SYSADMIN])
def test_roles_that_do_not_serve_applicants_get_404(role, zhang):
    c = signed_in(member(role))
    assert c.get(PEOPLE).status_code == 404
    assert c.post(PEOPLE, {"by": "doc", "doc_type": zhang.doc_type, "doc_number": zhang.doc_number}).status_code == 404


def test_an_applicant_gets_404_and_an_anonymous_visitor_is_sent_to_sign_in(zhang):
    assert signed_in(person("王二").user).get(PEOPLE).status_code == 404
    r = Client().get(PEOPLE)
    assert r.status_code == 302 and "next=" in r["Location"]


def test_references_are_the_viewers_own(zhang):
    c1 = signed_in(clerk())
    url = find(c1, zhang)
    c2 = signed_in(clerk())
    assert c2.get(url).status_code == 404
    assert c1.get(url[:-3] + "xx/").status_code == 404
    # a guessed id is no reference at all
    assert c1.get(f"{PEOPLE}{zhang.pk}/").status_code == 404


# -- verifying in person -----------------------------------------------------------------------------------

CHECKED = {"document_checked": "on", "photo_matches": "on", "document_valid": "on"}


def test_a_clerk_verifies_in_person_after_the_checklist(zhang):
    u = clerk()
    c = signed_in(u)
    url = find(c, zhang)
    r = c.post(url + "verify/", CHECKED)
    assert r.status_code == 302
    zhang.refresh_from_db()
    assert zhang.level == Level.STRONG
    row = Verification.objects.get(person=zhang)
    assert row.passed and row.method == "counter" and row.performed_by_id == u.pk
    assert "counter" in c.get(url).content.decode()


def test_an_incomplete_checklist_is_refused_and_nothing_is_logged(zhang):
    c = signed_in(clerk())
    url = find(c, zhang)
    r = c.post(url + "verify/", {"document_checked": "on"})
    assert r.status_code == 400
    assert set(r.context["errors"]) == {"photo_matches", "document_valid"}
    zhang.refresh_from_db()
    assert zhang.level == Level.NONE and not Verification.objects.exists()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR])
def test_only_clerks_verify_in_person(role, zhang):
    c = signed_in(member(role))
    url = find(c, zhang)
    assert url + "verify/" not in c.get(url).content.decode()
    assert c.post(url + "verify/", CHECKED).status_code == 404
    assert not Verification.objects.exists()


# -- revealing a full value --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER])
def test_a_role_that_needs_it_sees_a_full_value_once_with_a_reason(role, zhang):
    u = member(role)
    c = signed_in(u)
    url = find(c, zhang)
    r = c.post(url + "reveal/", {"field": "doc_number", "reason": "受理窗口核对申请人身份"}, REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200
    assert zhang.doc_number in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    row = PiiAccess.objects.get()
    assert (row.viewer_id, row.person_id, row.field, row.reason, row.ip) == (
        u.pk,
        zhang.pk,
        "doc_number",
        "受理窗口核对申请人身份",
        "10.1.2.3",
    )
    # not cached: the record page again is masked
    assert zhang.doc_number not in c.get(url).content.decode()


def test_every_revealable_field_shows_its_value(zhang):
    c = signed_in(clerk())
    url = find(c, zhang)
    for field in ("phone", "address", "email"):
        r = c.post(url + "reveal/", {"field": field, "reason": "送达办理结果"})
        assert getattr(zhang, field) in r.content.decode()
    assert PiiAccess.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [({"field": "doc_number", "reason": "  "}, "reason"), ({"field": "password", "reason": "x"}, "field")],
)
def test_reveal_without_a_reason_or_of_another_field_is_refused_and_not_logged(data, field, zhang):
    c = signed_in(clerk())
    url = find(c, zhang)
    r = c.post(url + "reveal/", data)
    assert r.status_code == 400
    assert field in r.context["errors"]
    assert zhang.doc_number not in r.content.decode()
    assert not PiiAccess.objects.exists()


def test_a_supervisor_sees_masked_values_only(zhang):
    c = signed_in(member(Role.SUPERVISOR))
    url = find(c, zhang)
    html = c.get(url).content.decode()
    assert zhang.name not in html and zhang.masked_name in html
    assert "reveal/" not in html
    assert c.post(url + "reveal/", {"field": "doc_number", "reason": "检查"}).status_code == 404
    assert not PiiAccess.objects.exists()


# -- the access log ----------------------------------------------------------------------------------------


def test_the_supervisor_reads_the_access_log_of_their_division_only(zhang):
    home = org()
    inside = clerk(home, first_name="李", last_name="窗口")
    outside = clerk(other_county_org())
    for u, reason in ((inside, "本区受理"), (outside, "外区受理")):
        c = signed_in(u)
        c.post(find(c, zhang) + "reveal/", {"field": "doc_number", "reason": reason})
    assert PiiAccess.objects.count() == 2
    sup = signed_in(member(Role.SUPERVISOR, org()))
    # a supervisor of the city reaches the whole city, both counties included
    r = sup.get(LOG)
    assert r.status_code == 200
    html = r.content.decode()
    assert "本区受理" in html and "外区受理" in html
    assert zhang.doc_number not in html and zhang.masked_doc_number in html


def test_a_county_supervisor_does_not_see_another_countys_views(zhang):
    county_org = other_county_org()
    c = signed_in(clerk(county_org))
    c.post(find(c, zhang) + "reveal/", {"field": "phone", "reason": "蚌山区受理"})
    c = signed_in(clerk(org()))
    c.post(find(c, zhang) + "reveal/", {"field": "phone", "reason": "市级受理"})
    sup = signed_in(member(Role.SUPERVISOR, other_county_org()))
    html = sup.get(LOG).content.decode()
    assert "蚌山区受理" in html and "市级受理" not in html


def test_the_log_filters_by_field_and_date(zhang):
    c = signed_in(clerk())
    url = find(c, zhang)
    c.post(url + "reveal/", {"field": "phone", "reason": "电话核对"})
    c.post(url + "reveal/", {"field": "address", "reason": "邮寄送达"})
    sup = signed_in(member(Role.SYSADMIN))
    html = sup.get(LOG, {"field": "address"}).content.decode()
    assert "邮寄送达" in html and "电话核对" not in html
    html = sup.get(LOG, {"from": "2000-01-01", "to": "2000-01-02"}).content.decode()
    assert "邮寄送达" not in html
    assert sup.get(LOG, {"from": "not-a-date", "field": "bogus"}).status_code == 200


@pytest.mark.parametrize("role", [Role.WINDOW_CLERK, Role.REVIEWER, Role.CATALOG_ADMIN])
def test_others_cannot_read_the_access_log(role):
    assert signed_in(member(role)).get(LOG).status_code == 404


def test_the_access_log_takes_a_constant_number_of_queries(zhang, django_assert_max_num_queries):
    c = signed_in(clerk())
    url = find(c, zhang)
    for i in range(30):
        c.post(url + "reveal/", {"field": "phone", "reason": f"核对 {i}"})
    sup = signed_in(UserFactory(is_superuser=True, is_staff=True))
    with django_assert_max_num_queries(12):
        assert sup.get(LOG).status_code == 200


# -- the API -----------------------------------------------------------------------------------------------


def api_ref(c: Client, p) -> str:
    r = c.post(
        f"{API}/people/lookup",
        {"doc_type": p.doc_type, "doc_number": p.doc_number},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert len(results) == 1
    return results[0]["ref"]


def test_api_lookup_detail_verify_reveal_and_log(zhang):
    u = clerk()
    c = api_client(u)
    ref = api_ref(c, zhang)
    detail = c.get(f"{API}/people/{ref}").json()
    assert detail["doc_number"] == zhang.masked_doc_number and detail["level"] == 0
    r = c.post(
        f"{API}/people/{ref}/verify-in-person",
        {"document_checked": True, "photo_matches": True, "document_valid": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["passed"] is True
    assert c.get(f"{API}/people/{ref}").json()["level"] == Level.STRONG
    r = c.post(f"{API}/people/{ref}/reveal", {"field": "doc_number", "reason": "受理"}, content_type="application/json")
    assert r.status_code == 200 and r.json() == {"field": "doc_number", "value": zhang.doc_number}
    assert "no-store" in r["Cache-Control"]
    log = api_client(member(Role.SYSADMIN)).get(f"{API}/pii-access-log").json()
    assert log["count"] == 1
    assert log["items"][0]["viewer"] == u.get_username()
    assert zhang.doc_number not in str(log)


def test_api_bad_input_is_400_with_fields(zhang):
    c = api_client(clerk())
    r = c.post(
        f"{API}/people/lookup", {"doc_type": "resident_id", "doc_number": "12345"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "doc_number"
    ref = api_ref(c, zhang)
    r = c.post(f"{API}/people/{ref}/reveal", {"field": "phone", "reason": ""}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "reason"
    r = c.post(f"{API}/people/{ref}/verify-in-person", {"document_checked": True}, content_type="application/json")
    assert r.status_code == 400
    assert {d["field"] for d in r.json()["detail"]} == {"photo_matches", "document_valid"}
    assert not PiiAccess.objects.exists() and not Verification.objects.exists()


def test_api_refuses_with_404_whoever_lacks_the_role(zhang):
    ref = api_ref(api_client(clerk()), zhang)
    for user in (member(Role.CATALOG_ADMIN), person("王二").user):
        c = api_client(user)
        r = c.post(
            f"{API}/people/lookup",
            {"doc_type": zhang.doc_type, "doc_number": zhang.doc_number},
            content_type="application/json",
        )
        assert r.status_code == 404
        assert c.get(f"{API}/people/{ref}").status_code == 404
        assert c.get(f"{API}/pii-access-log").status_code == 404
    sup = api_client(member(Role.SUPERVISOR))
    sup_ref = api_ref(sup, zhang)
    r = sup.post(
        f"{API}/people/{sup_ref}/reveal", {"field": "phone", "reason": "看看"}, content_type="application/json"
    )
    assert r.status_code == 404
    assert Client().post(f"{API}/people/lookup", {}, content_type="application/json").status_code == 401


def test_lookups_are_rate_limited_per_staff_member(zhang, settings):
    settings.IDENTITY_RATES = {"staff_lookup": "2/m"}
    c = signed_in(clerk())
    for _ in range(2):
        assert (
            c.post(PEOPLE, {"by": "doc", "doc_type": zhang.doc_type, "doc_number": zhang.doc_number}).status_code == 302
        )
    r = c.post(PEOPLE, {"by": "doc", "doc_type": zhang.doc_type, "doc_number": zhang.doc_number})
    assert r.status_code == 429 and r["Retry-After"]


def test_person_refs_expire(zhang, monkeypatch):
    u = clerk()
    ref = staff_tools.person_ref(u.pk, zhang.pk)
    assert staff_tools.person_from_ref(u.pk, ref) == zhang
    monkeypatch.setattr(staff_tools, "REF_MAX_AGE", -1)
    from django.http import Http404

    with pytest.raises(Http404):
        staff_tools.person_from_ref(u.pk, ref)
    assert re.fullmatch(r"[\w:.-]+", ref)
