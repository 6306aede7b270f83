"""The bundles' section in My Space: the one-thing applications the subject follows, each with its cases."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def applications_context(request: Any, subject: Any) -> dict[str, Any] | None:
    from yiwang.identity import access
    from yiwang.identity.models import AgentPermission, Enterprise

    from . import queries

    a = access.actor(request)
    if isinstance(subject, Enterprise) and not a.acts_for(subject.pk, AgentPermission.VIEW_CASES):
        return None
    apps = queries.applications_for_subject(subject)[:5]
    return {"applications": queries.with_progress(apps)} if apps else None


def register() -> None:
    from yiwang.identity import space

    space.register_panel(
        "bundles",
        title=_("My one-thing applications"),
        template="bundles/_panel.html",
        context=applications_context,
        order=12,
    )
