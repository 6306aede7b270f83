"""Telling applicants what happened to their case: an in-site message, then SMS and email in the background.

An outbox subscriber ("cases.messages", on `cases.case_changed`, handed over by the worker after each transition
committed) writes one `Message` to the applicant's account for every change they need to know about — back-office
work inside a step (claiming, releasing, internal opinions) is not sent — and, in the same transaction, queues the
SMS and email as a django-tasks task, so a slow gateway never slows the clerk's click; the task reads the case again,
so it sends current facts. An event handed over twice cannot write the message (or queue the notice) twice: one
message per recipient and event. The task marks each channel sent on the message, so a task run again (its worker
died) does not send again what it had sent.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Case, CaseEvent, Message
from .states import ACTION_NAMES

log = logging.getLogger("yiwang.cases.notify")

# Changes the applicant is told about (the others happen inside the department).
NOTIFIED = frozenset(
    {
        "submit",
        "request_correction",
        "supplement",
        "accept",
        "deemed_accept",
        "not_accept",
        "suspend",
        "resume",
        "approve",
        "refuse",
        "withdraw",
        "void",
        "deliver",
    }
)
# Changes worth an SMS as well (the applicant must do or collect something, or the case ended).
SMS_ACTIONS = frozenset({"request_correction", "accept", "not_accept", "approve", "refuse", "void", "deliver"})


def message_text(case: Case, event: CaseEvent) -> str:
    """The message in Chinese (the applicant's language on this platform), with what to do next when relevant."""
    with translation.override("zh-hans"):
        action = str(ACTION_NAMES.get(event.action, event.action))
        text = _("Your case %(number)s (%(item)s): %(action)s.") % {
            "number": case.case_number,
            "item": case.item_name,
            "action": action,
        }
        if event.action == "request_correction":
            text += " " + _("Please supply every material listed in the correction notice.")
        elif event.action in ("accept", "deemed_accept") and case.promised_due:
            text += " " + _("Promised completion by %(date)s.") % {"date": case.promised_due.isoformat()}
        elif event.action == "deliver" and case.tracking_number:
            text += " " + _("Tracking number: %(number)s.") % {"number": case.tracking_number}
        return text


def recipient_user_id(case: Case) -> int | None:
    """The applicant's account: the person who applied (themself, or as the enterprise's agent)."""
    return case.person.user_id if case.person_id else None


def on_event(event) -> None:
    """Outbox subscriber "cases.messages" (registered by CasesConfig.ready())."""
    p = event.payload
    on_case_changed(sender=Case, case_id=p["case_id"], event_id=p["event_id"], action=p["action"])


def on_case_changed(sender, case_id: int, event_id: int, action: str, **kwargs) -> None:
    """Writes the applicant's message for one event (once) and queues its SMS and email in the same transaction."""
    if action not in NOTIFIED:
        return
    case = Case.objects.select_related("person").filter(pk=case_id).first()
    event = CaseEvent.objects.filter(pk=event_id).first()
    if case is None or event is None:
        return
    user_id = recipient_user_id(case)
    if user_id is None:
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                Message.objects.create(recipient_id=user_id, case=case, event=event, text=message_text(case, event))
        except IntegrityError:
            return  # already written for this event (and its notice queued with it)
        if action in SMS_ACTIONS:
            send_case_notice.enqueue(case_id=case_id, event_id=event_id)


@task()
def send_case_notice(case_id: int, event_id: int) -> str:
    """SMS to the applicant's phone and email when they gave one, through identity.providers.

    Each channel is marked sent on the event's message right after it went out, so running the task again sends
    only what was not sent yet.
    """
    from yiwang.identity import providers

    case = Case.objects.select_related("person").filter(pk=case_id).first()
    event = CaseEvent.objects.filter(pk=event_id).first()
    if case is None or event is None:
        return "gone"
    message = Message.objects.filter(event_id=event_id).order_by("pk").first()
    text = message_text(case, event)
    sent = []
    phone = case.person.phone
    if phone and not (message is not None and message.sms_sent_at):
        try:
            providers.send_sms(phone, text)
            sent.append("sms")
            if message is not None:
                Message.objects.filter(pk=message.pk).update(sms_sent_at=timezone.now())
        except providers.DeliveryError:
            log.warning("SMS notice for case %s not delivered", case.case_number)
    email = case.person.email
    if email and not (message is not None and message.email_sent_at):
        try:
            with translation.override("zh-hans"):
                subject = _("Your case %(number)s") % {"number": case.case_number}
            providers.send_email(email, subject, text)
            sent.append("email")
            if message is not None:
                Message.objects.filter(pk=message.pk).update(email_sent_at=timezone.now())
        except Exception:
            log.warning("email notice for case %s not delivered", case.case_number)
    return ",".join(sent)


# ---------------------------------------------------------------------------------------------------------------
# The inbox
# ---------------------------------------------------------------------------------------------------------------


def inbox(user) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user).select_related("case")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, message_ids: list[int] | None = None, *, case: Any = None) -> int:
    """Marks the user's messages read (all, the listed ones, or those about one case); returns how many changed."""
    from django.utils import timezone

    qs = Message.objects.filter(recipient=user, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=message_ids)
    if case is not None:
        qs = qs.filter(case=case)
    return qs.update(read_at=timezone.now())
