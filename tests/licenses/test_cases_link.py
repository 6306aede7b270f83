"""E-licenses meet cases: issued on approval, used in place of paper (免证办), and what that saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories
from tests.licenses.conftest import BUSINESS_FIELDS, TEACHER_FIELDS, business_fields
from yiwang.cases import services as cases
from yiwang.cases import signals as case_signals
from yiwang.cases import uploads
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, Channel, State
from yiwang.cases.services import Who
from yiwang.core.errors import ProblemsError
from yiwang.core.storage import private_storage
from yiwang.identity import services as identity
from yiwang.identity.models import AgentPermission, DataUse, ReuseCategory
from yiwang.licenses import cases_link, services
from yiwang.licenses.models import HolderKind, License, LicenseType, LicenseUse
from yiwang.licenses.verification import verdict_for
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

BUSINESS = "11100000MB0143028R001"
TEACHER = "11100000000013338W001"
FORM = [
    {
        "name": "enterprise_type",
        "label": "类型",
        "type": "choice",
        "required": True,
        "choices": ["有限责任公司", "股份有限公司", "个人独资企业"],
    },
    {"name": "capital", "label": "注册资本（万元）", "type": "number"},
    {"name": "founded", "label": "成立日期", "type": "date", "required": True},
    {"name": "business_scope", "label": "经营范围", "type": "text"},
]
FORM_DATA = {"enterprise_type": "有限责任公司", "capital": 100, "founded": "2020-05-01", "business_scope": "软件开发"}


@pytest.fixture
def bureau():
    return factories.OrganisationFactory(name="蚌埠市市场监督管理局")


@pytest.fixture
def business_type(bureau):
    lt = LicenseType.objects.create(
        code=BUSINESS, name="营业执照", holder_kind=HolderKind.ENTERPRISE, fields=BUSINESS_FIELDS
    )
    lt.issuers.add(bureau)
    return lt


@pytest.fixture
def teacher_type(bureau):
    lt = LicenseType.objects.create(
        code=TEACHER, name="教师资格证", holder_kind=HolderKind.PERSON, fields=TEACHER_FIELDS, validity_years=5
    )
    lt.issuers.add(bureau)
    return lt


@pytest.fixture
def rep():
    return factories.person("王小明", level=2)


@pytest.fixture
def company(rep):
    return factories.enterprise("蚌埠明月科技有限公司", legal_rep=rep)


def _item(org, license_code: str, form=FORM, **overrides):
    """A published item resulting in the license type, serving the holder kind of the type, asking for `form`."""
    lt = LicenseType.objects.get(code=license_code)
    for_persons = lt.holder_kind == HolderKind.PERSON
    return factories.make_item(
        org,
        result_type="license",
        result_name=lt.name,
        result_license_type=license_code,
        materials=[factories.material_data(name="设立登记申请书")],
        form_fields=form,
        **{"for_persons": for_persons, "for_enterprises": not for_persons, **overrides},
    )


def _alter(item, **changes):
    """Changes a published version behind the catalog's back — what an older version, published before the
    mapping was checked, may look like — to test the refusals made when the license is issued."""
    from yiwang.catalog.models import ItemVersion

    ItemVersion.objects.filter(pk=item.current_id).update(**changes)
    item.refresh_from_db()
    return item


def _staff(org):
    return {
        "clerk": Who(
            user=factories.staff(org, Role.WINDOW_CLERK),
            name="clerk",
            role=Role.WINDOW_CLERK,
            organisation_id=org.pk,
            channel=Channel.WINDOW,
        ),
        "reviewer": Who(user=factories.staff(org, Role.REVIEWER), name="r", role=Role.REVIEWER, organisation_id=org.pk),
        "approver": Who(user=factories.staff(org, Role.APPROVER), name="a", role=Role.APPROVER, organisation_id=org.pk),
    }


def _approve(item, person, enterprise=None, form_data=None, capture=None) -> Case:
    org = item.organisation
    team = _staff(org)
    case, _ = cases.submit(
        version=item.current,
        person=person,
        enterprise=enterprise,
        who=Who(user=person.user, name=person.name),
        form_data=form_data if form_data is not None else FORM_DATA,
    )
    with capture(execute=True):
        case = cases.accept(case, team["clerk"])
        for who in (team["reviewer"], team["reviewer"], team["approver"]):
            cases.claim(case, who)
            case = cases.complete_step(case, who, decision="pass", opinion="同意")
    case.refresh_from_db()
    return case


# --- issued on approval -----------------------------------------------------------------------------------------


def test_approval_issues_exactly_one_license_to_the_enterprise(
    bureau, business_type, rep, company, django_capture_on_commit_callbacks
):
    item = _item(bureau, BUSINESS)
    case = _approve(item, rep, company, capture=django_capture_on_commit_callbacks)
    assert case.state == State.APPROVED
    lic = License.objects.get()
    assert case.result_license == lic.identifier
    assert lic.holder_kind == HolderKind.ENTERPRISE and lic.holder_code == company.credit_code
    assert lic.enterprise == company and lic.case_number == case.case_number and lic.issuer == bureau
    assert lic.field_values == {
        "enterprise_type": "有限责任公司",  # by name
        "capital": "100",
        "founded": "2020-05-01",
        "scope": "软件开发",  # the form's 经营范围 has the license field's label
        "legal_rep": "王小明",  # from the enterprise record
    }
    assert verdict_for(lic).ok
    assert lic.events.get().actor == CaseEvent.objects.get(case=case, action="approve").actor
    issued = CaseEvent.objects.get(case=case, action="license_issued")
    assert issued.data == {"license": lic.identifier} and issued.to_state == State.APPROVED

    # A re-sent signal, and the task run again, issue nothing more.
    approve_event = CaseEvent.objects.get(case=case, action="approve")
    with django_capture_on_commit_callbacks(execute=True):
        case_signals.case_changed.send(sender=Case, case_id=case.pk, event_id=approve_event.pk, action="approve")
    assert cases_link.issue_for_case(case.pk) == lic.identifier
    assert License.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, action="license_issued").count() == 1


def test_the_applicant_sees_the_license_on_the_case_page_and_in_my_space(
    client, bureau, business_type, rep, company, django_capture_on_commit_callbacks
):
    item = _item(bureau, BUSINESS)
    case = _approve(item, rep, company, capture=django_capture_on_commit_callbacks)
    client.force_login(rep.user)
    page = client.get(reverse("cases:case", args=[case.case_number])).content.decode()
    assert reverse("licenses:detail", args=[case.result_license]) in page
    assert reverse("licenses:pdf", args=[case.result_license]) in page
    assert client.get(reverse("licenses:detail", args=[case.result_license])).status_code == 200
    pdf = client.get(reverse("licenses:pdf", args=[case.result_license]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert case.result_license in client.get(reverse("licenses:mine")).content.decode()
    space = client.get(reverse("identity:enterprise_space", args=[company.pk])).content.decode()
    assert reverse("licenses:detail", args=[case.result_license]) in space  # the enterprise's My Space panel


def test_a_person_case_issues_the_license_to_the_person(bureau, teacher_type, django_capture_on_commit_callbacks):
    teacher = factories.person("李老师", level=2)
    form = [
        {"name": "subject", "label": "任教学科", "type": "text", "required": True},
        {"name": "level", "label": "资格种类", "type": "choice", "required": True, "choices": ["小学", "初级中学"]},
    ]
    item = _item(bureau, TEACHER, form=form, name="教师资格认定")
    case = _approve(
        item, teacher, form_data={"subject": "数学", "level": "小学"}, capture=django_capture_on_commit_callbacks
    )
    lic = License.objects.get()
    assert lic.holder_kind == HolderKind.PERSON and lic.person == teacher and lic.holder_number == teacher.doc_number
    assert lic.field_values == {"subject": "数学", "level": "小学"} and lic.expires_on is not None
    assert case.result_license == lic.identifier


def test_an_organisation_that_is_not_an_issuer_issues_nothing_and_the_case_says_why(
    business_type, rep, company, django_capture_on_commit_callbacks
):
    other = factories.OrganisationFactory(name="蚌埠市教育局")
    business_type.issuers.add(other)
    item = _item(other, BUSINESS)
    business_type.issuers.remove(other)  # no longer an issuer when its case is approved
    case = _approve(item, rep, company, capture=django_capture_on_commit_callbacks)
    assert case.state == State.APPROVED  # the approval stands
    assert not License.objects.exists() and case.result_license == ""
    event = CaseEvent.objects.get(case=case, action="license_not_issued")
    assert "蚌埠市教育局" in event.data["reason"] and "营业执照" in event.data["reason"]


def test_missing_license_fields_are_recorded_not_raised(
    bureau, business_type, rep, company, django_capture_on_commit_callbacks
):
    item = _alter(_item(bureau, BUSINESS), form_fields=[{"name": "note", "label": "说明", "type": "text"}])
    case = _approve(item, rep, company, form_data={"note": "x"}, capture=django_capture_on_commit_callbacks)
    assert case.state == State.APPROVED and not License.objects.exists()
    reason = CaseEvent.objects.get(case=case, action="license_not_issued").data["reason"]
    # Named by their labels, never by their keys (issue 18: no `fields.certificate_no:` in staff pages).
    assert "类型" in reason and "成立日期" in reason and "fields." not in reason


def test_wrong_holder_kind_is_recorded(bureau, business_type, rep, django_capture_on_commit_callbacks):
    item = _alter(_item(bureau, BUSINESS), for_persons=True)
    case = _approve(item, rep, capture=django_capture_on_commit_callbacks)  # a person applying for a 营业执照
    assert not License.objects.exists()
    assert CaseEvent.objects.filter(case=case, action="license_not_issued").exists()


def test_approval_of_an_item_without_a_license_result_queues_nothing(
    bureau, rep, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []

    class Queue:
        def enqueue(self, *args):
            queued.append(args)

    monkeypatch.setattr(cases_link, "issue_on_approval", Queue())
    item = factories.make_item(bureau)
    _approve(item, rep, form_data={}, capture=django_capture_on_commit_callbacks)
    assert queued == [] and not License.objects.exists()


def test_license_events_are_only_possible_on_approved_cases(bureau, business_type, rep, company):
    item = _item(bureau, BUSINESS)
    case, _ = cases.submit(
        version=item.current, person=rep, enterprise=company, who=Who(user=rep.user), form_data=FORM_DATA
    )
    with pytest.raises(ProblemsError) as exc:
        cases.record_result_license(case, "x", cases.SYSTEM)
    assert exc.value.problems[0].code == "illegal_transition"
    assert cases_link.issue_for_case(case.pk) == "" and not License.objects.exists()


# --- license-free application -------------------------------------------------------------------------------------


@pytest.fixture
def teacher_world(bureau, teacher_type):
    """An item asking for a 教师资格证 (which the applicant holds as an e-license) and an application form."""
    item = factories.make_item(
        bureau,
        name="教师岗位聘用备案",
        materials=[
            factories.material_data(name="教师资格证", source="license", license_type_code=TEACHER),
            factories.material_data(name="聘用申请表"),
        ],
    )
    from yiwang.catalog.models import ItemVersion

    ItemVersion.objects.filter(pk=item.current_id).update(form_fields=[])
    item.refresh_from_db()
    applicant = factories.person("张老师", level=2, phone="13900001111")
    lic = services.issue(
        license_type=teacher_type,
        issuer=bureau,
        holder_number=applicant.doc_number,
        holder_name=applicant.name,
        fields={"subject": "语文", "level": "初级中学"},
    )
    mats = {m.name: m for m in item.current.materials.all()}
    return {"item": item, "applicant": applicant, "license": lic, "mats": mats, "bureau": bureau}


def _post(w, consent=True, key="k1"):
    from tests.cases.apply_world import upload

    lic_m, form_m = w["mats"]["教师资格证"], w["mats"]["聘用申请表"]
    data = {
        "idempotency_key": key,
        "action": "submit",
        "contact_phone": "13900001111",
        "address": "蚌埠市龙子湖区",
        "description": "聘用备案",
        f"m{lic_m.pk}": "license",
        f"m{form_m.pk}": "upload",
        f"m{form_m.pk}-file": upload("聘用申请表.pdf"),
    }
    if consent:
        data[f"m{lic_m.pk}-consent"] = "1"
    return data


def test_a_valid_license_satisfies_the_material_with_consent_and_both_uses_recorded(client, teacher_world):
    w = teacher_world
    client.force_login(w["applicant"].user)
    url = reverse("cases:apply", args=[w["item"].item_code])
    page = client.get(url).content.decode()
    lic = w["license"]
    assert "教师资格证" in page and lic.identifier[-10:] in page and lic.expires_on.isoformat() in page
    assert lic.identifier not in page  # the number is masked on the form
    assert f'name="m{w["mats"]["教师资格证"].pk}-consent"' in page

    response = client.post(url, _post(w))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    material = CaseMaterial.objects.get(case=case, catalog_material_id=w["mats"]["教师资格证"].pk)
    assert material.source == "license" and material.reference == lic.identifier and not material.file
    use = LicenseUse.objects.get()
    assert use.license == lic and use.case_number == case.case_number and use.person == w["applicant"]
    assert use.used_by == w["applicant"].user and use.organisation == w["bureau"] and "教师资格证" in use.purpose
    data_use = DataUse.objects.get(category=ReuseCategory.LICENSES)
    assert data_use.person == w["applicant"] and data_use.case_number == case.case_number
    assert lic.identifier in data_use.what

    # The holder sees the use on the license page and in My Space.
    assert case.case_number in client.get(reverse("licenses:detail", args=[lic.identifier])).content.decode()
    # The clerk is never asked to request this paper.
    clerk = factories.staff(w["bureau"], Role.WINDOW_CLERK)
    client.force_login(clerk)
    wb = client.get(reverse("cases:workbench_case", args=[case.case_number])).content.decode()
    assert f'id="cm-{w["mats"]["聘用申请表"].pk}"' in wb
    assert f'id="cm-{w["mats"]["教师资格证"].pk}"' not in wb


def test_without_consent_nothing_is_submitted(client, teacher_world):
    w = teacher_world
    client.force_login(w["applicant"].user)
    response = client.post(reverse("cases:apply", args=[w["item"].item_code]), _post(w, consent=False))
    assert response.status_code == 400
    assert "勾选" in response.content.decode() or "agree" in response.content.decode()
    assert not Case.objects.exists() and not LicenseUse.objects.exists()


@pytest.mark.parametrize("how", ["revoked", "expired", "suspended"])
def test_a_license_no_longer_valid_at_submit_time_is_refused_on_its_material(client, teacher_world, how):
    w = teacher_world
    client.force_login(w["applicant"].user)
    url = reverse("cases:apply", args=[w["item"].item_code])
    assert "-consent" in client.get(url).content.decode()  # valid when the form was shown
    lic = w["license"]
    if how == "revoked":
        services.revoke(lic, reason="吊销")
    elif how == "suspended":
        services.suspend(lic, reason="暂扣")
    else:
        License.objects.filter(pk=lic.pk).update(expires_on=dt.date(2020, 1, 1))
    response = client.post(url, _post(w))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="me-{w["mats"]["教师资格证"].pk}"' in html  # the message sits on that material
    assert not Case.objects.exists() and not LicenseUse.objects.exists()
    assert not DataUse.objects.filter(category=ReuseCategory.LICENSES).exists()
    assert 'value="license"' not in client.get(url).content.decode()  # no longer offered


def _submit_with(w, identifier: str, person=None, enterprise=None):
    m = w["mats"]["教师资格证"]
    person = person or w["applicant"]
    row = uploads.material_row(name=m.name, catalog_material_id=m.pk, source="license", reference=identifier)
    return cases.submit(
        version=w["item"].current,
        person=person,
        enterprise=enterprise,
        who=Who(user=person.user, name=person.name),
        form_data={},
        materials=[row],
    )


def test_someone_elses_license_is_refused_and_nothing_is_written(teacher_world):
    w = teacher_world
    other = factories.person("李四", level=2)
    with pytest.raises(ProblemsError) as exc:
        _submit_with(w, w["license"].identifier, person=other)
    problem = exc.value.problems[0]
    assert problem.field == f"materials.{w['mats']['教师资格证'].pk}" and problem.code == "not_holder"
    assert not Case.objects.exists() and not LicenseUse.objects.exists()


def test_a_license_revoked_in_the_last_moment_is_refused_inside_the_submission(teacher_world):
    w = teacher_world
    services.revoke(w["license"], reason="吊销")
    with pytest.raises(ProblemsError) as exc:
        _submit_with(w, w["license"].identifier)
    assert exc.value.problems[0].code == "not_valid"
    with pytest.raises(ProblemsError) as exc:
        _submit_with(w, "1.2.156.3005.2.NOPE")
    assert exc.value.problems[0].code == "unknown_license"
    assert not Case.objects.exists() and not LicenseUse.objects.exists()


def test_a_license_of_another_type_is_refused(teacher_world, business_type, rep, company):
    w = teacher_world
    biz = services.issue(
        license_type=business_type,
        issuer=w["bureau"],
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    with pytest.raises(ProblemsError) as exc:
        _submit_with(w, biz.identifier, person=rep, enterprise=company)
    assert exc.value.problems[0].code == "wrong_type"


def test_the_enterprise_acted_for_uses_its_license(client, bureau, business_type, rep, company):
    item = factories.make_item(
        bureau,
        name="食品经营许可证核发",
        materials=[factories.material_data(name="营业执照", source="license", license_type_code=BUSINESS)],
    )
    from yiwang.catalog.models import ItemVersion

    ItemVersion.objects.filter(pk=item.current_id).update(form_fields=[])
    lic = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    m = item.current.materials.get()
    client.force_login(rep.user)
    session = client.session
    session["acting_for"] = company.pk
    session.save()
    url = reverse("cases:apply", args=[item.item_code])
    assert "valid indefinitely" in client.get(url).content.decode() or "长期有效" in client.get(url).content.decode()
    data = {
        "idempotency_key": "e1",
        "contact_phone": "13900002222",
        "address": "蚌埠市",
        "description": "x",
        f"m{m.pk}": "license",
        f"m{m.pk}-consent": "1",
    }
    assert client.post(url, data).status_code == 302
    case = Case.objects.get()
    assert case.enterprise == company and LicenseUse.objects.get().license == lic
    assert DataUse.objects.get(category=ReuseCategory.LICENSES).enterprise == company


def test_an_agent_without_the_licenses_permission_cannot_present_the_enterprise_license(
    bureau, business_type, rep, company
):
    clerk_person = factories.person("赵六", level=2)
    identity.grant_agent(
        enterprise=company, person=clerk_person, permissions=[AgentPermission.APPLY], granted_by=rep.user
    )
    item = factories.make_item(
        bureau, materials=[factories.material_data(name="营业执照", source="license", license_type_code=BUSINESS)]
    )
    lic = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    w = {"item": item, "mats": {"教师资格证": item.current.materials.get()}}
    with pytest.raises(ProblemsError) as exc:
        _submit_with(w, lic.identifier, person=clerk_person, enterprise=company)
    assert exc.value.problems[0].code == "not_holder"


def test_switched_off_license_reuse_is_not_offered(teacher_world):
    w = teacher_world
    assert cases_link.find_license(w["applicant"], TEACHER) is not None
    identity.set_reuse(ReuseCategory.LICENSES, False, person=w["applicant"])
    assert cases_link.find_license(w["applicant"], TEACHER) is None
    assert cases_link.find_license(w["applicant"], "NO-SUCH-TYPE") is None


def test_no_file_is_stored_for_a_license_material(client, teacher_world):
    w = teacher_world
    client.force_login(w["applicant"].user)
    client.post(reverse("cases:apply", args=[w["item"].item_code]), _post(w))
    material = CaseMaterial.objects.get(source="license")
    assert material.file.name in ("", None) and not private_storage().exists("cases/" + material.reference)
