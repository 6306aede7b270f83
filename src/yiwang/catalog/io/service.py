"""Imports a whole catalog file: validate everything first, then write it in batches.

This is the one write path besides catalog/services.py. It applies the same rules
(catalog.validation) and the same versioning (a new published version retires the old one; a
published row never changes except its status), but in bulk: a fixed number of queries per batch
whatever the file size, and bulk_create for the rows.

Nothing is written unless the whole file is good. A good file is then written in batches of
CATALOG_IMPORT_BATCH_ITEMS items, one transaction each, so a long import never holds the database's
write lock for long (the embedded SQLite has one writer at a time: a web request or the task worker
waits at most one batch). Each committed batch sends the catalog's `versions_published` signal, so
every listener of the editor's publications hears about imported versions too. Should a batch fail
(a concurrent edit of the same item), the batches before it stay written; importing the same file
again writes the rest, since unchanged items are left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.catalog import sources
from yiwang.catalog.models import (
    CatalogEvent,
    ItemVersion,
    Material,
    ProcessStep,
    ServiceItem,
    Theme,
    VersionStatus,
)
from yiwang.catalog.signals import versions_published
from yiwang.catalog.validation import item_problems, version_problems
from yiwang.core.errors import Problem, ProblemsError
from yiwang.orgs.models import Organisation, Role
from yiwang.orgs.scope import has_role, organisations_for

from . import formats as F
from .reader import ItemRecord, ParsedFile, parse_json_item, read
from .writer import FEE_KEYS, VERSION_KEYS, iter_item_dicts, published_versions

log = logging.getLogger(__name__)

CHUNK = 500  # items per bulk lookup
IN_CHUNK = 5000  # codes per IN (...) lookup
# SQLite: after each batch the importer waits this long, so a writer whose busy handler is polling (every 100 ms
# at most) gets the lock before the next batch takes it again.
SQLITE_BATCH_PAUSE = 0.15
# progress(phase, done, total): phase "reading" (total 0: not known yet), "checking" or "writing".
Progress = Callable[[str, int, int], None]
ITEM_VERSION_KEYS = [k for k in VERSION_KEYS if k not in ("change_note",)]
MATERIAL_KEYS = [c.key for c in F.MATERIAL_COLUMNS if c.key != "item_code"]
STEP_KEYS = [c.key for c in F.STEP_COLUMNS if c.key not in ("item_code", "countersign_credit_code")]
SHEET_ORDER = {F.ITEMS: 0, F.MATERIALS: 1, F.STEPS: 2, F.FEES: 3, "items": 0}


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    format: str
    items: int = 0
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    dry_run: bool = False
    # Items that still have an unpublished draft made before this import (the draft is left alone).
    open_drafts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "items": self.items,
            "created": self.created,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "open_drafts": self.open_drafts,
        }


def _chunks(values: list, size: int) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (SHEET_ORDER.get(p.sheet or "", -1), p.row or 0))


def check_may_import(user) -> None:
    """Refuses anyone who is not a catalog administrator somewhere (None is the command line)."""
    if user is None:
        return
    if not has_role(user, Role.CATALOG_ADMIN):
        raise PermissionDenied(_("Only catalog administrators may import the catalog."))


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def import_catalog(
    fileobj: IO[bytes],
    *,
    user=None,
    channel: str = "import",
    dry_run: bool = False,
    organisations=None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validates the whole file, then (unless dry_run) writes it; raises ProblemsError listing every problem.

    `user` None means the operator at the command line, who may import for every organisation;
    anyone else may import only items of organisations their catalog-admin role reaches.
    `organisations` (a queryset), when given, is the reach instead (a machine client's organisations).
    `progress(phase, done, total)` is called now and then (the background import job records it).
    """
    if organisations is None:
        check_may_import(user)
    progress = progress or _no_progress
    parsed = read(fileobj, progress=progress)
    if parsed.file_level:
        raise ProblemsError(parsed.problems)
    plan = _Plan(parsed, user, organisations, progress)
    plan.validate()
    if parsed.problems:
        raise ProblemsError(_sorted(parsed.problems))
    result = plan.result(dry_run)
    if not dry_run:
        plan.write(user, channel)
        result.open_drafts = sorted(plan.open_drafts)
    return result


