"""Signed webhook feed of case events: at-least-once, in order per case, retried, only to the right system."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import requests
import responses
from django.test import Client
from django.utils import timezone

from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases import services as cases
from yiwang.cases.services import Who
from yiwang.exchange import webhooks
from yiwang.exchange.models import Delivery, DeliveryStatus
from yiwang.identity.clients import create_client, revoke
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db
HOOK = "https://dept.example.gov.cn/yiwang-hook"


@pytest.fixture
def world(settings):
    org = OrganisationFactory()
    client, secret = create_client("部门系统", "department", org, ["cases:read", "cases:write"])
    basic = base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode()
    token = (
        Client()
        .post(
            "/oauth/token/",
            {"grant_type": "client_credentials", "scope": "cases:read"},
            headers={"Authorization": f"Basic {basic}"},
        )
        .json()["access_token"]
    )
    api = Client(headers={"Authorization": f"Bearer {token}"})
    r = api.post("/api/v1/exchange/subscriptions", {"url": HOOK}, content_type="application/json")
    assert r.status_code == 201, r.content
    applicant = person("张三")
    return {
        "org": org,
        "client": client,
        "api": api,
        "secret": r.json()["secret"],
        "sub_id": r.json()["id"],
        "version": make_item(org).current,
        "applicant": applicant,
        "clerk": Who(user=staff(org, Role.WINDOW_CLERK), role=Role.WINDOW_CLERK),
    }


def submit_and_accept(world, capture):
    with capture(execute=True):
        case, _ = cases.submit(
            version=world["version"], person=world["applicant"], who=Who(user=world["applicant"].user)
        )
    with capture(execute=True):
        cases.accept(case, world["clerk"])
    return case


@responses.activate
def test_events_arrive_signed_and_in_order(world, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=204)
    case = submit_and_accept(world, django_capture_on_commit_callbacks)
    bodies = [c.request.body for c in responses.calls]
    assert [json.loads(b)["action"] for b in bodies] == ["submit", "accept"]
    for call in responses.calls:
        assert webhooks.verify(world["secret"], call.request.body, call.request.headers["X-Yiwang-Signature"])
        assert not webhooks.verify("wrong", call.request.body, call.request.headers["X-Yiwang-Signature"])
    assert json.loads(bodies[0])["case_number"] == case.case_number
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


@responses.activate
def test_a_failure_holds_back_later_events_of_that_case_until_retried(world, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=503)
    submit_and_accept(world, django_capture_on_commit_callbacks)
    # submit failed once; accept waits behind it (never sent out of order)
    assert [json.loads(c.request.body)["action"] for c in responses.calls] == ["submit"]
    first = Delivery.objects.order_by("seq").first()
    assert first.status == DeliveryStatus.PENDING and first.attempts == 1 and first.next_attempt_at > timezone.now()
    responses.replace(responses.POST, HOOK, status=200)
    assert webhooks.retry_due() == 0  # not due yet
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert webhooks.retry_due() == 2
    actions = [json.loads(c.request.body)["action"] for c in responses.calls]
    assert actions == ["submit", "submit", "accept"]
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2
    listed = world["api"].get(f"/api/v1/exchange/subscriptions/{world['sub_id']}/deliveries").json()
    assert {d["status"] for d in listed} == {"delivered"}


@responses.activate
def test_gives_up_after_the_last_attempt_and_can_be_revived(world, django_capture_on_commit_callbacks):
    responses.post(HOOK, body=requests.ConnectionError("refused"))
    with django_capture_on_commit_callbacks(execute=True):
        cases.submit(version=world["version"], person=world["applicant"], who=Who(user=world["applicant"].user))
    d = Delivery.objects.get()
    Delivery.objects.filter(pk=d.pk).update(attempts=webhooks.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now())
    webhooks.retry_due()
    assert Delivery.objects.get().status == DeliveryStatus.DEAD
    responses.replace(responses.POST, HOOK, status=200)
    webhooks.retry_due(revive_dead=True)
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


@responses.activate
def test_other_organisations_and_revoked_clients_get_nothing(world, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=200)
    elsewhere = make_item(OrganisationFactory()).current
    with django_capture_on_commit_callbacks(execute=True):
        cases.submit(version=elsewhere, person=world["applicant"], who=Who(user=world["applicant"].user))
    assert not responses.calls and not Delivery.objects.exists()
    revoke(world["client"])
    with django_capture_on_commit_callbacks(execute=True):
        cases.submit(version=world["version"], person=world["applicant"], who=Who(user=world["applicant"].user))
    assert not responses.calls


def test_subscriptions_need_https_and_known_actions(world):
    r = world["api"].post(
        "/api/v1/exchange/subscriptions",
        {"url": "http://x.example.com/h", "actions": ["fly"]},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert {p["field"] for p in r.json()["detail"]} == {"url", "actions"}
    assert Client().get("/api/v1/exchange/subscriptions").status_code == 401


def test_signature_rejects_old_timestamps():
    body = b'{"id":1}'
    header = webhooks.sign("s3cret", body, timestamp=1_000_000)
    assert webhooks.verify("s3cret", body, header, now=1_000_100)
    assert not webhooks.verify("s3cret", body, header, now=1_000_000 + 3600)
    assert not webhooks.verify("s3cret", body + b" ", header, now=1_000_100)
