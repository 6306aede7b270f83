"""李四's enterprise sees its policies and why, and confirms a 免申即享 grant — on a desktop and a phone, with no
accessibility failure (axe) and no CSP violation. Set YIWANG_SCREENSHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import axe as axe_all
from tests.browser.test_workbench import shot, sign_in
from tests.factories import OrganisationFactory, person, staff
from tests.policies.helpers import ent_with_facts, published_policy
from yiwang.orgs.models import Role
from yiwang.policies import grants, matching
from yiwang.policies.models import Grant, GrantState

pytestmark = pytest.mark.browser


def axe(page) -> list:
    """The serious and critical axe findings (the minor best-practice hints are not failures)."""
    return [v for v in axe_all(page) if v.get("impact") in ("serious", "critical")]


@pytest.fixture
def world(transactional_db):
    rep = person("李四")
    ent = ent_with_facts(founded=dt.date.today() - dt.timedelta(days=700), legal_rep=rep, name="蚌埠淮河食品有限公司")
    org = OrganisationFactory(name="蚌埠市人力资源和社会保障局")
    v = published_policy(org)
    published_policy(org, title="蚌埠市企业职工技能提升培训补贴", doc_number="蚌人社〔2026〕19号", auto_grant=False)
    matching.match_versions([v.pk])
    rnd = grants.produce_round(v.policy)
    grants.approve_round(rnd, user=staff(org, Role.REVIEWER))
    return {"rep": rep, "ent": ent, "v": v}


def test_enterprise_sees_its_policies_and_confirms_a_grant(page, phone_page, live_server, world):
    page.goto("/policies/?q=wengang")
    assert world["v"].title in page.content()
    assert axe(page) == []
    shot(page, "policies-library-desktop")
    sign_in(page, live_server, world["rep"].user)
    page.goto(f"/my/enterprise/{world['ent'].pk}/policies/")
    assert "成立不满5年" in page.locator(".why").first.inner_text()
    assert axe(page) == []
    shot(page, "policies-mine-desktop")
    page.get_by_role("link", name="确认银行账户").click()
    page.get_by_role("button", name="确认", exact=True).click()
    assert page.locator("#error-summary").is_visible()
    assert axe(page) == []
    page.get_by_label("开户银行").fill("中国工商银行蚌埠分行")
    page.get_by_label("银行账号").fill("6222021300001234567")
    page.get_by_label("本单位确认上述账户").check()
    page.get_by_role("button", name="确认", exact=True).click()
    assert Grant.objects.get().state == GrantState.CONFIRMED
    shot(page, "policies-grant-desktop")
    sign_in(phone_page, live_server, world["rep"].user)
    phone_page.goto(f"/my/enterprise/{world['ent'].pk}/policies/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(phone_page, "policies-mine-phone")
    phone_page.goto(f"/policies/{world['v'].policy.code}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone_page, "policies-detail-phone")
