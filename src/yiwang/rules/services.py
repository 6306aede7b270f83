"""The rules' write path and the decision itself (秒批).

A rule set is checked whole when saved (each rule's condition against the names an application offers, each test
case's shape), and its test cases must all pass before it is activated. When a case of an item version with an
active rule set is submitted, `decide(case_id)` evaluates the rules on the application's data and applies the
verdict through the one transition door, `cases.actions.decide_by_rules`, as the system: approved at once, or left
to the window with the failed rules listed. Either way a `RuleDecision` keeps the rule set and the inputs.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases import actions
from yiwang.cases.models import Case, State
from yiwang.catalog import formdef
from yiwang.core import conditions
from yiwang.core.errors import Problem, ProblemsError

from .models import RuleDecision, RuleSet, RuleSetStatus

log = logging.getLogger(__name__)
MAX_RULES = 50
APPLICANT_NAMES = ("applicant.kind", "applicant.level", "case.channel")


def variables_for(version: Any) -> list[str]:
    """The names a rule may read: the form's fields, the applicant's verified kind and level, the channel."""
    return [f"form.{f.name}" for f in formdef.fields_of(version)] + list(APPLICANT_NAMES)


def rule_problems(rules: Any, tests: Any, version: Any) -> list[Problem]:
    """Everything wrong with a rule set, each on its field (rules.N.if…, tests.N.expect); [] when it may be saved."""
    out: list[Problem] = []
    names = variables_for(version)
    if not isinstance(rules, list) or not rules:
        return [Problem("rules", _("A rule set holds at least one rule (a list)."), "required")]
    if len(rules) > MAX_RULES:
        out.append(Problem("rules", _("A rule set holds at most %(n)s rules."), params={"n": MAX_RULES}))
    for i, rule in enumerate(rules, 1):
        f = f"rules.{i}"
        if not isinstance(rule, dict):
            out.append(Problem(f, _("Each rule is an object with a name, a condition (if) and a message.")))
            continue
        if not str(rule.get("name") or "").strip():
            out.append(Problem(f"{f}.name", _("Name the rule (shown to the reviewer when it fails)."), "required"))
        if "if" not in rule:
            out.append(Problem(f"{f}.if", _("Give the rule its condition."), "required"))
        else:
            out += conditions.problems(rule["if"], field=f"{f}.if", variables=names)
    if not isinstance(tests, list):
        out.append(Problem("tests", _("The test cases are a list.")))
        return out
    for i, t in enumerate(tests, 1):
        f = f"tests.{i}"
        if not isinstance(t, dict) or not isinstance(t.get("data"), dict):
            out.append(Problem(f"{f}.data", _("A test case gives sample data (an object) and the expected verdict.")))
        elif not isinstance(t.get("expect"), bool):
            out.append(Problem(f"{f}.expect", _("The expected verdict is true (approve) or false (to a reviewer).")))
    return out


def run(rules: list[dict], data: dict[str, Any]) -> tuple[bool, list[dict[str, str]]]:
    """The verdict on `data`: (every rule holds, the rules that do not — by name and message)."""
    failed = [
        {"name": str(r.get("name", "")), "message": str(r.get("message", ""))}
        for r in rules
        if not conditions.holds(r["if"], data)
    ]
    return not failed, failed


def test_failures(rules: list[dict], tests: list[dict]) -> list[Problem]:
    out = []
    for i, t in enumerate(tests, 1):
        approved, _failed = run(rules, t["data"])
        if approved is not t["expect"]:
            out.append(
                Problem(
                    f"tests.{i}",
                    _("Test case “%(name)s” expects %(expect)s but the rules give %(got)s."),
                    "test_failed",
                    params={"name": str(t.get("name") or i), "expect": t["expect"], "got": approved},
                )
            )
    return out


@transaction.atomic
def save_rule_set(version: Any, *, rules: Any, tests: Any, user: Any = None) -> RuleSet:
    """A new draft version of the item version's rules, checked whole (every problem at once)."""
    problems = rule_problems(rules, tests, version)
    if problems:
        raise ProblemsError(problems)
    last = RuleSet.objects.filter(version=version).aggregate(n=Max("number"))["n"] or 0
    return RuleSet.objects.create(version=version, number=last + 1, rules=rules, tests=tests, created_by=user)


@transaction.atomic
def activate(rule_set: RuleSet, *, effective_from: Any = None) -> RuleSet:
    """Activates a rule set once its test cases pass (there must be at least one); the one active before retires."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if not rule_set.tests:
        raise ProblemsError([Problem("tests", _("Add at least one test case before activating."), "required")])
    problems = test_failures(rule_set.rules, rule_set.tests)
    if problems:
        raise ProblemsError(problems)
    RuleSet.objects.filter(version_id=rule_set.version_id, status=RuleSetStatus.ACTIVE).exclude(pk=rule_set.pk).update(
        status=RuleSetStatus.RETIRED
    )
    rule_set.status, rule_set.effective_from = RuleSetStatus.ACTIVE, effective_from
    rule_set.activated_at = timezone.now()
    rule_set.save()
    return rule_set


def active_for(version_id: int, day: Any = None) -> RuleSet | None:
    day = day or timezone.localdate()
    return (
        RuleSet.objects.filter(version_id=version_id, status=RuleSetStatus.ACTIVE)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=day))
        .order_by("-number")
        .first()
    )


def inputs_for(case: Case) -> dict[str, Any]:
    """What the rules see: the submitted form, the applicant's verified kind and real-name level, the channel."""
    if case.enterprise_id is not None:
        kind, level = "enterprise", int(getattr(case.enterprise, "level", 0) or 0)
    else:
        kind, level = "person", int(getattr(case.person, "level", 0) or 0)
    return {
        "form": dict(case.form_data or {}),
        "applicant": {"kind": kind, "level": level},
        "case": {"channel": case.channel},
    }


def decide(case_id: int) -> RuleDecision | None:
    """Decides a just-submitted case by its item version's active rules; once per case (a re-sent event is a no-op).

    Nothing happens when the item has no active rules, or the case no longer awaits acceptance.
    """
    case = Case.objects.select_related("person", "enterprise").filter(pk=case_id).first()
    if case is None or case.state != State.SUBMITTED or RuleDecision.objects.filter(case_id=case_id).exists():
        return None
    rule_set = active_for(case.version_id)
    if rule_set is None:
        return None
    started = time.perf_counter()
    data = inputs_for(case)
    approved, failed = run(rule_set.rules, data)
    elapsed = (time.perf_counter() - started) * 1000
    name = f"秒批规则 v{rule_set.number}"
    reason = (
        str(_("Approved instantly: every rule of rule set v%(n)s holds.")) % {"n": rule_set.number}
        if approved
        else str(_("Not approved by the rules (%(names)s): to a reviewer."))
        % {"names": "、".join(f["name"] for f in failed)}
    )
    record = {"rule_set": rule_set.pk, "rule_set_version": rule_set.number, "inputs": data, "failed": failed}
    try:
        with transaction.atomic():
            decision = RuleDecision.objects.create(
                case=case, rule_set=rule_set, approved=approved, inputs=data, failed=failed, elapsed_ms=elapsed
            )
            actions.decide_by_rules(
                actions.Caller.for_system(name), case.pk, approved=approved, reason=reason, record=record
            )
    except (
        ProblemsError,
        IntegrityError,
    ):  # someone acted on the case first (or the event was re-sent): the human path stands
        log.info("rules: case %s no longer awaits acceptance; left as it is", case_id)
        return None
    return decision
