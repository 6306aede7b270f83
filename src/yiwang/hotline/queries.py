"""The workbench's lists: to-do queues per role, with the time left on every row; each one bounded query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from . import policy
from .models import Assignment, AssignmentState, State, WorkOrder

PAGE = 30
COUNT_CAP = 1000


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    who: str  # operator, handler, supervises, any


QUEUES = (
    Queue("dispatch", _("To dispatch"), "operator"),
    Queue("decide", _("Waiting for the centre's decision"), "supervises"),
    Queue("callback", _("To call back"), "operator"),
    Queue("sign", _("To sign for"), "handler"),
    Queue("handling", _("Being handled by my department"), "handler"),
    Queue("overdue", _("Overdue"), "any"),
    Queue("all", _("All work orders I can see"), "any"),
)
BY_KEY = {q.key: q for q in QUEUES}


def queues_for(ha: policy.HotlineActor) -> list[Queue]:
    out = []
    for q in QUEUES:
        if (
            q.who == "any"
            or (q.who == "operator" and ha.is_operator)
            or (q.who == "handler" and ha.is_handler)
            or (q.who == "supervises" and ha.supervises)
        ):
            out.append(q)
    return out


def _mine(ha: policy.HotlineActor, states: tuple[str, ...]) -> Q:
    ids = policy.handler_org_ids(ha)
    sub = Assignment.objects.filter(order_id=OuterRef("pk"), state__in=states)
    if ids is not None:
        sub = sub.filter(Q(organisation_id__in=ids) | Q(sub_unit_id__in=ids))
    return Q(Exists(sub))


def queryset(ha: policy.HotlineActor, queue: str, q: str = "") -> QuerySet[WorkOrder]:
    from django.utils import timezone

    qs = policy.visible_orders(ha)
    if queue == "dispatch":
        qs = qs.filter(state=State.RECEIVED)
    elif queue == "decide":
        qs = qs.filter(pending_decision=True)
    elif queue == "callback":
        qs = qs.filter(state=State.REPLIED)
    elif queue == "sign":
        qs = qs.filter(_mine(ha, (AssignmentState.DISPATCHED,)), state__in=(State.DISPATCHED, State.HANDLING))
    elif queue == "handling":
        qs = qs.filter(_mine(ha, (AssignmentState.SIGNED,)), state=State.HANDLING)
    elif queue == "overdue":
        qs = qs.filter(
            state__in=(State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURNED), due_at__lt=timezone.now()
        )
    q = (q or "").strip()[:40]
    if q:
        qs = qs.filter(Q(number__startswith=q) | Q(title__contains=q) | Q(address__contains=q))
    order = ("-received_at", "-id") if queue in ("all", "callback") else ("due_at", "id")
    return qs.select_related("category", "department").order_by(*order)


def page(ha: policy.HotlineActor, queue: str, q: str = "", number: int = 1) -> dict[str, Any]:
    qs = queryset(ha, queue, q)
    number = max(1, min(number, COUNT_CAP // PAGE))
    rows = list(qs[(number - 1) * PAGE : number * PAGE + 1])
    count = qs[: COUNT_CAP + 1].count()
    return {
        "rows": rows[:PAGE],
        "has_next": len(rows) > PAGE,
        "number": number,
        "count": min(count, COUNT_CAP),
        "capped": count > COUNT_CAP,
    }


def counts(ha: policy.HotlineActor, queues: list[Queue]) -> dict[str, int]:
    return {q.key: queryset(ha, q.key)[: COUNT_CAP + 1].count() for q in queues if q.key != "all"}
