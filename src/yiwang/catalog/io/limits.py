"""How big a catalog file may be: the caps every import checks before (and while) it reads a file.

A crafted upload must not take a worker's memory or minutes: an xlsx file is a zip archive whose parts may unpack
to thousands of times their size, and one row or one cell may be made as large as the archive allows. The caps are
settings (docs/configuration.md), checked in this order:

1. the uploaded file's size (`CATALOG_IMPORT_MAX_BYTES`);
2. xlsx, from the archive's directory before anything is unpacked: the number of parts, their unpacked sizes
   added up (`CATALOG_IMPORT_MAX_UNPACKED_BYTES`) and each large part's compression ratio
   (`CATALOG_IMPORT_MAX_RATIO`); zipfile refuses a part that unpacks to more than its directory entry says;
3. while reading, row by row: rows per sheet (`CATALOG_IMPORT_MAX_ROWS`), items per file (the 事项 sheet's rows or
   a JSON file's items: `CATALOG_IMPORT_MAX_ITEMS`, the rows that cost the most memory to check), cells per row
   (`CATALOG_IMPORT_MAX_COLUMNS`) and characters per cell or JSON text (`CATALOG_IMPORT_MAX_CELL_CHARS`).

A file over a cap is refused with one file-level problem naming the cap, in Chinese and English.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem

MiB = 1024 * 1024
# Parts of an xlsx archive: a workbook of five sheets has about fifteen; other writers add a few more.
MAX_ARCHIVE_MEMBERS = 1000
# Parts smaller than this are not judged by their compression ratio (a tiny part compresses as it likes).
RATIO_FLOOR = MiB
# A catalog item nests: item object > list of parts > part object > value; deeper JSON is not a catalog file.
MAX_JSON_DEPTH = 6


@dataclass(frozen=True)
class Limits:
    """The caps in force (read from settings each time, so tests and operators can change them)."""

    max_bytes: int
    max_unpacked_bytes: int
    max_ratio: int
    max_rows: int
    max_items: int
    max_columns: int
    max_cell_chars: int

    def item_rows(self) -> int:
        """Rows the 事项 sheet may have: its two header rows and the items."""
        return min(self.max_rows, self.max_items + 2)

    def items(self) -> int:
        """Items a JSON file may have."""
        return min(self.max_rows, self.max_items)

    def for_sheet(self, sheet: str) -> Limits:
        """The caps for one sheet (the 事项 sheet has the item cap on its rows)."""
        from .formats import ITEMS

        if sheet.strip() == ITEMS or sheet.strip().lower() == "items":
            return dataclasses.replace(self, max_rows=self.item_rows())
        return self

    @classmethod
    def current(cls) -> Limits:
        return cls(
            max_bytes=int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 100 * MiB)),
            max_unpacked_bytes=int(getattr(settings, "CATALOG_IMPORT_MAX_UNPACKED_BYTES", 400 * MiB)),
            max_ratio=int(getattr(settings, "CATALOG_IMPORT_MAX_RATIO", 100)),
            max_rows=int(getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 300_000)),
            max_items=int(getattr(settings, "CATALOG_IMPORT_MAX_ITEMS", 60_000)),
            max_columns=int(getattr(settings, "CATALOG_IMPORT_MAX_COLUMNS", 100)),
            max_cell_chars=int(getattr(settings, "CATALOG_IMPORT_MAX_CELL_CHARS", 32_767)),
        )


def mib(n: int) -> str:
    """A size for people: '100 MiB' (or bytes below one MiB)."""
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} B"


class TooLarge(Exception):
    """A cap was passed; `problem` is what the importer reports (field `file`, code `too_large`)."""

    def __init__(self, message: Any, params: dict[str, Any] | None = None, **where: Any):
        super().__init__(str(message))
        self.problem = Problem(
            "file",
            message,
            code="too_large",
            sheet=where.get("sheet"),
            row=where.get("row"),
            column=where.get("column"),
            params=params,
        )


def file_too_large(size: int, limits: Limits) -> TooLarge:
    return TooLarge(
        _("The file is %(size)s; a catalog file may be at most %(limit)s."),
        {"size": mib(size), "limit": mib(limits.max_bytes)},
    )


def too_many_members(count: int) -> TooLarge:
    return TooLarge(
        _("The workbook has %(count)s parts; a catalog workbook has at most %(limit)s."),
        {"count": count, "limit": MAX_ARCHIVE_MEMBERS},
    )


def unpacks_too_large(size: int, limits: Limits) -> TooLarge:
    return TooLarge(
        _("The workbook unpacks to %(size)s; a catalog workbook may unpack to at most %(limit)s."),
        {"size": mib(size), "limit": mib(limits.max_unpacked_bytes)},
    )


def compressed_too_much(name: str, ratio: float, limits: Limits) -> TooLarge:
    return TooLarge(
        _(
            "Part %(part)s of the workbook unpacks to %(ratio)s times its size; a catalog workbook at most "
            "%(limit)s times (the file looks like a zip bomb)."
        ),
        {"part": name[:100], "ratio": int(ratio), "limit": limits.max_ratio},
    )


def too_many_rows(sheet: str, limits: Limits) -> TooLarge:
    return TooLarge(
        _("Sheet “%(sheet)s” has more than %(limit)s rows."),
        {"sheet": sheet, "limit": limits.max_rows},
        sheet=sheet,
        row=limits.max_rows + 1,
    )


def too_many_columns(sheet: str, row: int, limits: Limits) -> TooLarge:
    return TooLarge(
        _("Row %(row)s of sheet “%(sheet)s” has more than %(limit)s columns."),
        {"sheet": sheet, "row": row, "limit": limits.max_columns},
        sheet=sheet,
        row=row,
    )


def cell_too_long(sheet: str, row: int, limits: Limits) -> TooLarge:
    return TooLarge(
        _("A cell of row %(row)s of sheet “%(sheet)s” has more than %(limit)s characters."),
        {"sheet": sheet, "row": row, "limit": limits.max_cell_chars},
        sheet=sheet,
        row=row,
    )


def too_many_items(limits: Limits) -> TooLarge:
    return TooLarge(_("The JSON file has more than %(limit)s items."), {"limit": limits.items()}, sheet="items")


def text_too_long(position: int, limits: Limits) -> TooLarge:
    return TooLarge(
        _("A text of item %(row)s has more than %(limit)s characters."),
        {"row": position, "limit": limits.max_cell_chars},
        sheet="items",
        row=position,
    )


def nested_too_deep(position: int) -> TooLarge:
    return TooLarge(
        _("Item %(row)s nests deeper than a catalog file does."), {"row": position}, sheet="items", row=position
    )
