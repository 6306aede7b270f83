"""How many submissions e-licenses saved (免证办 statistics): per license type, per item, per month.

Counted from `LicenseUse` rows that carry a case number — each is one paper certificate an applicant did not
have to bring. Three aggregate queries whatever the number of uses (no per-row work); the item of a use is found by
a correlated subquery on the case number (unique, indexed). Staff see the uses at the organisations their
catalog-administrator or supervisor roles reach; system administrators see everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from yiwang.cases.models import Case
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.access import Actor
from yiwang.orgs.models import Role

from .models import LicenseUse

ROLES = (Role.CATALOG_ADMIN, Role.SUPERVISOR, Role.SYSADMIN)


def may_see(actor: Actor) -> bool:
    return any(actor.has_role(r) for r in ROLES)


def reach_q(actor: Actor) -> Q | None:
    """The uses the actor may count (by the organisation that took the license); None means all of them."""
    q = Q(pk__in=[])
    for role in ROLES:
        if actor.has_role(role):
            reach = actor.reach(role)
            if reach.everywhere:
                return None
            q |= reach.q("organisation")
    return q


def parse_period(since: str | None, until: str | None) -> tuple[dt.date | None, dt.date | None]:
    """The optional first and last day (YYYY-MM-DD); a ProblemsError naming each bad field."""
    problems: list[Problem] = []
    out: list[dt.date | None] = []
    for name, raw in (("since", since), ("until", until)):
        raw = (raw or "").strip()
        if not raw:
            out.append(None)
            continue
        try:
            out.append(dt.date.fromisoformat(raw))
        except ValueError:
            problems.append(Problem(name, _("Enter a date as YYYY-MM-DD."), "invalid"))
            out.append(None)
    if not problems and out[0] and out[1] and out[0] > out[1]:
        problems.append(Problem("until", _("The end date cannot be before the start date."), "before_start"))
    if problems:
        raise ProblemsError(problems)
    return out[0], out[1]


@dataclass
class Savings:
    uses: int = 0
    cases: int = 0
    by_type: list[dict[str, Any]] = field(default_factory=list)
    by_item: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)


def uses(actor: Actor | None = None, since: dt.date | None = None, until: dt.date | None = None) -> QuerySet:
    qs = LicenseUse.objects.exclude(case_number="")
    if actor is not None:
        q = reach_q(actor)
        if q is not None:
            qs = qs.filter(q)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs


def savings(actor: Actor | None = None, since: dt.date | None = None, until: dt.date | None = None) -> Savings:
    """The counts, each one aggregate query (`actor` None: everything, for commands and tests)."""
    qs = uses(actor, since, until)
    totals = qs.aggregate(uses=Count("id"), cases=Count("case_number", distinct=True))
    by_type = list(
        qs.values(code=F("license__license_type__code"), name=F("license__license_type__name"))
        .annotate(uses=Count("id"), cases=Count("case_number", distinct=True))
        .order_by("-uses", "code")
    )
    case = Case.objects.filter(case_number=OuterRef("case_number"))
    by_item = list(
        qs.annotate(
            item_code=Subquery(case.values("item__item_code")[:1]), item_name=Subquery(case.values("item_name")[:1])
        )
        .values("item_code", "item_name")
        .annotate(uses=Count("id"), cases=Count("case_number", distinct=True))
        .order_by("-uses", "item_code")
    )
    by_month = [
        {"month": row["month"].strftime("%Y-%m"), "uses": row["uses"], "cases": row["cases"]}
        for row in qs.annotate(month=TruncMonth("at"))
        .values("month")
        .annotate(uses=Count("id"), cases=Count("case_number", distinct=True))
        .order_by("month")
    ]
    return Savings(uses=totals["uses"], cases=totals["cases"], by_type=by_type, by_item=by_item, by_month=by_month)
