"""A helper at a village service point applies for a person who signs on the helper's screen (帮办代办): the
signature is drawn with the pointer, the form is filled in, the receipt names who helped and where, and the person
finds the application in My Space. Set YIWANG_SCREENSHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import pytest

from tests.browser.test_workbench import shot, sign_in
from tests.halls.assist_world import build_assist
from yiwang.cases.models import Case
from yiwang.halls.models import AssistedCase, Consent

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    return build_assist()


def test_a_helper_applies_with_the_persons_signature(page, live_server, world, browser):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    person = world["citizen"]
    sign_in(page, live_server, world["helper"])
    page.goto("/workbench/halls/assist/", timeout=60000)  # the live server's first page is slow on a loaded box
    page.get_by_label("姓名（与证件一致）", exact=True).fill(person.name)
    page.get_by_label("证件号码", exact=True).fill(person.doc_number)
    page.locator("#as-item").fill(world["item"].item_code)
    page.locator("input[name=method][value=signature]").check()
    pad = page.locator("#sig-pad")
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 25, box["y"] + 40 + (i % 3) * 25)
    page.mouse.up()
    shot(page, "halls-assist-start")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/apply/")
    consent = Consent.objects.get()
    assert consent.method == "signature" and bytes(consent.signature).startswith(b"\x89PNG")
    page.locator("input[name=contact_phone]").fill("13912345678")
    shot(page, "halls-assist-form")
    page.get_by_role("button", name="代申请人提交").click()
    page.wait_for_url("**/workbench/halls/assist/cases/**")
    case = Case.objects.get()
    assert page.locator("#case-number").inner_text().strip() == case.case_number
    assert "曹山街道便民服务站" in page.content()
    shot(page, "halls-assist-done")
    row = AssistedCase.objects.get()
    assert row.helper == world["helper"] and row.consent == consent and case.channel == "helper"

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server.url)
    try:
        mine = phone.new_page()
        sign_in(mine, live_server, person.user)
        mine.goto("/my/")
        assert case.case_number in mine.content() and "王帮办" in mine.content()
        assert mine.evaluate("document.documentElement.scrollWidth") <= 390
        shot(mine, "halls-assist-my-space-phone")
    finally:
        phone.close()
    assert not errors, errors
