"""The header's message bell: the signed-in person's unread count, counted only when a page shows it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def unread_messages(request: HttpRequest) -> dict:
    """`unread_messages` (an int, evaluated lazily) for a signed-in account; 0 for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_messages": 0}

    def count() -> int:
        from .notify import unread_count

        return unread_count(user)

    return {"unread_messages": SimpleLazyObject(count)}
