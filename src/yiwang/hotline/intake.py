"""Turning what a form, the API or Open311 sent into the arguments of `services.create_order`, with field errors.

One reading for every door, so a category code, a division code or a map position means the same whether an
operator typed it, a citizen's phone sent it or an Open311 app posted it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Division

from .models import Category, OrderType, Urgency


def _float(raw: Any, name: str, problems: list[Problem]) -> float | None:
    if raw in (None, ""):
        return None
    try:
        return float(str(raw).strip())
    except ValueError:
        problems.append(Problem(name, _("Enter a number."), "invalid"))
        return None


def _bool(raw: Any) -> bool:
    return str(raw).strip().lower() in ("1", "true", "on", "yes")


def category_by_code(code: str) -> Category | None:
    code = (code or "").strip()
    return Category.objects.filter(code=code, is_active=True).first() if code else None


def division_by_code(code: str) -> Division | None:
    code = (code or "").strip()
    return Division.objects.filter(code=code).first() if code else None


def read(data: Any, *, allow_types: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The create_order keyword arguments from a mapping of strings (QueryDict, dict); ProblemsError otherwise."""
    problems: list[Problem] = []
    get = data.get
    order_type = (get("order_type") or "").strip()
    if allow_types is not None and order_type and order_type not in allow_types:
        problems.append(Problem("order_type", _("Choose the type of request."), "invalid"))
    category = category_by_code(get("category") or "")
    if get("category") and category is None:
        problems.append(Problem("category", _("No category has this code."), "unknown"))
    division = division_by_code(get("division") or "")
    if get("division") and division is None:
        problems.append(Problem("division", _("No division has this code."), "unknown"))
    lat = _float(get("latitude"), "latitude", problems)
    lon = _float(get("longitude"), "longitude", problems)
    urgency = (get("urgency") or Urgency.NORMAL).strip()
    if problems:
        raise ProblemsError(problems)
    return {
        "order_type": order_type if order_type in OrderType.values else order_type or "",
        "category": category,
        "urgency": urgency,
        "title": (get("title") or "").strip(),
        "content": get("content") or "",
        "address": get("address") or "",
        "latitude": lat,
        "longitude": lon,
        "division": division,
        "caller_phone": get("caller_phone") or "",
        "caller_name": get("caller_name") or "",
        "anonymous": _bool(get("anonymous")),
        "enterprise_appeal": _bool(get("enterprise_appeal")),
        "enterprise_name": get("enterprise_name") or "",
        "enterprise_code": get("enterprise_code") or "",
        "case_number": get("case_number") or "",
    }


def categories_tree() -> list[tuple[Category, list[Category]]]:
    """Active top-level categories with their active children, in position order (2 queries)."""
    cats = list(Category.objects.filter(is_active=True).order_by("position", "id"))
    tops = [c for c in cats if c.parent_id is None]
    return [(t, [c for c in cats if c.parent_id == t.pk]) for t in tops]
