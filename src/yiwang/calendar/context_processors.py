"""The calendar banner on staff pages: a year in use has no holiday arrangement loaded."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject


def _missing() -> list[dict]:
    from .workdays import missing_year_warning, snapshot

    year = timezone.localdate().year
    loaded = snapshot().loaded_years
    return [missing_year_warning(y) | {"current": y == year} for y in (year, year + 1) if y not in loaded]


def calendar_warning(request: HttpRequest) -> dict:
    """`calendar_warnings` for staff (evaluated only when a template shows it); nothing for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_staff", False):
        return {"calendar_warnings": []}
    return {"calendar_warnings": SimpleLazyObject(_missing)}
