"""The three lists' write path: demands raised and answered, duties assigned and fulfilled, negative entries, and
the daily timer that reports overdue answers and duties to supervision (once each)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

from .events import record
from .models import (
    DataResource,
    Demand,
    DemandStatus,
    Duty,
    DutyStatus,
    EventKind,
    NegativeEntry,
    ResourceStatus,
)

DEFAULT_ANSWER_DAYS = 10


def _text(data: dict[str, Any], key: str, label: Any, lo: int, hi: int, problems: list[Problem]) -> str:
    value = str(data.get(key) or "").strip()
    if not (lo <= len(value) <= hi):
        problems.append(Problem(key, label, "required" if not value else "invalid", params={"lo": lo, "hi": hi}))
    return value


def _date(value: Any, key: str, problems: list[Problem], *, future: bool = True) -> dt.date | None:
    if isinstance(value, str) and value.strip():
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        problems.append(Problem(key, _("Give a date (YYYY-MM-DD)."), "required"))
        return None
    if future and value < timezone.localdate():
        problems.append(Problem(key, _("The date is in the past."), "past"))
        return None
    return value


# --- demands (需求清单) -------------------------------------------------------------------------------------------


@transaction.atomic
def raise_demand(*, requester: Any, provider: Any, data: dict[str, Any], user: Any = None) -> Demand:
    problems: list[Problem] = []
    title = _text(data, "title", _("Say which data you need (2 to 200 characters)."), 2, 200, problems)
    purpose = _text(data, "purpose", _("Say what the data is used for (2 to 200 characters)."), 2, 200, problems)
    basis = _text(data, "legal_basis", _("Give the legal basis (2 to 300 characters)."), 2, 300, problems)
    if provider is None:
        problems.append(Problem("provider", _("Choose the department you ask."), "required"))
    elif provider.pk == getattr(requester, "pk", None):
        problems.append(Problem("provider", _("Ask another department: your own data needs no demand."), "invalid"))
    due = data.get("due") or timezone.localdate() + dt.timedelta(days=DEFAULT_ANSWER_DAYS)
    due = _date(due, "due", problems)
    for key, hi in (("item_code", 40), ("item_name", 200), ("material_name", 200), ("fields", 500)):
        if len(str(data.get(key) or "")) > hi:
            problems.append(Problem(key, _("At most %(n)s characters."), "too_long", params={"n": hi}))
    if problems:
        raise ProblemsError(problems)
    return Demand.objects.create(
        requester=requester,
        provider=provider,
        title=title,
        purpose=purpose,
        legal_basis=basis,
        due=due,
        item_code=str(data.get("item_code") or "").strip(),
        item_name=str(data.get("item_name") or "").strip(),
        material_name=str(data.get("material_name") or "").strip(),
        fields=str(data.get("fields") or "").strip(),
        created_by=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def answer_demand(demand: Demand, *, user: Any, resource: DataResource | None = None, refuse: str = "") -> Demand:
    """Links a published resource of the asked department, or refuses with grounds."""
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status != DemandStatus.OPEN:
        raise ProblemsError([Problem("status", _("This demand was already answered."), "answered")])
    refuse = (refuse or "").strip()
    if resource is None and len(refuse) < 2:
        raise ProblemsError(
            [Problem("resource", _("Link a resource that answers the demand, or refuse with grounds."), "required")]
        )
    if resource is not None:
        if resource.provider_id != demand.provider_id or resource.status != ResourceStatus.PUBLISHED:
            raise ProblemsError(
                [Problem("resource", _("Link a published resource of the department asked."), "invalid")]
            )
        demand.status, demand.resource, demand.answer = DemandStatus.LINKED, resource, refuse[:500]
    else:
        demand.status, demand.answer = DemandStatus.REFUSED, refuse[:500]
    demand.answered_by, demand.answered_at = user, timezone.now()
    demand.save()
    record(
        EventKind.DEMAND_ANSWERED,
        demand.provider,
        demand.title,
        {"demand": demand.pk, "status": demand.status, "late": demand.answered_at.date() > demand.due},
    )
    return demand


@transaction.atomic
def withdraw_demand(demand: Demand, user: Any) -> Demand:
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status != DemandStatus.OPEN:
        raise ProblemsError([Problem("status", _("This demand was already answered."), "answered")])
    demand.status, demand.answered_by, demand.answered_at = DemandStatus.WITHDRAWN, user, timezone.now()
    demand.save()
    return demand


# --- duties (责任清单) -------------------------------------------------------------------------------------------


@transaction.atomic
def assign_duty(*, provider: Any, data: dict[str, Any], user: Any = None) -> Duty:
    problems: list[Problem] = []
    title = _text(data, "title", _("Say which data must be provided (2 to 200 characters)."), 2, 200, problems)
    basis = _text(data, "legal_basis", _("Give the legal basis (2 to 300 characters)."), 2, 300, problems)
    due = _date(data.get("due"), "due", problems)
    if provider is None:
        problems.append(Problem("provider", _("Choose the responsible department."), "required"))
    if len(str(data.get("description") or "")) > 500:
        problems.append(Problem("description", _("At most %(n)s characters."), "too_long", params={"n": 500}))
    if problems:
        raise ProblemsError(problems)
    return Duty.objects.create(
        provider=provider,
        title=title,
        legal_basis=basis,
        due=due,
        description=str(data.get("description") or "").strip(),
        created_by=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def link_duty(duty: Duty, resource: DataResource) -> Duty:
    """The duty is met by a resource of its department (fulfilled once the resource is published)."""
    duty = Duty.objects.select_for_update().get(pk=duty.pk)
    if resource.provider_id != duty.provider_id:
        raise ProblemsError([Problem("resource", _("Link a resource of the responsible department."), "invalid")])
    duty.resource = resource
    if resource.status == ResourceStatus.PUBLISHED and duty.status != DutyStatus.FULFILLED:
        duty.status, duty.fulfilled_at = DutyStatus.FULFILLED, timezone.now()
    duty.save()
    return duty


def fulfil_duties(resource: DataResource) -> int:
    """Publishing a resource fulfils the pending duties linked to it."""
    return Duty.objects.filter(resource=resource, status=DutyStatus.PENDING).update(
        status=DutyStatus.FULFILLED, fulfilled_at=timezone.now()
    )


# --- negative list (负面清单) -------------------------------------------------------------------------------------


@transaction.atomic
def add_negative(*, provider: Any, data: dict[str, Any], user: Any = None, resource: DataResource | None = None):
    problems: list[Problem] = []
    title = _text(data, "title", _("Say which data is not shared (2 to 200 characters)."), 2, 200, problems)
    reason = _text(data, "reason", _("Say why it is not shared (2 to 500 characters)."), 2, 500, problems)
    basis = _text(data, "legal_basis", _("Give the legal basis (2 to 300 characters)."), 2, 300, problems)
    if provider is None:
        problems.append(Problem("provider", _("Choose the department."), "required"))
    if problems:
        raise ProblemsError(problems)
    return NegativeEntry.objects.create(
        provider=provider, title=title, reason=reason, legal_basis=basis, resource=resource, created_by=user
    )


# --- the daily timer ----------------------------------------------------------------------------------------------


def report_overdue(today: dt.date | None = None) -> dict[str, int]:
    """Open demands and pending duties past their date: one ExchangeEvent each, the first time (supervision)."""
    today = today or timezone.localdate()
    now = timezone.now()
    counts = {"demands": 0, "duties": 0}
    with transaction.atomic():
        for d in (
            Demand.objects.select_for_update()
            .filter(status=DemandStatus.OPEN, due__lt=today, overdue_at__isnull=True)
            .select_related("provider", "requester")
        ):
            d.overdue_at = now
            d.save(update_fields=["overdue_at"])
            record(
                EventKind.DEMAND_OVERDUE,
                d.provider,
                d.title,
                {"demand": d.pk, "requester": d.requester.name, "due": d.due.isoformat()},
            )
            counts["demands"] += 1
        for t in (
            Duty.objects.select_for_update()
            .filter(status=DutyStatus.PENDING, due__lt=today, overdue_at__isnull=True)
            .select_related("provider")
        ):
            t.overdue_at = now
            t.save(update_fields=["overdue_at"])
            record(EventKind.DUTY_OVERDUE, t.provider, t.title, {"duty": t.pk, "due": t.due.isoformat()})
            counts["duties"] += 1
    return counts
