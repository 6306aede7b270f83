"""Writes a generated `CityPlan` to the database in bulk, after the catalog's own validation.

The demo city has ~15,000 items; going through services.create_item one by one would take many
minutes. Instead every item is built as unsaved objects and checked with the SAME rules
(validation.item_problems / version_problems, with the known license types, data resources and
taken codes passed in), and only when the whole plan is valid is it inserted with bulk_create,
in one transaction: a plan with any problem writes nothing. Bulk inserts bypass the models'
save() guards on purpose: every row is written as a published version in one go.

Rows that already exist (same division code, credit code or (division, name), license type code,
resource code, theme code, hall name) are reused, so a demo can be laid over an existing database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connections, router, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from yiwang.catalog.models import (
    CatalogEvent,
    ItemVersion,
    Material,
    ProcessStep,
    ServiceItem,
    Theme,
    VersionStatus,
)
from yiwang.catalog.services import MATERIAL_FIELDS, STEP_FIELDS, VERSION_FIELDS
from yiwang.catalog.validation import item_problems, version_problems
from yiwang.core.bulk import insert_rows
from yiwang.core.errors import Problem, ProblemsError
from yiwang.exchange.models import DataResource
from yiwang.licenses.models import LicenseType
from yiwang.orgs.models import Division, Hall, Organisation, Window

from .plan import CityPlan

CHUNK = 2000


def write_city(
    plan: CityPlan,
    *,
    actor=None,
    note: str = "",
    with_items: bool = True,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, Any]:
    """Writes `plan` atomically; returns counts of created rows and the seconds each phase took.

    With `with_items=False` only the city is laid (divisions, organisations, halls, license types,
    data resources, themes), e.g. for an import benchmark that then imports `plan.items` from a file.
    Raises ProblemsError (nothing written) when any item breaks a catalog rule.
    """
    say = progress or (lambda _phase, _seconds: None)
    report: dict[str, Any] = {"created": {}, "seconds": {}}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report["seconds"][phase] = round(now - clock, 2)
        clock = now
        say(phase, report["seconds"][phase])

    with transaction.atomic():
        divisions = _divisions(plan, report)
        orgs = _organisations(plan, divisions, report)
        _halls(plan, orgs, divisions, report)
        lap("organisations")
        known_licenses = _license_types(plan, orgs, report)
        known_resources = _data_resources(plan, orgs, report)
        themes = _themes(plan, report)
        lap("reference data")
        if not with_items:
            return report
        built = _build_items(plan, orgs, known_licenses, known_resources)
        lap("validation")
        _insert_items(built, themes, actor, note or f"seed_demo seed={plan.seed}", report)
        lap("items")
    return report


# ----------------------------------------------------------------------------------------------


def _divisions(plan: CityPlan, report: dict) -> dict[str, Division]:
    codes = [d.code for d in plan.divisions]
    known = {d.code: d for d in Division.objects.filter(code__in=codes)}
    created = 0
    for level in sorted({d.level for d in plan.divisions}):
        new = []
        for d in plan.divisions:
            if d.level != level or d.code in known:
                continue
            parent = known[d.parent_code] if d.parent_code else None
            path = (parent.path if parent else "/") + d.code + "/"
            new.append(Division(code=d.code, name=d.name, level=d.level, parent=parent, path=path))
        if new:
            Division.objects.bulk_create(new, batch_size=CHUNK)
            created += len(new)
            known.update({d.code: d for d in Division.objects.filter(code__in=[n.code for n in new])})
    report["created"]["divisions"] = created
    return known


def _organisations(plan: CityPlan, divisions: dict[str, Division], report: dict) -> dict[str, Organisation]:
    """Plan credit code → organisation (an existing one with the same name in the division is reused)."""
    by_code = {
        o.credit_code: o
        for o in Organisation.objects.filter(credit_code__in=[p.credit_code for p in plan.organisations])
    }
    by_name = {
        (o.division_id, o.name): o
        for o in Organisation.objects.filter(division__code__in=list(divisions)).only(
            "id", "division_id", "name", "credit_code"
        )
    }
    resolved: dict[str, Organisation] = {}
    created = 0
    levels = {d.code: d.level for d in divisions.values()}
    for level in sorted(set(levels.values())):
        new = []
        for p in plan.organisations:
            if levels[p.division_code] != level:
                continue
            division = divisions[p.division_code]
            existing = by_code.get(p.credit_code) or by_name.get((division.pk, p.name))
            if existing is not None:
                resolved[p.credit_code] = existing
                continue
            new.append(
                Organisation(
                    name=p.name,
                    short_name=p.short_name,
                    credit_code=p.credit_code,
                    kind=p.kind,
                    division=division,
                    parent=resolved.get(p.parent_code) if p.parent_code else None,
                    address=p.address,
                    phone=p.phone,
                )
            )
        if new:
            Organisation.objects.bulk_create(new, batch_size=CHUNK)
            created += len(new)
            plan_code = {n.credit_code: n.credit_code for n in new}
            for o in Organisation.objects.filter(credit_code__in=list(plan_code)):
                resolved[o.credit_code] = o
    # Reload with divisions attached: validation reads organisation.division.level for every item.
    ids = {o.pk for o in resolved.values()}
    fresh = {o.pk: o for o in Organisation.objects.filter(pk__in=ids).select_related("division")}
    report["created"]["organisations"] = created
    return {code: fresh[o.pk] for code, o in resolved.items()}


def _halls(plan: CityPlan, orgs: dict[str, Organisation], divisions: dict[str, Division], report: dict) -> None:
    existing = set(Hall.objects.filter(organisation__in=list(orgs.values())).values_list("organisation_id", "name"))
    todo = [h for h in plan.halls if (orgs[h.organisation_code].pk, h.name) not in existing]
    halls = [
        Hall(
            name=h.name,
            organisation=orgs[h.organisation_code],
            division=divisions[h.division_code],
            address=h.address,
            hours=h.hours,
            phone=h.phone,
        )
        for h in todo
    ]
    Hall.objects.bulk_create(halls, batch_size=CHUNK)
    saved = {
        (x.organisation_id, x.name): x
        for x in Hall.objects.filter(organisation__in=[h.organisation for h in halls]).only(
            "id", "organisation_id", "name"
        )
    }
    windows, links = [], []
    for plan_hall in todo:
        hall = saved[(orgs[plan_hall.organisation_code].pk, plan_hall.name)]
        for w in plan_hall.windows:
            window = Window(hall=hall, number=w.number, name=w.name, kind=w.kind)
            windows.append(window)
            links.append((window, w.organisation_codes))
    Window.objects.bulk_create(windows, batch_size=CHUNK)
    if windows and windows[0].pk is None:  # backends that do not return ids
        ids = {(w.hall_id, w.number): w.pk for w in Window.objects.filter(hall__in=list(saved.values()))}
        for w in windows:
            w.pk = ids[(w.hall_id, w.number)]
    through = Window.organisations.through
    Window.organisations.through.objects.bulk_create(
        [through(window_id=w.pk, organisation_id=orgs[code].pk) for w, codes in links for code in codes],
        batch_size=CHUNK,
    )
    report["created"]["halls"] = len(halls)
    report["created"]["windows"] = len(windows)


def _license_types(plan: CityPlan, orgs: dict[str, Organisation], report: dict) -> set[str]:
    existing = set(
        LicenseType.objects.filter(code__in=[lt.code for lt in plan.license_types]).values_list("code", flat=True)
    )
    new = [lt for lt in plan.license_types if lt.code not in existing]
    LicenseType.objects.bulk_create(
        [
            LicenseType(
                code=lt.code,
                name=lt.name,
                holder_kind=lt.holder_kind,
                description=lt.description,
                fields=lt.fields,
                layout=lt.layout,
                validity_years=lt.validity_years,
                number_field=lt.number_field,
                number_pattern=lt.number_pattern,
            )
            for lt in new
        ]
    )
    ids = dict(LicenseType.objects.filter(code__in=[lt.code for lt in new]).values_list("code", "id"))
    through = LicenseType.issuers.through
    through.objects.bulk_create(
        [
            through(licensetype_id=ids[lt.code], organisation_id=orgs[c].pk)
            for lt in new
            for c in lt.issuer_codes
            if c in orgs
        ],
        batch_size=CHUNK,
    )
    report["created"]["license_types"] = len(new)
    return set(LicenseType.objects.values_list("code", flat=True))


def _data_resources(plan: CityPlan, orgs: dict[str, Organisation], report: dict) -> set[str]:
    existing = set(
        DataResource.objects.filter(code__in=[r.code for r in plan.data_resources]).values_list("code", flat=True)
    )
    new = [r for r in plan.data_resources if r.code not in existing]
    DataResource.objects.bulk_create(
        [
            DataResource(
                code=r.code,
                name=r.name,
                provider=orgs[r.provider_code],
                sharing=r.sharing,
                fields=list(r.fields),
                description=r.description,
            )
            for r in new
        ]
    )
    report["created"]["data_resources"] = len(new)
    return set(DataResource.objects.values_list("code", flat=True))


def _themes(plan: CityPlan, report: dict) -> dict[str, Theme]:
    existing = {t.code: t for t in Theme.objects.filter(code__in=[t.code for t in plan.themes])}
    new = [
        Theme(code=t.code, name=t.name, audience=t.audience, order=t.order)
        for t in plan.themes
        if t.code not in existing
    ]
    Theme.objects.bulk_create(new)
    report["created"]["themes"] = len(new)
    return {t.code: t for t in Theme.objects.filter(code__in=[t.code for t in plan.themes])}


# ----------------------------------------------------------------------------------------------


def _factory(model, fixed: dict[str, Any] | None = None) -> Callable[[dict[str, Any]], Any]:
    """A fast constructor: positional arguments in field order (Django's from_db path, no kwargs parsing)."""
    fields = model._meta.concrete_fields
    fixed = fixed or {}
    defaults = []
    for f in fields:
        if f.name in fixed:
            defaults.append((f.name, False, fixed[f.name]))
        elif f.has_default() and callable(f.default):
            defaults.append((f.name, True, f.default))
        else:
            defaults.append((f.name, False, f.get_default() if not f.primary_key else None))

    def make(data: dict[str, Any]):
        args = []
        for name, call, default in defaults:
            if name in data:
                args.append(data[name])
            else:
                args.append(default() if call else default)
        return model(*args)

    return make


def _build_items(plan: CityPlan, orgs: dict[str, Organisation], known_licenses: set[str], known_resources: set[str]):
    """Unsaved (item, version, materials, steps, theme codes) for every planned item, all validated."""
    taken = set(ServiceItem.objects.values_list("item_code", flat=True))
    now = timezone.now()
    new_version = _factory(ItemVersion, {"number": 1, "status": VersionStatus.PUBLISHED, "published_at": now})
    new_material = _factory(Material)
    new_step = _factory(ProcessStep)
    version_keys = set(VERSION_FIELDS)
    material_keys = set(MATERIAL_FIELDS)
    step_keys = set(STEP_FIELDS) - {"countersign_org_id"}
    problems: list[Problem] = []
    built = []
    memo: dict = {}  # the license types' look-ups, shared by every item's check
    for n, ip in enumerate(plan.items, 1):
        org = orgs[ip.organisation_code]
        # An existing organisation reused under another credit code keeps its own code.
        code = org.credit_code + ip.item_code[18:]
        item = ServiceItem(
            item_code=code, catalog_code=ip.catalog_code, handling_item=ip.handling_item, organisation=org
        )
        version = new_version({k: v for k, v in ip.version.items() if k in version_keys})
        materials = [new_material({k: v for k, v in m.items() if k in material_keys}) for m in ip.materials]
        steps = [new_step({k: v for k, v in s.items() if k in step_keys}) for s in ip.steps]
        found = item_problems(item, taken_codes=taken) + version_problems(
            version,
            materials,
            steps,
            item=item,
            known_license_types=known_licenses,
            known_data_resources=known_resources,
            memo=memo,
        )
        for p in found:
            problems.append(
                Problem(f"items.{n}.{p.field}", p.message, code=p.code, params=p.params, extra={"item_code": code})
            )
        taken.add(code)
        built.append((item, version, materials, steps, ip.themes))
    if problems:
        raise ProblemsError(problems)
    return built


SIMPLE_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _fast_insert(model, objs: list, batch: int = 5000) -> None:
    """INSERTs `objs` in bulk through core.bulk.insert_rows (no primary keys come back).

    Django's bulk_create spends most of its time compiling one parameter per field per row; here
    only fields that need conversion (JSON, dates, files) go through the field's own preparation,
    so the stored values are exactly what bulk_create would store.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    simple = [f.get_internal_type() in SIMPLE_TYPES for f in fields]
    rows = []
    for obj in objs:
        row = []
        for f, is_simple in zip(fields, simple, strict=True):
            if is_simple:
                row.append(getattr(obj, f.attname))
            else:
                row.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        rows.append(row)
    insert_rows(model._meta.db_table, [f.column for f in fields], rows, batch=batch, using=connection.alias)


def _insert_items(built, themes: dict[str, Theme], actor, note: str, report: dict) -> None:
    items = [b[0] for b in built]
    _fast_insert(ServiceItem, items)
    codes = [i.item_code for i in items]
    ids: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        ids.update(
            ServiceItem.objects.filter(item_code__in=codes[start : start + CHUNK]).values_list("item_code", "id")
        )
    for i in items:
        i.pk = ids[i.item_code]
    versions = []
    for item, version, *_rest in built:
        version.item = item
        versions.append(version)
    _fast_insert(ItemVersion, versions)
    pks = [i.pk for i in items]
    version_ids: dict[int, int] = {}
    for start in range(0, len(pks), CHUNK):
        version_ids.update(
            ItemVersion.objects.filter(item_id__in=pks[start : start + CHUNK]).values_list("item_id", "id")
        )
    for v in versions:
        v.pk = version_ids[v.item_id]
    materials, steps, links, events = [], [], [], []
    through = ItemVersion.themes.through
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    for item, version, mats, sts, theme_codes in built:
        for m in mats:
            m.version = version
        for s in sts:
            s.version = version
        materials.extend(mats)
        steps.extend(sts)
        links.extend(through(itemversion_id=version.pk, theme_id=themes[c].pk) for c in theme_codes)
        events.append(
            CatalogEvent(
                item=item,
                version=version,
                action=CatalogEvent.Action.IMPORTED,
                actor_id=actor_id,
                channel="cli",
                note=note[:300],
            )
        )
    _fast_insert(Material, materials)
    _fast_insert(ProcessStep, steps)
    _fast_insert(through, links)
    _fast_insert(CatalogEvent, events)
    # The published version becomes current, in a few UPDATE statements instead of one per item.
    published = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.PUBLISHED).values("pk")[:1]
    for start in range(0, len(pks), CHUNK):
        ServiceItem.objects.filter(pk__in=pks[start : start + CHUNK]).update(current=Subquery(published))
    report["created"].update(
        items=len(items),
        versions=len(versions),
        materials=len(materials),
        steps=len(steps),
        theme_links=len(links),
        events=len(events),
    )
