"""Policy pages: the public library, an enterprise's matches and grant in its space, the staff workbench's 免申即享
round (produce, remove, approve, pay), applying through the policy's item with the form prefilled; out of reach is 404.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases.models import Draft
from yiwang.orgs.models import Role
from yiwang.policies.models import Grant, GrantState

from .helpers import ent_with_facts, published_policy

pytestmark = pytest.mark.django_db
YOUNG = dt.date.today() - dt.timedelta(days=2 * 365)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    rep = person("李四")
    ent = ent_with_facts(founded=YOUNG, legal_rep=rep, name="蚌埠新材料科技有限公司")
    org = OrganisationFactory(name="蚌埠市人力资源和社会保障局")
    with django_capture_on_commit_callbacks(execute=True):
        v = published_policy(org)
    return {"rep": rep, "ent": ent, "org": org, "v": v}


def login(client, user):
    client.force_login(user)
    return client


def test_public_library_search_detail_and_interpretation(client, world):
    v = world["v"]
    page = client.get(reverse("policies:index"), {"q": "wengang"})
    assert page.status_code == 200 and v.title in page.content.decode()
    page = client.get(reverse("policies:index"), {"q": "不存在的政策名称xyz"})
    assert v.title not in page.content.decode()
    page = client.get(reverse("policies:detail", args=[v.policy.code]))
    assert page.status_code == 200 and "蚌政办〔2026〕12号" in page.content.decode()
    assert client.get(reverse("policies:interpretation", args=[v.policy.code])).status_code == 200
    assert client.get(reverse("policies:detail", args=["NOPE"])).status_code == 404


def test_enterprise_sees_its_matches_and_why_others_get_404(client, world):
    url = reverse("policies:enterprise", args=[world["ent"].pk])
    body = login(client, world["rep"].user).get(url).content.decode()
    assert world["v"].title in body and "成立不满5年" in body
    space = client.get(reverse("identity:enterprise_space", args=[world["ent"].pk])).content.decode()
    assert world["v"].title in space  # the My Space panel
    stranger = person("赵六")
    assert login(client, stranger.user).get(url).status_code == 404


def test_round_review_confirm_and_pay_through_pages(client, world, tmp_path):
    reviewer = staff(world["org"], Role.REVIEWER)
    other = staff(OrganisationFactory(), Role.REVIEWER)
    code = world["v"].policy.code
    assert login(client, other).post(reverse("policies:wb_policy", args=[code])).status_code == 404
    c = login(client, reviewer)
    assert world["v"].title in c.get(reverse("policies:wb_index")).content.decode()
    r = c.post(reverse("policies:wb_policy", args=[code]))
    assert r.status_code == 302
    round_url = r["Location"]
    g = Grant.objects.get()
    r = c.post(round_url, {"action": "remove", "grant": g.pk, "note": ""})
    assert r.status_code == 400
    c.post(round_url, {"action": "approve"})
    assert Grant.objects.get().state == GrantState.APPROVED
    # the enterprise confirms in its space
    c = login(client, world["rep"].user)
    grant_url = reverse("policies:grant", args=[world["ent"].pk, g.pk])
    r = c.post(grant_url, {"bank_name": "", "bank_account": "x", "account_name": "别人"})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="e-bank_account"' in body and 'id="e-consent"' in body
    r = c.post(
        grant_url,
        {
            "bank_name": "中国工商银行蚌埠分行",
            "bank_account": "6222021300001234567",
            "account_name": world["ent"].name,
            "consent": "on",
        },
    )
    assert r.status_code == 302 and Grant.objects.get().state == GrantState.CONFIRMED
    with override_settings(POLICIES_FINANCE_OPTIONS={"path": str(tmp_path / "pay.jsonl")}):
        login(client, reviewer).post(round_url, {"action": "pay"})
    g = Grant.objects.get()
    assert g.state == GrantState.PAID
    page = login(client, world["rep"].user).get(reverse("policies:enterprise", args=[world["ent"].pk]))
    assert g.payment_reference in page.content.decode()
    wb = login(client, reviewer).get(reverse("policies:wb_policy", args=[code])).content.decode()
    assert "paid" in wb or "已" in wb


def test_apply_through_the_policys_item_prefills_the_form(client, world, django_capture_on_commit_callbacks):
    item = make_item(
        form_fields=[
            {"name": "insured", "label": "参保人数", "type": "number", "required": True},
            {"name": "policy_doc_number", "label": "政策文号", "type": "text", "required": False},
        ],
        for_enterprises=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        v = published_policy(world["org"], item=item.item_code, auto_grant=False, doc_number="蚌政办〔2026〕13号")
    c = login(client, world["rep"].user)
    r = c.post(reverse("policies:apply", args=[v.policy.code]), {"enterprise": world["ent"].pk})
    assert r.status_code == 302 and r["Location"] == reverse("cases:apply", args=[item.item_code])
    draft = Draft.objects.get(enterprise=world["ent"])
    assert draft.form_data["insured"] in ("25", 25)
    assert draft.form_data["policy_doc_number"] == "蚌政办〔2026〕13号"
    stranger = person("赵六")
    r = login(client, stranger.user).post(
        reverse("policies:apply", args=[v.policy.code]), {"enterprise": world["ent"].pk}
    )
    assert r.status_code == 404
