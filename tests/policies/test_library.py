"""The policy library: checked drafts (every problem by field, both languages), publishing gated by test cases,
frozen published versions, new drafts, retiring, and search in Chinese, colloquial words and pinyin."""

from __future__ import annotations

import pytest

from tests.factories import OrganisationFactory, make_item
from yiwang.core.errors import ProblemsError
from yiwang.policies import industries, services
from yiwang.policies.models import FrozenPolicyError, Policy, PolicyVersion, VersionStatus

from .helpers import TESTS, policy_data, published_policy

pytestmark = pytest.mark.django_db


def fields_of(exc: ProblemsError) -> set[str]:
    return {p.field for p in exc.problems}


def test_industry_table_has_every_section_and_division():
    assert [s.code for s in industries.sections()] == list("ABCDEFGHIJKLMNOPQRST")
    assert [d.code for d in industries.divisions()] == [f"{i:02d}" for i in range(1, 98)]
    assert industries.parse("C3911") == ("C", "39")
    assert industries.parse("3911") == ("C", "39")
    assert industries.parse("A3911") is None  # 39 is manufacturing, not agriculture
    assert industries.parse("99") is None


def test_bad_draft_gets_every_problem_on_its_field_in_both_languages():
    org = OrganisationFactory()
    bad = policy_data(
        title="",
        industries=["C", "Z9"],
        scales=["huge"],
        divisions=["12345"],
        valid_from="2026-13-01",
        benefits=[{"kind": "amount", "amount": "-3", "text": ""}],
        rules=[{"name": "x", "if": {"<": [{"var": "enterprise.agee"}, 5]}}],
        item="NOPE",
        auto_grant=True,
        grant_amount="",
    )
    with pytest.raises(ProblemsError) as err:
        services.create_policy(org, bad)
    fields = fields_of(err.value)
    assert {
        "title",
        "industries.2",
        "scales.1",
        "divisions.1",
        "valid_from",
        "benefits.1.amount",
        "benefits.1.text",
        "rules.1.if.<.0.var",
        "item",
        "grant_amount",
    } <= fields
    as_dict = {p["field"]: p for p in err.value.as_list()}
    assert as_dict["title"]["message"] != as_dict["title"]["message_en"]
    assert "GB/T 4754" in as_dict["industries.2"]["message_en"]
    assert not Policy.objects.exists()  # nothing half-written


def test_publish_needs_passing_test_cases_and_freezes_the_version():
    org = OrganisationFactory()
    v = services.create_policy(org, policy_data(tests=[]))
    with pytest.raises(ProblemsError) as err:
        services.publish(v)
    assert fields_of(err.value) == {"tests"}
    wrong = [dict(TESTS[1], expect=True)]
    services.edit_draft(v, {"tests": wrong})
    with pytest.raises(ProblemsError) as err:
        services.publish(v)
    assert err.value.problems[0].code == "test_failed"
    services.edit_draft(v, {"tests": TESTS})
    services.publish(v)
    v = PolicyVersion.objects.get(pk=v.pk)
    assert v.status == VersionStatus.PUBLISHED and v.policy.current_id == v.pk
    v.title = "改了"
    with pytest.raises(FrozenPolicyError):
        v.save()
    with pytest.raises(ProblemsError):
        services.edit_draft(v, {"title": "改了"})


def test_new_draft_then_publish_retires_the_old_version():
    v1 = published_policy()
    draft = services.start_draft(v1.policy)
    assert draft.number == 2 and draft.title == v1.title
    assert services.start_draft(v1.policy).pk == draft.pk  # one draft at a time
    services.edit_draft(draft, {"title": "蚌埠市稳岗扩岗补贴（2027年修订）", "change_note": "提高补贴标准"})
    v2 = services.publish(draft)
    assert PolicyVersion.objects.get(pk=v1.pk).status == VersionStatus.RETIRED
    assert Policy.objects.get(pk=v1.policy_id).current_id == v2.pk
    services.retire(v2.policy)
    assert Policy.objects.get(pk=v1.policy_id).current_id is None


def test_item_for_fulfilment_must_be_published():
    item = make_item()
    v = services.create_policy(OrganisationFactory(), policy_data(item=item.item_code, auto_grant=False))
    assert v.item_id == item.pk
    draft_only = make_item(publish=False)
    with pytest.raises(ProblemsError) as err:
        services.create_policy(OrganisationFactory(), policy_data(item=draft_only.item_code))
    assert "item" in fields_of(err.value)


def test_person_policy_cannot_name_industries_or_be_auto_granted():
    with pytest.raises(ProblemsError) as err:
        services.create_policy(OrganisationFactory(), policy_data(target="person"))
    assert {"industries", "auto_grant"} <= fields_of(err.value)


@pytest.mark.parametrize("query", ["稳岗补贴", "招工补贴", "wengang", "wgbt", "蚌政办〔2026〕12号", "稳岗补"])
def test_search_finds_by_chinese_colloquial_pinyin_and_document_number(query):
    from yiwang.policies import search

    wanted = published_policy()
    published_policy(
        title="蚌埠市科技型企业研发费用后补助办法",
        doc_number="蚌科〔2026〕3号",
        summary="对研发投入给予后补助",
        keywords="研发补助",
        industries=["M", "65"],
        tests=[TESTS[1]],
    )
    found = search.find(query)
    assert found and found[0].pk == wanted.pk


def test_search_filters_by_industry_and_target():
    from yiwang.policies import search

    manufacturing = published_policy()
    software = published_policy(
        title="软件企业首版次奖励", doc_number="蚌工信〔2026〕8号", industries=["65"], keywords="", tests=[TESTS[1]]
    )
    assert {v.pk for v in search.find(industry="39")} == {manufacturing.pk}
    assert {v.pk for v in search.find(industry="I")} == set()  # the section I is not named, its division 65 is
    assert {v.pk for v in search.find(industry="65")} == {software.pk}
    assert search.find(target="person") == []
