"""Applying with an e-license on a phone (免证办): the material is offered as satisfied, consent is ticked, no paper."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from tests import factories
from tests.cases import apply_world
from yiwang.cases.models import Case, CaseMaterial
from yiwang.licenses import services
from yiwang.licenses.models import HolderKind, LicenseType, LicenseUse
from yiwang.orgs.models import Role

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _world():
    bureau = factories.OrganisationFactory(name="蚌埠市教育局")
    lt = LicenseType.objects.create(
        code="11100000000013338W001",
        name="教师资格证",
        holder_kind=HolderKind.PERSON,
        fields=[{"name": "subject", "label": "任教学科", "type": "text", "required": True}],
        validity_years=5,
    )
    lt.issuers.add(bureau)
    item = factories.make_item(
        bureau,
        name="教师资格证补换发",
        result_type="license",
        result_name="教师资格证",
        result_license_type=lt.code,
        for_enterprises=False,  # a person's license: only persons can hold it
        form_fields=[
            {"name": "subject", "label": "任教学科", "type": "text", "required": True},
            {"name": "contact_phone", "label": "联系电话", "type": "phone", "required": True, "prefill": "phone"},
        ],
        materials=[
            factories.material_data(name="教师资格证", source="license", license_type_code=lt.code),
            factories.material_data(name="聘用申请表"),
        ],
    )
    applicant = factories.person("张老师", level=2, phone="13900001111")
    lic = services.issue(
        license_type=lt,
        issuer=bureau,
        holder_number=applicant.doc_number,
        holder_name=applicant.name,
        fields={"subject": "语文"},
    )
    mats = {m.name: m for m in item.current.materials.all()}
    return bureau, item, applicant, lic, mats


def test_apply_with_an_e_license_on_a_phone(phone_page, page, live_server, transactional_db, tmp_path):
    bureau, item, applicant, lic, mats = _world()
    p = phone_page
    sign_in(p, live_server, applicant.user)
    p.goto(f"/apply/{item.item_code}/?via=m")
    slot = p.locator(f"#mat-{mats['教师资格证'].pk}")
    text = slot.inner_text()
    assert "教师资格证" in text and lic.identifier[-10:] in text and lic.expires_on.isoformat() in text
    assert lic.identifier not in text  # masked
    radio = f"input[name=m{mats['教师资格证'].pk}][value=license]"
    assert p.is_checked(radio)
    p.fill("#f-subject", "语文")
    pdf = tmp_path / "聘用申请表.pdf"
    pdf.write_bytes(apply_world.PDF)
    p.set_input_files(f"#file-{mats['聘用申请表'].pk}", str(pdf))
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form scrolls sideways on a phone ({width}px)"

    # Without the consent box ticked nothing is submitted and the material says why.
    with p.expect_navigation():
        p.locator("button[value=submit]").click()
    assert not Case.objects.exists()
    assert p.locator(f"#me-{mats['教师资格证'].pk}").is_visible()
    shot(p, "license-free-consent-error-phone")

    p.check(radio)
    p.check(f"input[name=m{mats['教师资格证'].pk}-consent]")
    p.set_input_files(f"#file-{mats['聘用申请表'].pk}", str(pdf))
    shot(p, "license-free-apply-phone")
    with p.expect_navigation():
        p.locator("button[value=submit]").click()
    case = Case.objects.get()
    assert case.channel == "mobile" and case.case_number in p.locator("main").inner_text()
    material = CaseMaterial.objects.get(case=case, source="license")
    assert material.reference == lic.identifier and not material.file
    assert LicenseUse.objects.get().case_number == case.case_number

    p.goto(f"/licenses/{lic.identifier}/")
    assert case.case_number in p.locator("main").inner_text()  # the holder sees the use
    shot(p, "license-use-phone")

    # Approved: the new license is issued (in the task) and the case page links it and its PDF.
    from yiwang.cases import services as cases
    from yiwang.cases.services import Who

    def who(role):
        return Who(user=factories.staff(bureau, role), name=role, role=role, organisation_id=bureau.pk)

    cases.accept(case, who(Role.WINDOW_CLERK))
    for role in (Role.REVIEWER, Role.REVIEWER, Role.APPROVER):
        w = who(role)
        cases.claim(case, w)
        cases.complete_step(case, w, decision="pass", opinion="同意")
    # Events are handed over on commit in tests, but the live server's thread holds the dispatcher's lease (one
    # dispatcher at a time, per thread); in production the worker hands them over. Do the worker's part here.
    from yiwang.core import outbox
    from yiwang.core.models import Lease

    Lease.objects.all().delete()
    outbox.drain()
    case.refresh_from_db()
    assert case.result_license and case.result_license != lic.identifier
    p.goto(f"/my/cases/{case.case_number}/")
    with p.expect_navigation():
        p.locator(f"a[href='/licenses/{case.result_license}/']").click()
    assert "语文" in p.locator("main").inner_text()
    p.goto(f"/my/cases/{case.case_number}/")
    shot(p, "license-issued-case-phone")

    # Staff see the savings on their statistics page (desktop).
    admin = factories.staff(bureau, Role.CATALOG_ADMIN)
    sign_in(page, live_server, admin)
    page.goto("/workbench/licenses/stats/")
    main = page.locator("main").inner_text()
    assert "教师资格证" in main and "教师资格证补换发" in main
    shot(page, "license-stats-desktop")
    sign_in(p, live_server, admin)
    p.goto("/workbench/licenses/stats/")
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the statistics page scrolls sideways on a phone ({width}px)"
    shot(p, "license-stats-phone")
