"""Reading uploaded xlsx workbooks as rows of plain values, through openpyxl's read-only (streaming) reader.

openpyxl's read-only mode parses one row at a time, so a city's catalog (over a million cells) is read without
holding the workbook in memory. Two guards keep a crafted file from taking the worker (catalog.io.limits):

- before openpyxl sees the archive, its directory is checked: the number of parts, their unpacked sizes added up
  and each large part's compression ratio (zipfile itself refuses a part that unpacks to more than the directory
  says, by its CRC);
- the sheets are parsed by openpyxl's own cell parser inside a row loop that counts as the XML arrives: a row
  number past the row cap, a row with more cells than the column cap, or a cell longer than the character cap
  stops the read at once, before such a row is built in memory. Finished rows are dropped from the XML tree.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from . import limits as L

_ROW = f"{{{SHEET_MAIN_NS}}}row"
_CELL = f"{{{SHEET_MAIN_NS}}}c"
_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"
_TEXTS = {f"{{{SHEET_MAIN_NS}}}v", f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}f"}


def archive_members(fileobj: IO[bytes]) -> int | None:
    """The number of parts the archive's end record announces (None when there is no end record).

    Read before zipfile builds its directory, which costs memory for every part a crafted file claims.
    """
    fileobj.seek(0, 2)
    size = fileobj.tell()
    tail = min(size, 65535 + 22)
    fileobj.seek(size - tail)
    data = fileobj.read(tail)
    fileobj.seek(0)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


def check_archive(fileobj: IO[bytes], limits: L.Limits) -> int:
    """Refuses (TooLarge) an archive over the caps, from its directory alone; returns the unpacked size."""
    members = archive_members(fileobj)
    if members is not None and (members > L.MAX_ARCHIVE_MEMBERS or members == 0xFFFF):
        raise L.too_many_members(members)
    with zipfile.ZipFile(fileobj) as archive:
        infos = archive.infolist()
    fileobj.seek(0)
    if len(infos) > L.MAX_ARCHIVE_MEMBERS:
        raise L.too_many_members(len(infos))
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise L.unpacks_too_large(total, limits)
    for info in infos:
        if info.file_size >= L.RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise L.compressed_too_much(info.filename, ratio, limits)
    return total


class _GuardedParser(WorkSheetParser):
    """openpyxl's worksheet parser with a row loop that enforces the caps while the XML streams in."""

    def __init__(self, src, shared_strings, *, sheet: str, limits: L.Limits, **kwargs):
        super().__init__(src, shared_strings, **kwargs)
        self.sheet = sheet
        self.limits = limits

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        limits = self.limits
        in_row = False
        cells = 0
        data = None
        for event, element in iterparse(self.source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == _CELL:
                    cells += 1
                    if cells > limits.max_columns:
                        raise L.too_many_columns(self.sheet, self.row_counter + 1, limits)
                elif tag == _ROW:
                    in_row, cells = True, 0
                    number = element.get("r")
                    if number and number.isdigit() and int(number) > limits.max_rows:
                        raise L.too_many_rows(self.sheet, limits)
                elif tag == _DATA:
                    data = element
                continue
            if tag == _ROW:
                in_row = False
                row = self.parse_row(element)
                if row[0] > limits.max_rows:
                    raise L.too_many_rows(self.sheet, limits)
                (data if data is not None else element).clear()
                yield row
            elif in_row:
                if tag in _TEXTS and element.text is not None and len(element.text) > limits.max_cell_chars:
                    raise L.cell_too_long(self.sheet, self.row_counter + 1, limits)
            elif tag != _DATA:
                element.clear()  # columns, formatting and the rest: of no use to the importer


class Workbook:
    """An open xlsx file: its sheet names and a row iterator per sheet."""

    def __init__(self, fileobj: IO[bytes], limits: L.Limits | None = None):
        self.limits = limits or L.Limits.current()
        check_archive(fileobj, self.limits)
        try:
            self.book = load_workbook(fileobj, read_only=True, data_only=True, keep_links=False)
        except InvalidFileException as exc:
            raise ValueError(str(exc)) from exc

    @property
    def sheetnames(self) -> list[str]:
        return list(self.book.sheetnames)

    def close(self) -> None:
        self.book.close()

    def rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        """Every row of the sheet from row 1 as a tuple of values without trailing empty cells.

        Empty rows inside the data come as (); empty rows after the last filled one are not yielded. Raises
        limits.TooLarge past a cap.
        """
        sheet = self.book[name]
        book = sheet.parent
        limits = self.limits.for_sheet(name)
        pending_empty = 0
        expected = 1
        with sheet._get_source() as src:
            parser = _GuardedParser(
                src,
                sheet._shared_strings,
                sheet=name,
                limits=limits,
                data_only=book.data_only,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                if number < expected:
                    continue  # a row number repeated or going back: openpyxl skips it too
                pending_empty += number - expected
                expected = number + 1
                values = _values(cells)
                if len(values) > limits.max_columns:
                    raise L.too_many_columns(name, number, limits)
                for value in values:
                    if isinstance(value, str) and len(value) > limits.max_cell_chars:
                        raise L.cell_too_long(name, number, limits)
                if not values:
                    pending_empty += 1
                    continue
                for _ in range(pending_empty):
                    yield ()
                pending_empty = 0
                yield values


def _values(cells: list[dict[str, Any]]) -> tuple[Any, ...]:
    """The values of one parsed row by column (1-based), without trailing empty cells."""
    width = 0
    for cell in cells:
        value = cell["value"]
        if value is not None and value != "":
            width = max(width, cell["column"])
    if not width:
        return ()
    out: list[Any] = [None] * width
    for cell in cells:
        column = cell["column"]
        if column <= width:
            out[column - 1] = cell["value"]
    return tuple(out)
