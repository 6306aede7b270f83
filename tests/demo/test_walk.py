"""The README's demo walk, on a small demo city built by the real demo commands, through the HTTP API.

Everyone signs in with their demo account and acts as a person would: the API with a session and the CSRF token,
the apply page for the license-free application. The case path ends in an e-license that verifies, and the
enterprise then applies again with that e-license in place of paper (免证办). A license from `seed_licenses`
verifies too. Tasks run at once (the test settings' immediate backend) after each transaction commits.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.cases.apply_world import upload
from yiwang.catalog.models import ServiceItem
from yiwang.licenses import numbering
from yiwang.licenses.models import License, LicenseUse

pytestmark = pytest.mark.django_db(transaction=True)  # approvals commit, so the license task runs as in the demo

PASSWORD = "Yiwang-demo-2026"  # the demo's published password
SCJG = "蚌埠市市场监督管理局"
COMPANY = "蚌埠淮河食品有限公司"


class Session:
    """One person's browser-less session: JSON calls to /api/v1 with the CSRF token, form posts to pages."""

    def __init__(self, account: str, ip: str) -> None:
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
        self.client.get("/api/v1/identity/csrf")
        r = self.post("/identity/sign-in", {"identifier": account, "password": PASSWORD})
        assert r.status_code == 200, r.content.decode()
        self.me = r.json()

    @property
    def token(self) -> str:
        return self.client.cookies["csrftoken"].value

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: dict[str, Any]):
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", HTTP_X_CSRFTOKEN=self.token)

    def page_post(self, url: str, data: dict[str, Any]):
        return self.client.post(url, data, HTTP_X_CSRFTOKEN=self.token)


def build_city() -> None:
    """The demo city, small: the same commands `make demo` runs, with fewer items and licenses."""
    out = StringIO()
    call_command("seed_demo", seed=2026, items=24, stdout=out)
    call_command("load_holidays", all=True, stdout=out)
    call_command("demo_accounts", stdout=out)
    call_command("demo_identities", stdout=out)
    call_command("seed_licenses", count=12, if_empty=True, stdout=out)


def find(session: Session, q: str, name: str) -> str:
    """The item code of `name` at 蚌埠市市场监督管理局, found with the catalog search."""
    r = session.get("/catalog/search", q=q, group="false", page_size=50)
    assert r.status_code == 200, r.content.decode()
    hits = [h for h in r.json()["items"] if h["name"] == name and h["organisation"] == SCJG]
    assert hits, [(h["name"], h["organisation"]) for h in r.json()["items"]]
    return hits[0]["item_code"]


def handle(case_number: str, clerk: Session, reviewer: Session, approver: Session) -> dict[str, Any]:
    """Acceptance at the window, then 承办 and 审核 by the reviewer and 批准 by the approver."""
    r = clerk.post(f"/cases/{case_number}/accept", {"note": "材料齐全，予以受理"})
    assert r.status_code == 200, r.content.decode()
    for who in (reviewer, reviewer, approver):
        assert who.post(f"/cases/{case_number}/claim", {}).status_code == 200
        r = who.post(f"/cases/{case_number}/complete", {"decision": "pass", "opinion": "同意"})
        assert r.status_code == 200, r.content.decode()
    case = approver.get(f"/cases/{case_number}").json()
    assert case["state"] == "approved", case
    return case


def events(session: Session, case_number: str) -> list[dict[str, Any]]:
    return session.get(f"/cases/{case_number}/events").json()


