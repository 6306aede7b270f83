"""The form engine: every field type with good and bad values, conditions, definitions, prefill."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tests.cases.apply_world import FORM
from tests.factories import citizen_id, make_item
from yiwang.cases import forms
from yiwang.core.codes import make_credit_code
from yiwang.core.errors import ProblemsError

FIELDS = forms.parse(FORM)
GOOD = {"shop_name": "小吃店", "area": "12", "kind": "retail", "contact_phone": "13900001111"}


def problems_for(**values):
    _data, problems = forms.clean(FIELDS, {**GOOD, **values})
    return {p.field: p.code for p in problems}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("shop_name", "", "required"),
        ("shop_name", "店" * 51, "too_long"),
        ("shop_name", ["a", "b"], "invalid"),
        ("area", "abc", "invalid"),
        ("area", "0", "too_small"),
        ("area", "10001", "too_large"),
        ("area", "NaN", "invalid"),
        ("opening", "2025-13-01", "invalid"),
        ("opening", "昨天", "invalid"),
        ("kind", "bank", "invalid"),
        ("kind", "", "required"),
        ("extras", ["cold", "nuclear"], "invalid"),
        ("has_branch", "maybe", "invalid"),
        ("contact_phone", "1234", "invalid"),
        ("contact_phone", "23900001111", "invalid"),
        ("manager_id", "340302199001011234", "invalid"),
        ("manager_id", "34030219900230123X", "invalid"),
        ("supplier_code", "91340300MA2N0000X1", "invalid"),
        ("supplier_code", "ABC", "invalid"),
        ("email", "zhangsan@", "invalid"),
        ("note", "x" * 101, "too_long"),
    ],
)
def test_bad_values_get_a_problem_on_their_own_field(field, value, code):
    found = problems_for(**{field: value})
    assert found[field] == code
    assert set(found) <= {field, "branch_address"}  # a box ticked by mistake may reveal its dependant


def test_good_values_are_normalised():
    cid = citizen_id()
    code = make_credit_code("9", "1", "340300", "12345678")
    data, problems = forms.clean(
        FIELDS,
        {
            **GOOD,
            "area": "1,200.50",
            "opening": "2025-10-08",
            "extras": ["raw", "cold", "raw"],
            "contact_phone": "+86 139-0000-1111",
            "manager_id": cid.lower(),
            "supplier_code": code.lower(),
            "email": "a@b.cn",
        },
    )
    assert problems == []
    assert data["area"] == 1200.5 and data["extras"] == ["raw", "cold"] and data["contact_phone"] == "13900001111"
    assert data["manager_id"] == cid.upper() and data["supplier_code"] == code
    assert data["has_branch"] is False


def test_landline_numbers_are_accepted():
    assert problems_for(contact_phone="0552-1234567") == {}


def test_a_hidden_field_is_not_required_and_not_kept():
    data, problems = forms.clean(FIELDS, {**GOOD, "branch_address": "留在表单里的旧地址"})
    assert problems == [] and "branch_address" not in data
    assert problems_for(has_branch="on") == {"branch_address": "required"}
    data, problems = forms.clean(FIELDS, {**GOOD, "has_branch": True, "branch_address": "东海大道2号"})
    assert problems == [] and data["branch_address"] == "东海大道2号"


def test_conditions_on_choices_and_lists():
    fields = forms.parse(
        [
            {"name": "kind", "label": "类别", "type": "choice", "choices": ["a", "b", "c"]},
            {"name": "why", "label": "原因", "type": "text", "required": True, "show_if": {"kind": ["b", "c"]}},
        ]
    )
    assert forms.clean(fields, {"kind": "a"})[1] == []
    assert [p.field for p in forms.clean(fields, {"kind": "c"})[1]] == ["why"]


def test_form_posts_and_json_both_work():
    post = QueryDict(mutable=True)
    post.update({"shop_name": "店", "area": "3", "kind": "retail", "contact_phone": "13900001111"})
    post.setlist("extras", ["cold", "raw"])
    post["csrfmiddlewaretoken"] = "x"
    data, problems = forms.clean(FIELDS, post)
    assert problems == [] and data["extras"] == ["cold", "raw"]
    _data, problems = forms.clean(FIELDS, {**GOOD, "unknown": 1})
    assert [p.field for p in problems] == ["unknown"]


def test_messages_exist_in_both_languages():
    _data, problems = forms.clean(FIELDS, {**GOOD, "area": "abc"})
    d = problems[0].as_dict()
    assert d["field"] == "area" and d["message"] and d["message_en"] and d["label"] == "经营面积（平方米）"


def test_an_empty_definition_means_the_default_form():
    names = [f.name for f in forms.parse([])]
    assert names == ["contact_phone", "address", "description"]


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ("not a list", "form_fields"),
        ([{"label": "无名"}], "form_fields.1.name"),
        ([{"name": "Bad-Name", "label": "x"}], "form_fields.1.name"),
        ([{"name": "a", "label": "x"}, {"name": "a", "label": "y"}], "form_fields.2.name"),
        ([{"name": "a"}], "form_fields.1.label"),
        ([{"name": "a", "label": "x", "type": "colour"}], "form_fields.1.type"),
        ([{"name": "a", "label": "x", "type": "choice"}], "form_fields.1.choices"),
        ([{"name": "a", "label": "x", "type": "choice", "choices": ["1", "1"]}], "form_fields.1.choices"),
        ([{"name": "a", "label": "x", "show_if": {"b": True}}], "form_fields.1.show_if"),
        ([{"name": "a", "label": "x", "prefill": "salary"}], "form_fields.1.prefill"),
        ([{"name": "a", "label": "x", "type": "number", "min": 5, "max": 1}], "form_fields.1.min"),
        ([{"name": "a", "label": "x", "max_length": 0}], "form_fields.1.max_length"),
        ([{"name": "a", "label": "x", "choices": ["1"]}], "form_fields.1.choices"),
    ],
)
def test_definition_mistakes_are_reported_on_their_key(definition, field):
    assert field in {p.field for p in forms.definition_problems(definition)}


def test_the_sample_definition_is_valid():
    assert forms.definition_problems(FORM) == []
    assert forms.definition_problems([]) == []


@pytest.mark.django_db
def test_catalog_publication_checks_the_form_definition():
    from yiwang.catalog.validation import version_problems

    item = make_item()
    v = item.current
    v.form_fields = [{"name": "a", "label": "x", "type": "colour"}]
    fields = {p.field for p in version_problems(v, list(v.materials.all()), list(v.steps.all()))}
    assert "form_fields.1.type" in fields


@pytest.mark.django_db
def test_validate_a_version_raises_every_problem():
    item = make_item()
    with pytest.raises(ProblemsError) as exc:
        forms.clean(item.current, {"contact_phone": "x"})
    assert [p.field for p in exc.value.problems] == ["contact_phone"]
    assert forms.validate(item.current, {"contact_phone": "13900001111"})["contact_phone"] == "13900001111"


@pytest.mark.django_db
def test_prefill_only_with_consent_and_recorded():
    from tests.factories import person
    from yiwang.identity import space

    p = person("赵六", phone="13811112222")
    fields = forms.parse(FORM)
    assert forms.prefill_values(p, fields, used_by="市场监管局", purpose="食品经营许可") == {
        "contact_phone": "13811112222"
    }
    assert space.uses(p).count() == 1
    space.set_consent(p, "profile", False)
    assert forms.prefill_values(p, fields, used_by="市场监管局", purpose="食品经营许可") == {}
