"""Turning request parameters into search filters, with a per-field problem for each bad value.

The API (typed by its schema) and the search page (a Django form) both end here, so both refuse
the same things with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Division, Organisation

from ..models import Theme
from .query import Filters


@dataclass
class Resolved:
    """Filters plus the objects they name (pages show their names)."""

    filters: Filters
    organisation: Organisation | None = None
    division: Division | None = None
    theme: Theme | None = None


def resolve(
    *,
    organisation: int | None = None,
    division: str | None = None,
    level: int | None = None,
    audience: str | None = None,
    theme: str | None = None,
    online_depth: int | None = None,
    max_visits: int | None = None,
    catalog_code: str | None = None,
) -> Resolved:
    """Checks that named organisations, divisions and themes exist; raises ProblemsError if not."""
    problems: list[Problem] = []
    out = Resolved(
        Filters(
            level=level,
            audience=audience or None,
            online_depth=online_depth,
            max_visits=max_visits,
            catalog_code=(catalog_code or "").strip().upper() or None,
        )
    )
    if organisation is not None:
        out.organisation = Organisation.objects.select_related("division").filter(pk=organisation).first()
        if out.organisation is None:
            problems.append(Problem("organisation", _("There is no such department."), code="not_found"))
        else:
            out.filters.organisation_id = out.organisation.pk
    if division:
        out.division = Division.objects.filter(code=division.strip()).first()
        if out.division is None:
            problems.append(
                Problem("division", _("There is no administrative division with this code."), code="not_found")
            )
        else:
            out.filters.division_path = out.division.path
    if theme:
        out.theme = Theme.objects.filter(code=theme.strip()).first()
        if out.theme is None:
            problems.append(Problem("theme", _("There is no such theme."), code="not_found"))
        else:
            out.filters.theme = out.theme.code
    if out.filters.catalog_code and not (len(out.filters.catalog_code) == 12 and out.filters.catalog_code.isalnum()):
        problems.append(Problem("catalog_code", _("A basic code has 12 letters or digits."), code="invalid"))
    if problems:
        raise ProblemsError(problems)
    return out


def as_query_string(values: dict[str, Any]) -> dict[str, Any]:
    """The non-empty values, for building links that keep the current filters."""
    return {k: v for k, v in values.items() if v not in (None, "", False)}
