"""My Space in a real browser: a legal representative stores a material, switches reuse off, acts for the company
and authorises an agent; on a phone the page never scrolls sideways. Set YIWANG_SCREENSHOTS=<dir> to keep
screenshots of each page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import enterprise, person
from yiwang.identity import services
from yiwang.identity.models import Agent, AgentPermission, DataUse, ReusableMaterial, ReuseCategory

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def sign_in(page, live_server, p) -> None:
    client = Client()
    client.force_login(p.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def shot(page, name: str) -> None:
    folder = os.environ.get("YIWANG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def people(transactional_db):
    rep = person("李四海", address="安徽省蚌埠市蚌山区胜利西路100号", email="li@example.cn")
    company = enterprise("蚌埠淮河食品有限公司", legal_rep=rep, address="安徽省蚌埠市龙子湖区东海大道1号")
    helper = person("王五")
    services.grant_agent(enterprise=company, person=helper, permissions=[AgentPermission.APPLY], granted_by=rep.user)
    for i in range(3):
        services.record_use(
            category=ReuseCategory.PROFILE,
            what="name, doc_number, phone",
            used_by="蚌埠市市场监督管理局",
            purpose=f"食品经营许可证核发（第 {i + 1} 次）",
            case_number=f"YW20260000{i}",
            person=rep,
        )
    return rep, company, helper


def test_legal_rep_uses_my_space_and_manages_agents(page, live_server, people):
    rep, company, _helper = people
    sign_in(page, live_server, rep)
    page.goto("/my/")
    assert page.locator("h1").inner_text().strip() == "我的空间"
    main = page.locator("main").inner_text()
    assert rep.masked_doc_number in main and rep.doc_number not in main
    assert "蚌埠市市场监督管理局" in main
    shot(page, "my-space-desktop")

    page.get_by_role("button", name="显示完整 证件号码").click()
    assert rep.doc_number in page.locator("#profile").inner_text()

    page.fill("#upload-title", "证件照")
    page.set_input_files("#upload-file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.get_by_role("button", name="上传", exact=True).click()
    assert "材料已保存" in page.locator("body").inner_text()
    assert ReusableMaterial.objects.get().content_type == "image/png"

    page.locator("#consent-profile").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="保存设置").click()
    assert not services.reuse_allowed(ReuseCategory.PROFILE, person=rep)

    page.select_option("#acting-for", str(company.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="切换").click()
    assert page.locator("h1").inner_text().strip() == company.name
    newcomer = person("周八")
    page.select_option("#grant-doc-type", "resident_id")
    page.fill("#grant-doc-number", newcomer.doc_number)
    page.locator("input[name=permissions][value=apply]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="授权", exact=True).click()
    assert Agent.objects.filter(person=newcomer, revoked_at__isnull=True).exists()
    assert newcomer.masked_name in page.locator("#agents").inner_text()
    shot(page, "enterprise-space-desktop")


def test_my_space_on_a_phone_fits_the_screen_and_works_with_the_keyboard(phone_page, live_server, people):
    _rep, company, helper = people
    sign_in(phone_page, live_server, helper)
    phone_page.goto("/my/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"My Space scrolls sideways on a phone ({width}px)"
    assert phone_page.locator("#acting-for").count() == 1
    shot(phone_page, "my-space-phone")
    phone_page.goto(f"/my/enterprise/{company.pk}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone_page, "enterprise-space-phone")

    # the upload form is reachable and usable with the keyboard alone
    phone_page.goto("/my/")
    phone_page.focus("#upload-title")
    phone_page.keyboard.type("毕业证书")
    phone_page.keyboard.press("Tab")
    assert phone_page.evaluate("document.activeElement.id") == "upload-file"
    phone_page.set_input_files(
        "#upload-file", files=[{"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00"}]
    )
    with phone_page.expect_navigation():
        phone_page.locator("#upload-title").press("Enter")
    assert "PDF、JPEG、PNG 或 OFD" in phone_page.locator("#upload-file-error").inner_text()
    assert not ReusableMaterial.objects.exists()
    assert DataUse.objects.filter(person=helper).count() == 0
