"""The hotline's section in My Space: "My 12345 requests"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def panel_context(request, subject) -> dict[str, Any] | None:
    from .models import OPEN_STATES, WorkOrder

    qs = WorkOrder.objects.filter(person_id=subject.pk)
    return {
        "orders": list(qs.order_by("-received_at").only("number", "title", "state", "received_at")[:5]),
        "open_count": qs.filter(state__in=OPEN_STATES).count(),
    }


def register() -> None:
    from yiwang.identity import space

    space.register_panel(
        "work_orders",
        title=_("My 12345 requests"),
        template="hotline/citizen/_panel.html",
        context=panel_context,
        order=40,
        subjects=("person",),
    )
