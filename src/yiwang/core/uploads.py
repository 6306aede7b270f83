"""One upload check for the whole platform: what a file is, that its name agrees, how large it may be, and which
kinds each use accepts.

- The kind comes from the file's bytes, never from its name: PDF, JPEG and PNG by their signatures; OFD
  (GB/T 33190, the Chinese fixed-layout format) as a ZIP package whose root `OFD.xml` is an `ofd:OFD` document
  naming a document root that the package holds; xlsx as a ZIP package with a workbook; CSV as text (UTF-8 or
  GB18030, no NUL bytes).
- A name with an extension must agree with the content: a PNG named `.pdf`, or an .exe renamed `.pdf`, is refused
  with a message naming the file. A name without an extension is accepted for what its content is.
- Empty files and files over the use's limit are refused before anything is stored; the size is counted while
  reading, so a lying Content-Length cannot get a large file through.

Uses (`USES`): "material" (an application's materials, corrections and opinion attachments; CASE_UPLOAD_MAX_BYTES,
20 MB), "stored_material" (My Space; SPACE_UPLOAD_MAX_BYTES, 10 MB) and "license_import" (CSV or xlsx;
LICENSE_IMPORT_MAX_BYTES, 200 MB). Every page and endpoint that takes a file calls `check` (or `check_or_raise`).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
ZIP_MAGIC = b"PK\x03\x04"
# An OFD.xml or a workbook's part list is a few kilobytes; anything far larger is not one (and is not parsed).
MAX_MANIFEST_BYTES = 1024 * 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    """A kind of file: its content type, the extensions its name may have, and its name for people."""

    key: str
    content_type: str
    extensions: tuple[str, ...]
    label: str

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = Kind("pdf", "application/pdf", ("pdf",), "PDF")
JPEG = Kind("jpeg", "image/jpeg", ("jpg", "jpeg"), "JPEG")
PNG = Kind("png", "image/png", ("png",), "PNG")
OFD = Kind("ofd", "application/ofd", ("ofd",), "OFD")
XLSX = Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), "xlsx")
CSV = Kind("csv", "text/csv", ("csv", "txt"), "CSV")
KINDS: dict[str, Kind] = {k.key: k for k in (PDF, JPEG, PNG, OFD, XLSX, CSV)}
BY_CONTENT_TYPE: dict[str, Kind] = {k.content_type: k for k in KINDS.values()}
SIGNATURES: tuple[tuple[bytes, Kind], ...] = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))


@dataclass(frozen=True)
class Use:
    """What one kind of upload accepts: the kinds, and the size limit (a setting, with its default)."""

    kinds: tuple[str, ...]
    max_setting: str
    default_max: int
    not_allowed: Any  # the message when the content is none of the kinds

    def max_bytes(self) -> int:
        return int(getattr(settings, self.max_setting, self.default_max))


DOCUMENTS = ("pdf", "jpeg", "png", "ofd")
USES: dict[str, Use] = {
    "material": Use(
        DOCUMENTS,
        "CASE_UPLOAD_MAX_BYTES",
        20 * MB,
        _("%(file)s is not a PDF, JPEG, PNG or OFD file (its content was checked, not its name)."),
    ),
    "stored_material": Use(
        DOCUMENTS,
        "SPACE_UPLOAD_MAX_BYTES",
        10 * MB,
        _("%(file)s is not a PDF, JPEG, PNG or OFD file (its content was checked, not its name)."),
    ),
    "license_import": Use(
        ("csv", "xlsx"),
        "LICENSE_IMPORT_MAX_BYTES",
        200 * MB,
        _("%(file)s is not a CSV or xlsx file (its content was checked, not its name)."),
    ),
}


# --- what the bytes are -------------------------------------------------------------------------------------------


def _zip(content: bytes) -> zipfile.ZipFile | None:
    if not content.startswith(ZIP_MAGIC):
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _read_small(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """An entry's bytes when it is small (its declared size, and what it really unpacks to, are both capped)."""
    if info.file_size > MAX_MANIFEST_BYTES:
        return None
    try:
        with z.open(info) as fh:
            data = fh.read(MAX_MANIFEST_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError):
        return None
    return data if len(data) <= MAX_MANIFEST_BYTES else None


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        ns, _sep, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def is_ofd(content: bytes) -> bool:
    """An OFD package (GB/T 33190): a ZIP whose root entry OFD.xml is an ofd:OFD element with a DocBody whose
    DocRoot names an entry of the package."""
    z = _zip(content)
    if z is None:
        return False
    with z:
        entries = {info.filename.lstrip("/"): info for info in z.infolist()}
        manifest = entries.get("OFD.xml")
        if manifest is None:
            return False
        data = _read_small(z, manifest)
        if data is None or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            return False
        try:
            root = ElementTree.fromstring(data)  # noqa: S314 - small, no DTD or entities (refused above)
        except ElementTree.ParseError:
            return False
        ns, local = _local(root.tag)
        if local != "OFD" or ns != OFD_NAMESPACE:
            return False
        for body in root:
            if _local(body.tag)[1] != "DocBody":
                continue
            for child in body:
                if _local(child.tag)[1] == "DocRoot" and child.text:
                    path = posixpath.normpath(child.text.strip().lstrip("/"))
                    if path in entries:
                        return True
        return False


