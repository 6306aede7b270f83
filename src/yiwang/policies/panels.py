"""What policies adds to My Space: the policies the enterprise (or person) matches and why, and its grants."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.identity import space
from yiwang.identity.models import Enterprise

from . import matching
from .models import Grant, GrantState

PANEL_POLICIES = 5


def space_context(request: HttpRequest, subject: Any) -> dict[str, Any] | None:
    found = matching.verdicts_for(subject)
    grants = []
    if isinstance(subject, Enterprise):
        grants = list(
            Grant.objects.filter(enterprise=subject)
            .exclude(state__in=[GrantState.PROPOSED, GrantState.REMOVED])
            .select_related("round__version")
            .order_by("-round__created_at")[:5]
        )
    eligible = [f for f in found if f.verdict.eligible]
    possible = [f for f in found if f.verdict.possible]
    if not found and not grants:
        return {"empty": True}
    return {
        "eligible": eligible[:PANEL_POLICIES],
        "possible": possible[:PANEL_POLICIES],
        "n_eligible": len(eligible),
        "n_possible": len(possible),
        "grants": grants,
        "enterprise_id": subject.pk if isinstance(subject, Enterprise) else None,
    }


def register() -> None:
    space.register_panel(
        "policies",
        title=_("Policies for you"),
        template="policies/_space_panel.html",
        context=space_context,
        order=70,
    )
