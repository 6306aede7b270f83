"""Text messages to callers (through the SMS slot `identity.sms`), sent by a task after the step committed.

Every caller is answered: the reply, and the conclusion — for a merged duplicate, when its master concludes. The
outcome (sent, failed, or no number to send to) is written on the order's log, so a caller never silently misses
an answer. A gateway failure never undoes the step itself.
"""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

log = logging.getLogger("yiwang.hotline")


def text_for(order, kind: str) -> str:
    with translation.override("zh-hans"):
        if kind == "replied":
            return _("[12345] Your request %(number)s has been answered: %(reply)s") % {
                "number": order.number,
                "reply": order.reply_text[:300],
            }
        if kind == "concluded" and order.master_id:
            return _(
                "[12345] Your request %(number)s was handled together with %(master)s and is concluded: %(reply)s"
            ) % {"number": order.number, "master": order.master.number, "reply": (order.reply_text or "")[:300]}
        return _("[12345] Your request %(number)s is concluded. Thank you for calling 12345.") % {
            "number": order.number
        }


def enqueue(order_id: int, kind: str) -> None:
    send_to_caller.enqueue(order_id, kind)


@task()
def send_to_caller(order_id: int, kind: str) -> str:
    from yiwang.identity.providers import SMS, DeliveryError

    from . import services
    from .models import WorkOrder

    order = WorkOrder.objects.select_related("caller", "master").filter(pk=order_id).first()
    if order is None:
        return "gone"
    if kind == "concluded" and order.first_contact and order.master_id is None and order.channel == "phone":
        # Answered on the phone there and then: the caller heard it already.
        return "skipped"
    if order.caller is None:
        services.record_sms(order.pk, kind, "no_phone")
        return "no_phone"
    phone = order.caller.phone
    if not (len(phone) == 11 and phone.startswith("1")):
        services.record_sms(order.pk, kind, "not_mobile")
        return "not_mobile"
    try:
        SMS.get().send(phone, text_for(order, kind))
    except DeliveryError as exc:
        log.warning("SMS for work order %s failed: %s", order.number, exc)
        services.record_sms(order.pk, kind, "failed", str(exc))
        return "failed"
    services.record_sms(order.pk, kind, "sent")
    return "sent"