class _Plan:
    """Everything the import needs from the database, fetched once, and the decision for each record."""

    def __init__(self, parsed: ParsedFile, user, organisations=None, progress: Progress = _no_progress):
        self.parsed = parsed
        self.user = user
        self.organisations = organisations
        self.progress = progress
        self.records: list[ItemRecord] = []  # the records to write (not unchanged)
        self.existing: dict[str, dict[str, Any]] = {}
        self.unchanged = 0
        self.touched_item_ids: list[int] = []
        self.open_drafts: list[str] = []
        self.memo: dict = {}  # look-ups shared by the validation of every item of the file

    # -- reading the database ---------------------------------------------------------------------------
    def _load(self) -> None:
        items = self.parsed.items
        codes = sorted({r.code for r in items if r.code})
        credit = {r.data.get("credit_code") for r in items if r.data.get("credit_code")}
        credit |= {
            s.data.get("countersign_credit_code")
            for r in items
            for s in r.steps
            if s.data.get("countersign_credit_code")
        }
        self.orgs: dict[str, Organisation] = {}
        for chunk in _chunks(sorted(credit), IN_CHUNK):
            for org in Organisation.objects.filter(credit_code__in=chunk).select_related("division"):
                self.orgs[org.credit_code] = org
        if self.user is None and self.organisations is None:
            self.allowed: set[int] | None = None
        else:
            scope = (
                self.organisations
                if self.organisations is not None
                else organisations_for(self.user, Role.CATALOG_ADMIN)
            )
            ids = [o.pk for o in self.orgs.values()]
            self.allowed = set()
            for chunk in _chunks(ids, IN_CHUNK):
                self.allowed |= set(scope.filter(pk__in=chunk).values_list("pk", flat=True))
        for chunk in _chunks(codes, IN_CHUNK):
            for row in ServiceItem.objects.filter(item_code__in=chunk).values(
                "id", "item_code", "handling_item", "organisation_id", "current_id"
            ):
                self.existing[row["item_code"]] = row
        self.themes = {t.code: t.pk for t in Theme.objects.only("pk", "code")}
        lic = {r.data.get("result_license_type") for r in items if r.data.get("result_license_type")}
        lic |= {m.data.get("license_type_code") for r in items for m in r.materials if m.data.get("license_type_code")}
        data = {
            m.data.get("data_resource_code") for r in items for m in r.materials if m.data.get("data_resource_code")
        }
        self.known_license_types = lic - sources.missing("license", lic)
        self.known_data_resources = data - sources.missing("data", data)
        # The current content of items already in the catalog, to leave unchanged ones alone.
        self.current: dict[str, tuple] = {}
        current_ids = [row["current_id"] for row in self.existing.values() if row["current_id"]]
        scratch = ParsedFile("json")
        for chunk in _chunks(current_ids, CHUNK):
            for obj in iter_item_dicts(published_versions().filter(pk__in=chunk)):
                rec = parse_json_item(scratch, obj, 0)
                if rec is not None:
                    self.current[obj["item_code"]] = content_key(rec)

    # -- validating -------------------------------------------------------------------------------------
    def validate(self) -> None:
        self._load()
        parsed = self.parsed
        self.reported = {(p.sheet, p.row, p.column) for p in parsed.problems}
        seen: dict[str, ItemRecord] = {}
        total = len(parsed.items)
        for done, rec in enumerate(parsed.items):
            if done % CHUNK == 0:
                self.progress("checking", done, total)
            code = rec.code
            if code in seen:
                parsed.add(
                    _("The implementation code %(code)s is already used on row %(row)s."),
                    parsed.locate(rec, None, None, "item_code"),
                    code="duplicate",
                    params={"code": code, "row": seen[code].row},
                    item_code=code,
                )
                continue
            if code:
                seen[code] = rec
            self._check(rec)

    def _problem(self, rec: ItemRecord, problem: Problem) -> None:
        part, index, key = _split(problem.field)
        where = self.parsed.locate(rec, part, index, key)
        spot = (where.get("sheet"), where.get("row"), where.get("column"))
        if spot in self.reported:
            return  # the cell already has a problem from reading it (or an unknown organisation)
        self.parsed.add(problem.message, where, code=problem.code, params=problem.params, item_code=rec.code)

    def _check(self, rec: ItemRecord) -> None:
        parsed, d = self.parsed, rec.data
        code = rec.code
        reported = self.reported
        credit = d.get("credit_code") or ""
        org = self.orgs.get(credit)
        if not credit and "credit_code" not in rec.bad:
            where = parsed.locate(rec, None, None, "credit_code")
            parsed.add(_("This value is required."), where, code="required", item_code=code)
            reported.add(_spot(where))
        elif credit and org is None:
            parsed.add(
                _("No organisation with the credit code %(code)s is registered."),
                parsed.locate(rec, None, None, "credit_code"),
                code="unknown_organisation",
                params={"code": credit},
                item_code=code,
            )
            reported.add(_spot(parsed.locate(rec, None, None, "credit_code")))
        elif org is not None and self.allowed is not None and org.pk not in self.allowed:
            parsed.add(
                _("You may not import items of %(name)s: it is outside your organisations."),
                parsed.locate(rec, None, None, "credit_code"),
                code="forbidden",
                params={"name": org.name},
                item_code=code,
            )
            reported.add(_spot(parsed.locate(rec, None, None, "credit_code")))
        existing = self.existing.get(code)
        if existing is not None and existing["handling_item"] != (d.get("handling_item") or ""):
            parsed.add(
                _("The handling item of an existing item cannot change; give the variant its own implementation code."),
                parsed.locate(rec, None, None, "handling_item"),
                code="immutable",
                item_code=code,
            )
        for theme in d.get("themes") or []:
            if theme not in self.themes:
                parsed.add(
                    _("Theme %(code)s does not exist."),
                    parsed.locate(rec, None, None, "themes"),
                    code="unknown_theme",
                    params={"code": theme},
                    item_code=code,
                )
        for index, step in enumerate(rec.steps, 1):
            cs = step.data.get("countersign_credit_code")
            if cs and cs not in self.orgs:
                where = parsed.locate(rec, "steps", index, "countersign_credit_code")
                parsed.add(
                    _("No organisation with the credit code %(code)s is registered."),
                    where,
                    code="unknown_organisation",
                    params={"code": cs},
                    item_code=code,
                )
                reported.add(_spot(where))

        item, version, materials, steps = self.sketch(rec, org)
        # Codes already in the catalog get a new version; duplicates within the file were reported above.
        for problem in item_problems(item, taken_codes=set()):
            self._problem(rec, problem)
        for problem in version_problems(
            version,
            materials,
            steps,
            item=item,
            known_license_types=self.known_license_types,
            known_data_resources=self.known_data_resources,
            memo=self.memo,
        ):
            self._problem(rec, problem)

        if existing is not None and existing["current_id"] and self.current.get(code) == content_key(rec):
            self.unchanged += 1
        else:
            self.records.append(rec)

    def sketch(self, rec: ItemRecord, org: Organisation | None):
        """Light stand-ins of the model objects, enough for the validation functions (reads attributes only).

        Model instances cost tens of microseconds each; a city's file has hundreds of thousands of rows.
        """
        d = rec.data
        item = SimpleNamespace(
            item_code=d.get("item_code") or "",
            catalog_code=d.get("catalog_code") or "",
            handling_item=d.get("handling_item") or "",
            organisation=org,
            organisation_id=org.pk if org is not None else None,
        )
        values = {k: d.get(k) for k in VERSION_KEYS}
        values["aliases"] = values["aliases"] or []
        values["fees"] = [{k: f.data.get(k) or "" for k in FEE_KEYS} for f in rec.fees]
        values["statutory_unit"] = values["statutory_unit"] or "wd"
        values["promised_unit"] = values["promised_unit"] or "wd"
        version = SimpleNamespace(item_id=None, **values)
        materials = [SimpleNamespace(**{k: m.data.get(k) for k in MATERIAL_KEYS}) for m in rec.materials]
        steps = []
        for s in rec.steps:
            cs = self.orgs.get(s.data.get("countersign_credit_code") or "")
            steps.append(
                SimpleNamespace(**{k: s.data.get(k) for k in STEP_KEYS}, countersign_org_id=cs.pk if cs else None)
            )
        return item, version, materials, steps

    def build(self, rec: ItemRecord, org: Organisation | None, existing: dict[str, Any] | None):
        """Unsaved model objects of one record: what validation checks and what the writer saves."""
        d = rec.data
        item = ServiceItem(
            item_code=d.get("item_code") or "",
            catalog_code=d.get("catalog_code") or "",
            handling_item=d.get("handling_item") or "",
        )
        if existing is not None:
            item.pk = existing["id"]
        if org is not None:
            item.organisation = org
        version = ItemVersion(**{k: d.get(k) for k in VERSION_KEYS if k not in ("aliases",)})
        version.aliases = d.get("aliases") or []
        version.fees = [{k: f.data.get(k) or "" for k in FEE_KEYS} for f in rec.fees]
        if version.statutory_unit is None:
            version.statutory_unit = "wd"
        if version.promised_unit is None:
            version.promised_unit = "wd"
        materials = [Material(**{k: m.data.get(k) for k in MATERIAL_KEYS}) for m in rec.materials]
        steps = []
        for s in rec.steps:
            step = ProcessStep(**{k: s.data.get(k) for k in STEP_KEYS})
            cs = self.orgs.get(s.data.get("countersign_credit_code") or "")
            step.countersign_org_id = cs.pk if cs is not None else None
            steps.append(step)
        return item, version, materials, steps

    # -- writing ----------------------------------------------------------------------------------------
    def result(self, dry_run: bool) -> ImportResult:
        created = sum(1 for r in self.records if r.code not in self.existing)
        return ImportResult(
            format=self.parsed.fmt,
            items=len(self.parsed.items),
            created=created,
            new_versions=len(self.records) - created,
            unchanged=self.unchanged,
            dry_run=dry_run,
        )

    def write(self, user, channel: str) -> None:
        """Writes the records in batches, each in its own transaction, and tells the listeners after each commit."""
        actor = user if getattr(user, "pk", None) else None
        size = max(1, int(getattr(settings, "CATALOG_IMPORT_BATCH_ITEMS", 500)))
        total = len(self.records)
        written = 0
        pause = SQLITE_BATCH_PAUSE if connection.vendor == "sqlite" and not connection.in_atomic_block else 0
        self.progress("writing", 0, total)
        for batch in _chunks(self.records, size):
            try:
                with transaction.atomic():
                    published, items, retired = self._write_batch(batch, actor, channel)
                    transaction.on_commit(
                        lambda p=published, i=items, r=retired: versions_published.send(
                            sender=ItemVersion, version_ids=p, item_ids=i, previous_ids=r, channel=channel
                        )
                    )
            except IntegrityError as exc:
                log.warning("catalog import collided with a concurrent change: %s", exc)
                if not written:
                    message = _("The catalog changed while this file was being imported; import the file again.")
                else:
                    message = _(
                        "The catalog changed while this file was being imported; %(written)s items were written "
                        "before that. Import the file again to write the rest."
                    )
                raise ProblemsError([Problem("file", message, code="conflict", params={"written": written})]) from exc
            written += len(batch)
            self.progress("writing", written, total)
            if pause and written < total:
                time.sleep(pause)

    def _write_batch(self, batch: list[ItemRecord], actor, channel: str) -> tuple[list[int], list[int], list[int]]:
        """Writes one batch; returns the new versions' ids, their items' ids and the retired versions' ids."""
        now = timezone.now()
        codes = [r.code for r in batch]
        # Lock the items that get a new version and read their state again inside the transaction.
        existing: dict[str, dict[str, Any]] = {}
        known = [c for c in codes if c in self.existing]
        if known:
            ids = list(ServiceItem.objects.select_for_update().filter(item_code__in=known).values_list("pk", flat=True))
            for row in ServiceItem.objects.filter(pk__in=ids).values("id", "item_code", "current_id"):
                existing[row["item_code"]] = row
        item_ids = [row["id"] for row in existing.values()]
        numbers: dict[int, int] = {}
        drafts: set[int] = set()
        if item_ids:
            for row in ItemVersion.objects.filter(item_id__in=item_ids).values("item_id").annotate(n=Max("number")):
                numbers[row["item_id"]] = row["n"]
            drafts = set(
                ItemVersion.objects.filter(item_id__in=item_ids, status=VersionStatus.DRAFT).values_list(
                    "item_id", flat=True
                )
            )
        # Retire the published versions being superseded (before the new ones exist: one published per item).
        old: dict[int, int] = {}  # item id -> retired version id
        carry: dict[int, dict[str, Any]] = {}  # old version id -> files to carry over
        if item_ids:
            for vid, item_id, sample in ItemVersion.objects.filter(
                item_id__in=item_ids, status=VersionStatus.PUBLISHED
            ).values_list("pk", "item_id", "result_sample"):
                old[item_id] = vid
                carry[vid] = {"result_sample": sample, "materials": {}}
        if old:
            for vid, name, blank_form, sample in (
                Material.objects.filter(version_id__in=list(old.values()))
                .exclude(blank_form="", sample="")
                .values_list("version_id", "name", "blank_form", "sample")
            ):
                carry[vid]["materials"][name] = (blank_form, sample)
            ItemVersion.objects.filter(pk__in=list(old.values())).update(status=VersionStatus.RETIRED, retired_at=now)
        # New items.
        new_items = [
            ServiceItem(
                item_code=rec.code,
                catalog_code=rec.data["catalog_code"],
                handling_item=rec.data.get("handling_item") or "",
                organisation=self.orgs[rec.data["credit_code"]],
            )
            for rec in batch
            if rec.code not in existing
        ]
        ServiceItem.objects.bulk_create(new_items)
        ids = {it.item_code: it.pk for it in new_items}
        ids.update({code: row["id"] for code, row in existing.items()})
        self.touched_item_ids += list(ids.values())
        self.open_drafts += sorted(code for code, row in existing.items() if row["id"] in drafts)
        through = ItemVersion.themes.through
        versions, parts_m, parts_s, links = [], [], [], []
        for rec in batch:
            org = self.orgs[rec.data["credit_code"]]
            item_id = ids[rec.code]
            _item, version, materials, steps = self.build(rec, org, None)
            version.item_id = item_id
            version.number = numbers.get(item_id, 0) + 1
            version.status = VersionStatus.PUBLISHED
            version.published_at = now
            version.created_by = actor
            previous = old.get(item_id)
            kept = carry.get(previous) if previous else None
            if kept:
                version.result_sample = kept["result_sample"]
                for m in materials:
                    if m.name in kept["materials"]:
                        m.blank_form, m.sample = kept["materials"][m.name]
            versions.append(version)
            parts_m.append(materials)
            parts_s.append(steps)
            links.append(rec.data.get("themes") or [])
        ItemVersion.objects.bulk_create(versions)
        mats, sts, theme_rows, events = [], [], [], []
        for version, materials, steps, themes in zip(versions, parts_m, parts_s, links, strict=True):
            for m in materials:
                m.version_id = version.pk
                mats.append(m)
            for s in steps:
                s.version_id = version.pk
                sts.append(s)
            theme_rows += [through(itemversion_id=version.pk, theme_id=self.themes[t]) for t in dict.fromkeys(themes)]
            previous = old.get(version.item_id)
            if previous:
                events.append(
                    CatalogEvent(
                        item_id=version.item_id,
                        version_id=previous,
                        action=CatalogEvent.Action.RETIRED,
                        actor=actor,
                        channel=channel,
                        note="superseded by import",
                    )
                )
            events.append(
                CatalogEvent(
                    item_id=version.item_id,
                    version_id=version.pk,
                    action=CatalogEvent.Action.IMPORTED,
                    actor=actor,
                    channel=channel,
                    note=f"version {version.number} published by import",
                )
            )
        Material.objects.bulk_create(mats)
        ProcessStep.objects.bulk_create(sts)
        through.objects.bulk_create(theme_rows)
        # One UPDATE per batch: each item's current version is its (new) published one.
        currents = [v.item_id for v in versions]
        published = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.PUBLISHED)
        ServiceItem.objects.filter(pk__in=currents).update(current=Subquery(published.values("pk")[:1]))
        CatalogEvent.objects.bulk_create(events)
        return [v.pk for v in versions], currents, list(old.values())


