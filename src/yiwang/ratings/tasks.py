"""Background work of ratings (django-tasks): SMS after a case concludes or a rectification closes, the reply to a
complaint, and the daily export. Each task reads the records again, so it sends current facts, and does nothing
twice (the invitation's `sent_at`, the rectification's `person_told_at`, the export run of the day)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import casefacts, notify, services
from .models import CaseRecord, Complaint, Invite, Rectification
from .standard import Stage


@task()
def send_invite(case_id: int, stage: str = Stage.RESULT) -> str:
    """The SMS inviting the applicant to rate, with a signed one-use link (once per case and stage)."""
    case = casefacts.by_pk(case_id)
    if case is None or not case.person.phone:
        return "no phone"
    if services.open_stage(case, case.person_id) != stage:
        return "not open"
    invite = services.make_invite(case, stage)
    if invite is None or invite.sent_at is not None or invite.used_at is not None:
        return "sent already"
    text = notify.invitation_text(
        case.case_number,
        case.item_name,
        notify.invite_link(services.invite_token(invite)),
        services.invite_days(),
        stage,
    )
    if not notify.send(case.person.phone, text):
        return "not delivered"
    now = timezone.now()
    Invite.objects.filter(pk=invite.pk).update(sent_at=now)
    CaseRecord.objects.filter(pk=case_id, invited_at__isnull=True).update(invited_at=now)
    return "sent"


@task()
def tell_outcome(rect_id: int) -> str:
    """Tells the person the rectification's outcome, and invites them to rate the case once more."""
    with transaction.atomic():
        rect = Rectification.objects.select_for_update(of=("self",)).select_related("rating__person").get(pk=rect_id)
        if rect.person_told_at is not None:
            return "told already"
        rect.person_told_at = timezone.now()
        rect.save(update_fields=["person_told_at"])
    rating = rect.rating
    person = rating.person
    if person is None or not person.phone:
        return "no phone"
    what = rating.case_number or (str(rating.window) if rating.window_id else rating.organisation.name)
    sent = notify.send(person.phone, notify.outcome_text(what, rect.measures))
    if rating.case_id:
        send_invite.enqueue(rating.case_id, Stage.FOLLOWUP)
    return "sent" if sent else "not delivered"


@task()
def tell_reply(complaint_id: int) -> str:
    c = Complaint.objects.select_related("person").filter(pk=complaint_id).first()
    if c is None:
        return "gone"
    return "sent" if notify.send(c.person.phone, notify.reply_text(c.number)) else "not delivered"


@task()
def export_day(day: str) -> str:
    from . import export

    run = export.run(dt.date.fromisoformat(day))
    return f"{run.state} {run.count}"
