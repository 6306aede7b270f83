"""The form keeps the guide's promise: a material the guide marks e-license or shared data is obtained for the
applicant, with consent, and nothing is uploaded (issue 18)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.cases.apply_world import upload
from yiwang.cases.models import Case, CaseMaterial
from yiwang.catalog.models import ItemVersion
from yiwang.exchange.models import DataResource
from yiwang.identity import space
from yiwang.identity.models import DataUse, ReuseCategory
from yiwang.licenses.models import HolderKind, LicenseType

pytestmark = pytest.mark.django_db

ID_CARD = "11100000000010372Q001"


@pytest.fixture
def world():
    org = factories.OrganisationFactory(name="蚌埠市民政局")
    LicenseType.objects.create(code=ID_CARD, name="居民身份证", holder_kind=HolderKind.PERSON, fields=[]).issuers.add(
        org
    )
    DataResource.objects.create(code="SI_PAYMENTS", name="社会保险缴费记录", provider=org)
    item = factories.make_item(
        org,
        name="最低生活保障申请受理",
        materials=[
            factories.material_data(name="申请书"),
            factories.material_data(name="申请人居民身份证", source="license", license_type_code=ID_CARD),
            factories.material_data(
                name="社会保险缴费记录（共享核验）", source="shared", data_resource_code="SI_PAYMENTS"
            ),
        ],
    )
    ItemVersion.objects.filter(pk=item.current_id).update(form_fields=[])
    item.refresh_from_db()
    mats = {m.name: m for m in item.current.materials.all()}
    applicant = factories.person("张三", phone="13912345678", level=2)
    return {"item": item, "mats": mats, "applicant": applicant, "url": reverse("cases:apply", args=[item.item_code])}


def _post(w, consent=True):
    m = w["mats"]
    data = {
        "idempotency_key": "k1",
        "action": "submit",
        "contact_phone": "13912345678",
        f"m{m['申请书'].pk}": "upload",
        f"m{m['申请书'].pk}-file": upload(),
        f"m{m['申请人居民身份证'].pk}": "shared",
        f"m{m['社会保险缴费记录（共享核验）'].pk}": "shared",
    }
    if consent:
        data[f"m{m['申请人居民身份证'].pk}-consent"] = "1"
        data[f"m{m['社会保险缴费记录（共享核验）'].pk}-consent"] = "1"
    return data


def test_license_and_shared_materials_are_obtained_with_consent_and_nothing_uploaded(client, world):
    w = world
    client.force_login(w["applicant"].user)
    page = client.get(w["url"]).content.decode()
    id_card, shared = w["mats"]["申请人居民身份证"], w["mats"]["社会保险缴费记录（共享核验）"]
    for m in (id_card, shared):
        assert f'name="m{m.pk}" value="shared" checked' in page  # the guide's way, chosen
        assert f'name="m{m.pk}-consent"' in page
    assert "电子证照库" in page or "e-license library" in page
    refused = client.post(w["url"], _post(w, consent=False))
    assert refused.status_code == 400 and not Case.objects.exists()
    html = refused.content.decode()
    assert f'id="me-{id_card.pk}"' in html and f'id="me-{shared.pk}"' in html
    done = client.post(w["url"], _post(w))
    assert done.status_code == 302, done.content.decode()
    case = Case.objects.get()
    rows = {m.catalog_material_id: m for m in CaseMaterial.objects.filter(case=case)}
    assert rows[id_card.pk].source == "shared" and not rows[id_card.pk].file and rows[id_card.pk].reference == ID_CARD
    assert rows[shared.pk].source == "shared" and not rows[shared.pk].file
    uses = DataUse.objects.filter(person=w["applicant"], case_number=case.case_number)
    assert {u.category for u in uses} == {ReuseCategory.LICENSES, ReuseCategory.SHARED_DATA}
    assert any("居民身份证" in u.what for u in uses)


def test_reuse_switched_off_means_the_applicant_provides_it(client, world):
    w = world
    space.set_consent(w["applicant"], ReuseCategory.LICENSES, False)
    client.force_login(w["applicant"].user)
    page = client.get(w["url"]).content.decode()
    id_card = w["mats"]["申请人居民身份证"]
    assert f'name="m{id_card.pk}" value="shared"' not in page
    assert f'name="m{id_card.pk}" value="upload"' in page


def test_the_enterprise_gets_its_license_chosen_not_not_applicable(client, world):
    """A conditional 营业执照 the enterprise holds is chosen as its e-license (never "not applicable")."""
    from yiwang.cases import uploads
    from yiwang.identity.models import AgentPermission
    from yiwang.identity.services import grant_agent

    w = world
    org = w["item"].organisation
    LicenseType.objects.create(
        code="11100000000010006W001", name="营业执照", holder_kind=HolderKind.ENTERPRISE, fields=[]
    ).issuers.add(org)
    item = factories.make_item(
        org,
        name="公共场所卫生许可",
        for_persons=False,
        for_enterprises=True,
        materials=[
            factories.material_data(
                name="营业执照",
                source="license",
                license_type_code="11100000000010006W001",
                requirement="conditional",
                condition="申请人为法人或者其他组织的",
            )
        ],
    )
    company = factories.enterprise("蚌埠淮河食品有限公司")
    grant_agent(
        enterprise=company, person=w["applicant"], permissions=[AgentPermission.APPLY], granted_by=w["applicant"].user
    )
    client.force_login(w["applicant"].user)
    client.post(reverse("identity:acting_for"), {"enterprise": company.pk})
    m = item.current.materials.get()
    ref = uploads.LicenseRef(identifier="1.2.156.3005.2.X", name="营业执照，编号 …0001")
    with uploads.LICENSE_FINDERS.contributed(
        "test", lambda subject, code: ref if subject == company else None, order=1
    ):
        page = client.get(reverse("cases:apply", args=[item.item_code])).content.decode()
    assert f'name="m{m.pk}" value="license" checked' in page
    assert f'name="m{m.pk}" value="" checked' not in page
