"""The halls module's section in My Space: upcoming appointments and on-site surveys to schedule."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def appointments_context(request, subject) -> dict[str, Any] | None:
    from yiwang.identity import access as id_access
    from yiwang.identity.models import AgentPermission, Enterprise

    from .models import Appointment, AppointmentState, SurveyRequest, SurveyState

    a = id_access.actor(request)
    if isinstance(subject, Enterprise):
        if not a.acts_for(subject.pk, AgentPermission.APPLY):
            return None
        qs = Appointment.objects.filter(enterprise_id=subject.pk)
        surveys = SurveyRequest.objects.filter(case__enterprise_id=subject.pk)
    else:
        qs = Appointment.objects.filter(person_id=subject.pk, enterprise__isnull=True)
        surveys = SurveyRequest.objects.filter(case__person_id=subject.pk, case__enterprise__isnull=True)
    upcoming = list(
        qs.filter(state__in=(AppointmentState.BOOKED, AppointmentState.CHECKED_IN), ends_at__gte=timezone.now())
        .select_related("hall", "line")
        .order_by("starts_at")[:5]
    )
    pending = list(surveys.filter(state__in=(SurveyState.PROPOSED, SurveyState.SCHEDULED)).order_by("-id")[:5])
    return {"appointments": upcoming, "surveys": pending}


def assisted_context(request, subject) -> dict[str, Any] | None:
    """What helpers and bank outlets applied for the person (or the enterprise): who helped, where, with which
    consent; the case number links to the case page."""
    from yiwang.identity import access as id_access
    from yiwang.identity.models import AgentPermission, Enterprise

    from .models import AssistedCase

    if isinstance(subject, Enterprise):
        if not id_access.actor(request).acts_for(subject.pk, AgentPermission.VIEW_CASES):
            return None
        qs = AssistedCase.objects.filter(enterprise_id=subject.pk)
    else:
        qs = AssistedCase.objects.filter(person_id=subject.pk, enterprise__isnull=True)
    rows = list(qs.select_related("case", "hall", "consent").order_by("-created_at")[:10])
    return {"rows": rows} if rows else None


def visit_offer(case) -> tuple[str, str] | None:
    """On the receipt of a depth-III item (applied for online, one visit): book that visit, linked to the case
    (网上预审 + 预约). Only where a hall takes appointments for the item."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from yiwang.catalog.models import OnlineDepth

    from . import queries

    if case.version.online_depth != OnlineDepth.ONE_VISIT or not queries.lines_for_item(case.item):
        return None
    query = urlencode({"item": case.item.item_code, "case": case.case_number})
    return str(_("Book your one visit to the hall now")), f"{reverse('halls:book')}?{query}"


def register() -> None:
    from yiwang.cases import applying

    applying.AFTER_APPLY.add("halls.visit", visit_offer)
    try:
        from yiwang.identity import space
    except ImportError:  # pragma: no cover - My Space not installed
        return
    space.register_panel(
        "appointments",
        title=_("My appointments"),
        template="halls/_panel.html",
        context=appointments_context,
        order=15,
        permission="apply",
    )
    space.register_panel(
        "assisted",
        title=_("Applied for me by a helper or a bank outlet"),
        template="halls/_assisted_panel.html",
        context=assisted_context,
        order=16,
    )
