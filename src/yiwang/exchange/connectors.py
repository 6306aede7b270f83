"""Department connectors: how case events reach a department's own system (业务系统对接, push side).

A plugin slot (docs/plugins.md). `webhooks.py` decides what to send and when — one Delivery per event and
subscription, in order per case, leased, retried with growing pauses — and hands each event to the configured
connector, which carries it over. `DEPARTMENT_CONNECTOR` names the connector, `DEPARTMENT_CONNECTOR_OPTIONS`
holds its options.

- ``webhook`` (default): the signed webhook — an HTTPS POST of the event to the subscription's URL with an
  HMAC-SHA256 signature (`webhooks.sign`), documented in docs/api.md.

A connector for a provincial exchange bus or a department's own interface implements `push` and registers
itself with ``@CONNECTORS.register("<key>")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yiwang.core import plugins

if TYPE_CHECKING:
    from .models import Delivery, Subscription


class DepartmentConnector(plugins.Provider):
    """Interface: carry one case event (the JSON body the feed API shows) to a subscription's receiver."""

    def push(self, subscription: Subscription, delivery: Delivery, body: bytes) -> tuple[int | None, str]:
        """Hands the event over; returns (status code or None, error text). An empty error means delivered."""
        raise NotImplementedError  # pragma: no cover - interface


CONNECTORS: plugins.Slot[DepartmentConnector] = plugins.Slot(
    "exchange.department_connector",
    DepartmentConnector,
    setting="DEPARTMENT_CONNECTOR",
    options_setting="DEPARTMENT_CONNECTOR_OPTIONS",
    default="webhook",
    doc="Carries case events to department systems; the feed's order, leases and retries stay in webhooks.py.",
)


def connector() -> DepartmentConnector:
    """The configured department connector."""
    return CONNECTORS.get()


@CONNECTORS.register("webhook")
class SignedWebhook(DepartmentConnector):
    """The signed webhook (X-Yiwang-Signature: t=…,v1=HMAC-SHA256), to the subscription's receiver URL."""

    def push(self, subscription: Subscription, delivery: Delivery, body: bytes) -> tuple[int | None, str]:
        from . import webhooks

        return webhooks._post(subscription, delivery, body)
