"""The condition language (core.conditions): checked at save with field paths, evaluated without eval."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from yiwang.core import conditions as c

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
data_st = st.dictionaries(st.sampled_from(["a", "b", "c"]), scalars, max_size=3).map(lambda d: {"form": d})
var_st = st.sampled_from(["form.a", "form.b", "form.c", "form.missing"]).map(lambda n: {"var": n})
leaf_st = st.one_of(scalars, var_st)


def _cond(children):
    return st.one_of(
        st.builds(lambda op, a, b: {op: [a, b]}, st.sampled_from(c.COMPARE + ("in",)), leaf_st, leaf_st),
        st.builds(lambda op, xs: {op: xs}, st.sampled_from(["and", "or"]), st.lists(children, max_size=3)),
        st.builds(lambda x: {"!": x}, children),
    )


cond_st = st.recursive(st.builds(lambda a, b: {"==": [a, b]}, var_st, scalars), _cond, max_leaves=12)


@given(cond_st, data_st)
def test_valid_conditions_evaluate_without_raising(cond, data):
    assert c.problems(cond) == []
    assert c.holds(cond, data) in (True, False)


@given(st.lists(cond_st, max_size=4), data_st)
def test_and_or_not_are_all_any_negation(conds, data):
    values = [c.holds(x, data) for x in conds]
    assert c.holds({"and": conds}, data) is all(values)
    assert c.holds({"or": conds}, data) is any(values)
    for x, v in zip(conds, values, strict=True):
        assert c.holds({"!": x}, data) is (not v)


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_numbers_compare_as_numbers(a, b):
    data = {"form": {"a": a}}
    assert c.holds({"<": [{"var": "form.a"}, b]}, data) is (a < b)
    assert c.holds({">=": [{"var": "form.a"}, float(b)]}, data) is (a >= b)
    assert c.holds({"==": [{"var": "form.a"}, b]}, data) is (a == b)


@given(
    st.recursive(
        scalars | st.dictionaries(st.text(max_size=4), scalars, max_size=2),
        lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=4), ch, max_size=2),
        max_leaves=10,
    )
)
def test_checking_arbitrary_json_never_raises(junk):
    assert isinstance(c.problems(junk), list)


def test_strict_types_and_missing_values():
    assert not c.holds({"==": ["1", 1]}, {})
    assert not c.holds({"<": [{"var": "form.x"}, 3]}, {"form": {}})  # null never compares
    assert c.holds({"<": ["2025-01-09", "2025-10-01"]}, {})
    assert c.holds({"in": ["cold", {"var": "form.extras"}]}, {"form": {"extras": ["cold"]}})
    assert c.evaluate({"missing": ["form.a", "form.b"]}, {"form": {"a": 0, "b": ""}}) == ["form.b"]
    assert c.holds({"var": ["form.x", True]}, {"form": {}})


def test_problems_name_the_place_and_the_unknown():
    probs = c.problems(
        {"and": [{"==": [{"var": "form.aera"}, 1]}, {"eval": "1"}, {">": [1]}]},
        field="rules.1.if",
        variables=["form.area", "applicant."],
    )
    assert [(p.field, p.code) for p in probs] == [
        ("rules.1.if.and.0.==.0.var", "unknown_variable"),
        ("rules.1.if.and.1.eval", "unknown_operator"),
        ("rules.1.if.and.2.>", "arity"),
    ]
    assert c.problems({"var": "applicant.level"}, variables=["applicant."]) == []
    deep: dict = {"var": "a"}
    for _ in range(20):
        deep = {"!": deep}
    assert c.problems(deep)[0].code == "too_deep"
