"""Where work orders meet cases — read-only, through the case number (hotline never writes cases tables).

A complaint about a case, or an enterprise appeal (有诉即办) about one, names the case number; the order then keeps
the number and the organisation that handled the case, read here once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseRef:
    case_number: str
    organisation_id: int
    organisation_name: str
    item_name: str
    state: str


def number_problem(number: str) -> str | None:
    """Why a typed case number cannot be right (a typo caught before any lookup), or None."""
    from yiwang.cases.services import case_number_problem

    return case_number_problem(number)


def find(number: str) -> CaseRef | None:
    """The case with this number, as the few facts an order keeps (None when there is none)."""
    from yiwang.cases.models import Case

    row = (
        Case.objects.filter(case_number=number.strip().upper())
        .values_list("case_number", "organisation_id", "organisation__name", "item_name", "state")
        .first()
    )
    return CaseRef(*row) if row else None
