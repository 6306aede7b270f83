"""Who a policy is for, decided by rules over facts: every rule of a version must hold.

A version's rule set is its written rules (core.conditions JSON, the same evaluator the 秒批 rules use) plus the
rules its structured fields imply (industries, scales, regions, target). Each rule ends in one of three outcomes:

- met: it holds on the facts;
- failed: it does not hold, and every fact it reads is known;
- unknown: it does not hold, but a fact it reads is missing — so the verdict waits for that fact.

A subject is eligible when every rule is met. The verdict lists the rules met, those failed and those undecided
with the facts missing to decide them; pages show exactly this ("why").

Bulk matching evaluates millions of (policy, subject) pairs: `compile_rules` turns each condition into a Python
closure once (same results as `conditions.evaluate`, checked by tests) and `Compiled.decide` reuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from yiwang.core import conditions
from yiwang.core.errors import Problem

from . import industries
from .models import Scale, Target

MAX_RULES = 50
# The names a rule may read (see facts.gather); the prefixes hold shared data as the exchange delivers it.
FACT_NAMES = (
    "kind",
    "enterprise.kind",
    "enterprise.status",
    "enterprise.founded",
    "enterprise.age_years",
    "enterprise.employees",
    "enterprise.revenue",
    "person.level",
    "person.age",
    "industry.code",
    "industry.section",
    "industry.division",
    "scale",
    "region.province",
    "region.city",
    "region.county",
    "licenses",
    "cases",
    "tax.",
    "social.",
    "shared.",
)

Json = Any


# --- structured fields → rules ---------------------------------------------------------------------------------


def implied_rules(
    *, target: str, industries_: Iterable[str] = (), scales: Iterable[str] = (), divisions: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The rules a version's structured fields stand for, named so a person reads why they matched or not."""
    out: list[dict[str, Any]] = [
        {
            "name": str(_("For enterprises") if target == Target.ENTERPRISE else _("For persons")),
            "if": {"==": [{"var": "kind"}, target]},
            "implied": True,
        }
    ]
    codes = list(industries_)
    if codes:
        sections = [c for c in codes if c.isalpha()]
        divs = [c for c in codes if not c.isalpha()]
        names = "、".join(industries.name_of(c) for c in codes[:6]) + ("…" if len(codes) > 6 else "")
        out.append(
            {
                "name": str(_("Industry: %(names)s")) % {"names": names},
                "if": {
                    "or": [
                        {"in": [{"var": "industry.section"}, sections]},
                        {"in": [{"var": "industry.division"}, divs]},
                    ]
                },
                "implied": True,
            }
        )
    scales = list(scales)
    if scales:
        labels = "、".join(str(Scale(s).label) for s in scales if s in Scale.values)
        out.append(
            {
                "name": str(_("Enterprise scale: %(names)s")) % {"names": labels},
                "if": {"in": [{"var": "scale"}, scales]},
                "implied": True,
            }
        )
    divisions = list(divisions)
    if divisions:
        parts = []
        for level, codes_ in (
            ("province", [d for d in divisions if d.endswith("0000")]),
            ("city", [d for d in divisions if d.endswith("00") and not d.endswith("0000")]),
            ("county", [d for d in divisions if not d.endswith("00")]),
        ):
            if codes_:
                parts.append({"in": [{"var": f"region.{level}"}, codes_]})
        out.append({"name": str(_("Registered in the policy's region")), "if": {"or": parts}, "implied": True})
    return out


def rules_of(version: Any) -> list[dict[str, Any]]:
    """Every rule of a version: the implied ones first, then those written."""
    return implied_rules(
        target=version.target,
        industries_=version.industries or [],
        scales=version.scales or [],
        divisions=version.divisions or [],
    ) + list(version.rules or [])


# --- checking ----------------------------------------------------------------------------------------------------