def is_xlsx(content: bytes) -> bool:
    """An Office Open XML workbook: a ZIP package with its part list and a workbook part."""
    z = _zip(content)
    if z is None:
        return False
    with z:
        names = {n.lstrip("/") for n in z.namelist()}
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def is_text(content: bytes) -> bool:
    """Text a CSV reader can read: no NUL byte, and the start decodes as UTF-8 or GB18030."""
    head = content[: 64 * 1024]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(content) <= len(head))
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff(content: bytes, kinds: tuple[str, ...] | None = None) -> Kind | None:
    """The kind the bytes really are, among `kinds` (all kinds when None), or None."""
    wanted = set(kinds or KINDS)
    for magic, kind in SIGNATURES:
        if content.startswith(magic):
            return kind if kind.key in wanted else None
    if content.startswith(ZIP_MAGIC):
        if "ofd" in wanted and is_ofd(content):
            return OFD
        if "xlsx" in wanted and is_xlsx(content):
            return XLSX
        return None
    if "csv" in wanted and is_text(content):
        return CSV
    return None


# --- checking an upload -------------------------------------------------------------------------------------------


@dataclass
class Checked:
    """A file that passed every check, not yet stored."""

    content: bytes
    kind: Kind
    original_name: str

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def extension(self) -> str:
        return self.kind.extension


_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,6}$")


def extension_of(name: str) -> str:
    """The extension a file name claims ("" when it has none that looks like one)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    ext = base.rsplit(".", 1)[-1]
    return ext.lower() if _EXTENSION.match(ext) else ""


def check(upload: Any, field: str, use: str = "material") -> tuple[Checked | None, Problem | None]:
    """Reads and checks one uploaded file for `use`; returns it, or the problem naming the file, on `field`."""
    rules = USES[use]
    name = str(getattr(upload, "name", "") or "")[:200]
    limit = rules.max_bytes()
    too_large = Problem(
        field, _("%(file)s is larger than %(mb)s MB."), "too_large", params={"file": name, "mb": max(1, limit // MB)}
    )
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        return None, too_large
    chunks, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            return None, too_large
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        return None, Problem(field, _("%(file)s is empty."), "empty", params={"file": name})
    kind = sniff(content, rules.kinds)
    if kind is None:
        return None, Problem(field, rules.not_allowed, "type", params={"file": name})
    ext = extension_of(name)
    if ext and ext not in kind.extensions:
        claimed = next((k.label for k in KINDS.values() if ext in k.extensions), ext.upper())
        return None, Problem(
            field,
            _("%(file)s is named as a %(claimed)s file but its content is %(real)s; save it in the right format."),
            "type_mismatch",
            params={"file": name, "claimed": claimed, "real": kind.label},
        )
    return Checked(content, kind, name), None


def check_or_raise(upload: Any, field: str, use: str = "material") -> Checked:
    """`check`, raising ProblemsError; a missing file is a "required" problem on `field`."""
    if upload is None:
        raise ProblemsError([Problem(field, _("Choose a file to upload."), "required")])
    checked, problem = check(upload, field, use)
    if problem is not None:
        raise ProblemsError([problem])
    assert checked is not None
    return checked
