"""The cases module's sections in My Space: "My cases" (person and enterprise) and "Messages" (person)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PANEL_CASES = 5


def cases_context(request, subject) -> dict[str, Any] | None:
    """The subject's latest cases; for an enterprise only when the person may see its cases."""
    from yiwang.identity import access
    from yiwang.identity.models import AgentPermission, Enterprise

    from .models import OPEN_STATES, Case

    if isinstance(subject, Enterprise):
        if not access.actor(request).acts_for(subject.pk, AgentPermission.VIEW_CASES):
            return None
        qs = Case.objects.filter(enterprise_id=subject.pk)
    else:
        qs = Case.objects.filter(person_id=subject.pk, enterprise__isnull=True)
    latest = list(
        qs.order_by("-submitted_at", "-id").only(
            "case_number", "item_name", "state", "submitted_at", "acceptance_due", "promised_due"
        )[:PANEL_CASES]
    )
    return {
        "cases": latest,
        "open_count": qs.filter(state__in=OPEN_STATES).count(),
        "today": timezone.localdate(),
    }


def messages_context(request, subject) -> dict[str, Any] | None:
    from . import notify

    return {
        "unread": notify.unread_count(request.user),
        "messages": list(notify.inbox(request.user)[:3]),
    }


def register() -> None:
    try:
        from yiwang.identity import space
    except ImportError:  # pragma: no cover - My Space not installed
        return
    space.register_panel(
        "cases", title=_("My cases"), template="cases/track/_panel_cases.html", context=cases_context, order=10
    )
    space.register_panel(
        "messages",
        title=_("Messages"),
        template="cases/track/_panel_messages.html",
        context=messages_context,
        order=20,
        subjects=("person",),
    )
