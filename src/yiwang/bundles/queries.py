"""Reading bundle applications: whose they are, and their progress derived from their cases."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yiwang.identity.access import Actor, owner_q
from yiwang.identity.models import AgentPermission, Enterprise

from . import services
from .models import BundleApplication


def visible_applications(actor: Actor) -> QuerySet[BundleApplication]:
    """The applicant's own bundle applications and their enterprises' (view_cases), as for single cases."""
    if not actor.is_authenticated:
        return BundleApplication.objects.none()
    return BundleApplication.objects.filter(owner_q(actor, AgentPermission.VIEW_CASES)).select_related("bundle")


def applications_for_subject(subject: Any) -> list[BundleApplication]:
    qs = BundleApplication.objects.select_related("bundle")
    if isinstance(subject, Enterprise):
        qs = qs.filter(enterprise_id=subject.pk)
    else:
        qs = qs.filter(person_id=subject.pk, enterprise__isnull=True)
    return list(qs.order_by("-submitted_at", "-id")[:20])


def with_progress(apps: list[BundleApplication]) -> list[dict[str, Any]]:
    out = []
    for app in apps:
        cases = services.cases_of(app)
        out.append({"application": app, "cases": cases, "progress": services.progress(cases)})
    return out
