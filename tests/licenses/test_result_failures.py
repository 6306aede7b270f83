"""A license that fails to issue is never silent (issue 18): the approver is warned before approving, staff see
the failure with the action to fix it, the applicant sees a reason and the next step, and the decision notice
carries the issuer's e-seal, its document number and the license's numbers."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.licenses import test_cases_link as link
from tests.licenses.test_cases_link import BUSINESS, FORM, FORM_DATA, _alter, _approve, _item
from yiwang.cases import results
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, Notice, NoticeKind, State
from yiwang.cases.services import Who
from yiwang.licenses.models import License
from yiwang.orgs.models import Membership, Role

pytestmark = pytest.mark.django_db

# The fixtures of the license-and-case tests, shared.
bureau, business_type, rep, company = link.bureau, link.business_type, link.rep, link.company


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_pre_check_names_what_would_stop_the_license(bureau, business_type, rep, company):
    item = _item(bureau, BUSINESS)
    case, _ = cases.submit(
        version=item.current,
        person=rep,
        enterprise=company,
        who=Who(user=rep.user, name=rep.name),
        form_data={**FORM_DATA, "founded": ""},
    )
    problems = results.problems(case)
    assert problems and "成立日期" in problems[0] and "fields." not in problems[0]
    other = factories.OrganisationFactory()
    business_type.issuers.set([other])
    assert results.problems(case) == [f"{bureau.name}不签发营业执照。"] or bureau.name in results.problems(case)[0]


def test_a_failed_issuance_is_shown_fixed_and_retried(
    bureau, business_type, rep, company, django_capture_on_commit_callbacks
):
    item = _item(bureau, BUSINESS)
    _alter(item, form_fields=[{"name": "note", "label": "说明", "type": "text"}])
    case = _approve(item, rep, company, form_data={"note": "x"}, capture=django_capture_on_commit_callbacks)
    assert case.state == State.APPROVED and not case.result_license

    approver = Membership.objects.filter(organisation=bureau, role=Role.APPROVER).first().user
    page = _client(approver).get(f"/workbench/cases/{case.case_number}/").content.decode()
    assert 'id="license-failure"' in page and "retry_license" in page and "成立日期" in page

    # The applicant: the reason and the next step, not only "not issued · the platform".
    mine = _client(rep.user).get(f"/my/cases/{case.case_number}/").content.decode()
    assert "成立日期" in mine and ("need not apply again" in mine or "无需重新申请" in mine)

    # A reviewer cannot retry; the approver can, after the mapping was fixed.
    reviewer = Membership.objects.filter(organisation=bureau, role=Role.REVIEWER).first().user
    c = _client(reviewer)
    assert c.post(f"/workbench/cases/{case.case_number}/retry_license/", {"revision": case.revision}).status_code == 403
    _alter(item, form_fields=FORM)
    Case.objects.filter(pk=case.pk).update(form_data=FORM_DATA)
    case.refresh_from_db()
    r = _client(approver).post(f"/workbench/cases/{case.case_number}/retry_license/", {"revision": case.revision})
    assert r.status_code == 302
    case.refresh_from_db()
    lic = License.objects.get()
    assert case.result_license == lic.identifier
    issued = CaseEvent.objects.get(case=case, action="license_issued")
    assert issued.actor == approver and issued.role == Role.APPROVER

    # The decision notice: its document number, the issuer's e-seal, the license's numbers.
    notice = Notice.objects.get(case=case, kind=NoticeKind.DECISION)
    body = _client(rep.user).get(f"/notices/{notice.number}/").content.decode()
    assert notice.number in body and 'class="seal"' in body and "data:image/svg+xml;base64," in body
    assert lic.identifier in body and (not lic.certificate_no or lic.certificate_no in body)


def test_no_provider_means_no_warning(bureau, business_type, rep, company):
    item = _item(bureau, BUSINESS)
    case, _ = cases.submit(
        version=item.current, person=rep, enterprise=company, who=Who(user=rep.user, name=rep.name), form_data={}
    )
    with results.PROVIDERS.contributed("licenses", results.PROVIDERS.get("licenses")):
        assert results.problems(case)
    saved = results.PROVIDERS.get("licenses")
    results.PROVIDERS.remove("licenses")
    try:
        assert results.problems(case) == [] and results.seal(bureau) == ""
    finally:
        results.PROVIDERS.add("licenses", saved)
