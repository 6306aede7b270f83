"""My Space over the API: the same rules as the pages, 404 for anything out of reach, every reuse recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.factories import citizen_id, person
from tests.identity.test_space_fixtures import (  # noqa: F401
    EXE,
    JPEG,
    PDF,
    fixture_clerk_agent,
    fixture_company,
    fixture_owner,
    fixture_rep,
    fixture_stranger,
    fixture_viewer_agent,
    make_agent,
    signed_in,
)
from yiwang.identity import services
from yiwang.identity.models import Agent, AgentPermission, DataUse, ReusableMaterial, ReuseCategory

pytestmark = pytest.mark.django_db

API = "/api/v1/identity"


def post_file(client, content=PDF, name="scan.pdf", **data):
    data.setdefault("title", "户口簿首页")
    return client.post(f"{API}/me/materials", {"file": SimpleUploadedFile(name, content), **data})


def fields_of(response) -> set[str]:
    return {p["field"] for p in response.json()["detail"]}


def test_every_endpoint_needs_a_signed_in_session():
    c = Client()
    for method, url in [
        ("get", "/me/space"),
        ("get", "/me/materials"),
        ("get", "/me/materials/1/file"),
        ("delete", "/me/materials/1"),
        ("get", "/me/uses"),
        ("get", "/enterprises/1/agents"),
    ]:
        assert getattr(c, method)(API + url).status_code == 401, url
    assert (
        c.post(f"{API}/me/prefill", {"fields": ["name"], "purpose": "x"}, content_type="application/json").status_code
        == 401
    )


def test_space_summary_is_masked_with_consents_counts_and_enterprises(owner, rep, company):
    body = signed_in(owner).get(f"{API}/me/space").json()
    assert body["profile"]["doc_number"] == owner.masked_doc_number
    assert owner.doc_number not in str(body) and owner.phone not in str(body)
    assert {c["category"] for c in body["consents"]} == set(ReuseCategory.values)
    assert body["counts"] == {"materials": 0, "reusable_materials": 0, "uses": 0}
    assert body["enterprises"] == [] and body["acting_for"] is None
    rep_body = signed_in(rep).get(f"{API}/me/space").json()
    assert rep_body["enterprises"][0]["id"] == company.pk
    assert set(rep_body["enterprises"][0]["permissions"]) == set(AgentPermission.values)


def test_reveal_own_full_value(owner):
    c = signed_in(owner)
    r = c.post(f"{API}/me/reveal", {"field": "phone"}, content_type="application/json")
    assert r.json() == {"field": "phone", "value": owner.phone}
    assert c.post(f"{API}/me/reveal", {"field": "doc_number_hash"}, content_type="application/json").status_code == 400


def test_material_lifecycle(owner):
    c = signed_in(owner)
    r = post_file(c, content=JPEG, name="photo.jpeg", valid_until="2030-12-31", reusable="false")
    assert r.status_code == 201, r.content
    m = r.json()
    assert (m["content_type"], m["reusable"], m["valid_until"], m["enterprise"]) == (
        "image/jpeg",
        False,
        "2030-12-31",
        None,
    )
    assert [x["id"] for x in c.get(f"{API}/me/materials").json()] == [m["id"]]
    file = c.get(m["file"])
    assert file.status_code == 200 and b"".join(file.streaming_content) == JPEG
    patched = c.patch(
        f"{API}/me/materials/{m['id']}", {"reusable": True, "valid_until": None}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["reusable"] is True and patched.json()["valid_until"] is None
    assert c.get(f"{API}/me/space").json()["counts"]["reusable_materials"] == 1
    assert c.delete(f"{API}/me/materials/{m['id']}").status_code == 204
    assert c.get(f"{API}/me/materials").json() == []
    assert c.get(m["file"]).status_code == 404
    assert ReusableMaterial.objects.get().deleted_at is not None


def test_executable_named_pdf_is_a_field_error_and_nothing_stored(owner):
    r = post_file(signed_in(owner), content=EXE, name="report.pdf")
    assert r.status_code == 400 and fields_of(r) == {"file"}
    problem = r.json()["detail"][0]
    assert problem["code"] == "type" and "PDF" in problem["message_en"]
    assert not ReusableMaterial.objects.exists()


def test_oversize_and_bad_fields_are_reported_together(owner):
    from yiwang.identity import space

    big = PDF + b"0" * space.MAX_MATERIAL_BYTES
    r = post_file(signed_in(owner), content=big, title="", valid_until="31/12/2030")
    assert r.status_code == 400
    assert fields_of(r) == {"file", "title", "valid_until"}
    assert not ReusableMaterial.objects.exists()


def test_patch_with_a_bad_title_changes_nothing(owner):
    c = signed_in(owner)
    mid = post_file(c).json()["id"]
    r = c.patch(f"{API}/me/materials/{mid}", {"title": "", "reusable": False}, content_type="application/json")
    assert r.status_code == 400 and fields_of(r) == {"title"}
    assert ReusableMaterial.objects.get().reusable is True


def test_guessing_another_persons_material_is_404_like_missing(owner, stranger):
    mid = post_file(signed_in(owner)).json()["id"]
    c = signed_in(stranger)
    for pk in (mid, mid + 999):
        responses = [
            c.get(f"{API}/me/materials/{pk}/file"),
            c.patch(f"{API}/me/materials/{pk}", {"reusable": False}, content_type="application/json"),
            c.delete(f"{API}/me/materials/{pk}"),
        ]
        assert [r.status_code for r in responses] == [404, 404, 404]
        assert responses[0].json() == c.get(f"{API}/me/materials/{mid + 999}/file").json()
    assert ReusableMaterial.objects.get().deleted_at is None


def test_consent_switch_and_prefill(owner):
    c = signed_in(owner)
    r = c.post(
        f"{API}/me/prefill",
        {"fields": ["name", "doc_number"], "purpose": "食品经营许可申请"},
        content_type="application/json",
    )
    assert r.json() == {"values": {"name": owner.name, "doc_number": owner.doc_number}}
    assert DataUse.objects.count() == 1

    off = c.put(f"{API}/me/consents/profile", {"allowed": False}, content_type="application/json")
    assert off.status_code == 200 and off.json()["allowed"] is False
    r = c.post(f"{API}/me/prefill", {"fields": ["name"], "purpose": "再次申请"}, content_type="application/json")
    assert r.json() == {"values": {}}
    assert DataUse.objects.count() == 1

    uses = c.get(f"{API}/me/uses").json()
    assert uses["count"] == 1 and uses["items"][0]["what"] == "name, doc_number"
    assert uses["items"][0]["purpose"] == "食品经营许可申请"


def test_bad_consent_category_and_bad_prefill_fields(owner):
    c = signed_in(owner)
    assert (
        c.put(f"{API}/me/consents/everything", {"allowed": False}, content_type="application/json").status_code == 400
    )
    r = c.post(f"{API}/me/prefill", {"fields": ["password_hash"], "purpose": ""}, content_type="application/json")
    assert r.status_code == 400 and fields_of(r) == {"fields", "purpose"}
    assert not DataUse.objects.exists()


def test_uses_are_paged_newest_first(owner):
    base = timezone.now()
    for i in range(23):
        DataUse.objects.create(
            person=owner, category="profile", what=f"w{i}", used_by="u", purpose="p", at=base + dt.timedelta(seconds=i)
        )
    c = signed_in(owner)
    first = c.get(f"{API}/me/uses").json()
    assert first["count"] == 23 and len(first["items"]) == 20 and first["items"][0]["what"] == "w22"
    assert [u["what"] for u in c.get(f"{API}/me/uses?page=2").json()["items"]] == ["w2", "w1", "w0"]


def test_enterprise_materials_and_prefill_follow_agent_permissions(company, clerk_agent, viewer_agent):
    c = signed_in(clerk_agent)
    r = post_file(c, enterprise=str(company.pk), title="营业执照副本")
    assert r.status_code == 201 and r.json()["enterprise"] == company.pk
    assert len(c.get(f"{API}/me/materials?enterprise={company.pk}").json()) == 1
    assert c.get(f"{API}/me/materials").json() == []  # the agent's own list is separate
    pre = c.post(
        f"{API}/me/prefill",
        {"fields": ["name", "credit_code"], "purpose": "开办", "enterprise": company.pk},
        content_type="application/json",
    )
    assert pre.json()["values"] == {"name": company.name, "credit_code": company.credit_code}
    use = DataUse.objects.get()
    assert use.enterprise == company and use.used_by == clerk_agent.masked_name

    v = signed_in(viewer_agent)
    assert v.get(f"{API}/me/materials?enterprise={company.pk}").status_code == 404
    assert post_file(v, enterprise=str(company.pk)).status_code == 404
    assert v.get(r.json()["file"]).status_code == 404
    assert (
        v.post(
            f"{API}/me/prefill",
            {"fields": ["name"], "purpose": "x", "enterprise": company.pk},
            content_type="application/json",
        ).status_code
        == 404
    )
    # uses and consents of the enterprise are for those who manage it
    assert c.get(f"{API}/me/uses?enterprise={company.pk}").status_code == 404
    assert (
        c.put(
            f"{API}/me/consents/profile?enterprise={company.pk}", {"allowed": False}, content_type="application/json"
        ).status_code
        == 404
    )


def test_agents_list_grant_and_revoke(rep, company, clerk_agent):
    c = signed_in(rep)
    listed = c.get(f"{API}/enterprises/{company.pk}/agents").json()
    assert [a["person_name"] for a in listed] == [clerk_agent.masked_name]
    assert clerk_agent.doc_number not in str(listed)

    newcomer = person("周八")
    until = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    r = c.post(
        f"{API}/enterprises/{company.pk}/agents",
        {"doc_type": "resident_id", "doc_number": newcomer.doc_number, "permissions": ["apply"], "valid_until": until},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["active"] is True and r.json()["valid_until"] == until
    agent_id = r.json()["id"]
    n = signed_in(newcomer)
    assert n.get(f"{API}/me/space").json()["enterprises"][0]["id"] == company.pk

    d = c.delete(f"{API}/enterprises/{company.pk}/agents/{agent_id}")
    assert d.status_code == 200 and d.json()["active"] is False
    assert n.get(f"{API}/me/space").json()["enterprises"] == []
    assert c.delete(f"{API}/enterprises/{company.pk}/agents/{agent_id + 999}").status_code == 404


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"doc_type": "resident_id", "doc_number": "12345", "permissions": ["apply"]}, {"doc_number"}),
        ({"doc_type": "resident_id", "doc_number": "NEW", "permissions": ["apply"]}, {"doc_number"}),
        ({"doc_type": "nope", "doc_number": "x", "permissions": ["apply"]}, {"doc_type"}),
        ({"doc_type": "resident_id", "doc_number": "REG", "permissions": ["fly"]}, {"permissions"}),
        ({"doc_type": "resident_id", "doc_number": "REG", "permissions": []}, {"permissions"}),
        (
            {"doc_type": "resident_id", "doc_number": "REG", "permissions": ["apply"], "valid_until": "2001-01-01"},
            {"valid_until"},
        ),
    ],
)
def test_grant_refusals_are_field_errors(rep, company, payload, fields):
    if payload["doc_number"] == "NEW":
        payload = {**payload, "doc_number": citizen_id()}
    if payload["doc_number"] == "REG":
        payload = {**payload, "doc_number": person("吴九").doc_number}
    r = signed_in(rep).post(f"{API}/enterprises/{company.pk}/agents", payload, content_type="application/json")
    assert r.status_code == 400 and fields_of(r) == fields
    assert not Agent.objects.exists()


def test_agent_management_is_404_for_agents_without_the_permission_and_strangers(company, clerk_agent, stranger):
    for p in (clerk_agent, stranger):
        c = signed_in(p)
        assert c.get(f"{API}/enterprises/{company.pk}/agents").status_code == 404
        r = c.post(
            f"{API}/enterprises/{company.pk}/agents",
            {"doc_type": "resident_id", "doc_number": stranger.doc_number, "permissions": ["apply"]},
            content_type="application/json",
        )
        assert r.status_code == 404
    assert Agent.objects.filter(person=stranger).count() == 0


def test_revoked_and_expired_agents_lose_api_access_immediately(company, clerk_agent):
    c = signed_in(clerk_agent)
    url = f"{API}/me/materials?enterprise={company.pk}"
    assert c.get(url).status_code == 200
    agent = Agent.objects.get(person=clerk_agent)
    Agent.objects.filter(pk=agent.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert c.get(url).status_code == 404
    Agent.objects.filter(pk=agent.pk).update(valid_until=None)
    assert c.get(url).status_code == 200
    services.revoke_agent(agent, company.legal_rep.user)
    assert c.get(url).status_code == 404


def test_a_staff_account_without_a_person_has_no_space():
    from tests.factories import UserFactory

    c = Client()
    c.force_login(UserFactory(is_staff=True))
    assert c.get(f"{API}/me/space").status_code == 404
