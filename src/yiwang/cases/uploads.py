"""Files attached to an application: checked by what they are, not by what they are called, then stored.

- The type comes from the file's first bytes (PDF, JPEG, PNG) or, for OFD (GB/T 33190, the Chinese fixed-layout
  format), from being a ZIP archive holding an OFD.xml entry. An .exe renamed .pdf, or a PNG sent as "a PDF",
  is refused with a message naming the file.
- Empty files and files above settings.CASE_UPLOAD_MAX_BYTES (20 MB by default) are refused before anything is
  stored; the size is checked while reading, so a lying Content-Length cannot get a large file through.
- Accepted files go through Django's storage API (local disk or object storage) under cases/YYYY/MM/, named by
  their SHA-256, and come back as the dict `cases.services.submit` takes for a material.

The e-license hook: when a catalog material names a license type, `license_for(subject, code)` asks every
finder contributed to the `LICENSE_FINDERS` hook (the licenses app contributes one), in order, whether the
applicant holds a current license of that type; then the applicant need not upload anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem
from yiwang.core.plugins import Hook

SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
ZIP_MAGIC = b"PK\x03\x04"
OFD_TYPE = "application/ofd"
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", OFD_TYPE: "ofd"}
CLAIMED = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "ofd": OFD_TYPE}
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", OFD_TYPE: "OFD"}


def max_bytes() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def _is_ofd(content: bytes) -> bool:
    if not content.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return any(n.rsplit("/", 1)[-1].upper() == "OFD.XML" for n in z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are (PDF, JPEG, PNG or OFD), or None."""
    for magic, ctype, _ext in SIGNATURES:
        if content.startswith(magic):
            return ctype
    if _is_ofd(content):
        return OFD_TYPE
    return None


@dataclass
class Checked:
    """A file that passed every check, not yet stored."""

    content: bytes
    content_type: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def check(upload: Any, field: str) -> tuple[Checked | None, Problem | None]:
    """Reads and checks one uploaded file; returns it, or the problem naming the file, on `field`."""
    name = str(getattr(upload, "name", "") or "")[:200]
    limit = max_bytes()
    mb = limit // (1024 * 1024)
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        return None, Problem(
            field, _("%(file)s is larger than %(mb)s MB."), "too_large", params={"file": name, "mb": mb}
        )
    chunks, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            return None, Problem(
                field, _("%(file)s is larger than %(mb)s MB."), "too_large", params={"file": name, "mb": mb}
            )
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        return None, Problem(field, _("%(file)s is empty."), "empty", params={"file": name})
    ctype = sniff(content)
    if ctype is None:
        return None, Problem(
            field,
            _("%(file)s is not a PDF, JPEG, PNG or OFD file (its content was checked, not its name)."),
            "type",
            params={"file": name},
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = CLAIMED.get(ext)
    if claimed is not None and claimed != ctype:
        return None, Problem(
            field,
            _("%(file)s is named as a %(claimed)s file but its content is %(real)s; save it in the right format."),
            "type_mismatch",
            params={"file": name, "claimed": NAMES[claimed], "real": NAMES[ctype]},
        )
    return Checked(content, ctype, name), None


def store(checked: Checked) -> str:
    """Saves the file through Django storage; returns its storage name."""
    now = timezone.now()
    path = f"cases/{now:%Y/%m}/{checked.sha256[:24]}.{checked.extension}"
    return default_storage.save(path, ContentFile(checked.content))


def discard(names: list[str]) -> None:
    """Deletes stored files that did not become part of a case (a refused or repeated submission)."""
    for name in names:
        if name:
            with contextlib.suppress(OSError):
                default_storage.delete(name)


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
