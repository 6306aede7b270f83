"""Putting an application together: who applies, the form, each material's source, drafts, and the submission.

The apply pages (portal, phone and kiosk) are thin over this module and `cases.applying` (the one apply command).
For every catalog material the applicant chooses a source — a new upload (cases.uploads), a stored material from
My Space, the applicant's e-license, shared data fetched with their consent (cases.uploads.SHARED_DATA), paper
brought to the window, or the file kept in the draft; `resolve` checks the choices without storing anything, and
`store_rows` stores the files once the whole application passed.

Drafts (`Draft`) keep what was typed and the files already checked, per applicant and item version, so an
application can be finished later on another device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem

from . import forms, uploads
from .models import Draft, MaterialSource

# The choice values of a material's radio group.
UPLOAD, SPACE, LICENSE, PAPER, DRAFT, SHARED, NONE = "upload", "space", "license", "paper", "draft", "shared", ""


@dataclass
class Applicant:
    """The person applying, and the enterprise they apply for (None when for themself)."""

    person: Any
    enterprise: Any = None

    @property
    def subject(self) -> Any:
        return self.enterprise if self.enterprise is not None else self.person

    @property
    def name(self) -> str:
        return self.subject.name


@dataclass
class MaterialSlot:
    """One catalog material as the applicant sees it: what they may choose, and what is chosen now."""

    material: Any
    options: list[str]
    license: uploads.LicenseRef | None = None
    shared: uploads.SharedDataRef | None = None  # shared data offered (available), or why it cannot be (upload)
    stored: list[Any] = field(default_factory=list)  # My Space materials offered for reuse
    draft_row: dict[str, Any] | None = None
    chosen: str = ""
    required: bool = True
    error: str = ""

    @property
    def key(self) -> str:
        return f"m{self.material.pk}"

    @property
    def field(self) -> str:
        return f"materials.{self.material.pk}"

    @property
    def stored_options(self) -> list[tuple[str, Any]]:
        return [(f"{SPACE}:{s.pk}", s) for s in self.stored]

    @property
    def paper_only(self) -> bool:
        return self.options == [PAPER]

    @property
    def automatic(self) -> bool:
        return self.options == [SHARED]


def _needs_paper(material: Any) -> bool:
    return material.form in ("original", "both", "copy") and material.form != "electronic"


def slots(version: Any, applicant: Applicant, draft: Draft | None = None) -> list[MaterialSlot]:
    """Every material the applicant must deal with, with the sources open to them (the department's own are not)."""
    from yiwang.identity import space

    stored = list(space.reusable_materials(applicant.subject)[:50])
    draft_rows = {row.get("catalog_material_id"): row for row in (draft.materials if draft else [])}
    out = []
    for m in version.materials.all().order_by("order", "id"):
        if m.source == "government":
            continue
        required = m.requirement == "required"
        shared = None
        if m.source == "shared":
            shared = uploads.shared_data_for(applicant.subject, m.data_resource_code, version.item.organisation)
            if shared is None:  # no source knows it: listed for the department to obtain
                out.append(MaterialSlot(m, [SHARED], chosen=SHARED, required=required))
                continue
            if shared.available:  # fetched at submission with the applicant's consent; an upload stays possible
                out.append(MaterialSlot(m, [SHARED, UPLOAD], chosen=SHARED, required=required, shared=shared))
                continue
        lic = uploads.license_for(applicant.subject, m.license_type_code) if m.license_type_code else None
        options = []
        if lic is not None:
            options.append(LICENSE)
        options.append(UPLOAD)
        if stored:
            options.append(SPACE)
        if _needs_paper(m):
            options.append(PAPER)
        row = draft_rows.get(m.pk)
        if row is not None and row.get("source") == MaterialSource.UPLOAD and row.get("file"):
            options.insert(0, DRAFT)
        slot = MaterialSlot(m, options, license=lic, shared=shared, stored=stored, draft_row=row, required=required)
        if row is not None:
            slot.chosen = {
                MaterialSource.UPLOAD: DRAFT,
                MaterialSource.MY_SPACE: f"{SPACE}:{row.get('reference', '').split(':')[-1]}",
                MaterialSource.LICENSE: LICENSE,
                MaterialSource.PAPER: PAPER,
            }.get(row.get("source"), "")
            if slot.chosen == LICENSE and lic is None:
                slot.chosen = ""
        elif lic is not None:
            slot.chosen = LICENSE
        out.append(slot)
    return out


@dataclass
class Pending:
    """One material as chosen and checked, before anything is stored."""

    slot: MaterialSlot
    source: str
    checked: uploads.Checked | None = None
    stored_material: Any = None
    row: dict[str, Any] | None = None


def _choice(post: Any, slot: MaterialSlot, files: Any) -> str:
    chosen = str(post.get(slot.key, "") or "")
    if not chosen and files is not None and files.get(f"{slot.key}-file") is not None:
        return UPLOAD
    return chosen


def resolve(
    slot_list: list[MaterialSlot], post: Any, files: Any, applicant: Applicant, *, for_draft: bool = False
) -> tuple[list[Pending], list[Problem]]:
    """Each material's choice checked; a required material with nothing chosen is a problem unless for a draft."""
    pending: list[Pending] = []
    problems: list[Problem] = []
    for slot in slot_list:
        m = slot.material
        if slot.automatic:
            pending.append(Pending(slot, MaterialSource.SHARED))
            continue
        choice = _choice(post, slot, files)
        slot.chosen = choice or slot.chosen if for_draft else choice
        label = {"label": m.name}
        if choice == UPLOAD:
            upload = files.get(f"{slot.key}-file") if files is not None else None
            if upload is None:
                problems.append(
                    Problem(slot.field, _("Choose the file to upload for %(label)s."), "required", params=label)
                )
                continue
            checked, problem = uploads.check(upload, slot.field)
            if problem is not None:
                problems.append(problem)
                continue
            pending.append(Pending(slot, MaterialSource.UPLOAD, checked=checked))
        elif choice.startswith(f"{SPACE}:") and SPACE in slot.options:
            try:
                mid = int(choice.split(":", 1)[1])
            except ValueError:
                mid = -1
            found = next((s for s in slot.stored if s.pk == mid), None)
            if found is None:
                problems.append(Problem(slot.field, _("This stored material is not available for reuse."), "invalid"))
                continue
            pending.append(Pending(slot, MaterialSource.MY_SPACE, stored_material=found))
        elif choice == LICENSE and slot.license is not None:
            if not for_draft and not post.get(f"{slot.key}-consent"):
                problems.append(
                    Problem(
                        slot.field,
                        _("Tick the box to agree that your e-license is used for %(label)s."),
                        "consent",
                        params=label,
                    )
                )
                continue
            pending.append(Pending(slot, MaterialSource.LICENSE))
        elif choice == LICENSE:
            problems.append(
                Problem(
                    slot.field,
                    _("Your e-license for %(label)s can no longer be used (revoked, expired or not yours): upload it."),
                    "license_unavailable",
                    params=label,
                )
            )
        elif choice == SHARED and SHARED in slot.options and slot.shared is not None:
            if not for_draft and not post.get(f"{slot.key}-consent"):
                problems.append(
                    Problem(
                        slot.field,
                        _("Tick the box to agree that %(label)s is fetched from shared government data."),
                        "consent",
                        params=label,
                    )
                )
                continue
            pending.append(Pending(slot, MaterialSource.SHARED))
        elif choice == PAPER and PAPER in slot.options:
            pending.append(Pending(slot, MaterialSource.PAPER))
        elif choice == DRAFT and DRAFT in slot.options and slot.draft_row:
            pending.append(Pending(slot, MaterialSource.UPLOAD, row=slot.draft_row))
        elif choice:
            problems.append(Problem(slot.field, _("Choose how you provide %(label)s."), "invalid", params=label))
        elif slot.required and not for_draft:
            problems.append(
                Problem(
                    slot.field, _("%(label)s is required: upload it or choose another way."), "required", params=label
                )
            )
    return pending, problems


def store_rows(pending: list[Pending], stored_now: list[str]) -> list[dict[str, Any]]:
    """Stores new uploads (names appended to `stored_now` so a failure can delete them) and builds the rows."""
    rows = []
    for p in pending:
        m = p.slot.material
        if p.source == MaterialSource.SHARED:
            # The fetched copy and its call (cases.applying fetched it), or the resource's code alone (a draft).
            rows.append(
                p.row
                if p.row is not None
                else uploads.material_row(
                    name=m.name,
                    catalog_material_id=m.pk,
                    source=MaterialSource.SHARED,
                    reference=m.data_resource_code,
                )
            )
        elif p.row is not None:
            rows.append(
                uploads.material_row(
                    name=m.name,
                    catalog_material_id=m.pk,
                    source=MaterialSource.UPLOAD,
                    file=p.row["file"],
                    content_type=p.row.get("content_type", ""),
                    size=p.row.get("size", 0),
                    sha256=p.row.get("sha256", ""),
                    reference=p.row.get("reference", ""),
                )
            )
        elif p.checked is not None:
            name = uploads.store(p.checked)
            stored_now.append(name)
            rows.append(
                uploads.material_row(
                    name=m.name,
                    catalog_material_id=m.pk,
                    source=MaterialSource.UPLOAD,
                    file=name,
                    content_type=p.checked.content_type,
                    size=p.checked.size,
                    sha256=p.checked.sha256,
                    reference=p.checked.original_name,
                )
            )
        elif p.stored_material is not None:
            s = p.stored_material
            rows.append(
                uploads.material_row(
                    name=m.name,
                    catalog_material_id=m.pk,
                    source=MaterialSource.MY_SPACE,
                    file=s.file.name,
                    content_type=s.content_type,
                    size=s.size,
                    sha256=s.sha256,
                    reference=f"my_space:{s.pk}",
                )
            )
        elif p.source == MaterialSource.LICENSE:
            lic = p.slot.license
            rows.append(
                uploads.material_row(
                    name=m.name,
                    catalog_material_id=m.pk,
                    source=MaterialSource.LICENSE,
                    reference=lic.identifier if lic else m.license_type_code,
                )
            )
        else:
            rows.append(uploads.material_row(name=m.name, catalog_material_id=m.pk, source=MaterialSource.PAPER))
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------------------------------------------


def draft_for(applicant: Applicant, version: Any) -> Draft | None:
    key = Draft.key_for(applicant.person.pk, getattr(applicant.enterprise, "pk", None), version.pk)
    return Draft.objects.filter(key=key).first()


def latest_draft(applicant: Applicant, item: Any) -> Draft | None:
    """A draft for an older version of the item (the guide changed since): its form values can still be offered."""
    return (
        Draft.objects.filter(person=applicant.person, enterprise=applicant.enterprise, version__item=item)
        .order_by("-updated_at")
        .first()
    )


def save_draft(
    applicant: Applicant, version: Any, fields: list[forms.Field], post: Any, files: Any
) -> tuple[Draft, list[Problem]]:
    """Keeps what was typed and every file that passed its checks; returns the draft and the files refused."""
    draft = draft_for(applicant, version)
    slot_list = slots(version, applicant, draft)
    pending, problems = resolve(slot_list, post, files, applicant, for_draft=True)
    stored_now: list[str] = []
    rows = store_rows(pending, stored_now)
    old_files = {row.get("file") for row in (draft.materials if draft else []) if row.get("file")}
    keep = {r["file"] for r in rows if r.get("file")}
    # A material whose new upload was refused keeps its earlier draft file.
    refused_ids = {int(p.field.split(".")[1]) for p in problems if p.field.startswith("materials.")}
    for row in draft.materials if draft else []:
        if row.get("catalog_material_id") in refused_ids and row.get("file"):
            rows.append(row)
            keep.add(row["file"])
    values = forms.raw_values(fields, post)
    now = timezone.now()
    try:
        with transaction.atomic():
            draft, _created = Draft.objects.update_or_create(
                key=Draft.key_for(applicant.person.pk, getattr(applicant.enterprise, "pk", None), version.pk),
                defaults={
                    "person": applicant.person,
                    "enterprise": applicant.enterprise,
                    "version": version,
                    "form_data": values,
                    "materials": [{k: v for k, v in r.items()} for r in rows],
                    "updated_at": now,
                },
            )
    except Exception:
        uploads.discard(stored_now)
        raise
    uploads.discard(sorted(old_files - keep - _files_in_cases(old_files - keep)))
    return draft, problems


def _files_in_cases(names: set[str]) -> set[str]:
    from .models import CaseMaterial

    if not names:
        return set()
    return set(CaseMaterial.objects.filter(file__in=names).values_list("file", flat=True))


def discard_draft(draft: Draft) -> None:
    """Deletes the draft and the files only it held."""
    names = {row.get("file") for row in draft.materials if row.get("file")}
    draft.delete()
    uploads.discard(sorted(names - _files_in_cases(names)))
