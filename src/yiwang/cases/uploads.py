"""Files attached to an application: checked by the platform's one upload check, then stored privately.

- `check` is core.uploads' check for the "material" use (PDF, JPEG, PNG or OFD, by content; the name must agree;
  at most settings.CASE_UPLOAD_MAX_BYTES, 20 MB by default), for the apply pages, corrections and the
  workbench's opinion attachments alike.
- Accepted files go to the private storage (core.storage: never under MEDIA_ROOT, a private bucket on object
  storage) under cases/YYYY/MM/, named by their SHA-256, and come back as the dict `cases.services.submit` takes
  for a material. They are only ever served through the pages that check who is asking.

The e-license hook: when a catalog material names a license type, `license_for(subject, code)` asks every
finder contributed to the `LICENSE_FINDERS` hook (the licenses app contributes one), in order, whether the
applicant holds a current license of that type; then the applicant need not upload anything.

The shared-data hook (`SHARED_DATA`, the exchange app contributes the source): a material whose source is shared
data is offered, with a consent box, when the source says the handling organisation may use it for this applicant
(`shared_data_for`); the apply command fetches it at submission (`fetch_shared`: the case keeps the fetched copy
and the call) and tells the source what became of the application (`settle_shared`). A failed fetch is a problem on
the material asking for an upload instead. Forms are prefilled from shared data the same way (`prefill_shared`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from yiwang.core import uploads as core_uploads
from yiwang.core.errors import Problem
from yiwang.core.plugins import Hook
from yiwang.core.storage import private_storage

USE = "material"
Checked = core_uploads.Checked
EXTENSIONS = {k.content_type: k.extension for k in core_uploads.KINDS.values()}


# Kinds a browser shows itself (PDF viewer, image): offered as a preview; anything else is always downloaded.
PREVIEWABLE = frozenset({"application/pdf", "image/jpeg", "image/png"})


def file_response(material: Any, case_number: str, *, inline: bool = False) -> Any:
    """A case material as a download named after the case and the material (申办流水号-材料名.pdf, RFC 5987
    filename* for the Chinese), or shown in the browser (`inline`) when it is a PDF or an image. The file was
    checked by content when it was uploaded; nosniff keeps the browser to the declared type."""
    from django.http import FileResponse, Http404
    from django.utils.http import content_disposition_header

    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    ctype = material.content_type or "application/octet-stream"
    ext = EXTENSIONS.get(ctype, "bin")
    name = f"{case_number}-{material.material_name}"
    name = "".join(ch for ch in name if ch not in '\\/:*?"<>|\r\n\t').strip()[:150] or case_number
    response = FileResponse(handle, content_type=ctype)
    show = inline and ctype in PREVIEWABLE
    response["Content-Disposition"] = content_disposition_header(not show, f"{name}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if show:
        # Only the file itself: no script, no plugin, framed by our own pages at most.
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def max_bytes() -> int:
    return core_uploads.USES[USE].max_bytes()


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are (PDF, JPEG, PNG or OFD), or None."""
    kind = core_uploads.sniff(content, core_uploads.USES[USE].kinds)
    return kind.content_type if kind else None


def check(upload: Any, field: str) -> tuple[Checked | None, Problem | None]:
    """Reads and checks one uploaded file (core.uploads, "material"); returns it, or the problem naming the file."""
    return core_uploads.check(upload, field, USE)


def store(checked: Checked) -> str:
    """Saves the file through Django storage; returns its storage name."""
    now = timezone.now()
    path = f"cases/{now:%Y/%m}/{checked.sha256[:24]}.{checked.extension}"
    return private_storage().save(path, ContentFile(checked.content))


def discard(names: list[str]) -> None:
    """Deletes stored files that did not become part of a case (a refused or repeated submission)."""
    for name in names:
        if name:
            with contextlib.suppress(OSError):
                private_storage().delete(name)


def material_row(
    *,
    name: str,
    catalog_material_id: int | None,
    source: str,
    file: str = "",
    content_type: str = "",
    size: int = 0,
    sha256: str = "",
    reference: str = "",
) -> dict[str, Any]:
    """The dict cases.services.submit / supplement take for one material."""
    return {
        "material_name": name[:200],
        "catalog_material_id": catalog_material_id,
        "source": source,
        "file": file,
        "content_type": content_type,
        "size": size,
        "sha256": sha256,
        "reference": reference[:200],
    }


