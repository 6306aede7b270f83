"""Finished queue tickets as visits that people rate on the spot (一次一评), offered to the ratings module.

Halls never imports ratings (they stand side by side in the layering): it finds ratings' hook
"ratings.visit_sources" by name in the plugin registry and adds itself there when ratings is installed. A visit is
named by the ticket's id; its code is the ticket's secret key, the one in the ticket's phone page address, so only
the person holding the ticket (or its QR) can rate that visit.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from yiwang.core import plugins

from .models import Ticket, TicketState

SOURCE = "halls"


def _visit(ticket: Ticket) -> dict[str, Any]:
    clerk = ticket.served_by
    return {
        "ticket": str(ticket.pk),
        "hall_id": ticket.hall_id,
        "window_id": ticket.window_id,
        "finished_at": ticket.finished_at,
        "staff_id": ticket.served_by_id,
        "staff_name": (clerk.get_full_name() or clerk.get_username()) if clerk else "",
        "case_id": ticket.case_id,
        "person_id": ticket.person_id,
    }


def _finished() -> Any:
    return Ticket.objects.filter(state=TicketState.FINISHED, finished_at__isnull=False).select_related("served_by")


def latest_finished_at_window(window_id: int) -> dict[str, Any] | None:
    """The ticket finished last at the window (the ratings pad decides whether it is still fresh)."""
    ticket = _finished().filter(window_id=window_id).order_by("-finished_at").first()
    return _visit(ticket) if ticket else None


def finished_ticket(ticket: str, code: str) -> dict[str, Any] | None:
    """The finished visit of ticket `ticket` (its id) when `code` is its key; None otherwise (as if missing)."""
    if not ticket.isdigit() or len(ticket) > 18:
        return None
    found = _finished().filter(pk=int(ticket)).first()
    if found is None or not hmac.compare_digest(found.key.encode(), code.encode()):
        return None
    return _visit(found)


def rating_link(ticket: Ticket) -> str:
    """Where the holder of a finished ticket rates the visit, or "" (not finished, or ratings not installed)."""
    if ticket.state != TicketState.FINISHED or _hook() is None:
        return ""
    try:
        base = reverse("ratings:by_visit")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({'source': SOURCE, 'ticket': ticket.pk, 'code': ticket.key})}"


def _hook() -> Any:
    try:
        return plugins.lookup("ratings.visit_sources")
    except KeyError:
        return None


def register() -> None:
    """Called from HallsConfig.ready(): offers the finished tickets to ratings when it is installed."""
    hook = _hook()
    if hook is not None and SOURCE not in dict(hook.items()):
        hook.add(SOURCE, hook.entry_type(latest=latest_finished_at_window, find=finished_ticket))
