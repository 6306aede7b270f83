# ruff: noqa: F811  (pytest fixtures imported from test_signin_support)
"""Registration, password reset and legal-person registration are identity services (identity.accounts) that the
pages and the API both call (issue 9: they lived in a view module); the services work without any request."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import citizen_id, person
from tests.identity.test_signin_support import client_at, outbox  # noqa: F401
from yiwang.core.codes import make_credit_code
from yiwang.core.errors import ProblemsError
from yiwang.identity import accounts, otp
from yiwang.identity.models import LegalPersonRecord, Person, UserSession
from yiwang.identity.views import auth as auth_views

pytestmark = pytest.mark.django_db
SERVICES = ("register_account", "reset_with_code", "register_legal_person", "send_reset_email", "password_problems")


def test_the_flows_live_in_the_service_module_not_in_the_views():
    for name in SERVICES:
        assert callable(getattr(accounts, name)), name
        assert not hasattr(auth_views, name), f"{name} is still defined in the view module"


@pytest.mark.parametrize(
    ("service", "page", "api", "payload"),
    [
        (
            "register_account",
            ("/accounts/register/", {"action": "register", "name": "陈静", "doc_number": "x", "phone": "1"}),
            ("/api/v1/identity/register", {"name": "陈静", "doc_number": "x", "phone": "1", "code": "1"}),
            {"password1": "p", "password2": "p"},
        ),
        (
            "reset_with_code",
            None,
            ("/api/v1/identity/password/reset", {"phone": "13800000000", "code": "123456"}),
            {"new_password1": "p", "new_password2": "p"},
        ),
    ],
)
def test_pages_and_api_call_the_same_service(monkeypatch, service, page, api, payload):
    calls = []

    def spy(**kwargs):
        calls.append(kwargs)
        raise ProblemsError([])

    monkeypatch.setattr(accounts, service, spy)
    if page is not None:
        url, data = page
        client_at("10.9.0.1").post(url, {**data, **payload})
    url, data = api
    client_at("10.9.0.2").post(url, {**data, **payload}, "application/json")
    assert len(calls) == (2 if page is not None else 1)


def test_legal_person_registration_page_and_api_call_the_service(monkeypatch):
    rep = person("李四")
    calls = []

    def spy(**kwargs):
        calls.append(kwargs["person"])
        raise ProblemsError([])

    monkeypatch.setattr(accounts, "register_legal_person", spy)
    c = client_at("10.9.0.3")
    c.force_login(rep.user)
    c.post("/accounts/register/enterprise/", {"credit_code": "x", "name": "y", "declared": "on"})
    c.post(
        "/api/v1/identity/register/enterprise",
        {"credit_code": "x", "name": "y", "kind": "enterprise", "declared": True},
        "application/json",
    )
    assert calls == [rep, rep]


def test_services_work_without_a_request(outbox):
    number = citizen_id(serial=601)
    otp.issue("register", "13866660001")
    p, user, _check = accounts.register_account(
        name="陈静",
        doc_type="resident_id",
        doc_number=number,
        phone="13866660001",
        code=outbox.code("13866660001"),
        password1="Spring-rain-2025",
        password2="Spring-rain-2025",
    )
    assert Person.objects.get(user=user) == p
    otp.issue("reset", "13866660001")
    accounts.reset_with_code(
        phone="13866660001", code=outbox.code("13866660001"), password1="Autumn-leaf-2026", password2="Autumn-leaf-2026"
    )
    user.refresh_from_db()
    assert user.check_password("Autumn-leaf-2026") and not UserSession.objects.filter(user=user).exists()
    code = make_credit_code("9", "1", "340300", "77700009")
    LegalPersonRecord.objects.create(
        credit_code=code, name="蚌埠市周记餐饮有限公司", legal_rep_name=p.name, legal_rep_doc_hash=p.doc_number_hash
    )
    ent = accounts.register_legal_person(
        person=p, credit_code=code, name="蚌埠市周记餐饮有限公司", kind="enterprise", declared=True
    )
    assert ent.legal_rep == p


def test_reset_email_link_points_at_the_given_host():
    p = person("周八", email="zhouba@example.cn")
    p.user.email = "zhouba@example.cn"
    p.user.save(update_fields=["email"])
    accounts.send_reset_email("zhouba@example.cn", domain="yiwang.example.gov.cn", use_https=True)
    assert len(mail.outbox) == 1 and "https://yiwang.example.gov.cn/accounts/reset/" in mail.outbox[0].body
