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


def register() -> None:
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
