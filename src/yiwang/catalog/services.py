"""The one write path of the catalog: every change goes through these functions.

Each function checks the transition, writes the change and its CatalogEvent atomically, and
sends the catalog's signals once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

from .models import CatalogEvent, ItemVersion, Material, ProcessStep, ServiceItem, Theme, VersionStatus
from .signals import version_published, version_retired
from .validation import item_problems, version_problems

VERSION_FIELDS = [
    "name",
    "aliases",
    "item_type",
    "level",
    "competent_department",
    "legal_basis",
    "for_persons",
    "for_enterprises",
    "acceptance_conditions",
    "statutory_limit",
    "statutory_unit",
    "promised_limit",
    "promised_unit",
    "handling_kind",
    "visits_required",
    "online_depth",
    "min_identity_level",
    "form_fields",
    "fee_required",
    "fees",
    "place",
    "hours",
    "phone",
    "complaint_phone",
    "result_type",
    "result_name",
    "result_license_type",
    "result_fields",
    "change_note",
]
MATERIAL_FIELDS = [
    "order",
    "name",
    "source",
    "license_type_code",
    "data_resource_code",
    "form",
    "copies",
    "requirement",
    "condition",
    "notes",
]
# Files a caller may pass along (the editor keeps uploaded blank forms and samples across edits).
MATERIAL_FILES = ["blank_form", "sample"]
STEP_FIELDS = ["order", "kind", "name", "days", "description", "countersign_org_id"]


def _record(item: ServiceItem, version: ItemVersion | None, action: str, actor, channel: str, note: str = "") -> None:
    CatalogEvent.objects.create(
        item=item,
        version=version,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        channel=channel,
        note=note[:300],
    )


def _build_parts(materials: Iterable[dict[str, Any]], steps: Iterable[dict[str, Any]]):
    mats = [Material(**{k: m[k] for k in [*MATERIAL_FIELDS, *MATERIAL_FILES] if k in m}) for m in materials]
    for i, m in enumerate(mats):
        m.order = m.order or i + 1
    sts = [ProcessStep(**{k: s[k] for k in STEP_FIELDS if k in s}) for s in steps]
    for i, s in enumerate(sts):
        s.order = s.order or i + 1
    return mats, sts


def _write_parts(version: ItemVersion, mats: list[Material], sts: list[ProcessStep], themes) -> None:
    for m in mats:
        m.version = version
    for s in sts:
        s.version = version
    Material.objects.bulk_create(mats)
    ProcessStep.objects.bulk_create(sts)
    if themes is not None:
        version.themes.set(themes)


@transaction.atomic
def create_item(
    *,
    organisation,
    catalog_code: str,
    item_code: str,
    handling_item: str = "",
    version: dict[str, Any],
    materials: Iterable[dict[str, Any]] = (),
    steps: Iterable[dict[str, Any]] = (),
    themes: Iterable[Theme] | None = None,
    actor=None,
    channel: str = "web",
    publish_now: bool = False,
) -> ServiceItem:
    """Creates an item with its first draft; with publish_now the draft is validated and published."""
    item = ServiceItem(
        organisation=organisation, catalog_code=catalog_code, item_code=item_code, handling_item=handling_item
    )
    problems = item_problems(item)
    draft = ItemVersion(number=1, **{k: version[k] for k in VERSION_FIELDS if k in version})
    if draft.result_fields is None:
        draft.result_fields = {}
    mats, sts = _build_parts(materials, steps)
    if publish_now:
        problems += version_problems(draft, mats, sts, item=item)
    if problems:
        raise ProblemsError(problems)
    item.save()
    draft.item = item
    draft.created_by = actor if getattr(actor, "pk", None) else None
    draft.save()
    _write_parts(draft, mats, sts, themes)
    _record(item, draft, CatalogEvent.Action.CREATED, actor, channel)
    if publish_now:
        publish(draft, actor=actor, channel=channel)
        item.refresh_from_db()
    return item


@transaction.atomic
def start_draft(item: ServiceItem, *, actor=None, channel: str = "web") -> ItemVersion:
    """Returns the item's draft, making one from its newest version when there is none."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    existing = item.versions.filter(status=VersionStatus.DRAFT).first()
    if existing:
        return existing
    base = item.versions.order_by("-number").first()
    number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ItemVersion(item=item, number=number, created_by=actor if getattr(actor, "pk", None) else None)
    if base is not None:
        for f in VERSION_FIELDS:
            setattr(draft, f, getattr(base, f))
        draft.change_note = ""
        draft.result_sample = base.result_sample
    draft.save()
    if base is not None:
        mats = [
            Material(**{f: getattr(m, f) for f in MATERIAL_FIELDS}, blank_form=m.blank_form, sample=m.sample)
            for m in base.materials.all()
        ]
        sts = [ProcessStep(**{f: getattr(s, f) for f in STEP_FIELDS}) for s in base.steps.all()]
        _write_parts(draft, mats, sts, list(base.themes.all()))
    _record(item, draft, CatalogEvent.Action.DRAFTED, actor, channel)
    return draft


