"""秒批: rule sets checked at save, tests required before activation, the decision through the one door."""

from __future__ import annotations

import json

import pytest

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases import applying
from yiwang.cases.actions import Caller
from yiwang.cases.models import Case, CaseEvent, CaseStep
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import ProblemsError
from yiwang.orgs.models import Role
from yiwang.rules import services
from yiwang.rules.models import RuleDecision

pytestmark = pytest.mark.django_db

FORM = [
    {"name": "area", "label": "面积", "type": "number", "required": True},
    {
        "name": "kind",
        "label": "类别",
        "type": "choice",
        "required": True,
        "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    },
]
RULES = [
    {"name": "面积不超过100平方米", "if": {"<=": [{"var": "form.area"}, 100]}, "message": "大于100平方米需现场核查"},
    {"name": "类别为A", "if": {"==": [{"var": "form.kind"}, "a"]}, "message": ""},
    {"name": "实名等级", "if": {">=": [{"var": "applicant.level"}, 2]}, "message": ""},
]
TESTS = [
    {"name": "小店", "data": {"form": {"area": 50, "kind": "a"}, "applicant": {"level": 2}}, "expect": True},
    {"name": "大店", "data": {"form": {"area": 500, "kind": "a"}, "applicant": {"level": 2}}, "expect": False},
]


@pytest.fixture
def world():
    org = OrganisationFactory()
    item = make_item(org, name="小型餐饮备案", materials=[])
    ItemVersion.objects.filter(pk=item.current_id).update(form_fields=FORM)
    item.refresh_from_db()
    return {"org": org, "item": item, "admin": staff(org, Role.CATALOG_ADMIN), "citizen": person("钱七", level=2)}


def _active(world):
    rs = services.save_rule_set(world["item"].current, rules=RULES, tests=TESTS)
    return services.activate(rs)


def _apply(world, django_capture_on_commit_callbacks, **form):
    with django_capture_on_commit_callbacks(execute=True):
        done = applying.apply(
            Caller.for_user(world["citizen"].user),
            applying.ApplyRequest(item_code=world["item"].item_code, channel="portal", form=form),
        )
    return Case.objects.get(pk=done.case.pk)


def test_rules_are_checked_at_save_with_field_errors(world):
    bad = [{"name": "", "if": {"<=": [{"var": "form.aera"}, 100]}}, {"name": "x"}, "nope"]
    with pytest.raises(ProblemsError) as exc:
        services.save_rule_set(world["item"].current, rules=bad, tests=[{"data": 1}])
    assert {p.field for p in exc.value.problems} == {
        "rules.1.name",
        "rules.1.if.<=.0.var",
        "rules.2.if",
        "rules.3",
        "tests.1.data",
    }


def test_activation_needs_passing_tests(world):
    rs = services.save_rule_set(world["item"].current, rules=RULES, tests=[])
    with pytest.raises(ProblemsError):
        services.activate(rs)
    wrong = [{**TESTS[1], "expect": True}]
    rs2 = services.save_rule_set(world["item"].current, rules=RULES, tests=wrong)
    with pytest.raises(ProblemsError) as exc:
        services.activate(rs2)
    assert exc.value.problems[0].field == "tests.1" and exc.value.problems[0].code == "test_failed"
    assert services.activate(services.save_rule_set(world["item"].current, rules=RULES, tests=TESTS)).number == 3


def test_instant_approval_through_the_door_with_audit(world, django_capture_on_commit_callbacks):
    rs = _active(world)
    case = _apply(world, django_capture_on_commit_callbacks, area="60", kind="a")
    assert case.state == "approved" and case.concluded_at is not None
    actions = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "role", "channel"))
    assert actions == [
        ("submit", "applicant", "portal"),
        ("rule_check", "system", "system"),
        ("accept", "system", "system"),
        ("approve", "system", "system"),
    ]
    check = CaseEvent.objects.get(case=case, action="rule_check")
    assert check.data["rule_set_version"] == rs.number and check.data["inputs"]["form"] == {"area": 60, "kind": "a"}
    assert not CaseStep.objects.filter(case=case).exclude(state="skipped").exists()  # no human step
    d = RuleDecision.objects.get(case=case)
    assert d.approved and d.rule_set_id == rs.pk
    # replaying the recorded inputs gives the same verdict
    assert services.run(d.rule_set.rules, d.inputs)[0] is True
    # a re-sent event decides nothing twice
    assert services.decide(case.pk) is None


def test_failing_rules_fall_back_to_a_reviewer(world, django_capture_on_commit_callbacks):
    _active(world)
    case = _apply(world, django_capture_on_commit_callbacks, area="500", kind="b")
    assert case.state == "submitted"
    check = CaseEvent.objects.get(case=case, action="rule_check")
    assert [f["name"] for f in check.data["failed"]] == ["面积不超过100平方米", "类别为A"]
    assert not RuleDecision.objects.get(case=case).approved


def test_no_rules_no_decision(world, django_capture_on_commit_callbacks):
    case = _apply(world, django_capture_on_commit_callbacks, area="60", kind="a")
    assert case.state == "submitted" and not CaseEvent.objects.filter(case=case, action="rule_check").exists()


def test_only_the_system_may_decide(world, django_capture_on_commit_callbacks):
    from yiwang.cases import actions

    case = _apply(world, django_capture_on_commit_callbacks, area="60", kind="a")
    with pytest.raises(actions.NotAllowed):
        actions.decide_by_rules(Caller.for_user(world["admin"]), case, approved=True, reason="x", record={})


def test_editor_page_and_api(client, world):
    code = world["item"].item_code
    client.force_login(world["citizen"].user)
    assert client.get(f"/workbench/rules/{code}/").status_code == 404
    assert client.get(f"/api/v1/rules/items/{code}").status_code == 404
    client.force_login(world["admin"])
    tried = client.post(
        f"/workbench/rules/{code}/",
        {
            "action": "try",
            "rules": json.dumps(RULES),
            "tests": json.dumps(TESTS),
            "sample": json.dumps(TESTS[1]["data"]),
        },
    )
    assert tried.status_code == 200 and "面积不超过100平方米" in tried.content.decode()
    bad = client.post(f"/workbench/rules/{code}/", {"action": "save", "rules": "[{", "tests": "[]"})
    assert bad.status_code == 400
    r = client.post(
        f"/api/v1/rules/items/{code}", json.dumps({"rules": RULES, "tests": TESTS}), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    r = client.post(f"/api/v1/rules/items/{code}/sets/1/activate")
    assert r.status_code == 200 and r.json()["status"] == "active"
    r = client.post(
        f"/api/v1/rules/items/{code}/try",
        json.dumps({"rules": RULES, "data": TESTS[0]["data"]}),
        content_type="application/json",
    )
    assert r.json() == {"approved": True, "failed": []}
    assert "小型餐饮备案" in client.get("/workbench/rules/").content.decode()
