"""Shared data instead of paper, through the apply page: the guide's promise (the department obtains it, with
consent) becomes a real fetch at submission when the department holds a grant (the case keeps the copy and the
call), logged with the case and shown in My Space; a failed fetch asks for an upload and writes nothing; forms are
prefilled from shared data."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.cases import apply_world
from tests.cases.apply_world import good_post
from tests.exchange import world as xworld
from tests.factories import material_data
from yiwang.cases.models import Case, CaseMaterial
from yiwang.catalog.models import ItemVersion
from yiwang.core.storage import private_storage
from yiwang.exchange import dataconnectors, query
from yiwang.exchange.models import CallDay, DataCall
from yiwang.identity import services as identity_services
from yiwang.identity.models import DataUse, ReuseCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hj():
    return xworld.hukou()


@pytest.fixture
def world(hj):
    resource, _service = hj
    w = apply_world.build(
        materials=[
            material_data(name="食品经营许可申请书"),
            material_data(name="经营场所平面图", form="original"),
            material_data(name="户口簿", source="shared", data_resource_code=resource.code),
        ]
    )
    w.hukou_material = w.version.materials.get(name="户口簿")
    return w


@pytest.fixture
def me(client, world):
    client.force_login(world.applicant.user)
    return client


def apply_url(world):
    return reverse("cases:apply", args=[world.item.item_code])


def shared_post(world, key="s-1", **overrides):
    m = world.hukou_material.pk
    return good_post(world, key=key, **{f"m{m}": "shared", f"m{m}-consent": "1", **overrides})


def test_without_a_grant_the_guide_promise_stands_and_nothing_is_fetched(me, world, hj):
    """No grant: the department obtains the data itself (the guide's promise, cases.drafts); no call is made."""
    resource, _service = hj
    xworld.keep(resource, world.applicant)
    html = me.get(apply_url(world)).content.decode()
    assert f'name="m{world.hukou_material.pk}" value="shared" checked' in html
    assert f'name="m{world.hukou_material.pk}" value="upload"' in html
    response = me.post(apply_url(world), shared_post(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    mat = CaseMaterial.objects.get(material_name="户口簿")
    assert mat.source == "shared" and mat.reference == resource.code and not mat.file
    assert not DataCall.objects.exists()


def test_fetched_with_consent_the_case_keeps_the_copy_and_the_call(me, world, hj):
    resource, _service = hj
    xworld.keep(resource, world.applicant)
    xworld.grant(resource, world.org, fields=["gmsfhm", "xm", "hjdz"])
    html = me.get(apply_url(world)).content.decode()
    assert f'name="m{world.hukou_material.pk}" value="shared"' in html and "户籍人口基本信息" in html

    # Without the consent box ticked: a problem on the material, nothing written, nothing called.
    m = world.hukou_material.pk
    refused = me.post(apply_url(world), good_post(world, key="s-0", **{f"m{m}": "shared"}))
    assert refused.status_code == 400 and not Case.objects.exists() and not DataCall.objects.exists()

    response = me.post(apply_url(world), shared_post(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    mat = CaseMaterial.objects.get(case=case, material_name="户口簿")
    assert mat.source == "shared" and mat.content_type == "application/json" and mat.sha256
    copy = json.loads(private_storage().open(mat.file.name).read())
    assert copy["resource"] == resource.code and copy["provider"] == "蚌埠市公安局"
    values = {f["name"]: f["value"] for f in copy["fields"]}
    assert values["xm"] == "张三" and "hh" not in values  # only the granted fields
    assert values["hjdz"] != "安徽省蚌埠市龙子湖区东海大道1号" and values["gmsfhm"] == world.applicant.doc_number
    call = DataCall.objects.get()
    assert mat.reference == f"{resource.code} · call {call.pk}" and copy["call"] == call.pk
    assert call.case_number == case.case_number and call.channel == "case" and call.status == "ok"
    assert call.consumer_id == world.org.pk and call.subject_hash == query.subject_hash(
        "person", world.applicant.doc_number
    )
    assert call.purpose == world.version.name and call.legal_basis  # the grant's legal basis
    assert CallDay.objects.get().calls == 1
    use = DataUse.objects.get(person=world.applicant, category=ReuseCategory.SHARED_DATA)
    assert use.case_number == case.case_number and use.what == "户籍人口基本信息"


def test_no_record_found_asks_for_an_upload_and_writes_nothing_but_the_call(me, world, hj):
    resource, _service = hj
    xworld.grant(resource, world.org)
    response = me.post(apply_url(world), shared_post(world))
    assert response.status_code == 400
    html = response.content.decode()
    assert "未能从共享数据获取" in html and "未查到记录" in html
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()
    call = DataCall.objects.get()
    assert call.status == "not_found" and call.case_number == ""


def test_a_failing_provider_asks_for_an_upload(me, world, hj, monkeypatch):
    resource, _service = hj
    xworld.keep(resource, world.applicant)
    xworld.grant(resource, world.org)

    def broken(*args, **kwargs):
        raise dataconnectors.ConnectorError("timeout")

    monkeypatch.setattr(dataconnectors.TableConnector, "fetch", broken)
    response = me.post(apply_url(world), shared_post(world))
    assert response.status_code == 400 and "提供部门未响应" in response.content.decode()
    assert not Case.objects.exists() and DataCall.objects.get().status == "failed"
    # The upload the message asks for goes through.
    m = world.hukou_material.pk
    ok = me.post(
        apply_url(world),
        good_post(world, key="s-2", **{f"m{m}": "upload", f"m{m}-file": apply_world.upload("户口簿.pdf")}),
    )
    assert ok.status_code == 302 and CaseMaterial.objects.get(material_name="户口簿").source == "upload"


def test_switched_off_in_my_space_is_not_offered(me, world, hj):
    resource, _service = hj
    xworld.keep(resource, world.applicant)
    xworld.grant(resource, world.org)
    identity_services.set_reuse(ReuseCategory.SHARED_DATA, False, person=world.applicant)
    html = me.get(apply_url(world)).content.decode()
    assert f'name="m{world.hukou_material.pk}" value="shared"' not in html and "关闭此类复用" in html


def test_a_grant_revoked_before_submission_is_not_used(me, world, hj):
    """Revoked between the page and the submission: nothing is fetched through it; the promise stands."""
    resource, _service = hj
    xworld.keep(resource, world.applicant)
    g = xworld.grant(resource, world.org)
    me.get(apply_url(world))
    g.revoked_at = g.created_at
    g.save()
    response = me.post(apply_url(world), shared_post(world))
    assert response.status_code == 302 and not DataCall.objects.exists()
    assert CaseMaterial.objects.get(material_name="户口簿").reference == resource.code


def test_form_prefilled_from_shared_data(me, world, hj):
    resource, _service = hj
    xworld.keep(resource, world.applicant)
    xworld.grant(resource, world.org, fields=["gmsfhm", "xm", "hh", "hjdz"])
    form = [
        *apply_world.FORM,
        {"name": "household", "label": "户号", "type": "text", "prefill": f"data:{resource.code}.hh"},
        {"name": "home", "label": "户籍地址", "type": "text", "prefill": f"data:{resource.code}.hjdz"},
    ]
    ItemVersion.objects.filter(pk=world.version.pk).update(form_fields=form)
    html = me.get(apply_url(world)).content.decode()
    assert 'value="H00000"' in html  # the household number, granted in full
    assert "东海大道" not in html  # the address is masked for this grant: never prefilled
    call = DataCall.objects.get()
    assert call.channel == "prefill" and call.status == "ok"
    assert DataUse.objects.filter(person=world.applicant, category=ReuseCategory.SHARED_DATA).count() == 1
