"""Matching on publish (the worker task) tells the newly eligible once; the 免申即享 grant state machine."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings

from tests.factories import OrganisationFactory, person, staff
from yiwang.cases.models import Message
from yiwang.core.errors import ProblemsError
from yiwang.identity import services as identity
from yiwang.orgs.models import Role
from yiwang.policies import grants, matching, services
from yiwang.policies.models import Grant, GrantEvent, GrantState, Match, RoundState

from .helpers import ent_with_facts, published_policy

pytestmark = pytest.mark.django_db
YOUNG = dt.date.today() - dt.timedelta(days=2 * 365)
OLD = dt.date.today() - dt.timedelta(days=12 * 365)


@pytest.fixture
def world():
    rep = person("李四")
    agent = person("王五")
    fits = ent_with_facts(founded=YOUNG, legal_rep=rep, name="蚌埠新材料科技有限公司")
    identity.grant_agent(enterprise=fits, person=agent, permissions=["apply"], granted_by=rep.user)
    too_old = ent_with_facts(founded=OLD)
    unknown = ent_with_facts(founded=YOUNG, insured=None)
    org = OrganisationFactory(name="蚌埠市人力资源和社会保障局")
    return {"rep": rep, "agent": agent, "fits": fits, "old": too_old, "unknown": unknown, "org": org}


def test_publishing_matches_and_tells_the_newly_eligible_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        v = published_policy(world["org"])  # the immediate task backend runs the match on commit
    m = Match.objects.get(policy=v.policy)
    assert m.enterprise_id == world["fits"].pk and m.told_at is not None
    told = Message.objects.filter(text__contains=v.title)
    assert {x.recipient_id for x in told} == {world["rep"].user_id, world["agent"].user_id}
    again = matching.match_versions([v.pk])
    assert again.newly == 0 and again.told == 0
    assert Message.objects.filter(text__contains=v.title).count() == 2


def test_one_enterprise_sees_met_failed_and_missing(world):
    published_policy(world["org"])
    [found] = matching.verdicts_for(world["fits"])
    assert found.verdict.eligible
    [found] = matching.verdicts_for(world["unknown"])
    assert found.verdict.possible and found.verdict.missing == ["social.insured"]
    assert matching.verdicts_for(world["old"]) == []
    [found] = matching.verdicts_for(world["old"], include_failed=True)
    assert found.verdict.failed[0]["name"] == "成立不满5年"


def test_a_changed_policy_matches_again_and_drops_the_no_longer_eligible(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        v1 = published_policy(world["org"])
    assert Match.objects.get(policy=v1.policy).eligible
    draft = services.start_draft(v1.policy)
    services.edit_draft(draft, {"divisions": ["410400"], "tests": [dict(draft.tests[1])]})
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(draft)
    assert not Match.objects.get(policy=v1.policy).eligible


def grant_round(world, capture):
    with capture(execute=True):
        v = published_policy(world["org"])
    rnd = grants.produce_round(v.policy, day=dt.date(2026, 6, 1))
    return v, rnd


def test_round_lists_the_eligible_and_is_produced_once_per_period(world, django_capture_on_commit_callbacks):
    v, rnd = grant_round(world, django_capture_on_commit_callbacks)
    assert rnd.period == "2026" and rnd.state == RoundState.REVIEWING
    assert list(rnd.grants.values_list("enterprise_id", flat=True)) == [world["fits"].pk]
    assert grants.produce_round(v.policy, day=dt.date(2026, 9, 1)).pk == rnd.pk


def test_grant_state_machine(world, tmp_path, django_capture_on_commit_callbacks):
    reviewer = staff(world["org"], Role.REVIEWER)
    _v, rnd = grant_round(world, django_capture_on_commit_callbacks)
    g = rnd.grants.get()
    with pytest.raises(ProblemsError) as err:
        grants.remove(g, user=reviewer, note="")
    assert err.value.problems[0].field == "note"
    grants.remove(g, user=reviewer, note="核查发现已享受同类补贴")
    with pytest.raises(ProblemsError):
        grants.confirm(g, user=world["rep"].user, bank_name="x", bank_account="1", account_name="x", consent=True)
    grants.restore(g, user=reviewer)
    grants.approve_round(rnd, user=reviewer)
    g.refresh_from_db()
    assert g.state == GrantState.APPROVED
    assert Message.objects.filter(recipient=world["rep"].user, text__contains="20000").exists()
    with pytest.raises(ProblemsError):
        grants.remove(g, user=reviewer, note="too late")
    with pytest.raises(ProblemsError) as err:
        grants.confirm(g, user=world["rep"].user, bank_name="", bank_account="12ab", account_name="别人", consent=False)
    assert {p.field for p in err.value.problems} == {"bank_name", "bank_account", "account_name", "consent"}
    grants.confirm(
        g,
        user=world["rep"].user,
        bank_name="中国工商银行蚌埠分行",
        bank_account="6222 0213 0000 1234 567",
        account_name=world["fits"].name,
        consent=True,
    )
    with override_settings(POLICIES_FINANCE_OPTIONS={"path": str(tmp_path / "pay.jsonl")}):
        paid = grants.pay(g, user=reviewer)
        assert paid.state == GrantState.PAID and paid.payment_reference.startswith("CZ")
        with pytest.raises(ProblemsError):
            grants.pay(g, user=reviewer)  # paid once
    lines = (tmp_path / "pay.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["account_tail"] == "4567"
    assert Grant.objects.get(pk=g.pk).bank_account == "622202130000123456" + "7"
    assert list(GrantEvent.objects.filter(grant=g).values_list("action", flat=True)) == [
        "propose",
        "remove",
        "restore",
        "approve",
        "confirm",
        "pay",
    ]
    assert Match.objects.get(policy=rnd.policy, enterprise=world["fits"]).received_at is not None


def test_only_auto_granted_policies_have_rounds(world):
    v = published_policy(world["org"], auto_grant=False)
    with pytest.raises(ProblemsError):
        grants.produce_round(v.policy)
