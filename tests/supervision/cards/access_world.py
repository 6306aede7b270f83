"""The cards side's records in the authorisation matrix's world (tests/access/conftest.build_world calls `extend`):
a red card on A's case, a correction order the supervisor issued on it (open), and the supervisor's watch entry."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yiwang.identity.access import actor_for_user
from yiwang.supervision import corrections
from yiwang.supervision.models import Card, CardLevel


def extend(w) -> None:
    case = w.rec["case_a"]
    supervisor = w.users["supervisor"]
    a = actor_for_user(supervisor)
    w.rec["sup_card"] = Card.objects.create(
        case=case,
        organisation=case.organisation,
        rule="case_overdue",
        level=CardLevel.RED,
        reason="x",
        case_number=case.case_number,
        item_name=case.item_name,
    )
    w.rec["sup_order"] = corrections.issue(
        a,
        supervisor,
        case_number=case.case_number,
        due=timezone.localdate() + dt.timedelta(days=5),
        text="请说明办理进度并补正",
    )
    w.rec["sup_watch"] = corrections.watch(a, supervisor, case_number=case.case_number)