# ---------------------------------------------------------------------------------------------------------------
# E-licenses instead of paper (the licenses app registers a finder)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenseRef:
    """A current e-license the applicant holds that stands in for a material."""

    identifier: str
    name: str


LicenseFinder = Callable[[Any, str], LicenseRef | None]
LICENSE_FINDERS: Hook[LicenseFinder] = Hook(
    "cases.license_finders",
    doc="`finder(subject, license_type_code)` → the subject's current e-license of that type, or None.",
)


def _finder_key(finder: LicenseFinder) -> str:
    return f"{getattr(finder, '__module__', '')}.{getattr(finder, '__qualname__', repr(finder))}"


def register_license_finder(finder: LicenseFinder, *, order: int = 100) -> None:
    """`finder(subject, license_type_code)` → the subject's current license of that type, or None."""
    LICENSE_FINDERS.add(_finder_key(finder), finder, order=order)


def unregister_license_finder(finder: LicenseFinder) -> None:
    LICENSE_FINDERS.remove(_finder_key(finder))


def license_for(subject: Any, license_type_code: str) -> LicenseRef | None:
    """The first current e-license of this type any finder knows for the subject; None when none (or no finder)."""
    if not license_type_code:
        return None
    for finder in LICENSE_FINDERS:
        found = finder(subject, license_type_code)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------------------------
# Shared data instead of paper (the exchange app contributes the source)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedDataRef:
    """Whether shared data can stand in for a material now, for this applicant and handling organisation: the
    form offers it (with a consent box) when `available`, else explains `reason` and asks for an upload."""

    code: str
    name: str
    available: bool = True
    reason: str = ""


@dataclass
class SharedDataFetch:
    """What a fetch at submission brought: `row` (the material row for `services.submit`, the fetched copy stored
    and its call named in `reference`), or None and the `reason` it failed. `token` is the source's own."""

    row: dict[str, Any] | None
    reason: str = ""
    token: Any = None
    source: Any = None  # set by fetch_shared: the source that answered (settle goes back to it)


class SharedDataSource:
    """A source of shared data for materials and forms (the exchange app contributes one to `SHARED_DATA`).

    - `find(subject, code, organisation)`: may the handling organisation use resource `code` for this subject?
    - `fetch(subject, code, organisation=, purpose=, material_name=, material_id=)`: fetches it at submission;
    - `settle(fetches, case_number)`: the application's fate ("" when no case was made): logs the calls with the
      case they served, and records the uses in the applicant's My Space;
    - `prefill(subject, wanted, organisation=, purpose=)`: form values from shared data ({form field: value}),
      `wanted` being {form field: "data:<resource code>.<field>"}.
    """

    def find(self, subject: Any, code: str, organisation: Any) -> SharedDataRef | None:
        return None

    def fetch(self, subject: Any, code: str, **context: Any) -> SharedDataFetch | None:
        return None

    def settle(self, fetches: list[SharedDataFetch], case_number: str) -> None:
        return None

    def prefill(self, subject: Any, wanted: dict[str, str], **context: Any) -> dict[str, Any]:
        return {}


SHARED_DATA: Hook[SharedDataSource] = Hook(
    "cases.shared_data",
    entry_type=SharedDataSource,
    doc="Shared data standing in for materials (found, fetched at submission, settled) and prefilling forms.",
)


def shared_data_for(subject: Any, code: str, organisation: Any) -> SharedDataRef | None:
    """What the first source knowing resource `code` says (None: no source, the material is listed by code only)."""
    for source in SHARED_DATA:
        found = source.find(subject, code, organisation)
        if found is not None:
            return found
    return None


def fetch_shared(subject: Any, code: str, **context: Any) -> SharedDataFetch:
    for source in SHARED_DATA:
        fetched = source.fetch(subject, code, **context)
        if fetched is not None:
            fetched.source = source
            return fetched
    return SharedDataFetch(row=None, reason="no source")


def settle_shared(fetches: list[SharedDataFetch], case_number: str) -> None:
    """Tells each source what became of the application its data was fetched for ("" when nothing was made)."""
    by_source: dict[int, tuple[SharedDataSource, list[SharedDataFetch]]] = {}
    for f in fetches:
        if f.source is not None:
            by_source.setdefault(id(f.source), (f.source, []))[1].append(f)
    for source, items in by_source.values():
        source.settle(items, case_number)


def prefill_shared(subject: Any, wanted: dict[str, str], **context: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source in SHARED_DATA:
        out.update({k: v for k, v in source.prefill(subject, wanted, **context).items() if k not in out})
    return out
