"""Signed, ordered, at-least-once delivery of case events to department systems (业务系统对接, push side).

- A case event (the outbox subscriber "exchange.webhooks" on `cases.case_changed`) becomes one Delivery per active
  subscription whose client's organisation handles the case (its own organisation or a child of it), created with
  its sending task in the subscriber's transaction: an event handed over twice makes no second delivery.
- A task delivers a case's pending events for one subscription in order; the next event of that case waits until
  the previous one was acknowledged with a 2xx. Failures are retried after 30 s, 2 min, 8 min … up to 6 h, and
  given up after MAX_ATTEMPTS (the subscription stays active; `yiwang retry_webhooks --dead` revives them).
- A delivery nobody is sending any more (its task's worker died and the lease ran out) is queued again by the
  worker's periodic job `exchange.webhooks.overdue` (`requeue_overdue`).
- Two workers never send the same case's events at once: each takes a short lease on the first pending delivery
  with a conditional UPDATE, which works the same on SQLite and PostgreSQL and holds no transaction open
  during the HTTP call.
- Receivers are checked against server-side request forgery (core.netguard): only public addresses, or networks
  in WEBHOOKS_ALLOWED_NETWORKS, when subscribing and again at each delivery, over a connection pinned to the
  address just checked. A refused address is a failed attempt ("refused: ..."), retried like any other.
- Body: the event as the feed API shows it. Headers: `X-Yiwang-Event` (event id), `X-Yiwang-Delivery`,
  `X-Yiwang-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from yiwang.core import netguard
from yiwang.core.errors import Problem

from .models import Delivery, DeliveryStatus, Subscription

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
LEASE_SECONDS = 60
TIMEOUT_SECONDS = 10


def _allow_http() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))


def allowed_networks() -> tuple[netguard.Network, ...]:
    return netguard.parse_networks(getattr(settings, "WEBHOOKS_ALLOWED_NETWORKS", ()))


def url_problem(url: str) -> Problem | None:
    """Why a receiver URL is refused (scheme, or an address in a network it may not reach), or None."""
    try:
        netguard.check_url(url, allow_http=_allow_http(), allowed=allowed_networks())
    except netguard.Refused as refused:
        return Problem("url", refused.message, refused.code)
    return None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, tolerance: int = 300, now: int | None = None) -> bool:
    """What a receiver does (documented in docs/api.md; used by the tests as a receiver would)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((int(time.time()) if now is None else now) - t) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, t), header)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 6 * 3600))


def event_body(event) -> dict:
    return {
        "id": event.pk,
        "case_number": event.case.case_number,
        "seq": event.seq,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "at": event.at.isoformat(),
        "actor_name": event.actor_name,
        "role": event.role,
        "organisation_id": event.organisation_id,
        "channel": event.channel,
        "on_behalf_of": event.on_behalf_of,
        "data": event.data,
    }


def subscriptions_for(organisation_id: int, parent_id: int | None, action: str) -> list[Subscription]:
    orgs = [organisation_id] + ([parent_id] if parent_id else [])
    subs = Subscription.objects.filter(active=True, client__revoked_at__isnull=True, client__organisation_id__in=orgs)
    return [s for s in subs if not s.actions or action in s.actions]


def enqueue(case_id: int, event_id: int, action: str) -> int:
    """Creates the deliveries of one event and schedules their sending; returns how many."""
    from yiwang.cases.models import CaseEvent

    event = CaseEvent.objects.select_related("case__organisation").filter(pk=event_id).first()
    if event is None:
        return 0
    org = event.case.organisation
    made = 0
    for sub in subscriptions_for(org.pk, org.parent_id, action):
        _d, created = Delivery.objects.get_or_create(
            subscription=sub, event_id=event.pk, defaults={"case_id": case_id, "seq": event.seq}
        )
        if created:
            made += 1
            send_case_feed.enqueue(sub.pk, case_id)
    return made


def _take_lease(sub_id: int, case_id: int, now) -> Delivery | None:
    first = (
        Delivery.objects.filter(subscription_id=sub_id, case_id=case_id, status=DeliveryStatus.PENDING)
        .order_by("seq")
        .first()
    )
    if first is None or first.next_attempt_at > now:
        return None
    taken = (
        Delivery.objects.filter(pk=first.pk, status=DeliveryStatus.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + dt.timedelta(seconds=LEASE_SECONDS))
    )
    return first if taken else None


def _post(sub: Subscription, delivery: Delivery, body: bytes) -> tuple[int | None, str]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Yiwang-Webhooks/1",
        "X-Yiwang-Event": str(delivery.event_id),
        "X-Yiwang-Delivery": str(delivery.pk),
        "X-Yiwang-Signature": sign(sub.secret, body),
    }
    try:
        r = netguard.post(
            sub.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_http=_allow_http(),
            allowed=allowed_networks(),
            verify=getattr(settings, "WEBHOOKS_CA_BUNDLE", "") or True,
        )
    except netguard.Refused as refused:
        return None, f"refused: {refused.code}"
    except requests.RequestException as exc:
        return None, type(exc).__name__
    return r.status_code, "" if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"


def send_pending(sub_id: int, case_id: int) -> int:
    """Sends the case's pending events in order until one fails or none is due; returns how many were delivered."""
    from yiwang.cases.models import CaseEvent

    from .connectors import connector

    sub = Subscription.objects.select_related("client").filter(pk=sub_id, active=True).first()
    if sub is None or sub.client.revoked_at is not None:
        return 0
    sent = 0
    while True:
        now = timezone.now()
        delivery = _take_lease(sub_id, case_id, now)
        if delivery is None:
            return sent
        event = CaseEvent.objects.select_related("case").get(pk=delivery.event_id)
        body = json.dumps(event_body(event), ensure_ascii=False, separators=(",", ":")).encode()
        status, error = connector().push(sub, delivery, body)
        with transaction.atomic():
            delivery.attempts += 1
            delivery.last_status, delivery.last_error, delivery.lease_until = status, error[:300], None
            if not error:
                delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.DEAD
            else:
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            delivery.save()
        if error:
            log.warning(
                "webhook %s event %s failed (%s), attempt %s", sub.pk, delivery.event_id, error, delivery.attempts
            )
            if delivery.status == DeliveryStatus.PENDING and send_case_feed.get_backend().supports_defer:
                send_case_feed.using(run_after=delivery.next_attempt_at).enqueue(sub_id, case_id)
            return sent
        sent += 1


@task()
def send_case_feed(sub_id: int, case_id: int) -> int:
    return send_pending(sub_id, case_id)


def requeue_overdue(now=None, grace_seconds: float = 120) -> int:
    """Queues a sending task for each (subscription, case) whose first pending delivery is overdue by more than
    `grace_seconds` and not leased: its task was lost (a worker killed mid-task) or never ran. Returns how many."""
    now = now or timezone.now()
    late = now - dt.timedelta(seconds=grace_seconds)
    pairs = set(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=late)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("subscription_id", "case_id")[:1000]
    )
    for sub_id, case_id in sorted(pairs):
        send_case_feed.enqueue(sub_id, case_id)
    return len(pairs)


def retry_due(now=None, revive_dead: bool = False) -> int:
    """Sweeps deliveries whose retry time has come (after a worker restart, say); returns how many were delivered."""
    now = now or timezone.now()
    if revive_dead:
        Delivery.objects.filter(status=DeliveryStatus.DEAD).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
        )
    pairs = set(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).values_list(
            "subscription_id", "case_id"
        )
    )
    return sum(send_pending(sub_id, case_id) for sub_id, case_id in sorted(pairs))
