"""A new resident registers on a phone, signs out, and signs in again with an SMS code."""

from __future__ import annotations

import re

import pytest

from tests.factories import citizen_id
from yiwang.identity.models import Person, UserSession
from yiwang.identity.providers import OutboxSmsSender

pytestmark = pytest.mark.browser
PHONE = "13912349876"


@pytest.fixture
def sms(settings, transactional_db):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    settings.SMS_PROVIDER_OPTIONS = {}
    settings.OTP_RESEND_SECONDS = 0
    OutboxSmsSender.clear()
    yield lambda: re.search(r"\d{6}", OutboxSmsSender.last_to(PHONE).text).group(0)
    OutboxSmsSender.clear()


def test_register_then_sign_in_by_sms_on_a_phone(phone_page, sms):
    page = phone_page
    page.goto("/accounts/register/")
    page.fill("#f-name", "黄晓燕")
    page.select_option("#f-doc_type", "resident_id")
    page.fill("#f-doc_number", citizen_id(serial=642))
    page.fill("#f-phone", PHONE)
    with page.expect_navigation():
        page.click("button[value=send]")
    assert page.locator("#f-phone").input_value() == PHONE
    page.fill("#f-code", sms())
    page.fill("#f-password1", "Lotus-pond-2024")
    page.fill("#f-password2", "Lotus-pond-2024")
    with page.expect_navigation():
        page.click("button[value=register]")
    person = Person.objects.get()
    assert person.user is not None and person.phone == PHONE
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"

    with page.expect_navigation():
        page.click("header button.link-button")  # 退出登录
    assert not UserSession.objects.exists()

    page.goto("/accounts/sign-in/?method=sms&next=/search/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#f-phone", PHONE)
    with page.expect_navigation():
        page.click("button[value=send]")
    page.fill("#f-code", sms())
    with page.expect_navigation():
        page.click("button[value=sign_in]")
    assert page.url.endswith("/search/")
    assert UserSession.objects.get().method == "sms"
    page.goto("/accounts/security/")
    assert page.locator("main table tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
