"""My Space pages through the Django test client: who sees what, uploads, switches, agents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, person
from tests.identity.test_space_fixtures import (  # noqa: F401
    EXE,
    PDF,
    PNG,
    fixture_clerk_agent,
    fixture_company,
    fixture_owner,
    fixture_rep,
    fixture_stranger,
    fixture_viewer_agent,
    make_agent,
    signed_in,
)
from yiwang.identity import services, space
from yiwang.identity.models import Agent, AgentPermission, DataUse, ReusableMaterial, ReuseCategory

pytestmark = pytest.mark.django_db

MY = "/my/"


def upload(client, content=PDF, name="scan.pdf", title="户口簿首页", url=MY + "materials/", **extra):
    data = {"title": title, "file": SimpleUploadedFile(name, content), "reusable": "on", **extra}
    return client.post(url, data)


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(MY)
    assert response.status_code == 302
    assert "next=/my/" in response["Location"]


def test_owner_sees_own_space_masked_and_never_full_values(owner):
    response = signed_in(owner).get(MY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的空间" in html
    assert owner.masked_doc_number in html and owner.doc_number not in html
    assert owner.masked_phone in html and owner.phone not in html
    assert "东海大道" not in html and "张三丰" not in html
    assert "no-store" in response["Cache-Control"]
    for anchor in ('id="profile"', 'id="level"', 'id="materials"', 'id="consents"', 'id="uses"'):
        assert anchor in html
    assert "显示完整" in html


def test_show_full_value_for_oneself_only_for_that_field(owner):
    client = signed_in(owner)
    response = client.post(MY + "reveal/", {"field": "doc_number"})
    html = response.content.decode()
    assert response.status_code == 200 and owner.doc_number in html
    assert owner.phone not in html and "no-store" in response["Cache-Control"]
    # the subject seeing their own data is not a staff view: nothing asked, nothing logged as PiiAccess
    from yiwang.identity.models import PiiAccess

    assert not PiiAccess.objects.exists()
    bad = client.post(MY + "reveal/", {"field": "doc_number_hash"})
    assert bad.status_code == 400 and owner.doc_number_hash not in bad.content.decode()


def test_staff_account_without_person_gets_an_explanation():
    user = UserFactory(is_staff=True)
    client = Client()
    client.force_login(user)
    response = client.get(MY)
    assert response.status_code == 200
    assert "没有个人身份" in response.content.decode()


def test_level_section_says_what_it_allows_and_how_to_go_higher(owner):
    services.raise_level(person=owner, level=2)
    html = signed_in(owner).get(MY).content.decode()
    assert "等级 2" in html or "2 级" in html
    assert "窗口" in html  # level 3 is done in person at a service hall window


def test_upload_list_download_edit_delete(owner):
    client = signed_in(owner)
    response = upload(client, valid_until="2031-06-30")
    assert response.status_code == 302
    m = ReusableMaterial.objects.get()
    assert (m.person, m.enterprise, m.content_type, m.valid_until) == (
        owner,
        None,
        "application/pdf",
        dt.date(2031, 6, 30),
    )
    html = client.get(MY).content.decode()
    assert "户口簿首页" in html and reverse("identity:material_file", args=[m.pk]) in html

    file = client.get(reverse("identity:material_file", args=[m.pk]))
    assert file.status_code == 200 and b"".join(file.streaming_content) == PDF
    assert file["Content-Type"] == "application/pdf" and file["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in file["Content-Disposition"]

    assert client.post(reverse("identity:material_edit", args=[m.pk]), {"valid_until": ""}).status_code == 302
    m.refresh_from_db()
    assert (m.reusable, m.valid_until) == (False, None)

    assert client.post(reverse("identity:material_delete", args=[m.pk])).status_code == 302
    m.refresh_from_db()
    assert m.deleted_at is not None
    assert client.get(reverse("identity:material_file", args=[m.pk])).status_code == 404
    assert "户口簿首页" not in client.get(MY).content.decode()


def test_executable_named_pdf_is_refused_with_a_field_error_and_nothing_stored(owner):
    response = upload(signed_in(owner), content=EXE, name="营业执照.pdf")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="upload-file-error"' in html and "PDF、JPEG、PNG 或 OFD" in html
    assert 'value="户口簿首页"' in html  # what was typed is kept
    assert not ReusableMaterial.objects.exists()


def test_oversize_upload_is_refused(owner):
    big = PDF + b"0" * (space.MAX_MATERIAL_BYTES + 10)
    response = upload(signed_in(owner), content=big)
    assert response.status_code == 400
    assert "10 MB" in response.content.decode()
    assert not ReusableMaterial.objects.exists()


def test_missing_title_and_file_are_field_errors(owner):
    response = signed_in(owner).post(MY + "materials/", {"title": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="upload-title-error"' in html and 'id="upload-file-error"' in html


def test_another_person_guessing_a_material_id_gets_404_like_a_missing_one(owner, stranger):
    upload(signed_in(owner))
    m = ReusableMaterial.objects.get()
    client = signed_in(stranger)
    missing = m.pk + 1000
    for pk in (m.pk, missing):
        assert client.get(reverse("identity:material_file", args=[pk])).status_code == 404
        assert client.post(reverse("identity:material_edit", args=[pk]), {"reusable": "on"}).status_code == 404
        assert client.post(reverse("identity:material_delete", args=[pk])).status_code == 404
    m.refresh_from_db()
    assert m.deleted_at is None and m.reusable


def test_consent_switches_are_saved(owner):
    client = signed_in(owner)
    response = client.post(MY + "consents/", {"allowed": ["materials", "licenses"]})
    assert response.status_code == 302
    assert not services.reuse_allowed(ReuseCategory.PROFILE, person=owner)
    assert services.reuse_allowed(ReuseCategory.MATERIALS, person=owner)
    assert client.post(MY + "consents/", {"allowed": ["bogus"]}).status_code == 400
    assert not services.reuse_allowed(ReuseCategory.PROFILE, person=owner)


def test_every_use_is_listed_newest_first_and_paged(owner):
    base = timezone.now()
    for i in range(25):
        DataUse.objects.create(
            person=owner,
            category="profile",
            what=f"字段{i:02d}",
            used_by="蚌埠市人社局",
            purpose="申请",
            at=base + dt.timedelta(minutes=i),
        )
    client = signed_in(owner)
    first = client.get(MY).content.decode()
    assert "字段24" in first and "字段05" in first and "字段04" not in first
    assert first.index("字段24") < first.index("字段23")
    second = client.get(MY + "?uses_page=2").content.decode()
    assert "字段04" in second and "字段00" in second and "字段24" not in second


def test_switcher_offers_enterprises_and_keeps_the_choice_in_the_session(rep, company):
    client = signed_in(rep)
    html = client.get(MY).content.decode()
    assert company.name in html and 'name="enterprise"' in html
    response = client.post(MY + "acting-for/", {"enterprise": company.pk})
    assert response.status_code == 302 and response["Location"] == reverse(
        "identity:enterprise_space", args=[company.pk]
    )
    assert client.session["acting_for"] == company.pk
    client.post(MY + "acting-for/", {"enterprise": ""})
    assert "acting_for" not in client.session


def test_switcher_refuses_an_enterprise_one_does_not_act_for(stranger, company):
    client = signed_in(stranger)
    client.post(MY + "acting-for/", {"enterprise": company.pk})
    assert "acting_for" not in client.session
    assert company.name not in client.get(MY).content.decode()


def test_revoked_agent_loses_the_acting_choice_and_the_space_at_once(company, clerk_agent):
    client = signed_in(clerk_agent)
    client.post(MY + "acting-for/", {"enterprise": company.pk})
    assert client.session["acting_for"] == company.pk
    url = reverse("identity:enterprise_space", args=[company.pk])
    assert client.get(url).status_code == 200
    services.revoke_agent(Agent.objects.get(person=clerk_agent), company.legal_rep.user)
    assert client.get(url).status_code == 404
    client.get(MY)
    assert "acting_for" not in client.session


def test_expired_agent_has_no_access(company):
    p = person("过期")
    agent = make_agent(company, p, [AgentPermission.MATERIALS])
    Agent.objects.filter(pk=agent.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert signed_in(p).get(reverse("identity:enterprise_space", args=[company.pk])).status_code == 404


def test_enterprise_space_is_404_for_others_and_for_missing_ids(company, stranger):
    client = signed_in(stranger)
    assert client.get(reverse("identity:enterprise_space", args=[company.pk])).status_code == 404
    assert client.get(reverse("identity:enterprise_space", args=[company.pk + 999])).status_code == 404


def test_legal_rep_sees_everything_on_the_enterprise_space(rep, company, clerk_agent):
    html = signed_in(rep).get(reverse("identity:enterprise_space", args=[company.pk])).content.decode()
    assert company.credit_code in html
    for anchor in ('id="materials"', 'id="agents"', 'id="consents"', 'id="uses"'):
        assert anchor in html
    assert "王*" in html  # the agent, masked
    assert "法定代表人" in html


def test_agent_without_materials_permission_sees_profile_only(company, viewer_agent):
    client = signed_in(viewer_agent)
    html = client.get(reverse("identity:enterprise_space", args=[company.pk])).content.decode()
    assert company.credit_code in html
    assert 'id="materials"' not in html and 'id="agents"' not in html
    url = reverse("identity:enterprise_material_upload", args=[company.pk])
    assert upload(client, url=url).status_code == 404
    assert not ReusableMaterial.objects.exists()


def test_agent_with_materials_permission_uploads_and_downloads_enterprise_materials(
    company, clerk_agent, viewer_agent, rep
):
    client = signed_in(clerk_agent)
    url = reverse("identity:enterprise_material_upload", args=[company.pk])
    assert upload(client, content=PNG, name="licence.png", title="营业执照副本", url=url).status_code == 302
    m = ReusableMaterial.objects.get()
    assert (m.enterprise, m.person, m.uploaded_by) == (company, None, clerk_agent.user)
    file_url = reverse("identity:material_file", args=[m.pk])
    assert client.get(file_url).status_code == 200
    assert signed_in(rep).get(file_url).status_code == 200
    assert signed_in(viewer_agent).get(file_url).status_code == 404
    # not in the agent's own space
    assert "营业执照副本" not in client.get(MY).content.decode()
    # agents without manage_agents see no agent management and cannot grant
    grant = reverse("identity:agent_grant", args=[company.pk])
    assert (
        client.post(grant, {"doc_type": "resident_id", "doc_number": "x", "permissions": ["apply"]}).status_code == 404
    )


def test_legal_rep_grants_an_agent_by_exact_document_and_revokes(rep, company):
    newcomer = person("周八")
    client = signed_in(rep)
    url = reverse("identity:agent_grant", args=[company.pk])
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        url,
        {
            "doc_type": "resident_id",
            "doc_number": newcomer.doc_number.lower(),
            "permissions": ["apply", "view_cases"],
            "valid_until": until,
        },
    )
    assert response.status_code == 302
    agent = Agent.objects.get(person=newcomer)
    assert agent.permissions == ["apply", "view_cases"] and agent.valid_until.isoformat() == until
    assert signed_in(newcomer).get(reverse("identity:enterprise_space", args=[company.pk])).status_code == 200

    revoke = reverse("identity:agent_revoke", args=[company.pk, agent.pk])
    assert client.post(revoke).status_code == 302
    agent.refresh_from_db()
    assert agent.revoked_at is not None
    assert signed_in(newcomer).get(reverse("identity:enterprise_space", args=[company.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"doc_type": "resident_id", "doc_number": "34030219900101123", "permissions": ["apply"]}, "doc_number"),
        ({"doc_type": "resident_id", "doc_number": "340302199001011230", "permissions": ["apply"]}, "doc_number"),
        ({"doc_type": "martian_id", "doc_number": "1", "permissions": ["apply"]}, "doc_type"),
        ({"doc_type": "resident_id", "doc_number": "", "permissions": ["apply"]}, "doc_number"),
        ({"doc_type": "resident_id", "doc_number": "UNKNOWN", "permissions": []}, "permissions"),
        (
            {"doc_type": "resident_id", "doc_number": "UNKNOWN", "permissions": ["apply"], "valid_until": "2020-01-01"},
            "valid_until",
        ),
        (
            {"doc_type": "resident_id", "doc_number": "UNKNOWN", "permissions": ["apply"], "valid_until": "明天"},
            "valid_until",
        ),
    ],
)
def test_grant_bad_input_is_a_field_error_and_nothing_written(rep, company, data, field):
    if data["doc_number"] == "UNKNOWN":
        data = {**data, "doc_number": person("吴九").doc_number}
    response = signed_in(rep).post(reverse("identity:agent_grant", args=[company.pk]), data)
    assert response.status_code == 400
    ids = {"doc_number": "grant-doc-number", "doc_type": "grant-doc-type", "permissions": "grant-permissions"}
    assert f'id="{ids.get(field, "grant-valid")}-error"' in response.content.decode()
    assert not Agent.objects.exists()


def test_grant_to_an_unregistered_number_says_so_without_listing_anyone(rep, company):
    from tests.factories import citizen_id

    response = signed_in(rep).post(
        reverse("identity:agent_grant", args=[company.pk]),
        {"doc_type": "resident_id", "doc_number": citizen_id(), "permissions": ["apply"]},
    )
    assert response.status_code == 400
    assert "先注册" in response.content.decode()
    assert not Agent.objects.exists()


def test_an_agent_with_manage_agents_cannot_grant_more_than_they_hold(company):
    manager = person("郑十")
    make_agent(company, manager, [AgentPermission.MANAGE_AGENTS, AgentPermission.APPLY])
    target = person("冯十一")
    client = signed_in(manager)
    url = reverse("identity:agent_grant", args=[company.pk])
    bad = client.post(
        url, {"doc_type": "resident_id", "doc_number": target.doc_number, "permissions": ["apply", "materials"]}
    )
    assert bad.status_code == 400 and 'id="grant-permissions-error"' in bad.content.decode()
    ok = client.post(url, {"doc_type": "resident_id", "doc_number": target.doc_number, "permissions": ["apply"]})
    assert ok.status_code == 302
    assert Agent.objects.get(person=target).permissions == ["apply"]


def test_revoking_an_agent_of_another_enterprise_is_404(rep, company):
    other_rep = person("陈十二")
    from tests.factories import enterprise

    other = enterprise("别家公司", legal_rep=other_rep)
    outsider = make_agent(other, person("褚十三"), [AgentPermission.APPLY])
    response = signed_in(rep).post(reverse("identity:agent_revoke", args=[company.pk, outsider.pk]))
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.revoked_at is None


def test_registered_panels_appear_on_the_page(owner, settings, tmp_path):
    template_dir = tmp_path / "templates"
    (template_dir / "testpanel").mkdir(parents=True)
    (template_dir / "testpanel" / "cases.html").write_text("<p>共 {{ panel.count }} 件</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [template_dir, *settings.TEMPLATES[0].get("DIRS", [])]}]
    space.register_panel(
        "test_cases", title="我的办件", template="testpanel/cases.html", context=lambda r, s: {"count": 3}
    )
    try:
        html = signed_in(owner).get(MY).content.decode()
    finally:
        space.unregister_panel("test_cases")
    assert "我的办件" in html and "共 3 件" in html and 'href="#panel-test_cases"' in html


def test_english_page(owner):
    client = signed_in(owner)
    client.cookies["django_language"] = "en"
    html = client.get(MY).content.decode()
    assert "My Space" in html and "Stored materials" in html


def test_enterprise_panels_follow_the_permission_they_declare(company, viewer_agent, clerk_agent, settings, tmp_path):
    template_dir = tmp_path / "templates"
    (template_dir / "testpanel").mkdir(parents=True)
    (template_dir / "testpanel" / "lic.html").write_text("<p>证照 {{ subject.credit_code }}</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [template_dir]}]
    space.register_panel(
        "test_lic",
        title="企业证照",
        template="testpanel/lic.html",
        context=lambda r, s: {},
        subjects=["enterprise"],
        permission=AgentPermission.MATERIALS,
    )
    url = reverse("identity:enterprise_space", args=[company.pk])
    try:
        shown = signed_in(clerk_agent).get(url).content.decode()
        hidden = signed_in(viewer_agent).get(url).content.decode()
    finally:
        space.unregister_panel("test_lic")
    assert f"证照 {company.credit_code}" in shown
    assert "企业证照" not in hidden