@transaction.atomic
def update_draft(
    draft: ItemVersion,
    *,
    version: dict[str, Any],
    materials: Iterable[dict[str, Any]] | None = None,
    steps: Iterable[dict[str, Any]] | None = None,
    themes: Iterable[Theme] | None = None,
    actor=None,
    channel: str = "web",
) -> ItemVersion:
    """Replaces a draft's content; materials/steps/themes given as None are kept as they are."""
    draft = ItemVersion.objects.select_for_update().get(pk=draft.pk)
    if draft.status != VersionStatus.DRAFT:
        raise ProblemsError(
            [Problem("status", _("Only a draft can be edited; start a new draft of this item."), code="frozen")]
        )
    for f in [*VERSION_FIELDS, "result_sample"]:
        if f in version:
            setattr(draft, f, version[f])
    if draft.result_fields is None:  # an emptied editor field: no mapping
        draft.result_fields = {}
    draft.save()
    if materials is not None:
        draft.materials.all().delete()
    if steps is not None:
        draft.steps.all().delete()
    mats, sts = _build_parts(materials or [], steps or [])
    _write_parts(draft, mats, sts, themes)
    _record(draft.item, draft, CatalogEvent.Action.EDITED, actor, channel, version.get("change_note", ""))
    return draft


def publish_problems(version: ItemVersion) -> list[Problem]:
    return item_problems(version.item, exclude_pk=version.item_id) + version_problems(
        version, list(version.materials.all()), list(version.steps.all()), item=version.item
    )


@transaction.atomic
def publish(version: ItemVersion, *, actor=None, channel: str = "web") -> ItemVersion:
    """Validates and publishes a draft; the previously published version is retired in the same step."""
    item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
    version = ItemVersion.objects.select_related("item__organisation__division").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ProblemsError([Problem("status", _("Only a draft can be published."), code="invalid_transition")])
    problems = publish_problems(version)
    if problems:
        raise ProblemsError(problems)
    now = timezone.now()
    previous = item.versions.filter(status=VersionStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = VersionStatus.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
        _record(item, previous, CatalogEvent.Action.RETIRED, actor, channel, "superseded")
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    item.current = version
    item.save(update_fields=["current"])
    _record(item, version, CatalogEvent.Action.PUBLISHED, actor, channel)
    transaction.on_commit(lambda: version_published.send(sender=ItemVersion, version=version, previous=previous))
    return version


@transaction.atomic
def retire(item: ServiceItem, *, actor=None, channel: str = "web", note: str = "") -> ItemVersion:
    """Withdraws an item from the catalog: its published version is retired, nothing is deleted."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    version = item.versions.filter(status=VersionStatus.PUBLISHED).first()
    if version is None:
        raise ProblemsError(
            [Problem("status", _("The item has no published version to retire."), code="invalid_transition")]
        )
    version.status = VersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    item.current = None
    item.save(update_fields=["current"])
    _record(item, version, CatalogEvent.Action.RETIRED, actor, channel, note)
    transaction.on_commit(lambda: version_retired.send(sender=ItemVersion, version=version))
    return version
