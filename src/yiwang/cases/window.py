"""The window channel (一窗受理): a clerk applies for a walk-in applicant, for any item of any department they serve.

The clerk finds the applicant by document type and number (or registers them with what was checked at the counter,
which also establishes the strongest real-name level: the clerk saw the original document and the person), picks
an item within the organisations their window membership reaches, fills in the form for them, ticks the materials
checked on paper, and submits with channel "window". The clerk is the submitter; every event names the applicant
the clerk acted for (`Who.on_behalf_of`). When every required material was checked the clerk may accept on the
spot, in the same visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import ItemVersion, Material, ServiceItem
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto, verification
from yiwang.identity import services as identity
from yiwang.identity.access import Actor
from yiwang.identity.documents import DocType, document_number_error
from yiwang.identity.models import Level, Person
from yiwang.orgs.models import Role

from . import policy
from . import services as cases
from .models import Case, Channel, MaterialSource

ROLE = Role.WINDOW_CLERK
ITEM_RESULTS = 20


def clerk_display(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


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


def items_for(actor: Actor, text: str) -> QuerySet[ServiceItem]:
    """Published items of the organisations the clerk's window reaches, by item code or by name."""
    if not actor.may_write(ROLE):
        return ServiceItem.objects.none()
    text = " ".join((text or "").split())[:100]
    qs = ServiceItem.objects.filter(current__isnull=False).filter(actor.reach(ROLE).q("organisation"))
    if text:
        qs = qs.filter(Q(item_code=text.upper()) | Q(current__name__icontains=text))
    return qs.select_related("current", "organisation").order_by("organisation__name", "item_code")[:ITEM_RESULTS]


def item_for(actor: Actor, item_code: str) -> ServiceItem | None:
    if not actor.may_write(ROLE):
        return None
    return (
        ServiceItem.objects.filter(item_code=item_code, current__isnull=False)
        .filter(actor.reach(ROLE).q("organisation"))
        .select_related("current", "organisation", "organisation__division")
        .first()
    )


def clerk_organisation(actor: Actor, organisation_id: int, parent_id: int | None = None) -> int | None:
    """The clerk's own organisation that reaches the case's (recorded on events), or any of theirs."""
    org_ids = actor.reach(ROLE).org_ids
    if organisation_id in org_ids:
        return organisation_id
    if parent_id in org_ids:
        return parent_id
    return min(org_ids) if org_ids else None


@dataclass
class WindowResult:
    case: Case
    created: bool
    accepted: bool
    query_code: str = ""


def material_checklist(version: ItemVersion) -> list[Material]:
    return list(Material.objects.filter(version=version).order_by("order", "id"))


def apply_at_window(
    clerk: Any,
    actor: Actor,
    *,
    person: Person,
    version: ItemVersion,
    form_data: dict,
    checked_material_ids: list[int],
    idempotency_key: str = "",
    accept_now: bool = False,
    document_checked: bool = False,
    note: str = "",
    hall=None,
    clean_form=None,
) -> WindowResult:
    """Submits the case for `person` with channel "window"; accepts it on the spot when asked and complete.

    `clean_form(version, data)` (the form engine) returns (cleaned data, problems); when absent the data is kept
    as given. Refusals come back as one ProblemsError with every problem.
    """
    item = version.item
    if not actor.may_write(ROLE) or not actor.reach(ROLE).covers(
        item.organisation_id, item.organisation.parent_id, item.organisation.division.path
    ):
        raise ProblemsError([Problem("item", _("This item is not handled by your window."), "not_found")])
    problems: list[Problem] = []
    materials = material_checklist(version)
    by_id = {m.pk: m for m in materials}
    unknown = [i for i in checked_material_ids if i not in by_id]
    if unknown:
        problems.append(Problem("materials", _("Tick only materials of this item."), "invalid"))
    if accept_now:
        missing = [m.name for m in materials if m.requirement == "required" and m.pk not in set(checked_material_ids)]
        if missing:
            problems.append(
                Problem(
                    "accept_now",
                    _("Accept on the spot only when every required material was checked (missing: %(names)s)."),
                    "incomplete",
                    params={"names": "、".join(missing)},
                )
            )
    if clean_form is not None:
        form_data, form_problems = clean_form(version, form_data)
        problems.extend(form_problems)
    if problems:
        raise ProblemsError(problems)

    if verification.level_problem(person, version) is not None and document_checked:
        verification.verify_person(
            person,
            level=Level.STRONG,
            method="counter",
            performed_by=clerk,
            evidence={"document_checked": True},
        )
        person.refresh_from_db()
    if (lp := verification.level_problem(person, version)) is not None:
        raise ProblemsError([Problem("document_checked", lp.message, lp.code, params=lp.params)])

    name = clerk_display(clerk)
    who = cases.Who(
        user=clerk,
        name=name,
        role=ROLE,
        organisation_id=clerk_organisation(actor, item.organisation_id, item.organisation.parent_id),
        channel=Channel.WINDOW,
        on_behalf_of=person.name,
    )
    checked = [by_id[i] for i in dict.fromkeys(checked_material_ids)]
    rows = [
        {
            "material_name": m.name,
            "catalog_material_id": m.pk,
            "source": MaterialSource.PAPER,
            "reference": str(_("Original checked at the window by %(clerk)s")) % {"clerk": name},
        }
        for m in checked
    ]
    case, created = cases.submit(
        version=version,
        person=person,
        who=who,
        form_data=form_data,
        materials=rows,
        idempotency_key=idempotency_key,
        hall=hall,
    )
    query_code = getattr(case, "query_code", "") if created else ""
    accepted = False
    if accept_now and created and policy.may_accept(actor, case):
        case = cases.accept(case, who, note=note)
        accepted = True
    return WindowResult(case=case, created=created, accepted=accepted, query_code=query_code)
