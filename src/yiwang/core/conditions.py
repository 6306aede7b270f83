"""Conditions as data: a small, strict subset of JsonLogic, checked when saved and evaluated without `eval`.

Rules (秒批) and a bundle's "which items apply" questions are written by catalog administrators, stored as JSON and
evaluated on an application's data. Only these forms are accepted (JsonLogic spelling, so rules stay readable by
the usual JsonLogic tools)::

    {"var": "form.area"}              a value from the data by dotted path (missing → null)
    {"var": ["form.area", 0]}         ... with a default
    {"==": [a, b]}  {"!=": [a, b]}    equality (numbers by value: 1 == 1.0; no string/number coercion)
    {"<": [a, b]} {"<=": …} {">": …} {">=": …}   order of two numbers, or two strings, or two ISO dates;
                                      anything else (null, mixed kinds) is false, never an error
    {"and": [c, …]}  {"or": [c, …]}   all / any (an empty list: true / false)
    {"!": c}  or {"!": [c]}           not
    {"in": [needle, [a, b, …]]}       membership in a list; {"in": ["x", "text"]}: substring
    {"missing": ["form.a", …]}        true when any named value is null or empty (a list of the missing ones)
    literals: strings, numbers, true, false, null, lists of literals

`problems(cond)` lists what is wrong with a condition (unknown operator, wrong arity, too deep, an unknown
variable when the allowed names are given), each a `Problem` with the path inside the JSON, in Chinese and English.
`evaluate(cond, data)` never raises for a condition that passed `problems` (it returns a plain Python value).
Truth is Python's, except that the empty string, empty list and null are false — as in JsonLogic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import Problem

COMPARE = ("==", "!=", "<", "<=", ">", ">=")
OPERATORS = (*COMPARE, "and", "or", "!", "in", "missing", "var")
MAX_DEPTH = 12
MAX_NODES = 500
Json = Any


def _is_literal(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    return isinstance(value, list) and all(_is_literal(v) for v in value)


# --- checking --------------------------------------------------------------------------------------------------


def problems(cond: Json, *, field: str = "condition", variables: Iterable[str] | None = None) -> list[Problem]:
    """Everything wrong with `cond`, each problem naming where (`field` + JSON path); [] when it may be saved.

    `variables`, when given, are the dotted names a `var` may use (a name, or a prefix ending in "." such as
    "form."): a misspelt field is caught when the rule is saved, not when an application arrives.
    """
    allowed = tuple(variables) if variables is not None else None
    out: list[Problem] = []
    count = [0]

    def bad(path: str, message: Any, code: str = "invalid", params: dict | None = None) -> None:
        out.append(Problem(path, message, code, params=params))

    def walk(node: Json, path: str, depth: int) -> None:
        count[0] += 1
        if count[0] > MAX_NODES:
            if count[0] == MAX_NODES + 1:
                bad(field, _("The condition is too long (at most %(max)s parts)."), "too_long", {"max": MAX_NODES})
            return
        if depth > MAX_DEPTH:
            bad(path, _("The condition is nested too deeply (at most %(max)s levels)."), "too_deep", {"max": MAX_DEPTH})
            return
        if isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}.{i}", depth + 1)
            return
        if not isinstance(node, dict):
            if not _is_literal(node):
                bad(path, _("Use text, numbers, true, false, null or a list here."))
            return
        if len(node) != 1:
            bad(path, _('Each part of a condition has exactly one operator, such as {"==": [a, b]}.'), "shape")
            return
        op, args = next(iter(node.items()))
        here = f"{path}.{op}"
        if op not in OPERATORS:
            bad(
                here,
                _("Unknown operator “%(op)s” (allowed: %(ops)s)."),
                "unknown_operator",
                {"op": str(op)[:40], "ops": " ".join(OPERATORS)},
            )
            return
        if op == "var":
            name = args[0] if isinstance(args, list) and args else args
            if not isinstance(name, str) or not name or (isinstance(args, list) and len(args) > 2):
                bad(here, _('“var” takes a name, or a name and a default: {"var": "form.area"}.'), "arity")
                return
            if isinstance(args, list) and len(args) == 2 and not _is_literal(args[1]):
                bad(here, _("A default value must be text, a number, true, false or null."))
            if allowed is not None and not _known(name, allowed):
                bad(here, _("No value is called “%(name)s”."), "unknown_variable", {"name": name[:80]})
            return
        if op == "!":
            args = args if isinstance(args, list) else [args]
            if len(args) != 1:
                bad(here, _("“!” takes one condition."), "arity")
                return
        elif op in ("and", "or"):
            if not isinstance(args, list):
                bad(here, _("“%(op)s” takes a list of conditions."), "arity", {"op": op})
                return
        elif op == "missing":
            if not isinstance(args, list) or not all(isinstance(a, str) and a for a in args):
                bad(here, _("“missing” takes a list of names."), "arity")
                return
            if allowed is not None:
                for i, name in enumerate(args):
                    if not _known(name, allowed):
                        bad(f"{here}.{i}", _("No value is called “%(name)s”."), "unknown_variable", {"name": name[:80]})
            return
        elif not isinstance(args, list) or len(args) != 2:
            bad(here, _('“%(op)s” takes two values: {"%(op)s": [a, b]}.'), "arity", {"op": op})
            return
        for i, v in enumerate(args):
            walk(v, f"{here}.{i}", depth + 1)

    walk(cond, field, 0)
    return out


def _known(name: str, allowed: tuple[str, ...]) -> bool:
    return any(name == a or (a.endswith(".") and name.startswith(a) and len(name) > len(a)) for a in allowed)


# --- evaluating ------------------------------------------------------------------------------------------------


def lookup(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """The value at a dotted path (list positions by number), or `default` when any part is missing."""
    value: Any = data
    for part in name.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return default
    return default if value is None else value


def truthy(value: Any) -> bool:
    """JsonLogic truth: null, false, 0, "" and [] are false; everything else true."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and value not in (float("inf"), float("-inf")) else None
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _equal(a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return type(a) is type(b) and a == b


def _order(op: str, a: Any, b: Any) -> bool:
    pair: tuple[Any, Any] | None = None
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        pair = (na, nb)
    elif isinstance(a, str) and isinstance(b, str):
        da, db = _date(a), _date(b)
        pair = (da, db) if da is not None and db is not None else (a, b)
    if pair is None:
        return False
    x, y = pair
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def evaluate(cond: Json, data: Mapping[str, Any]) -> Any:
    """The value of a checked condition on `data` (see the module's grammar); plain Python values out."""
    if isinstance(cond, list):
        return [evaluate(v, data) for v in cond]
    if not isinstance(cond, dict):
        return cond
    op, args = next(iter(cond.items()))
    if op == "var":
        if isinstance(args, list):
            return lookup(data, args[0], args[1] if len(args) > 1 else None)
        return lookup(data, args)
    if op == "and":
        return all(truthy(evaluate(c, data)) for c in args)
    if op == "or":
        return any(truthy(evaluate(c, data)) for c in args)
    if op == "!":
        return not truthy(evaluate(args[0] if isinstance(args, list) else args, data))
    if op == "missing":
        return [name for name in args if not truthy(lookup(data, name)) and lookup(data, name) not in (0, False)]
    a, b = evaluate(args[0], data), evaluate(args[1], data)
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op == "in":
        if isinstance(b, list):
            return any(_equal(a, x) for x in b)
        return isinstance(a, str) and isinstance(b, str) and a in b
    return _order(op, a, b)


def holds(cond: Json, data: Mapping[str, Any]) -> bool:
    """Whether a checked condition is true on `data`."""
    return truthy(evaluate(cond, data))
