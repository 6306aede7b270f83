"""A small streaming reader of xlsx worksheets: rows of plain values, straight from the XML.

openpyxl (without lxml) builds Python objects for every cell and every rich-text run, which takes
minutes for a city's catalog; this reads the same workbook with the C XML parser in seconds. It
understands what spreadsheet programs write for data sheets: shared strings, inline strings,
numbers, booleans and formula results. Styles are ignored, so a date typed in a cell reads as its
serial number.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO, Any

# The XML comes from uploaded files: Python's expat (>= 2.4) refuses entity-expansion attacks and never
# fetches external entities, and the unpacked size is capped below.
from xml.etree.ElementTree import iterparse

MAX_UNPACKED = 2 << 30  # bytes; a city's catalog unpacks to a few hundred MiB
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column(ref: str) -> int:
    """0-based column of a cell reference such as 'AB12'."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


class Workbook:
    """An open xlsx file: its sheet names and a row iterator per sheet."""

    def __init__(self, fileobj: IO[bytes]):
        self.zip = zipfile.ZipFile(fileobj)
        if sum(info.file_size for info in self.zip.infolist()) > MAX_UNPACKED:
            self.zip.close()
            raise ValueError("the workbook unpacks to more than 2 GiB")
        self.paths = self._sheet_paths()
        self._shared: list[str] | None = None

    @property
    def sheetnames(self) -> list[str]:
        return list(self.paths)

    def close(self) -> None:
        self.zip.close()

    def _sheet_paths(self) -> dict[str, str]:
        rels: dict[str, str] = {}
        with self.zip.open("xl/_rels/workbook.xml.rels") as fh:
            for _event, el in iterparse(fh):  # noqa: S314
                if _local(el.tag) == "Relationship":
                    target = el.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                    rels[el.get("Id", "")] = path
        out: dict[str, str] = {}
        with self.zip.open("xl/workbook.xml") as fh:
            for _event, el in iterparse(fh):  # noqa: S314
                if _local(el.tag) == "sheet":
                    rid = el.get(f"{{{_REL}}}id") or el.get(f"{{{_REL_STRICT}}}id") or ""
                    if rid in rels:
                        out[el.get("name", "")] = rels[rid]
        return out

    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if "xl/sharedStrings.xml" in self.zip.namelist():
                with self.zip.open("xl/sharedStrings.xml") as fh:
                    for _event, el in iterparse(fh):  # noqa: S314
                        if _local(el.tag) == "si":
                            # Plain text, or rich text runs (<r><t>); phonetic hints (<rPh>) are not text.
                            self._shared.append(
                                "".join(
                                    t.text or "" for t in el.iter() if _local(t.tag) == "t" and not _in_phonetic(el, t)
                                )
                            )
                            el.clear()
        return self._shared

    def rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        """Every row of the sheet from row 1, as a tuple of values (None for empty cells); gaps are empty rows."""
        shared = None
        expected = 1
        with self.zip.open(self.paths[name]) as fh:
            values: dict[int, Any] = {}
            for _event, el in iterparse(fh):  # noqa: S314
                tag = _local(el.tag)
                if tag == "c":
                    ref = el.get("r")
                    col = _column(ref) if ref else (max(values) + 1 if values else 0)
                    kind = el.get("t", "n")
                    value: Any = None
                    if kind == "inlineStr":
                        value = "".join(t.text or "" for t in el.iter() if _local(t.tag) == "t")
                    else:
                        v = next((c for c in el if _local(c.tag) == "v"), None)
                        text = v.text if v is not None else None
                        if text is not None:
                            if kind == "s":
                                if shared is None:
                                    shared = self.shared_strings()
                                value = shared[int(text)]
                            elif kind in ("str", "e", "d"):
                                value = text
                            elif kind == "b":
                                value = text.strip() == "1"
                            else:
                                number = float(text)
                                value = int(number) if number.is_integer() and "E" not in text.upper() else number
                    values[col] = value
                    el.clear()
                elif tag == "row":
                    ref = el.get("r")
                    number = int(ref) if ref else expected
                    while expected < number:
                        yield ()
                        expected += 1
                    width = max(values) + 1 if values else 0
                    yield tuple(values.get(i) for i in range(width))
                    expected = number + 1
                    values = {}
                    el.clear()


def _in_phonetic(si, t) -> bool:
    return any(_local(child.tag) == "rPh" and any(x is t for x in child.iter()) for child in si)
