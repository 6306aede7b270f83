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

import re
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
    """One catalog material as the applicant sees it: what they may choose, and what is chosen now.

    `options` lists the choices, the one the guide promises first: the applicant's e-license (LICENSE), or the
    department obtaining it from shared data or from the e-license library (SHARED) — both with consent, nothing
    uploaded; then the other ways (upload, a fitting My Space material, paper).
    """

    material: Any
    options: list[str]
    license: uploads.LicenseRef | None = None
    shared: uploads.SharedDataRef | None = None  # what a shared-data source says (fetched when `available`)
    stored: list[Any] = field(default_factory=list)  # My Space materials offered for reuse (those that fit)
    draft_row: dict[str, Any] | None = None
    chosen: str = ""
    required: bool = True
    error: str = ""
    source_name: str = ""  # the license type or data resource the guide names
    reuse_off: bool = False  # the guide's way is switched off in My Space (license or data reuse)
    consented: bool = False  # the consent box as last posted (redisplay)

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

    @property
    def promised(self) -> str:
        """LICENSE or SHARED when the guide's no-paper way is open to this applicant, else ""."""
        first = self.options[0] if self.options else ""
        return first if first in (LICENSE, SHARED) else ""

    @property
    def from_library(self) -> bool:
        """The department obtains a license the applicant holds nowhere on the platform from the license library."""
        return self.promised == SHARED and bool(self.material.license_type_code)

    @property
    def others(self) -> list[str]:
        """The other ways, offered behind the promised one."""
        return [o for o in self.options if o != self.promised]


def _needs_paper(material: Any) -> bool:
    return material.form in ("original", "both", "copy") and material.form != "electronic"


# Words that say how a copy is made, not what it is: "身份证复印件" is the 身份证.
_COPY_WORDS = re.compile(r"[（(][^）)]*[）)]|复印件|扫描件|影印件|原件|正本|副本|电子版|照片|彩色|申请人|本人|的")
_GENERIC = frozenset({"证明", "材料", "文件", "证件", "证书", "申请", "申请书", "表", "书"})


def _core(text: str) -> str:
    return _COPY_WORDS.sub("", "".join((text or "").split()))


def fits(stored_title: str, material_name: str, type_name: str = "") -> bool:
    """Whether a stored My Space material (by its title) is the kind of document a slot asks for: its core name
    is part of the material's name or of the license type's name, or the other way round ("身份证复印件" fits
    "申请人居民身份证", never "食品经营许可申请书")."""
    core = _core(stored_title)
    if len(core) < 2 or core in _GENERIC:
        return False
    for name in (material_name, type_name):
        target = _core(name)
        if len(target) >= 2 and target not in _GENERIC and (core in target or target in core):
            return True
    return False


