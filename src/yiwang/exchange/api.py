"""Exchange API: a department system manages its own webhook subscriptions (/api/v1/exchange/subscriptions);
the catalog, access requests, grants and data services are in api_data (on the same router)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from yiwang.core.api_auth import ErrorOut
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.api_security import require_scope

from . import webhooks
from .models import Delivery, Subscription

router = Router(tags=["exchange"])
AUTH = require_scope("cases:read", "cases:write")
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SubscriptionIn(Schema):
    url: str = Field(
        ...,
        max_length=500,
        description="HTTPS address that receives POSTed events; it must lead to a public address (not loopback, "
        "private, link-local or reserved) unless the operator allows that network",
    )
    actions: list[str] = Field(default_factory=list, description="Only these case actions; empty for all")


class SubscriptionOut(Schema):
    id: int
    url: str
    actions: list[str]
    active: bool
    created_at: dt.datetime
    secret: str | None = Field(None, description="Only in the response that created it: verify signatures with it")

    @staticmethod
    def resolve_secret(obj: Subscription) -> str | None:
        return getattr(obj, "new_secret", None)


class DeliveryOut(Schema):
    event_id: int
    case_id: int
    seq: int
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status: int | None
    last_error: str
    delivered_at: dt.datetime | None


@router.post("/subscriptions", response={201: SubscriptionOut, **ERRORS}, auth=AUTH, summary="Subscribe to case events")
def create(request: HttpRequest, payload: SubscriptionIn):
    from yiwang.cases.states import TRANSITIONS

    problems = []
    if p := webhooks.url_problem(payload.url):
        problems.append(p)
    unknown = [a for a in payload.actions if a not in TRANSITIONS and a != "submit"]
    if unknown:
        problems.append(
            Problem("actions", _("Unknown action: %(names)s."), "invalid", params={"names": ", ".join(unknown)})
        )
    if problems:
        raise ProblemsError(problems)
    secret = webhooks.new_secret()
    sub = Subscription.objects.create(
        client=request.machine_client, url=payload.url.strip(), secret=secret, actions=payload.actions
    )
    sub.new_secret = secret
    return 201, sub


@router.get("/subscriptions", response={200: list[SubscriptionOut], **ERRORS}, auth=AUTH, summary="My subscriptions")
def list_subscriptions(request: HttpRequest):
    return list(Subscription.objects.filter(client=request.machine_client).order_by("id"))


def _mine(request: HttpRequest, sub_id: int) -> Subscription:
    sub = Subscription.objects.filter(client=request.machine_client, pk=sub_id).first()
    if sub is None:
        raise Http404
    return sub


@router.delete("/subscriptions/{sub_id}", response={204: None, **ERRORS}, auth=AUTH, summary="Unsubscribe")
def delete(request: HttpRequest, sub_id: int):
    _mine(request, sub_id).delete()
    return 204, None


@router.get(
    "/subscriptions/{sub_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    auth=AUTH,
    summary="Recent deliveries and their state",
)
def deliveries(request: HttpRequest, sub_id: int, status: str | None = None, limit: int = Query(100, ge=1, le=500)):
    qs = Delivery.objects.filter(subscription=_mine(request, sub_id))
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-id")[:limit])


from . import api_data  # noqa: E402, F401  (the catalog, grants and data services, on this router)
