"""Routing rules: ordered, each a conjunction of category (and its sub-categories) × division (and below) ×
keywords (any of them in the text) × types; the first active rule that holds proposes the department.

The proposal is a proposal: the operator confirms it when dispatching, and the order records which rule (and which
version of it) proposed the department, so a routing decision can be replayed. Rules have test cases
(`RoutingCase`): `check_cases()` runs them all (the rules page and `yiwang hotline_routing --check` show any
mismatch), so a change that breaks an agreed route is seen before it routes a single call.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from .models import Category, RoutingCase, RoutingRule


@dataclass(frozen=True)
class Proposal:
    rule: RoutingRule | None
    department_id: int | None
    sub_unit_id: int | None = None

    @property
    def department(self):
        return self.rule.department if self.rule is not None else None


def _words(keywords: str) -> list[str]:
    return [w for w in keywords.replace("，", " ").replace(",", " ").split() if w]


def matches(rule: RoutingRule, *, category: Category | None, division_path: str, text: str, order_type: str) -> bool:
    if rule.category_id is not None and (category is None or not category.path.startswith(rule.category.path)):
        return False
    if rule.division_id is not None and not (division_path or "").startswith(rule.division.path):
        return False
    if rule.order_types and order_type not in rule.order_types:
        return False
    words = _words(rule.keywords)
    return not words or any(w in (text or "") for w in words)


def active_rules() -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("category", "division", "department", "sub_unit")
        .order_by("position", "id")
    )


def propose(*, category: Category | None, division=None, text: str = "", order_type: str = "", rules=None) -> Proposal:
    path = division.path if division is not None else ""
    for rule in rules if rules is not None else active_rules():
        if matches(rule, category=category, division_path=path, text=text, order_type=order_type):
            return Proposal(rule, rule.department_id, rule.sub_unit_id)
    return Proposal(None, None)


@dataclass(frozen=True)
class CaseResult:
    case: RoutingCase
    got_department_id: int | None
    rule: RoutingRule | None

    @property
    def ok(self) -> bool:
        return self.got_department_id == self.case.expected_department_id


def check_cases() -> list[CaseResult]:
    rules = active_rules()
    out = []
    for case in RoutingCase.objects.select_related("category", "division", "expected_department"):
        p = propose(
            category=case.category, division=case.division, text=case.text, order_type=case.order_type, rules=rules
        )
        out.append(CaseResult(case, p.department_id, p.rule))
    return out


@transaction.atomic
def save_rule(rule: RoutingRule) -> RoutingRule:
    """Saves a rule; a change to an existing one bumps its version."""
    if rule.pk is not None:
        rule.version = (RoutingRule.objects.filter(pk=rule.pk).values_list("version", flat=True).first() or 0) + 1
    rule.save()
    return rule


def bump_version(rule_id: int) -> None:
    RoutingRule.objects.filter(pk=rule_id).update(version=F("version") + 1)