def test_the_readme_walk_through_the_api():
    build_city()
    zhang = Session("13900000001", "10.9.0.1")
    li = Session("13900000002", "10.9.0.2")
    clerk = Session("clerk", "10.9.0.3")
    reviewer = Session("reviewer_scjg", "10.9.0.4")
    approver = Session("approver_scjg", "10.9.0.5")

    # 1. 张三 applies for a person's item of the market regulator; it ends in his own e-license.
    code = find(zhang, "特种设备作业人员", "特种设备作业人员资格认定（新设）")
    r = zhang.post("/cases/", {"item_code": code, "form_data": {"contact_phone": "13900000001"}})
    assert r.status_code == 201, r.content.decode()
    handle(r.json()["case_number"], clerk, reviewer, approver)
    mine = zhang.get("/licenses/mine").json()
    assert [lic["license_type_name"] for lic in mine if lic["holder_name"] == "张三"].count(
        "特种设备安全管理和作业人员证"
    ) == 1

    # 2. 李四 applies for 蚌埠淮河食品有限公司 for 食品经营许可（新设）.
    company = next(e for e in li.me["enterprises"] if e["name"] == COMPANY)
    code = find(li, "食品经营许可", "食品经营许可（新设）")
    form = {
        "contact_phone": "13900000002",
        "premises": "安徽省蚌埠市蚌山区涂山路 88 号一层",
        "business_kind": "餐饮服务经营者",
        "business_items": ["热食类食品制售", "冷食类食品制售"],
    }
    r = li.post("/cases/", {"item_code": code, "enterprise_id": company["id"], "form_data": form})
    assert r.status_code == 201, r.content.decode()
    number = r.json()["case_number"]

    # 3. The clerk accepts; reviewer_scjg completes 承办 and 审核; approver_scjg approves.
    case = handle(number, clerk, reviewer, approver)

    # 4. The e-license is issued to the enterprise (the task ran after the approval committed) and verifies.
    assert [e["action"] for e in events(li, number)][-1] == "license_issued"
    identifier = li.get(f"/cases/{number}").json()["result_license"]
    assert identifier == License.objects.get(case_number=number).identifier
    lic = li.get(f"/licenses/{identifier}").json()
    assert lic["holder_name"] == COMPANY and lic["holder_kind"] == "enterprise" and lic["issuer_name"] == SCJG
    fields = lic["fields"]
    assert fields["legal_rep"] == "李四" and fields["address"] == "安徽省蚌埠市蚌山区涂山路 88 号"
    assert fields["business_kind"] == "餐饮服务经营者" and fields["business_items"] == "热食类食品制售、冷食类食品制售"
    assert fields["premises"] == form["premises"] and fields["supervisor"] == SCJG
    assert lic["expires_on"] > lic["issued_on"]  # five years, by the type's rule
    # 食品经营许可证: JY + 主体业态 (2 餐饮服务经营者) + the issuer's division + 6-digit serial + check digit.
    assert re.fullmatch(r"JY2340300\d{7}", fields["certificate_no"]), fields["certificate_no"]
    assert fields["certificate_no"][-1] == numbering.check_digit(fields["certificate_no"][2:-1])
    anyone = Client()
    verdict = anyone.get(f"/api/v1/licenses/verify/{identifier}").json()
    assert verdict["outcome"] == "valid" and verdict["holder_name"] == COMPANY
    signed = li.get(f"/licenses/{identifier}/document").json()
    presented = anyone.post(
        "/api/v1/licenses/verify",
        {"document": signed["document"], "signature": signed["signature"]},
        content_type="application/json",
    ).json()
    assert presented["outcome"] == "valid"
    assert case["case_number"] == number

    # 5. The enterprise applies again, for 食品经营许可（变更）: the 食品经营许可证 is a material, given as the e-license.
    code = find(li, "食品经营许可", "食品经营许可（变更）")
    assert li.page_post("/my/acting-for/", {"enterprise": company["id"]}).status_code == 302
    apply_url = f"/apply/{code}/"
    page = li.client.get(apply_url).content.decode()
    version = ServiceItem.objects.get(item_code=code).current
    data: dict[str, Any] = {"idempotency_key": "walk-change-1", "action": "submit", **form}
    offered = []
    for m in version.materials.all():
        if m.source == "license" and f'name="m{m.pk}" value="license"' in page:
            data[f"m{m.pk}"], data[f"m{m.pk}-consent"] = "license", "1"
            offered.append(m.name)
        else:
            data[f"m{m.pk}"], data[f"m{m.pk}-file"] = "upload", upload(f"{m.name}.pdf")
    assert "食品经营许可证" in offered and identifier[-10:] in page
    r = li.page_post(apply_url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    use = LicenseUse.objects.get(license__identifier=identifier)
    assert use.case_number and use.case_number != number and use.person.name == "李四"
    second = li.get(f"/cases/{use.case_number}").json()
    assert second["state"] == "submitted" and second["item_code"] == code

    # 6. A license seed_licenses issued to the enterprise (its 营业执照) verifies as well.
    seeded = next(x for x in li.get("/licenses/mine").json() if x["license_type_name"] == "营业执照")
    assert anyone.get(f"/api/v1/licenses/verify/{seeded['identifier']}").json()["outcome"] == "valid"