def slots(version: Any, applicant: Applicant, draft: Draft | None = None) -> list[MaterialSlot]:
    """Every material the applicant must deal with, with the sources open to them (the department's own are not)."""
    from yiwang.catalog import sources
    from yiwang.identity import space
    from yiwang.identity.models import ReuseCategory

    subject = applicant.subject
    stored = list(space.reusable_materials(subject)[:50])
    draft_rows = {row.get("catalog_material_id"): row for row in (draft.materials if draft else [])}
    materials = [m for m in version.materials.all().order_by("order", "id") if m.source != "government"]
    type_names = sources.labels("license", {m.license_type_code for m in materials if m.license_type_code})
    data_names = sources.labels("data", {m.data_resource_code for m in materials if m.data_resource_code})
    allowed: dict[str, bool] = {}

    def reuse(category: str) -> bool:
        if category not in allowed:
            allowed[category] = space.allowed(subject, category)
        return allowed[category]

    out = []
    for m in materials:
        required = m.requirement == "required"
        type_name = type_names.get(m.license_type_code, "") if m.license_type_code else ""
        lic = uploads.license_for(subject, m.license_type_code) if m.license_type_code else None
        # A source that knows the resource (the exchange) says whether it can be fetched for this applicant now;
        # when it cannot (no grant, not published …) the guide's promise stands: the department obtains it itself.
        shared = (
            uploads.shared_data_for(subject, m.data_resource_code, version.item.organisation)
            if m.source == "shared" and m.data_resource_code and lic is None
            else None
        )
        options: list[str] = []
        reuse_off = False
        if lic is not None:
            options.append(LICENSE)
        elif shared is not None and shared.available:
            options.append(SHARED)  # the guide's promise kept by a real fetch at submission, with consent
        elif m.source == "shared" or (m.source == "license" and m.license_type_code):
            category = ReuseCategory.SHARED_DATA if m.source == "shared" else ReuseCategory.LICENSES
            if reuse(category):
                options.append(SHARED)
            else:
                reuse_off = True
        fitting = [s for s in stored if fits(s.title, m.name, type_name)]
        options.append(UPLOAD)
        if fitting:
            options.append(SPACE)
        if _needs_paper(m) and m.source != "shared":
            options.append(PAPER)
        row = draft_rows.get(m.pk)
        if row is not None and row.get("source") == MaterialSource.UPLOAD and row.get("file"):
            options.insert(1 if options[0] in (LICENSE, SHARED) else 0, DRAFT)
        slot = MaterialSlot(
            m,
            options,
            license=lic,
            shared=shared,
            stored=fitting,
            draft_row=row,
            required=required,
            source_name=(shared.name if shared and shared.available else "")
            or type_name
            or data_names.get(m.data_resource_code, "")
            or m.name,
            reuse_off=reuse_off,
        )
        if row is not None:
            slot.chosen = {
                MaterialSource.UPLOAD: DRAFT,
                MaterialSource.MY_SPACE: f"{SPACE}:{row.get('reference', '').split(':')[-1]}",
                MaterialSource.LICENSE: LICENSE,
                MaterialSource.SHARED: SHARED,
                MaterialSource.PAPER: PAPER,
            }.get(row.get("source"), "")
            if slot.chosen and slot.chosen not in options and not slot.chosen.startswith(f"{SPACE}:"):
                slot.chosen = ""
        # The guide's way is chosen at first — for a material that only applies sometimes, only when the applicant
        # holds the license (the condition cannot be judged here; "not applicable" stays one click away).
        if not slot.chosen and slot.promised and (required or slot.promised == LICENSE):
            slot.chosen = slot.promised
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
        choice = _choice(post, slot, files)
        if not choice and slot.automatic:
            choice = SHARED
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
        elif choice == SHARED and SHARED in slot.options:
            if not for_draft and not post.get(f"{slot.key}-consent"):
                problems.append(
                    Problem(
                        slot.field,
                        _("Tick the box to agree that the department obtains %(label)s for you."),
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
            # The copy fetched at submission and its call (cases.applying), or else what the department obtains
            # itself: a data resource, or a license type it looks up in the e-license library.
            reference = m.data_resource_code or m.license_type_code
            rows.append(
                p.row
                if p.row is not None
                else uploads.material_row(
                    name=m.name, catalog_material_id=m.pk, source=MaterialSource.SHARED, reference=reference
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
    return _write_draft(applicant, version, draft, forms.raw_values(fields, post), pending, problems), problems


def keep_checked(
    applicant: Applicant, version: Any, fields: list[forms.Field], post: Any, pending: list[Pending], problems: list
) -> Draft | None:
    """After a refused submission: keeps the new files that passed their checks as the draft's files (with what was
    typed), so fixing the one file or field that was wrong is enough. Nothing is written when no new file passed."""
    if not any(p.checked is not None for p in pending):
        return None
    draft = draft_for(applicant, version)
    return _write_draft(applicant, version, draft, forms.raw_values(fields, post), pending, problems)


def _write_draft(
    applicant: Applicant, version: Any, draft: Draft | None, values: dict, pending: list[Pending], problems: list
) -> Draft:
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
    return draft


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