def content_key(rec: ItemRecord) -> tuple:
    """Everything a version says, to tell an unchanged item from a changed one (the change note aside)."""
    d = rec.data
    return (
        d.get("handling_item") or "",
        d.get("credit_code"),
        tuple(_freeze(d.get(k)) for k in ITEM_VERSION_KEYS),
        tuple(sorted(set(d.get("themes") or []))),
        tuple(tuple(_freeze(m.data.get(k)) for k in MATERIAL_KEYS) for m in rec.materials),
        tuple(tuple(_freeze(s.data.get(k)) for k in [*STEP_KEYS, "countersign_credit_code"]) for s in rec.steps),
        tuple(tuple(str(f.data.get(k) or "") for k in FEE_KEYS) for f in rec.fees),
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


def _split(path: str) -> tuple[str | None, int | None, str]:
    """'materials.3.name' -> ('materials', 3, 'name'); 'steps' -> ('steps', None, 'steps'); 'name' -> (None, None, 'name')."""
    bits = path.split(".")
    if bits[0] in F.JSON_PARTS:
        if len(bits) >= 3 and bits[1].isdigit():
            return bits[0], int(bits[1]), bits[2]
        if len(bits) == 2 and bits[1].isdigit():
            return bits[0], int(bits[1]), "name"
        if bits[0] == "fees":
            return None, None, "fees"
        return bits[0], None, bits[0]
    if bits[0] in JSON_COLUMNS:  # 'result_fields.premises' -> the result_fields cell (the message names the rest)
        return None, None, bits[0]
    return None, None, bits[-1]


JSON_COLUMNS = {c.key for c in F.ITEM_COLUMNS if c.kind == "json"}


def _spot(where: dict[str, Any]) -> tuple:
    return (where.get("sheet"), where.get("row"), where.get("column"))
