"""The catalog's rules, following GB/T 39554.1 and common sense, one specific message per field.

Validation works on unsaved objects so the editor, the API and the importer check a whole item
before anything is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem
from yiwang.identity.models import Level as IdentityLevel

from . import sources
from .models import (
    HandlingKind,
    ItemType,
    ItemVersion,
    Material,
    MaterialSource,
    OnlineDepth,
    ProcessStep,
    Requirement,
    ResultType,
    ServiceItem,
    StepKind,
    TimeUnit,
)

CODE_CHARS = re.compile(r"^[0-9A-Z]+$")
# Choice values as sets once: validation runs per item in bulk imports, and `.values` rebuilds a list each call.
ITEM_TYPE_VALUES = frozenset(ItemType.values)
TIME_UNIT_VALUES = frozenset(TimeUnit.values)
HANDLING_KIND_VALUES = frozenset(HandlingKind.values)
ONLINE_DEPTH_VALUES = frozenset(OnlineDepth.values)
IDENTITY_LEVEL_VALUES = frozenset(IdentityLevel.values)
RESULT_TYPE_VALUES = frozenset(ResultType.values)
MATERIAL_SOURCE_VALUES = frozenset(MaterialSource.values)
STEP_KIND_VALUES = frozenset(StepKind.values)


def to_calendar_days(limit: int, unit: str) -> float:
    """Rough calendar length of a limit, only to compare limits given in different units."""
    if unit == TimeUnit.WORKING_DAY:
        return limit * 7 / 5
    if unit == TimeUnit.MONTH:
        return limit * 30
    return float(limit)


def to_working_days(limit: int, unit: str) -> int:
    if unit == TimeUnit.WORKING_DAY:
        return limit
    if unit == TimeUnit.MONTH:
        return limit * 22
    return math.floor(limit * 5 / 7)


def item_problems(
    item: ServiceItem, *, exclude_pk: int | None = None, taken_codes: set[str] | None = None
) -> list[Problem]:
    """Checks the item's codes: well-formed, consistent with its body and type, and unique."""
    out: list[Problem] = []
    cc = item.catalog_code or ""
    if len(cc) != 12 or not CODE_CHARS.match(cc):
        out.append(Problem("catalog_code", _("The basic code must be 12 characters of digits and capital letters.")))
    elif cc[:2] not in ITEM_TYPE_VALUES:
        out.append(
            Problem("catalog_code", _("The basic code must start with the two-digit item type code (01 to 10, or 20)."))
        )
    code = item.item_code or ""
    if len(code) != 31 or not CODE_CHARS.match(code):
        out.append(
            Problem("item_code", _("The implementation code must be 31 characters of digits and capital letters."))
        )
    else:
        if credit_code_error(code[:18]) is not None:
            out.append(
                Problem(
                    "item_code",
                    _("The first 18 characters of the implementation code must be a valid unified social credit code."),
                )
            )
        elif item.organisation_id and item.organisation.credit_code != code[:18]:
            out.append(
                Problem(
                    "item_code",
                    _("The implementation code must start with the implementing body's credit code (%(code)s)."),
                    params={"code": item.organisation.credit_code},
                )
            )
        if len(cc) == 12 and code[18:30] != cc:
            out.append(
                Problem("item_code", _("Characters 19 to 30 of the implementation code must repeat the basic code."))
            )
        if taken_codes is not None:
            if code in taken_codes:
                out.append(
                    Problem("item_code", _("Another item already has this implementation code."), code="duplicate")
                )
        else:
            qs = ServiceItem.objects.filter(item_code=code)
            if exclude_pk:
                qs = qs.exclude(pk=exclude_pk)
            if qs.exists():
                out.append(
                    Problem("item_code", _("Another item already has this implementation code."), code="duplicate")
                )
    if not item.organisation_id:
        out.append(Problem("organisation", _("Choose the implementing body.")))
    return out


