"""Policies hears cases' events (outbox subscriber "policies.cases", after e-licenses are issued):

- a submitted case of a policy's item (政策兑现) marks the applicant's match "applied";
- an approved case changes the applicant's facts (a case concluded, perhaps a license held): its matches are
  decided again and any newly eligible policy is told.

Both are idempotent: the match keeps its first application, and matching a subject twice tells nobody twice.
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils import timezone

from yiwang.core import outbox

from . import matching
from .models import Match, PolicyVersion, VersionStatus

log = logging.getLogger(__name__)


def on_event(event: outbox.Event) -> None:
    from yiwang.cases.models import Case

    p = event.payload
    action = p.get("action", "")
    if action not in ("submit", "approve"):
        return
    case = Case.objects.select_related("version__item", "person", "enterprise").filter(pk=p["case_id"]).first()
    if case is None:
        return
    if action == "submit":
        policy_ids = PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED, item_id=case.version.item_id).values(
            "policy_id"
        )
        who = Q(enterprise_id=case.enterprise_id) if case.enterprise_id else Q(person_id=case.person_id)
        Match.objects.filter(who, policy_id__in=policy_ids, applied_at__isnull=True).update(
            applied_at=timezone.now(), case_number=case.case_number
        )
        return
    subject = case.enterprise or case.person
    if subject is not None:
        matching.match_subject(subject)


def register() -> None:
    from yiwang.cases.services import TOPIC

    outbox.subscribe("policies.cases", {TOPIC}, on_event, order=60)
