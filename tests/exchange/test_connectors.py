"""Department connectors: the feed hands each event to the configured connector; the signed webhook is the default."""

from __future__ import annotations

import json

import pytest
import responses

from tests.exchange.test_webhooks import submit_and_accept, world  # noqa: F401 - the fixture
from yiwang.exchange import connectors
from yiwang.exchange.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


class BusConnector(connectors.DepartmentConnector):
    """A city's exchange bus (named by its dotted path, as a city's own connector would be)."""

    sent: list[tuple[int, str]] = []
    refuse = False

    def push(self, subscription, delivery, body):
        if type(self).refuse:
            return None, "bus closed"
        type(self).sent.append((subscription.pk, json.loads(body)["action"]))
        return 200, ""


def test_the_default_connector_is_the_signed_webhook():
    assert isinstance(connectors.connector(), connectors.SignedWebhook) and connectors.connector().key == "webhook"


@responses.activate
def test_events_go_through_the_configured_connector_in_order(world, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.DEPARTMENT_CONNECTOR = "tests.exchange.test_connectors.BusConnector"
    BusConnector.sent, BusConnector.refuse = [], False
    submit_and_accept(world, django_capture_on_commit_callbacks)
    assert BusConnector.sent == [(world["sub_id"], "submit"), (world["sub_id"], "accept")]
    assert not responses.calls  # nothing went to the webhook URL
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_a_connector_failure_is_retried_like_a_webhook_failure(world, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.DEPARTMENT_CONNECTOR = "tests.exchange.test_connectors.BusConnector"
    BusConnector.sent, BusConnector.refuse = [], True
    submit_and_accept(world, django_capture_on_commit_callbacks)
    first = Delivery.objects.order_by("seq").first()
    assert first.status == DeliveryStatus.PENDING and first.attempts == 1 and first.last_error == "bus closed"
    # The next event of the case waits for the first.
    assert Delivery.objects.filter(attempts=0).count() == 1


def test_an_unknown_connector_is_reported_at_start_up(settings):
    settings.DEPARTMENT_CONNECTOR = "kafka"
    found = connectors.CONNECTORS.check_messages()
    assert [(m.id, m.obj) for m in found] == [("yiwang.E101", "DEPARTMENT_CONNECTOR")]
    assert "webhook" in found[0].msg


def test_the_webhook_takes_no_options(settings):
    settings.DEPARTMENT_CONNECTOR_OPTIONS = {"timeout": 3}
    found = connectors.CONNECTORS.check_messages()
    assert [(m.id, m.msg.split(":")[0]) for m in found] == [("yiwang.E102", "DEPARTMENT_CONNECTOR_OPTIONS.timeout")]
