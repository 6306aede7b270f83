"""Rules API (/api/v1/rules/…): an item's rule sets, a new version, activation, a dry run; a case's decision."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from yiwang.cases import policy
from yiwang.catalog.models import ServiceItem
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.identity import access
from yiwang.orgs.admin import holds, in_scope
from yiwang.orgs.models import Role

from . import services
from .models import RuleDecision, RuleSet

router = Router(tags=["rules"])
ROLE = Role.CATALOG_ADMIN
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class RuleSetOut(Schema):
    id: int
    number: int
    status: str
    rules: list[dict]
    tests: list[dict]
    effective_from: str | None = None


class RuleSetIn(Schema):
    rules: list[Any] = Field(..., description="Rules: {name, if (condition), message}; all must hold to approve")
    tests: list[Any] = Field(default_factory=list, description="Test cases: {name, data, expect}")


class RuleTryIn(Schema):
    rules: list[Any]
    data: dict[str, Any]


class RuleVerdictOut(Schema):
    approved: bool
    failed: list[dict[str, str]]


class RuleDecisionOut(Schema):
    case_number: str
    approved: bool
    rule_set_version: int
    inputs: dict
    failed: list[dict]
    elapsed_ms: float


def _set(rs: RuleSet) -> dict[str, Any]:
    return {
        "id": rs.pk,
        "number": rs.number,
        "status": rs.status,
        "rules": rs.rules,
        "tests": rs.tests,
        "effective_from": rs.effective_from.isoformat() if rs.effective_from else None,
    }


def _item(request: HttpRequest, item_code: str) -> ServiceItem:
    item = ServiceItem.objects.select_related("current").filter(item_code=item_code).first()
    if (
        item is None
        or item.current_id is None
        or not holds(request, ROLE)
        or not in_scope(request, ROLE, item.organisation_id)
    ):
        raise Http404
    return item


@router.get(
    "/items/{item_code}",
    response={200: list[RuleSetOut], **ERRORS},
    auth=session_auth,
    summary="An item's rule sets (its current version)",
)
def rule_sets(request: HttpRequest, item_code: str):
    item = _item(request, item_code)
    return 200, [_set(rs) for rs in RuleSet.objects.filter(version=item.current).order_by("-number")]


@router.post(
    "/items/{item_code}",
    response={201: RuleSetOut, **ERRORS},
    auth=session_auth,
    summary="Save a new rule set version (a draft)",
)
def save(request: HttpRequest, item_code: str, payload: RuleSetIn):
    item = _item(request, item_code)
    rs = services.save_rule_set(item.current, rules=payload.rules, tests=payload.tests, user=request.user)
    return 201, _set(rs)


@router.post(
    "/items/{item_code}/sets/{number}/activate",
    response={200: RuleSetOut, **ERRORS},
    auth=session_auth,
    summary="Activate a rule set (its test cases must pass)",
)
def activate(request: HttpRequest, item_code: str, number: int):
    item = _item(request, item_code)
    rs = RuleSet.objects.filter(version=item.current, number=number).first()
    if rs is None:
        raise Http404
    return 200, _set(services.activate(rs))


@router.post(
    "/items/{item_code}/try",
    response={200: RuleVerdictOut, **ERRORS},
    auth=session_auth,
    summary="Run rules on a sample application (nothing saved)",
)
def try_rules(request: HttpRequest, item_code: str, payload: RuleTryIn):
    from yiwang.core.errors import ProblemsError

    item = _item(request, item_code)
    problems = services.rule_problems(payload.rules, [], item.current)
    if problems:
        raise ProblemsError(problems)
    approved, failed = services.run(payload.rules, payload.data)
    return 200, {"approved": approved, "failed": failed}


@router.get(
    "/cases/{case_number}",
    response={200: RuleDecisionOut, **ERRORS},
    auth=session_auth,
    summary="The rules' decision on a case (for its staff)",
)
def decision(request: HttpRequest, case_number: str):
    a = access.actor(request)
    if not a.is_staff_member:
        raise Http404
    case = access.get_or_404(policy.visible_cases(a).filter(policy.staff_q(a)), case_number=case_number)
    d = RuleDecision.objects.select_related("rule_set").filter(case=case).first()
    if d is None:
        raise Http404
    return 200, {
        "case_number": case.case_number,
        "approved": d.approved,
        "rule_set_version": d.rule_set.number,
        "inputs": d.inputs,
        "failed": d.failed,
        "elapsed_ms": d.elapsed_ms,
    }
