"""One door per action: the apply page, the API and the window refuse with the same codes, write nothing when they
refuse, share one idempotency scope rule, and record who acted the same way whichever door they came through."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import (
    OrganisationFactory,
    citizen_id,
    enterprise,
    license_type,
    make_item,
    material_data,
    person,
    staff,
)
from yiwang.cases import actions
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, Channel, Draft, State
from yiwang.catalog import services as catalog
from yiwang.catalog.models import ItemVersion
from yiwang.identity import space
from yiwang.identity.clients import create_client
from yiwang.identity.models import AgentPermission, Person, Verification
from yiwang.identity.services import grant_agent, revoke_agent
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/"
HOLDER_TYPE = "11100000000013338W001"  # a license type held by legal persons (营业执照-like)


@dataclass
class World:
    org: Any
    items: dict[str, Any]
    zhang: Any  # a citizen, level 2
    li: Any  # legal representative of the company
    wang: Any  # agent of the company with view_cases only (no apply)
    zhao: Any  # agent of the company with apply
    company: Any
    clerk: Any
    reviewer: Any


def _item(org, **overrides):
    # One optional material: the page needs no material choice, so page and API see the same application.
    return make_item(org, materials=[material_data(name="补充说明", requirement="optional")], **overrides)


@pytest.fixture
def w() -> World:
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    lt = license_type(code=HOLDER_TYPE, name="食品经营许可证", holder_kind="enterprise")
    lt.issuers.add(org)
    items = {
        "open": _item(org),
        "depth_one": _item(org, online_depth=1, visits_required=1),
        "enterprise_only": _item(org, for_persons=False),
        "persons_only": _item(org, for_enterprises=False),
        "license_for_enterprises": _item(
            org, for_persons=False, result_type="license", result_license_type=HOLDER_TYPE
        ),
        "level_three": _item(org, min_identity_level=3),
        "withdrawn": _item(org),
    }
    catalog.retire(items["withdrawn"])
    # Publishing refuses a person's audience for a legal person's license; a version published before that rule
    # (or imported from an older catalog) may still say so, and the door must refuse it all the same.
    ItemVersion.objects.filter(pk=items["license_for_enterprises"].current_id).update(for_persons=True)
    zhang = person("张三", level=2)
    li = person("李四", level=2)
    wang = person("王五", level=2)
    zhao = person("赵六", level=2)
    company = enterprise("蚌埠淮河食品有限公司", legal_rep=li)
    grant_agent(enterprise=company, person=wang, permissions=[AgentPermission.VIEW_CASES], granted_by=li.user)
    grant_agent(
        enterprise=company,
        person=zhao,
        permissions=[AgentPermission.APPLY, AgentPermission.VIEW_CASES],
        granted_by=li.user,
    )
    return World(
        org=org,
        items=items,
        zhang=zhang,
        li=li,
        wang=wang,
        zhao=zhao,
        company=company,
        clerk=staff(org, Role.WINDOW_CLERK, username="clerk1", first_name="窗口"),
        reviewer=staff(org, Role.REVIEWER, username="reviewer1"),
    )


def signed_in(user, acting_for=None) -> Client:
    c = Client()
    c.force_login(user)
    if acting_for is not None:
        session = c.session
        session[space.SESSION_KEY] = acting_for.pk
        session.save()
    return c


def token_client(org, scopes=("cases:read", "cases:write")) -> tuple[Client, Any]:
    client, secret = create_client("部门审批系统", "department", org, list(scopes))
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    r = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200, r.content
    return Client(headers={"Authorization": f"Bearer {r.json()['access_token']}"}), client


def api_post(c: Client, body: dict, key: str = "", path: str = API):
    headers = {"Idempotency-Key": key} if key else {}
    return c.post(path, body, content_type="application/json", headers=headers)


def written() -> tuple[int, ...]:
    """Everything an application could write: cases, their events and materials, drafts, persons, checks."""
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        CaseMaterial.objects.count(),
        Draft.objects.count(),
        Person.objects.count(),
        Verification.objects.count(),
    )


# --- the same refusals through the page and through the API ----------------------------------------------------

# (case id, who applies, for the company?, item, form, expected code, page status)
REFUSALS = [
    ("depth one, online", "zhang", False, "depth_one", {}, "not_online", 404),
    ("natural person, enterprise-only item", "zhang", False, "enterprise_only", {}, "not_for_persons", 403),
    ("enterprise, persons-only item", "li", True, "persons_only", {}, "not_for_enterprises", 403),
    ("person, license held by legal persons", "zhang", False, "license_for_enterprises", {}, None, 403),
    ("level too low", "zhang", False, "level_three", {}, "level_too_low", 403),
    ("agent without the apply permission", "wang", True, "open", {}, "not_agent", 403),
    ("unknown item", "zhang", False, None, {}, "unknown_item", 404),
    ("withdrawn item", "zhang", False, "withdrawn", {}, "unknown_item", 404),
    ("bad form data", "zhang", False, "open", {"contact_phone": "12"}, "invalid", 400),
]


@pytest.mark.parametrize(
    ("who", "for_company", "item_key", "form", "code", "page_status"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_page_and_api_refuse_alike_and_write_nothing(w, who, for_company, item_key, form, code, page_status):
    code = code or "result_for_enterprises"
    user = getattr(w, who).user
    company = w.company if for_company else None
    item_code = w.items[item_key].item_code if item_key else "X" * 31
    form = {"contact_phone": "13912345678", "address": "蚌埠市", **form}
    before = written()

    page = signed_in(user, acting_for=company).post(
        reverse("cases:apply", args=[item_code]), {**form, "idempotency_key": "k-page", "action": "submit"}
    )
    assert page.status_code == page_status, page.content.decode()[:400]
    assert code in page.context["problem_codes"]

    body: dict[str, Any] = {"item_code": item_code, "form_data": form}
    if company is not None:
        body["enterprise_id"] = company.pk
    api = api_post(signed_in(user), body, key="k-api")
    assert api.status_code == 400, api.content
    api_codes = [p["code"] for p in api.json()["detail"]]
    assert code in api_codes
    assert page.context["problem_codes"] == api_codes  # the very same refusals, in the same order
    for p in api.json()["detail"]:
        assert p["message"] and p["message_en"]  # in Chinese and English
    assert written() == before


def test_the_page_explains_a_refusal_before_the_form_is_filled(w):
    r = signed_in(w.zhang.user).get(reverse("cases:apply", args=[w.items["license_for_enterprises"].item_code]))
    assert r.status_code == 403 and r.context["reason"] == "result_for_enterprises"
    assert 'data-refusal="result_for_enterprises"' in r.content.decode()
    r = signed_in(w.li.user, acting_for=w.company).get(reverse("cases:apply", args=[w.items["open"].item_code]))
    assert r.status_code == 200  # the legal representative may apply for the company


def test_a_machine_client_gets_the_same_eligibility_rules(w):
    system, _client = token_client(w.org)
    applicant = {"name": "张三", "doc_type": "resident_id", "doc_number": w.zhang.doc_number}
    for item_key, code in (
        ("depth_one", "not_online"),
        ("enterprise_only", "not_for_persons"),
        ("license_for_enterprises", "result_for_enterprises"),
        ("level_three", "level_too_low"),
    ):
        body = {"item_code": w.items[item_key].item_code, "applicant": applicant, "form_data": {}}
        r = api_post(system, body, key=f"sys-{item_key}")
        assert r.status_code == 400 and r.json()["detail"][0]["code"] == code, (item_key, r.content)
    # An unknown person is registered only when the application passes: a refused one leaves no record behind.
    stranger = {"name": "钱七", "doc_type": "resident_id", "doc_number": citizen_id()}
    before = written()
    r = api_post(system, {"item_code": w.items["level_three"].item_code, "applicant": stranger}, key="sys-x")
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == "level_too_low"
    assert written() == before


def test_a_machine_client_applies_for_an_enterprise_by_credit_code(w):
    system, client = token_client(w.org)
    body = {
        "item_code": w.items["license_for_enterprises"].item_code,
        "enterprise": w.company.credit_code.lower(),
        "applicant": {"name": "赵六", "doc_type": "resident_id", "doc_number": w.zhao.doc_number},
        "form_data": {"contact_phone": "13912345678"},
    }
    r = api_post(system, body, key="ent-1")
    assert r.status_code == 201, r.content
    case = Case.objects.get(case_number=r.json()["case_number"])
    assert case.enterprise == w.company and case.person == w.zhao and case.applicant_name == w.company.name
    assert case.channel == Channel.API and case.idempotency_scope == f"c:{client.pk}"
    ev = CaseEvent.objects.get(case=case, action="submit")
    assert ev.client_id == client.pk and ev.role == "client" and ev.on_behalf_of == "赵六"
    assert ev.data["capacity"] == "agent" and ev.data["enterprise"] == w.company.credit_code
    # The agent without the apply permission, an unknown code, a mistyped code, a name that does not match:
    wang = {"name": "王五", "doc_type": "resident_id", "doc_number": w.wang.doc_number}
    for change, field, code in (
        ({"applicant": wang}, "enterprise", "not_agent"),
        ({"enterprise": "91340300MA2N00000X"}, "enterprise", None),
        ({"enterprise": "913403002000000000"}, "enterprise", None),
        ({"applicant": {**body["applicant"], "name": "赵七"}}, "applicant.name", "mismatch"),
    ):
        r = api_post(system, {**body, **change}, key=f"ent-{field}-{code}")
        assert r.status_code == 400, r.content
        problem = r.json()["detail"][0]
        assert problem["field"] == field and (code is None or problem["code"] == code), problem
    assert Case.objects.count() == 1


# --- the window applies for an enterprise ------------------------------------------------------------------------


def window_find(c: Client, p) -> None:
    r = c.post("/workbench/window/apply/", {"op": "find", "doc_type": "resident_id", "doc_number": p.doc_number})
    assert r.status_code == 302


def window_enterprise(c: Client, credit_code: str, name: str):
    return c.post("/workbench/window/apply/", {"op": "enterprise", "credit_code": credit_code, "name": name})


def window_form(key: str = "w-1", **extra) -> dict:
    return {"key": key, "contact_phone": "13912345678", "address": "蚌埠市", **extra}


@pytest.mark.parametrize(("who", "capacity"), [("li", "legal_rep"), ("zhao", "agent")])
def test_the_window_applies_for_an_enterprise(w, who, capacity):
    rep = getattr(w, who)
    c = signed_in(w.clerk)
    window_find(c, rep)
    assert window_enterprise(c, w.company.credit_code, rep.name).status_code == 302
    start = c.get("/workbench/window/apply/")
    assert w.company.name in start.content.decode()
    listed = {i.item_code for i in start.context["items"]}
    assert w.items["enterprise_only"].item_code in listed and w.items["persons_only"].item_code not in listed
    item = w.items["license_for_enterprises"]
    r = c.post(f"/workbench/window/apply/{item.item_code}/", window_form(accept_now="1"))
    assert r.status_code == 302, r.context and r.context.get("problem_list")
    case = Case.objects.get()
    assert case.enterprise == w.company and case.person == rep and case.applicant_name == w.company.name
    assert case.channel == Channel.WINDOW and case.submitted_by == w.clerk and case.state == State.IN_PROGRESS
    ev = CaseEvent.objects.get(case=case, action="submit")
    assert ev.on_behalf_of == rep.name and ev.role == Role.WINDOW_CLERK and ev.organisation_id == w.org.pk
    assert ev.data["capacity"] == capacity and ev.data["enterprise"] == w.company.credit_code


def test_the_window_checks_the_person_and_the_enterprise(w):
    c = signed_in(w.clerk)
    window_find(c, w.wang)
    r = window_enterprise(c, w.company.credit_code, "王六")
    assert r.status_code == 400 and "name" in r.context["errors"]
    r = window_enterprise(c, w.company.credit_code, "王五")  # an agent, but without the apply permission
    assert r.status_code == 400 and "credit_code" in r.context["errors"]
    r = window_enterprise(c, "91340300MA2N00000X", "王五")
    assert r.status_code == 400 and "credit_code" in r.context["errors"]
    assert c.session.get("window_enterprise") is None


def test_the_window_refuses_what_the_command_refuses_and_writes_nothing(w):
    c = signed_in(w.clerk)
    window_find(c, w.zhao)
    assert window_enterprise(c, w.company.credit_code, "赵六").status_code == 302
    # A person-only item for an enterprise: explained before the form is filled, and refused on submission.
    url = f"/workbench/window/apply/{w.items['persons_only'].item_code}/"
    page = c.get(url)
    assert page.status_code == 200 and page.context["problem_codes"] == ["not_for_enterprises"]
    before = written()
    r = c.post(url, window_form())
    assert r.status_code == 400 and r.context["problem_codes"] == ["not_for_enterprises"]
    # The authorisation revoked after the enterprise was chosen: refused on submission.
    agent = w.zhao.agencies.get(enterprise=w.company)
    revoke_agent(agent, w.li.user)
    r = c.post(f"/workbench/window/apply/{w.items['open'].item_code}/", window_form())
    assert r.status_code == 400 and r.context["problem_codes"] == ["not_agent"]
    assert written() == before


def test_the_window_takes_items_not_open_online_and_raises_the_level_by_a_counter_check(w):
    c = signed_in(w.clerk)
    window_find(c, w.zhang)
    r = c.post(f"/workbench/window/apply/{w.items['depth_one'].item_code}/", window_form("w-1"))
    assert r.status_code == 302
    url = f"/workbench/window/apply/{w.items['level_three'].item_code}/"
    window_find(c, w.zhang)
    before = written()
    r = c.post(url, window_form("w-2"))
    assert r.status_code == 400 and r.context["problem_codes"] == ["level_too_low"]
    # A counter check with a form problem: nothing is kept, not even the check.
    r = c.post(url, window_form("w-2", contact_phone="12", document_checked="1"))
    assert r.status_code == 400 and "contact_phone" in r.context["errors"]
    assert written() == before
    r = c.post(url, window_form("w-2", document_checked="1"))
    assert r.status_code == 302
    w.zhang.refresh_from_db()
    assert w.zhang.level == 3 and Verification.objects.filter(person=w.zhang, method="counter").count() == 1


# --- idempotency: one scope rule across channels -----------------------------------------------------------------


def test_one_key_one_case_per_account_whichever_door(w):
    item = w.items["open"]
    me = signed_in(w.zhang.user)
    page = me.post(
        reverse("cases:apply", args=[item.item_code]),
        {"idempotency_key": "same-key", "action": "submit", "contact_phone": "13912345678"},
    )
    assert page.status_code == 302
    case = Case.objects.get()
    assert case.idempotency_scope == f"u:{w.zhang.user.pk}"
    again = api_post(me, {"item_code": item.item_code, "form_data": {"contact_phone": "13912345678"}}, "same-key")
    assert again.status_code == 200 and again.json()["case_number"] == case.case_number
    # Another account's key, the window clerk's and two machine clients' are theirs: each makes its own case.
    other = api_post(
        signed_in(w.li.user), {"item_code": item.item_code, "form_data": {"contact_phone": "13912345678"}}, "same-key"
    )
    assert other.status_code == 201
    clerk = signed_in(w.clerk)
    window_find(clerk, w.zhang)
    assert clerk.post(f"/workbench/window/apply/{item.item_code}/", window_form("same-key")).status_code == 302
    window_find(clerk, w.zhang)
    assert clerk.post(f"/workbench/window/apply/{item.item_code}/", window_form("same-key")).status_code == 302
    applicant = {"name": "张三", "doc_type": "resident_id", "doc_number": w.zhang.doc_number}
    body = {"item_code": item.item_code, "applicant": applicant, "form_data": {"contact_phone": "13912345678"}}
    one, _c1 = token_client(w.org)
    two, _c2 = token_client(w.org)
    assert [api_post(one, body, "same-key").status_code, api_post(one, body, "same-key").status_code] == [201, 200]
    assert api_post(two, body, "same-key").status_code == 201
    scopes = sorted(Case.objects.values_list("idempotency_scope", flat=True))
    assert len(scopes) == len(set(scopes)) == 5


def test_a_retry_after_the_item_was_withdrawn_returns_the_first_case(w):
    item = w.items["open"]
    me = signed_in(w.zhang.user)
    body = {"item_code": item.item_code, "form_data": {"contact_phone": "13912345678"}}
    first = api_post(me, body, "retry")
    catalog.retire(item)
    again = api_post(me, body, "retry")
    assert (first.status_code, again.status_code) == (201, 200)
    assert api_post(me, body, "fresh").json()["detail"][0]["code"] == "unknown_item"


# --- transitions: one function, the same Who from the page and the API ------------------------------------------


def _submitted(w) -> Case:
    body = {"item_code": w.items["open"].item_code, "form_data": {"contact_phone": "13912345678"}}
    r = api_post(signed_in(w.zhang.user), body, uuid.uuid4().hex)
    assert r.status_code == 201, r.content
    return Case.objects.get(case_number=r.json()["case_number"])


@pytest.mark.parametrize("door", ["page", "api"])
def test_accepting_records_the_same_who_through_either_door(w, door):
    case = _submitted(w)
    c = signed_in(w.clerk)
    if door == "page":
        r = c.post(f"/workbench/cases/{case.case_number}/accept/", {"revision": case.revision})
        assert r.status_code == 302
    else:
        r = c.post(f"{API}{case.case_number}/accept", {}, content_type="application/json")
        assert r.status_code == 200
    ev = CaseEvent.objects.get(case=case, action="accept")
    assert (ev.actor, ev.actor_name, ev.role, ev.organisation_id, ev.channel) == (
        w.clerk,
        "窗口",
        Role.WINDOW_CLERK,
        w.org.pk,
        Channel.WINDOW,
    )


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_refused_transition_is_refused_by_the_same_policy_through_either_door(w, door):
    case = _submitted(w)
    c = signed_in(w.zhang.user)  # the applicant sees the case but may not accept it
    if door == "page":
        r = c.post(f"/workbench/cases/{case.case_number}/accept/", {"revision": case.revision})
    else:
        r = c.post(f"{API}{case.case_number}/accept", {}, content_type="application/json")
    assert r.status_code == 403
    with pytest.raises(actions.NotAllowed):
        actions.accept(actions.Caller.for_user(w.zhang.user), case)
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED


@pytest.mark.parametrize("door", ["page", "api"])
def test_the_applicant_withdraws_as_the_applicant_through_either_door(w, door):
    case = _submitted(w)
    me = signed_in(w.zhang.user)
    if door == "page":
        r = me.post(reverse("cases:withdraw", args=[case.case_number]), {"reason": "不需要了"})
        assert r.status_code == 302
    else:
        r = me.post(f"{API}{case.case_number}/withdraw", {"note": "不需要了"}, content_type="application/json")
        assert r.status_code == 200
    ev = CaseEvent.objects.get(case=case, action="withdraw")
    assert (ev.actor, ev.role, ev.actor_name, ev.channel) == (w.zhang.user, "applicant", "张三", Channel.PORTAL)
    # Someone else's withdrawal is refused by the same rule (the case is out of their reach: not found).
    other = _submitted(w)
    assert signed_in(w.li.user).post(reverse("cases:withdraw", args=[other.case_number])).status_code == 404
    with pytest.raises(actions.NotAllowed):
        actions.withdraw(actions.Caller.for_user(w.li.user), other)


def test_the_guide_lists_the_audience_the_door_accepts(w):
    """An item whose license only a legal person holds: its guide never lists 自然人, the search's person filter
    leaves it out, and the door refuses a natural person (catalog.audience is the one rule)."""
    from yiwang.catalog.searching import Filters, search
    from yiwang.catalog.searching.indexer import rebuild_index

    item = w.items["license_for_enterprises"]
    guide = Client().get(reverse("catalog:guide", args=[item.item_code])).content.decode()
    start = guide.index("服务对象") if "服务对象" in guide else guide.index("Service object")
    objects = guide[start : start + 200]
    assert ("法人" in objects or "Legal persons" in objects) and "自然人" not in objects
    assert "Natural persons" not in objects
    rebuild_index()
    codes = {h.entry.item_code for h in search("", Filters(audience="person"), page_size=50, group=False).hits}
    assert item.item_code not in codes and w.items["open"].item_code in codes
    refused = signed_in(w.zhang.user).get(reverse("cases:apply", args=[item.item_code]))
    assert refused.status_code == 403
