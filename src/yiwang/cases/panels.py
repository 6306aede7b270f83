"""The cases module's sections in My Space: "My cases" (person and enterprise) and "Messages" (person); and the
`cases.case_sections` hook, through which modules above cases add a section to the applicant's case page (ratings:
"rate this service")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.plugins import Hook


@dataclass(frozen=True)
class CaseSection:
    """A section of the applicant's case page owned by another module: `context(request, case)` returns what the
    template sees as `section`, or None to leave the section out."""

    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]


CASE_SECTIONS: Hook[CaseSection] = Hook(
    "cases.case_sections",
    entry_type=CaseSection,
    doc="Sections other modules add to the applicant's case page (ratings), by `order`.",
)


def case_sections(request, case) -> list[dict[str, Any]]:
    """The contributed sections with something to show for this case, ready for {% include %}."""
    out = []
    for key, section in CASE_SECTIONS.items():
        context = section.context(request, case)
        if context is not None:
            out.append({"key": key, "template": section.template, "context": context})
    return out


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


def drafts_context(request, subject) -> dict[str, Any] | None:
    """The signed-in person's own drafts (草稿箱) for this subject: for themself, or for this enterprise."""
    from yiwang.identity import space
    from yiwang.identity.models import Enterprise

    from .models import Draft

    me = space.person_of(request)
    if me is None:
        return None
    qs = Draft.objects.filter(person=me)
    qs = qs.filter(enterprise_id=subject.pk) if isinstance(subject, Enterprise) else qs.filter(enterprise__isnull=True)
    drafts = list(qs.select_related("version", "version__item").order_by("-updated_at", "-id")[:50])
    return {"drafts": drafts}


def register() -> None:
    """Contributes the sections to My Space (called from CasesConfig.ready())."""
    from yiwang.identity import space

    space.register_panel(
        "cases", title=_("My cases"), template="cases/track/_panel_cases.html", context=cases_context, order=10
    )
    space.register_panel(
        "drafts", title=_("Drafts"), template="cases/track/_panel_drafts.html", context=drafts_context, order=15
    )
    space.register_panel(
        "messages",
        title=_("Messages"),
        template="cases/track/_panel_messages.html",
        context=messages_context,
        order=20,
        subjects=("person",),
    )