def rule_problems(rules: Any) -> list[Problem]:
    """Everything wrong with the written rules, each on its field (rules.N.if…); [] when they may be saved."""
    if not isinstance(rules, list):
        return [Problem("rules", _("The rules are a list of objects with a name, a condition (if) and a message."))]
    out: list[Problem] = []
    if len(rules) > MAX_RULES:
        out.append(Problem("rules", _("A policy holds at most %(n)s rules."), params={"n": MAX_RULES}))
    for i, rule in enumerate(rules, 1):
        f = f"rules.{i}"
        if not isinstance(rule, dict):
            out.append(Problem(f, _("Each rule is an object with a name, a condition (if) and a message.")))
            continue
        if not str(rule.get("name") or "").strip():
            out.append(Problem(f"{f}.name", _("Name the rule (people read it to see why they match)."), "required"))
        if "if" not in rule:
            out.append(Problem(f"{f}.if", _("Give the rule its condition."), "required"))
        else:
            out += conditions.problems(rule["if"], field=f"{f}.if", variables=FACT_NAMES)
    return out


def test_problems(tests: Any) -> list[Problem]:
    """The shape of the test cases: each gives sample facts (an object) and the expected verdict."""
    if not isinstance(tests, list):
        return [Problem("tests", _("The test cases are a list."))]
    out = []
    for i, t in enumerate(tests, 1):
        if not isinstance(t, dict) or not isinstance(t.get("facts"), dict):
            out.append(Problem(f"tests.{i}.facts", _("A test case gives sample facts (an object).")))
        elif not isinstance(t.get("expect"), bool):
            out.append(Problem(f"tests.{i}.expect", _("The expected verdict is true (eligible) or false.")))
    return out


def test_failures(rules: list[dict[str, Any]], tests: list[dict[str, Any]]) -> list[Problem]:
    """The test cases whose expected verdict the rules do not give."""
    compiled = compile_rules(rules)
    out = []
    for i, t in enumerate(tests, 1):
        got = compiled.decide(t["facts"]).eligible
        if got is not t["expect"]:
            out.append(
                Problem(
                    f"tests.{i}",
                    _("Test case “%(name)s” expects %(expect)s but the rules give %(got)s."),
                    "test_failed",
                    params={"name": str(t.get("name") or i), "expect": t["expect"], "got": got},
                )
            )
    return out


# --- evaluating ----------------------------------------------------------------------------------------------------


def variables_of(cond: Json) -> list[str]:
    """The fact names a condition reads (var and missing), in order, once each."""
    out: list[str] = []

    def walk(node: Json) -> None:
        if isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, dict) and len(node) == 1:
            op, args = next(iter(node.items()))
            if op == "var":
                name = args[0] if isinstance(args, list) else args
                if isinstance(name, str) and name not in out:
                    out.append(name)
            elif op == "missing":
                out.extend(a for a in args if a not in out)
            else:
                walk(args)

    walk(cond)
    return out


_MISSING = object()


