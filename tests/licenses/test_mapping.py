"""An item version's result license mapping (ItemVersion.result_fields): refused at publishing when it cannot be
filled — through the catalog services, the items API, the editor and the catalog import — and applied on approval."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests import factories
from tests.editor.fixtures import client_for
from tests.io.helpers import edit_xlsx, item_obj, json_file, set_cell, xlsx_file
from yiwang.cases import services as cases
from yiwang.cases.models import Channel, State
from yiwang.cases.services import Who
from yiwang.catalog import services as catalog
from yiwang.catalog.io import import_catalog, iter_json, published_versions
from yiwang.catalog.models import CatalogEvent, ItemVersion, ServiceItem
from yiwang.core.errors import ProblemsError
from yiwang.licenses import mapping
from yiwang.licenses.models import HolderKind, License, LicenseType
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

FOOD = "11100000MB0143028R002"
FIELDS = [
    {"name": "operator_name", "label": "经营者名称", "type": "text", "required": True},
    {"name": "legal_rep", "label": "法定代表人（负责人）", "type": "text", "required": True},
    {"name": "premises", "label": "经营场所", "type": "text", "required": True},
    {
        "name": "business_kind",
        "label": "主体业态",
        "type": "choice",
        "required": True,
        "choices": ["食品销售经营者", "餐饮服务经营者", "单位食堂"],
    },
    {"name": "certificate_no", "label": "许可证编号", "type": "text", "required": True},
    {"name": "supervisor", "label": "日常监督管理机构", "type": "text", "required": False},
    {"name": "valid_until", "label": "有效期至", "type": "date", "required": True},
    {"name": "issue_date", "label": "发证日期", "type": "date", "required": True},
    {"name": "note", "label": "备注", "type": "text", "required": False},
]
FORM = [
    {"name": "contact_phone", "label": "联系电话", "type": "phone", "required": True},
    {"name": "premises", "label": "经营场所", "type": "text", "required": True},
    {
        "name": "kind",
        "label": "主体业态",
        "type": "choice",
        "required": True,
        "choices": ["餐饮服务经营者", "单位食堂"],
    },
]
MAPPING = {
    "operator_name": "applicant:name",
    "legal_rep": "applicant:legal_rep",
    "premises": "form:premises",
    "business_kind": "form:kind",
    "certificate_no": "number",
    "supervisor": "case:issuer",
    "valid_until": "date:expires",
    "issue_date": "date:issued",
    "note": "const:仅限堂食",
}


@pytest.fixture
def bureau():
    return factories.OrganisationFactory(name="蚌埠市市场监督管理局")


@pytest.fixture
def food(bureau):
    lt = LicenseType.objects.create(
        code=FOOD,
        name="食品经营许可证",
        holder_kind=HolderKind.ENTERPRISE,
        fields=FIELDS,
        validity_years=5,
        number_field="certificate_no",
        number_pattern="JY{choice:business_kind}{division}{serial:6}{check}",
    )
    lt.issuers.add(bureau)
    return lt


def version(bureau, **overrides):
    data = {
        "result_type": "license",
        "result_name": "食品经营许可证",
        "result_license_type": FOOD,
        "for_persons": False,
        "for_enterprises": True,
        "form_fields": FORM,
        "result_fields": MAPPING,
        **overrides,
    }
    return factories.version_data(level=bureau.division.level, **data)


def create(bureau, **overrides):
    return catalog.create_item(
        organisation=bureau,
        catalog_code="010000000777",
        item_code=factories.item_code_for(bureau, "010000000777"),
        version=version(bureau, **overrides),
        materials=[factories.material_data()],
        steps=factories.DEFAULT_STEPS,
        publish_now=True,
    )


def refused(bureau, **overrides) -> dict[str, str]:
    with pytest.raises(ProblemsError) as caught:
        create(bureau, **overrides)
    assert not ServiceItem.objects.exists() and not CatalogEvent.objects.exists()
    return {p.field: str(p) for p in caught.value.problems}


def test_a_complete_mapping_publishes(bureau, food):
    item = create(bureau)
    assert item.current.result_fields == MAPPING
    # A new draft carries the mapping, like every other element.
    draft = catalog.start_draft(item)
    assert draft.result_fields == MAPPING


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        # a required license field with no source (not mapped, no form field or fact of that name)
        (
            {"result_fields": {k: v for k, v in MAPPING.items() if k != "premises"}, "form_fields": FORM[:1]},
            "result_fields.premises",
            "经营场所",
        ),
        # a form field the form does not have
        ({"result_fields": {**MAPPING, "premises": "form:shop_address"}}, "result_fields.premises", "shop_address"),
        # a form field that may be left empty, for a required license field
        ({"form_fields": [FORM[0], {**FORM[1], "required": False}, FORM[2]]}, "result_fields.premises", "premises"),
        # a form choice the license does not allow
        ({"form_fields": [*FORM[:2], {**FORM[2], "choices": ["流动摊贩"]}]}, "result_fields.business_kind", "流动摊贩"),
        # a holder kind the audience cannot produce
        ({"for_persons": True}, "service_object", "食品经营许可证"),
        # a fixed value outside the choices, and a number on a field the rule does not fill
        ({"result_fields": {**MAPPING, "business_kind": "const:流动摊贩"}}, "result_fields.business_kind", "流动摊贩"),
        ({"result_fields": {**MAPPING, "note": "number"}}, "result_fields.note", "备注"),
        # sources that are not sources, and fields the type does not have
        ({"result_fields": {**MAPPING, "premises": "form premises"}}, "result_fields.premises", "form premises"),
        ({"result_fields": {**MAPPING, "colour": "const:红"}}, "result_fields.colour", "colour"),
        ({"result_fields": ["premises"]}, "result_fields", ""),
    ],
)
def test_a_mapping_that_cannot_be_filled_is_refused_at_publishing(bureau, food, overrides, field, words):
    problems = refused(bureau, **overrides)
    assert field in problems, problems
    assert words in problems[field]


def test_a_person_license_needs_a_person_audience_and_no_enterprise_facts(bureau):
    teacher = LicenseType.objects.create(
        code="11100000000013338W001",
        name="教师资格证",
        holder_kind=HolderKind.PERSON,
        fields=[{"name": "rep", "label": "法定代表人", "type": "text", "required": True}],
    )
    teacher.issuers.add(bureau)
    problems = refused(
        bureau,
        result_license_type=teacher.code,
        for_persons=True,
        for_enterprises=True,
        result_fields={"rep": "applicant:legal_rep"},
    )
    assert "service_object" in problems and "result_fields.rep" in problems


def test_an_organisation_that_does_not_issue_the_type_cannot_publish(food):
    other = factories.OrganisationFactory(name="蚌埠市教育局")
    problems = refused(other)
    assert "蚌埠市教育局" in problems["result_license_type"]


def test_only_a_license_result_has_a_mapping(bureau, food):
    problems = refused(bureau, result_type="approval", result_license_type="")
    assert "result_fields" in problems


def test_the_items_api_refuses_it_per_field(bureau, food):
    admin = factories.staff(bureau, Role.CATALOG_ADMIN, is_superuser=True)
    body = {
        "organisation": bureau.credit_code,
        "catalog_code": "010000000777",
        "version": version(bureau, result_fields={**MAPPING, "premises": "form:nowhere"}),
        "materials": [factories.material_data()],
        "steps": factories.DEFAULT_STEPS,
        "publish": True,
    }
    client = client_for(admin)
    r = client.post("/api/v1/catalog/items", body, content_type="application/json")
    assert r.status_code == 400
    problem = next(p for p in r.json()["detail"] if p["field"] == "result_fields.premises")
    assert "nowhere" in problem["message"] and "nowhere" in problem["message_en"]
    body["version"] = version(bureau)
    r = client.post("/api/v1/catalog/items", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    assert r.json()["version"]["result_fields"] == MAPPING


def test_the_editor_saves_the_mapping_and_reports_it_when_publishing(bureau, food):
    from django.urls import reverse

    from tests.editor.test_admin_flow import form_data, messages_of

    draft = catalog.start_draft(create(bureau))
    client = client_for(factories.staff(bureau, Role.CATALOG_ADMIN, is_superuser=True))
    url = reverse("admin:catalog_itemversion_change", args=[draft.pk])
    data = form_data(client.get(url))
    data.update(result_fields=json.dumps({**MAPPING, "premises": "form:nowhere"}), _publish="1")
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    assert any("nowhere" in m for m in messages_of(response)), messages_of(response)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.result_fields["premises"] == "form:nowhere"  # saved, not published
    data = form_data(client.get(url))  # the page again: saving the draft rewrote its materials and steps
    data.update(result_fields=json.dumps(MAPPING), _publish="1")
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.result_fields == MAPPING
    # An emptied field is no mapping: fields are then matched by name, and this type's cannot all be.
    draft = catalog.start_draft(draft.item)
    url = reverse("admin:catalog_itemversion_change", args=[draft.pk])
    data = form_data(client.get(url))
    data.update(result_fields="", _publish="1")
    response = client.post(url, data)
    assert response.status_code == 302 and any("经营者名称" in m for m in messages_of(response)), messages_of(response)
    draft.refresh_from_db()
    assert draft.result_fields == {} and draft.status == "draft"


def test_the_catalog_file_carries_the_form_and_the_mapping(bureau, food):
    obj = item_obj(
        bureau,
        result_type="license",
        result_license_type=FOOD,
        for_persons=False,
        for_enterprises=True,
        form_fields=FORM,
        result_fields=MAPPING,
    )
    assert import_catalog(json_file([obj])).created == 1
    exported = json.loads("".join(iter_json(published_versions())))["items"][0]
    assert exported["result_fields"] == MAPPING and exported["form_fields"] == FORM
    # The same through a workbook: JSON text in the two cells, a bad one reported on its cell.
    ServiceItem.objects.all().delete()
    assert import_catalog(xlsx_file([obj])).created == 1
    version = ServiceItem.objects.get().current
    assert version.form_fields == FORM and version.result_fields == MAPPING
    bad = edit_xlsx(xlsx_file([obj]), lambda wb: set_cell(wb, "事项", 3, "result_fields", "{不是 JSON"))
    with pytest.raises(ProblemsError) as caught:
        import_catalog(bad)
    assert [p.field for p in caught.value.problems] == ["result_fields"]
    broken = {**obj, "result_fields": {**MAPPING, "premises": "form:nowhere"}}
    with pytest.raises(ProblemsError) as caught:
        import_catalog(json_file([broken]))
    problem = next(p for p in caught.value.problems if "nowhere" in str(p))
    assert problem.field == "result_fields" and problem.extra["key"] == "result_fields"


def test_approval_fills_the_license_from_the_mapping(bureau, food, django_capture_on_commit_callbacks):
    item = create(bureau)
    rep = factories.person("李四", level=2)
    company = factories.enterprise("蚌埠淮河食品有限公司", legal_rep=rep, address="蚌埠市蚌山区涂山路 88 号")
    case, _ = cases.submit(
        version=item.current,
        person=rep,
        enterprise=company,
        who=Who(user=rep.user, name=rep.name),
        form_data={"contact_phone": "13900000002", "premises": "涂山路 88 号一层", "kind": "单位食堂"},
    )
    staff = {r: factories.staff(bureau, r) for r in (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER)}
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.accept(
            case,
            Who(
                user=staff[Role.WINDOW_CLERK], role=Role.WINDOW_CLERK, organisation_id=bureau.pk, channel=Channel.WINDOW
            ),
        )
        for role in (Role.REVIEWER, Role.REVIEWER, Role.APPROVER):
            who = Who(user=staff[role], role=role, organisation_id=bureau.pk)
            cases.claim(case, who)
            case = cases.complete_step(case, who, decision="pass", opinion="同意")
    case.refresh_from_db()
    assert case.state == State.APPROVED
    lic = License.objects.get()
    assert case.result_license == lic.identifier
    today = lic.issued_on
    assert lic.field_values == {
        "operator_name": "蚌埠淮河食品有限公司",
        "legal_rep": "李四",
        "premises": "涂山路 88 号一层",
        "business_kind": "单位食堂",
        "certificate_no": lic.certificate_no,
        "supervisor": "蚌埠市市场监督管理局",
        "valid_until": lic.expires_on.isoformat(),
        "issue_date": today.isoformat(),
        "note": "仅限堂食",
    }
    assert lic.expires_on == dt.date(today.year + 5, today.month, today.day) - dt.timedelta(days=1) or (
        today.month == 2 and today.day == 29
    )
    assert lic.certificate_no.startswith(f"JY3{bureau.division.code}000001") and len(lic.certificate_no) == 16


def test_fields_left_out_are_matched_by_name_then_label_then_facts(bureau, food):
    v = ItemVersion(
        form_fields=[
            {"name": "premises", "label": "场所", "type": "text", "required": True},
            {"name": "x", "label": "主体业态", "type": "choice", "choices": ["单位食堂"], "required": True},
        ],
        result_fields={"note": "const:无"},
    )
    found = {k: str(v) if v else None for k, v in mapping.effective(v, food).items()}
    assert found == {
        "operator_name": None,  # no field, label or fact of that name
        "legal_rep": "applicant:legal_rep",
        "premises": "form:premises",
        "business_kind": "form:x",
        "certificate_no": "number",
        "supervisor": None,
        "valid_until": None,
        "issue_date": None,
        "note": "const:无",
    }
