"""Eligibility: rules met, failed, and waiting for missing facts; the compiled closures agree with the evaluator on
any facts (hypothesis); facts are gathered from identity, the legal-person library, licenses, cases and shared data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.core import conditions
from yiwang.policies import eligibility, facts
from yiwang.policies.models import PolicyVersion

from .helpers import RULES, TESTS, ent_with_facts, published_policy


def version(**kw) -> PolicyVersion:
    base = {
        "target": "enterprise",
        "industries": ["C", "65"],
        "scales": ["small", "micro"],
        "divisions": ["340300"],
        "rules": RULES,
    }
    base.update(kw)
    return PolicyVersion(**base)


FULL = TESTS[0]["facts"]


def test_all_rules_met_is_eligible_with_the_reasons():
    v = eligibility.decide(version(), FULL)
    assert v.eligible and not v.failed and not v.missing
    assert "成立不满5年" in v.met and "吸纳就业不少于10人" in v.met
    assert any("制造业" in m for m in v.met)


def test_a_failed_rule_says_why():
    facts_ = {**FULL, "enterprise": {"age_years": 9}}
    v = eligibility.decide(version(), facts_)
    assert not v.eligible and not v.possible
    assert v.failed == [{"name": "成立不满5年", "message": "仅支持成立5年内的企业"}]


def test_missing_facts_are_named_not_guessed():
    facts_ = {k: val for k, val in FULL.items() if k not in ("social", "scale")}
    v = eligibility.decide(version(), facts_)
    assert not v.eligible and v.possible
    assert set(v.missing) == {"social.insured", "scale"}
    assert {u["name"] for u in v.unknown} == {
        "吸纳就业不少于10人",
        next(r for r in v.unknown if "scale" in r["missing"])["name"],
    }


def test_region_matches_by_city_province_or_county():
    assert eligibility.decide(version(divisions=["340000"]), FULL).eligible
    assert eligibility.decide(version(divisions=["340302"]), FULL).eligible
    assert not eligibility.decide(version(divisions=["410400"]), FULL).eligible


def test_division_listed_matches_software_too():
    software = {**FULL, "industry": {"section": "I", "division": "65"}}
    assert eligibility.decide(version(), software).eligible
    retail = {**FULL, "industry": {"section": "F", "division": "52"}}
    assert eligibility.decide(version(), retail).failed


# --- the compiled closures give the evaluator's answers on any facts ----------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 30),
    st.floats(-5, 30, allow_nan=False),
    st.sampled_from(["C", "65", "small", "micro", "2024-01-01", "2020-06-30", ""]),
)
facts_strategy = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["enterprise", "person"]),
        "enterprise": st.fixed_dictionaries({}, optional={"age_years": scalars, "founded": scalars}),
        "industry": st.fixed_dictionaries({}, optional={"section": scalars, "division": scalars}),
        "scale": scalars,
        "region": st.fixed_dictionaries({}, optional={"city": st.sampled_from(["340300", "410400"])}),
        "social": st.fixed_dictionaries({}, optional={"insured": scalars}),
        "licenses": st.lists(st.sampled_from(["BUSINESS_LICENSE", "FOOD"]), max_size=2),
    },
)
EXTRA = [
    {"name": "持有营业执照", "if": {"in": ["BUSINESS_LICENSE", {"var": "licenses"}]}},
    {"name": "2023年后成立", "if": {">=": [{"var": "enterprise.founded"}, "2023-01-01"]}},
    {"name": "非大型", "if": {"!": {"==": [{"var": "scale"}, "large"]}}},
    {"name": "有缺", "if": {"!": [{"missing": ["social.insured"]}]}},
    {"name": "默认", "if": {"<=": [{"var": ["social.insured", 0]}, 100]}},
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_strategy)
def test_compiled_rules_agree_with_the_evaluator(data):
    rules = eligibility.rules_of(version(rules=RULES + EXTRA))
    compiled = eligibility.compile_rules(rules)
    for rule, c in zip(rules, compiled.rules, strict=True):
        assert c.test(data) == conditions.evaluate(rule["if"], data)
    verdict = compiled.decide(data)
    expected = all(conditions.holds(r["if"], data) for r in rules)
    assert verdict.eligible == expected == compiled.holds(data)
    # every rule ends in exactly one of met, failed, unknown
    assert len(verdict.met) + len(verdict.failed) + len(verdict.unknown) == len(rules)
    for u in verdict.unknown:
        assert u["missing"]


# --- facts ----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_facts_are_gathered_from_what_yiwang_holds():
    today = dt.date(2026, 6, 1)
    e = ent_with_facts(founded=dt.date(2023, 3, 15), industry="C3911", employees=50, revenue=1000, insured=25)
    f = facts.gather(e, today)
    assert f["kind"] == "enterprise"
    assert f["enterprise"]["founded"] == "2023-03-15" and f["enterprise"]["age_years"] == 3
    assert f["industry"] == {"code": "C3911", "section": "C", "division": "39"}
    assert f["scale"] == "small"  # 50 people, 1000万元 revenue
    assert f["region"] == {"province": "340000", "city": "340300"}  # from the credit code's division
    assert f["social"] == {"insured": 25}
    assert f["licenses"] == [] and f["cases"] == []


@pytest.mark.django_db
def test_an_enterprise_without_shared_data_has_those_facts_missing():
    e = ent_with_facts(founded=None, industry="", insured=None)
    f = facts.gather(e)
    assert "industry" not in f and "scale" not in f and "social" not in f and "founded" not in f["enterprise"]
    v = published_policy()
    verdict = eligibility.decide(v, f)
    assert verdict.possible and {"industry.section", "scale", "enterprise.age_years", "social.insured"} <= set(
        verdict.missing
    )


def test_scale_thresholds():
    assert facts.scale_of(5, None) == "micro"
    assert facts.scale_of(50, 100) == "micro"  # revenue below the small threshold
    assert facts.scale_of(50, 1000) == "small"
    assert facts.scale_of(500, 50000) == "medium"
    assert facts.scale_of(2000, 50000) == "large"
    assert facts.scale_of(None, 50000) is None
