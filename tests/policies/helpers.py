"""Policies test helpers: a publishable policy's data, and enterprises with facts from the shared-data store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import OrganisationFactory, enterprise
from yiwang.exchange import store
from yiwang.exchange.models import DataResource, DataService
from yiwang.identity.models import LegalPersonRecord
from yiwang.policies import services

RULES = [
    {
        "name": "成立不满5年",
        "if": {"<": [{"var": "enterprise.age_years"}, 5]},
        "message": "仅支持成立5年内的企业",
    },
    {"name": "吸纳就业不少于10人", "if": {">=": [{"var": "social.insured"}, 10]}, "message": "参保人数不足10人"},
]
TESTS = [
    {
        "name": "新办制造企业",
        "facts": {
            "kind": "enterprise",
            "enterprise": {"age_years": 2},
            "industry": {"section": "C", "division": "39"},
            "scale": "small",
            "region": {"province": "340000", "city": "340300", "county": "340302"},
            "social": {"insured": 25},
        },
        "expect": True,
    },
    {
        "name": "老企业",
        "facts": {
            "kind": "enterprise",
            "enterprise": {"age_years": 12},
            "industry": {"section": "C", "division": "39"},
            "scale": "small",
            "region": {"province": "340000", "city": "340300", "county": "340302"},
            "social": {"insured": 25},
        },
        "expect": False,
    },
]


def policy_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "蚌埠市支持中小微制造业企业稳岗扩岗补贴",
        "doc_number": "蚌政办〔2026〕12号",
        "summary": "对新办中小微制造业企业按吸纳就业人数给予一次性稳岗补贴",
        "keywords": "稳岗补贴, 扩岗补助, 招工补贴",
        "text": "第一条 为支持中小微企业稳定就业……",
        "interpretation": "一、政策出台背景……",
        "target": "enterprise",
        "industries": ["C"],
        "scales": ["small", "micro", "medium"],
        "divisions": ["340300"],
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
        "benefits": [{"kind": "amount", "amount": "20000", "text": "一次性稳岗补贴2万元"}],
        "rules": RULES,
        "tests": TESTS,
        "auto_grant": True,
        "grant_amount": "20000",
        "grant_period": "year",
    }
    data.update(overrides)
    return data


def published_policy(org=None, **overrides: Any):
    org = org or OrganisationFactory()
    version = services.create_policy(org, policy_data(**overrides))
    return services.publish(version)


def shared_resources(provider=None) -> dict[str, DataResource]:
    """The profile and social-security resources of the embedded table store (keyed by credit code)."""
    provider = provider or OrganisationFactory()
    out = {}
    for code, name, fields in (
        ("POLICY-ENT-PROFILE", "企业画像", ["credit_code", "industry", "employees", "revenue"]),
        ("POLICY-ENT-SOCIAL", "企业参保", ["credit_code", "insured"]),
    ):
        res, _ = DataResource.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "provider": provider,
                "fields": [{"name": f, "label": f, "type": "text"} for f in fields],
                "subject_kind": "enterprise",
                "subject_field": "credit_code",
            },
        )
        DataService.objects.get_or_create(
            resource=res, code=f"{code}-Q", defaults={"name": name, "keys": ["credit_code"]}
        )
        out[code] = res
    return out


def ent_with_facts(
    *,
    founded: dt.date | None = None,
    industry: str = "C3911",
    employees: int = 50,
    revenue: int = 1000,
    insured: int | None = 25,
    **kw: Any,
):
    e = enterprise(**kw)
    if founded:
        LegalPersonRecord.objects.update_or_create(
            credit_code=e.credit_code,
            defaults={"name": e.name, "legal_rep_name": e.legal_rep_name, "registered_on": founded},
        )
    res = shared_resources()
    if industry:
        store.put_records(
            res["POLICY-ENT-PROFILE"],
            [{"credit_code": e.credit_code, "industry": industry, "employees": employees, "revenue": revenue}],
        )
    if insured is not None:
        store.put_records(res["POLICY-ENT-SOCIAL"], [{"credit_code": e.credit_code, "insured": insured}])
    return e
