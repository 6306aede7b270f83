"""Reading uploaded xlsx workbooks as rows of plain values, through openpyxl's streaming reader.

openpyxl's read-only mode parses one row at a time, so a city's catalog (over a million cells) is read
without holding the workbook in memory. Before openpyxl sees the file, its unpacked size is capped: an
uploaded zip that claims to unpack to gigabytes is refused rather than expanded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_UNPACKED = 2 << 30  # bytes; a city's catalog unpacks to a few hundred MiB


class Workbook:
    """An open xlsx file: its sheet names and a row iterator per sheet."""

    def __init__(self, fileobj: IO[bytes]):
        with zipfile.ZipFile(fileobj) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise ValueError("the workbook unpacks to more than 2 GiB")
        fileobj.seek(0)
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

        Empty rows inside the data come as (); empty rows after the last filled one are not yielded.
        """
        sheet = self.book[name]
        sheet.reset_dimensions()  # trust the cells, not the <dimension> a writer may have got wrong
        pending_empty = 0
        for row in sheet.iter_rows(values_only=True):
            end = len(row)
            while end and (row[end - 1] is None or row[end - 1] == ""):
                end -= 1
            if not end:
                pending_empty += 1
                continue
            for _ in range(pending_empty):
                yield ()
            pending_empty = 0
            yield tuple(row[:end])
