"""The window channel (一窗受理): a clerk applies for a walk-in applicant, for any item of any department they serve.

The clerk finds the applicant by document type and number (or registers them with what was checked at the counter,
which also establishes the strongest real-name level: the clerk saw the original document and the person). When
the person applies for an enterprise — as its legal representative or as an agent it authorised — the clerk
names the enterprise by its unified social credit code and the person's name is checked against their record;
the legal representative, or the agent's "apply" permission, is checked against identity. The clerk picks an item
within the organisations their window membership reaches, fills in the form for them, ticks the materials
checked on paper, and submits with channel "window" through the apply command (cases.applying), the one every
channel uses. The clerk is the submitter; every event names the person the clerk acted for (`on_behalf_of`), and
an enterprise's case records the enterprise as the applicant. When every required material was checked the clerk
may accept on the spot, in the same visit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import ItemVersion, Material, ServiceItem
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto, verification
from yiwang.identity import services as identity
from yiwang.identity.access import Actor
from yiwang.identity.documents import DocType, document_number_error
from yiwang.identity.models import Enterprise, Level, Person
from yiwang.orgs.models import Role

from . import actions, applying
from .models import Channel

ROLE = Role.WINDOW_CLERK
ITEM_RESULTS = 20


def _number_problems(doc_type: str, doc_number: str) -> list[Problem]:
    if doc_type not in DocType.values:
        return [Problem("doc_type", _("Choose a document type from the list."), "invalid")]
    if not doc_number.strip():
        return [Problem("doc_number", _("Enter the document number."), "required")]
    if err := document_number_error(doc_type, crypto.normalise(doc_number)):
        return [Problem("doc_number", err, "invalid")]
    return []


def find_applicant(doc_type: str, doc_number: str) -> Person | None:
    """The person holding this document, or None; a malformed number is refused before any lookup."""
    problems = _number_problems(doc_type, doc_number)
    if problems:
        raise ProblemsError(problems)
    return identity.find_person(doc_type, doc_number)


def find_enterprise(person: Person, credit_code: str, name: str) -> tuple[Enterprise, str]:
    """The enterprise the person present applies for, and in which capacity (legal representative or agent).

    The person's name (as the clerk reads it from the document) must match their record; the enterprise is found
    by its credit code; the person must be its legal representative or hold the "apply" permission today — the
    same rule the apply command checks again on submission.
    """
    if not name.strip():
        raise ProblemsError([Problem("name", _("Enter the name as on the document."), "required")])
    if not applying.same_name(name, person.name):
        raise ProblemsError([Problem("name", applying.REFUSALS["mismatch"], "mismatch")])
    enterprise = applying.enterprise_by_code(credit_code, "credit_code")
    capacity = applying.capacity_of(person, enterprise)
    if capacity is None:
        raise ProblemsError([Problem("credit_code", applying.REFUSALS["not_agent"], "not_agent")])
    return enterprise, capacity


@transaction.atomic
def register_walk_in(
    clerk: Any,
    *,
    name: str,
    doc_type: str,
    doc_number: str,
    phone: str = "",
    address: str = "",
    checklist: dict[str, bool] | None = None,
) -> Person:
    """Registers a person who has no record yet, from the document the clerk checked at the counter.

    The counter check is logged as a Verification (level 3, in person); without "document checked" nothing is
    written.
    """
    checklist = dict(checklist or {})
    problems = identity.person_problems(name, doc_type, doc_number, phone)
    if checklist.get("document_checked") is not True:
        problems.append(
            Problem("document_checked", _("Check the original document before registering the applicant."), "required")
        )
    if problems:
        raise ProblemsError(problems)
    person = identity.register_person(name=name, doc_type=doc_type, doc_number=doc_number, phone=phone, address=address)
    row = verification.verify_person(
        person, level=Level.STRONG, method="counter", performed_by=clerk, evidence=checklist
    )
    if not row.passed:
        raise ProblemsError(
            [Problem("document_checked", verification.detail_text(row.detail) or _("The counter check failed."))]
        )
    person.refresh_from_db()
    return person


@dataclass(frozen=True)
class ItemSearch:
    """What the clerk asked for: words or a code, a department, an area (a division code), a page."""

    text: str = ""
    organisation_id: int | None = None
    area: str = ""
    page: int | str = 1  # as asked; the paginator turns a bad one into the first or last page


def _home(actor: Actor) -> tuple[list[int], list[str], list[int]]:
    """The clerk's own organisations, their divisions' codes, and the departments served in the halls those
    organisations run (the windows of the clerk's own hall)."""
    from yiwang.orgs.models import Organisation, Window

    org_ids = sorted(actor.reach(ROLE).org_ids)
    divisions = list(Organisation.objects.filter(pk__in=org_ids).values_list("division__code", flat=True))
    hall_orgs = list(
        Window.objects.filter(hall__organisation_id__in=org_ids).values_list("organisations", flat=True).distinct()
    )
    return org_ids, divisions, [pk for pk in hall_orgs if pk is not None]


def items_for(actor: Actor, search: ItemSearch, *, for_enterprise: bool | None = None) -> Page:
    """One page of the published items the clerk's window reaches, by item code or name, optionally of one
    department or area; only those serving legal persons (or natural persons) when `for_enterprise` says whom
    the clerk applies for.

    The clerk's own hall and level come first: items of the departments served in the clerk's hall, then of
    the clerk's own division (a city-centre clerk sees the city bureau's 食品经营许可 before a county's), then by
    level (county before township before village), then by name."""
    if not actor.may_write(ROLE):
        return Paginator(ServiceItem.objects.none(), ITEM_RESULTS).get_page(1)
    words = " ".join((search.text or "").split())[:100]
    qs = ServiceItem.objects.filter(current__isnull=False).filter(actor.reach(ROLE).q("organisation"))
    if for_enterprise is True:
        qs = qs.filter(current__for_enterprises=True)
    elif for_enterprise is False:
        qs = qs.filter(current__for_persons=True)
    if words:
        qs = qs.filter(Q(item_code=words.upper()) | Q(current__name__icontains=words))
    if search.organisation_id:
        qs = qs.filter(organisation_id=search.organisation_id)
    if search.area:
        qs = qs.filter(organisation__division__path__contains=f"/{search.area}/")
    _orgs, divisions, hall_orgs = _home(actor)
    qs = qs.annotate(
        home=Case(
            When(organisation_id__in=hall_orgs or [0], then=Value(0)),
            When(organisation__division__code__in=divisions or ["-"], then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    qs = qs.select_related("current", "organisation", "organisation__division").order_by(
        "home", "organisation__division__level", "organisation__division__code", "organisation__name", "item_code"
    )
    return Paginator(qs, ITEM_RESULTS).get_page(search.page)


def search_choices(actor: Actor, area: str = "") -> dict[str, Any]:
    """The department and area filters of the window's item search: the areas directly below the clerk's
    divisions (counties of a city), and the departments of the clerk's divisions (or of the chosen area)."""
    from yiwang.orgs.models import Division, Organisation

    if not actor.may_write(ROLE):
        return {"departments": [], "areas": []}
    _orgs, divisions, _hall = _home(actor)
    areas = list(Division.objects.filter(parent__code__in=divisions).order_by("code").values_list("code", "name"))
    where = [area] if area else divisions
    with_items = ServiceItem.objects.filter(current__isnull=False).filter(actor.reach(ROLE).q("organisation"))
    departments = list(
        Organisation.objects.filter(division__code__in=where, pk__in=with_items.values("organisation_id"))
        .order_by("name")
        .values_list("pk", "name")[:300]
    )
    return {"departments": departments, "areas": areas}


def item_for(actor: Actor, item_code: str) -> ServiceItem | None:
    if not actor.may_write(ROLE):
        return None
    return (
        ServiceItem.objects.filter(item_code=item_code, current__isnull=False)
        .filter(actor.reach(ROLE).q("organisation"))
        .select_related("current", "organisation", "organisation__division")
        .first()
    )


def material_checklist(version: ItemVersion) -> list[Material]:
    return list(Material.objects.filter(version=version).order_by("order", "id"))


def request_for(
    *,
    item_code: str,
    person: Person,
    enterprise: Enterprise | None = None,
    form: Mapping[str, Any],
    checked_material_ids: list[int],
    idempotency_key: str = "",
    accept_now: bool = False,
    document_checked: bool = False,
    hall: Any = None,
) -> applying.ApplyRequest:
    """The apply command's request for a window submission."""
    return applying.ApplyRequest(
        item_code=item_code,
        channel=Channel.WINDOW,
        form=form,
        person=person,
        enterprise=enterprise,
        materials=applying.PaperMaterials(tuple(checked_material_ids)),
        idempotency_key=idempotency_key,
        hall=hall,
        document_checked=document_checked,
        accept_now=accept_now,
    )


def apply_at_window(caller: actions.Caller, **request: Any) -> applying.Applied:
    """Submits for the person present (for the enterprise they represent, if any) with channel "window"; accepts on
    the spot when asked and every required material was checked. Refusals: one ProblemsError with every problem."""
    return applying.apply(caller, request_for(**request))