def version_problems(
    version: ItemVersion,
    materials: Iterable[Material],
    steps: Iterable[ProcessStep],
    *,
    item: ServiceItem | None = None,
    known_license_types: set[str] | None = None,
    known_data_resources: set[str] | None = None,
    memo: dict | None = None,
) -> list[Problem]:
    """Every rule a version must meet to be published, with the field each problem is about.

    `memo` is shared by the checks of one bulk validation (imports, the demo city) for their look-ups."""
    out: list[Problem] = []
    v = version
    item = item or (v.item if v.item_id else None)

    def need(field: str, value, label) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            out.append(Problem(field, _("%(label)s is required."), code="required", params={"label": label}))

    need("name", v.name, _("The name"))
    need("competent_department", v.competent_department, _("The competent department"))
    need("legal_basis", v.legal_basis, _("The legal basis"))
    need("acceptance_conditions", v.acceptance_conditions, _("The acceptance conditions"))
    need("place", v.place, _("The place"))
    need("hours", v.hours, _("The hours"))
    need("phone", v.phone, _("The consultation phone"))
    if v.item_type not in ITEM_TYPE_VALUES:
        out.append(Problem("item_type", _("Choose one of the item types of the standard.")))
    elif item is not None and item.catalog_code and item.catalog_code[:2] != v.item_type:
        out.append(Problem("item_type", _("The item type must match the first two characters of the basic code.")))
    if item is not None and item.organisation_id and v.level and item.organisation.division.level != v.level:
        out.append(Problem("level", _("The exercise level must be the level of the implementing body's division.")))
    if not (v.for_persons or v.for_enterprises):
        out.append(Problem("service_object", _("Say whom the item serves: natural persons, legal persons, or both.")))

    # Time limits.
    if v.statutory_limit is None or v.promised_limit is None:
        out.append(Problem("statutory_limit", _("Both the statutory and the promised time limit are required.")))
    else:
        if v.statutory_unit not in TIME_UNIT_VALUES:
            out.append(Problem("statutory_unit", _("Unknown time unit.")))
        if v.promised_unit not in TIME_UNIT_VALUES:
            out.append(Problem("promised_unit", _("Unknown time unit.")))
        if v.statutory_unit == v.promised_unit:
            longer = v.promised_limit > v.statutory_limit
        else:
            longer = to_calendar_days(v.promised_limit, v.promised_unit) > to_calendar_days(
                v.statutory_limit, v.statutory_unit
            )
        if longer:
            out.append(
                Problem("promised_limit", _("The promised time limit cannot be longer than the statutory time limit."))
            )
        if v.handling_kind == HandlingKind.IMMEDIATE and (v.promised_limit > 1 or v.promised_unit == TimeUnit.MONTH):
            out.append(
                Problem("promised_limit", _("An item done on the spot (即办件) cannot promise more than one day."))
            )
        if v.handling_kind == HandlingKind.PROMISED and v.promised_limit == 0:
            out.append(
                Problem(
                    "promised_limit",
                    _("An item with a promised time (承诺件) needs a promised limit of at least one day."),
                )
            )
    if v.handling_kind not in HANDLING_KIND_VALUES:
        out.append(Problem("handling_kind", _("Choose 即办件 or 承诺件.")))

    # Visits and online depth.
    if v.online_depth not in ONLINE_DEPTH_VALUES:
        out.append(Problem("online_depth", _("Choose an online depth from I to IV.")))
    elif v.visits_required is not None:
        if v.online_depth == OnlineDepth.FULLY_ONLINE and v.visits_required != 0:
            out.append(Problem("visits_required", _("A fully online item (depth IV) requires zero visits.")))
        elif v.online_depth == OnlineDepth.ONE_VISIT and v.visits_required > 1:
            out.append(Problem("visits_required", _("An item of depth III requires at most one visit.")))
        elif v.online_depth < OnlineDepth.FULLY_ONLINE and v.visits_required == 0:
            out.append(Problem("online_depth", _("Zero visits is only possible for a fully online item (depth IV).")))

    # Minimum real-name level of the applicant (identity.Level).
    if v.min_identity_level not in IDENTITY_LEVEL_VALUES:
        out.append(Problem("min_identity_level", _("Choose a real-name level from 0 to 3.")))

    # Fees.
    fees = v.fees or []
    if not isinstance(fees, list):
        out.append(Problem("fees", _("Fees must be a list.")))
        fees = []
    if v.fee_required and not fees:
        out.append(
            Problem("fees", _("An item that charges a fee must list each fee with its standard and legal basis."))
        )
    if not v.fee_required and fees:
        out.append(Problem("fees", _("Fees are listed but the item is marked as free of charge.")))
    for i, fee in enumerate(fees, 1):
        if not isinstance(fee, dict):
            out.append(Problem(f"fees.{i}", _("Each fee needs a name, a standard and a basis.")))
            continue
        for key, label in (("name", _("Fee name")), ("standard", _("Fee standard")), ("basis", _("Fee basis"))):
            if not str(fee.get(key) or "").strip():
                out.append(
                    Problem(f"fees.{i}.{key}", _("%(label)s is required."), code="required", params={"label": label})
                )

    # Result.
    if v.result_type not in RESULT_TYPE_VALUES:
        out.append(Problem("result_type", _("Choose the type of result.")))
    if v.result_type == ResultType.LICENSE:
        if not v.result_license_type:
            out.append(
                Problem("result_license_type", _("An item whose result is a license must name the license type."))
            )
        elif not _known("license", v.result_license_type, known_license_types):
            out.append(
                Problem(
                    "result_license_type",
                    _("License type %(code)s is not in the license type catalog."),
                    params={"code": v.result_license_type},
                )
            )
        elif isinstance(v.result_fields or {}, dict):
            # Whether the result license can be filled from the case (fields, holder, issuer): the licenses module.
            out.extend(sources.result_problems("license", v, item, memo))
    if not isinstance(v.result_fields or {}, dict):
        out.append(Problem("result_fields", _("The result license fields must be an object of field: source.")))
    elif v.result_fields and v.result_type != ResultType.LICENSE:
        out.append(Problem("result_fields", _("Only an item whose result is a license maps license fields.")))

    # The application form's field definitions (checked by the cases form engine).
    from .formdef import definition_problems

    out.extend(definition_problems(getattr(v, "form_fields", None)))

    # Aliases.
    aliases = v.aliases or []
    if not isinstance(aliases, list) or any(not isinstance(a, str) for a in aliases):
        out.append(Problem("aliases", _("Colloquial names must be a list of texts.")))
    else:
        cleaned = [a.strip() for a in aliases]
        if any(not a for a in cleaned):
            out.append(Problem("aliases", _("A colloquial name cannot be empty.")))
        if len(set(cleaned)) != len(cleaned):
            out.append(Problem("aliases", _("A colloquial name is listed twice.")))
        if any(len(a) > 50 for a in cleaned):
            out.append(Problem("aliases", _("A colloquial name is at most 50 characters.")))

    # Materials.
    seen: set[str] = set()
    for i, m in enumerate(materials, 1):
        f = f"materials.{i}"
        if not (m.name or "").strip():
            out.append(Problem(f"{f}.name", _("Each material needs a name."), code="required"))
        elif m.name.strip() in seen:
            out.append(Problem(f"{f}.name", _("Material %(name)s is listed twice."), params={"name": m.name}))
        seen.add((m.name or "").strip())
        if m.source not in MATERIAL_SOURCE_VALUES:
            out.append(Problem(f"{f}.source", _("Unknown material source.")))
        if m.source == MaterialSource.LICENSE:
            if not m.license_type_code:
                out.append(
                    Problem(
                        f"{f}.license_type_code",
                        _("A material taken from an electronic license must name the license type."),
                    )
                )
            elif not _known("license", m.license_type_code, known_license_types):
                out.append(
                    Problem(
                        f"{f}.license_type_code",
                        _("License type %(code)s is not in the license type catalog."),
                        params={"code": m.license_type_code},
                    )
                )
        if m.source == MaterialSource.SHARED_DATA:
            if not m.data_resource_code:
                out.append(
                    Problem(
                        f"{f}.data_resource_code", _("A material taken from shared data must name the data resource.")
                    )
                )
            elif not _known("data", m.data_resource_code, known_data_resources):
                out.append(
                    Problem(
                        f"{f}.data_resource_code",
                        _("Data resource %(code)s is not in the resource catalog."),
                        params={"code": m.data_resource_code},
                    )
                )
        if m.requirement == Requirement.CONDITIONAL and not (m.condition or "").strip():
            out.append(Problem(f"{f}.condition", _("A conditional material must say when it is required.")))
        if m.copies is None or m.copies < 1 or m.copies > 99:
            out.append(Problem(f"{f}.copies", _("The number of copies must be between 1 and 99.")))

    # Process.
    steps = list(steps)
    if v.handling_kind == HandlingKind.PROMISED and len(steps) < 2:
        out.append(
            Problem(
                "steps", _("An item with a promised time needs its process steps (at least acceptance and a decision).")
            )
        )
    total = 0
    for i, s in enumerate(steps, 1):
        if s.kind not in STEP_KIND_VALUES:
            out.append(Problem(f"steps.{i}.kind", _("Unknown step kind.")))
        if not (s.name or "").strip():
            out.append(Problem(f"steps.{i}.name", _("Each step needs a name."), code="required"))
        if s.kind == StepKind.COUNTERSIGN and not s.countersign_org_id:
            out.append(
                Problem(
                    f"steps.{i}.countersign_org",
                    _("A countersignature step must name the organisation that countersigns."),
                )
            )
        total += s.days or 0
    if steps and v.promised_limit is not None and v.promised_unit:
        limit = to_working_days(v.promised_limit, v.promised_unit)
        if total > max(limit, 1):
            out.append(
                Problem(
                    "steps",
                    _("The steps take %(total)s working days, more than the promised limit of %(limit)s."),
                    params={"total": total, "limit": limit},
                )
            )
    return out


def _known(kind: str, code: str, known: set[str] | None) -> bool:
    if known is not None:
        return code in known
    return not sources.missing(kind, {code})