def _getter(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """`conditions.lookup(data, name)` for one name, with the path split once (facts are plain dicts)."""
    parts = name.split(".")
    if any(p.isdigit() for p in parts) or len(parts) > 3:
        return lambda data: conditions.lookup(data, name)
    if len(parts) == 1:
        (a,) = parts

        def get1(data: Mapping[str, Any]) -> Any:
            return data.get(a) if isinstance(data, dict) else conditions.lookup(data, name)

        return get1
    if len(parts) == 2:
        a, b = parts

        def get2(data: Mapping[str, Any]) -> Any:
            if not isinstance(data, dict):
                return conditions.lookup(data, name)
            v = data.get(a)
            return (
                v.get(b)
                if isinstance(v, dict)
                else (None if v is None or not isinstance(v, Mapping) else conditions.lookup(data, name))
            )

        return get2
    return lambda data: conditions.lookup(data, name)


def compile_condition(cond: Json) -> Callable[[Mapping[str, Any]], Any]:
    """A closure giving `conditions.evaluate(cond, data)` for a checked condition, without re-reading the JSON."""
    if isinstance(cond, list):
        parts = [compile_condition(c) for c in cond]
        return lambda d: [p(d) for p in parts]
    if not isinstance(cond, dict):
        return lambda d: cond
    op, args = next(iter(cond.items()))
    truthy = conditions.truthy
    if op == "var":
        if isinstance(args, list):
            name, default = args[0], (args[1] if len(args) > 1 else None)
            return lambda d: conditions.lookup(d, name, default)
        return _getter(args)
    if op in ("and", "or"):
        parts = [compile_condition(c) for c in args]
        if op == "and":
            return lambda d: all(truthy(p(d)) for p in parts)
        return lambda d: any(truthy(p(d)) for p in parts)
    if op == "!":
        inner = compile_condition(args[0] if isinstance(args, list) else args)
        return lambda d: not truthy(inner(d))
    if op == "missing":
        names = list(args)
        return lambda d: conditions.evaluate({"missing": names}, d)
    a, b = compile_condition(args[0]), compile_condition(args[1])
    equal, order = conditions._equal, conditions._order
    lit = args[1]
    if op == "==" and isinstance(lit, str):  # the evaluator's equality with a text is: the same text
        return lambda d: (lambda x: type(x) is str and x == lit)(a(d))
    if op in ("<", "<=", ">", ">=") and type(lit) is int:  # whole numbers compare as they are (no Decimal)
        cmp = {"<": int.__lt__, "<=": int.__le__, ">": int.__gt__, ">=": int.__ge__}[op]

        def compare(d: Mapping[str, Any]) -> bool:
            x = a(d)
            return cmp(x, lit) if type(x) is int else order(op, x, lit)

        return compare
    if op == "==":
        return lambda d: equal(a(d), b(d))
    if op == "!=":
        return lambda d: not equal(a(d), b(d))
    if op == "in":
        literal = (
            args[1] if isinstance(args[1], list) and all(not isinstance(x, dict | list) for x in args[1]) else None
        )
        if literal is not None and all(isinstance(x, str) for x in literal):
            members = frozenset(literal)
            return lambda d: (lambda v: isinstance(v, str) and v in members)(a(d))

        def member(d: Mapping[str, Any]) -> bool:
            x, y = a(d), b(d)
            if isinstance(y, list):
                return any(equal(x, e) for e in y)
            return isinstance(x, str) and isinstance(y, str) and x in y

        return member
    return lambda d: order(op, a(d), b(d))


@dataclass
class Verdict:
    """The outcome for one subject: eligible when every rule is met; otherwise why not, or what is missing."""

    eligible: bool
    met: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    unknown: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        """No rule failed; some wait for facts Yiwang does not hold."""
        return not self.eligible and not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "met": self.met,
            "failed": self.failed,
            "unknown": self.unknown,
            "missing": self.missing,
        }


@dataclass
class _Rule:
    name: str
    message: str
    test: Callable[[Mapping[str, Any]], Any]
    reads: list[Callable[[Mapping[str, Any]], Any]]
    names: list[str]


class Compiled:
    """A version's rules, compiled once; `decide(facts)` is the verdict, `holds(facts)` only whether eligible."""

    def __init__(self, rules: list[dict[str, Any]]):
        self.rules = [
            _Rule(
                str(r.get("name", "")),
                str(r.get("message", "")),
                compile_condition(r["if"]),
                [_getter(n) for n in variables_of(r["if"])],
                variables_of(r["if"]),
            )
            for r in rules
        ]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        truthy = conditions.truthy
        return all(truthy(r.test(facts)) for r in self.rules)

    def decide(self, facts: Mapping[str, Any]) -> Verdict:
        truthy = conditions.truthy
        v = Verdict(eligible=False)
        for r in self.rules:
            if truthy(r.test(facts)):
                v.met.append(r.name)
                continue
            absent = [n for n, get in zip(r.names, r.reads, strict=True) if _absent(get(facts))]
            if absent:
                v.unknown.append({"name": r.name, "missing": absent})
                v.missing += [n for n in absent if n not in v.missing]
            else:
                v.failed.append({"name": r.name, "message": r.message})
        v.eligible = not v.failed and not v.unknown
        return v


def _absent(value: Any) -> bool:
    return value is None or value == "" or value == []


def compile_rules(rules: list[dict[str, Any]]) -> Compiled:
    return Compiled(rules)


_COMPILED: dict[tuple[int, str], Compiled] = {}
_COMPILED_MAX = 10_000


def compile_version(version: Any) -> Compiled:
    """The version's rules compiled; a published or retired version never changes, so each process keeps its
    compiled rules by (version id, language) — the implied rules' names are in the language of the request."""
    if version.pk is None or getattr(version, "status", "draft") == "draft":
        return Compiled(rules_of(version))
    key = (version.pk, translation.get_language() or "")
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        found = _COMPILED[key] = Compiled(rules_of(version))
    return found


def decide(version: Any, facts: Mapping[str, Any]) -> Verdict:
    """The verdict of one version on one subject's facts."""
    return compile_version(version).decide(facts)
