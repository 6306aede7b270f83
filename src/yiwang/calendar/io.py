"""Reading a year's arrangement from a file an administrator uploads: CSV, xlsx or JSON.

Columns (CSV and xlsx, first row the header): date / 日期, kind / 类型, name / 名称. Kinds: holiday (休, 放假)
or workday (班, 上班, 补班). JSON: a list of {"date", "kind", "name"} objects, or {"year", "notice",
"notice_url", "days": [...]}. CSV may be UTF-8 (with or without BOM) or GB 18030, which Excel writes in China.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

from .models import DayKind
from .services import DayRow, YearResult, replace_year

MAX_BYTES = 1024 * 1024  # a year is at most 366 rows; a megabyte is generous
MAX_ROWS = 400
MAX_UNPACKED = 20 * 1024 * 1024

HEADERS = {
    "date": {"date", "日期", "day"},
    "kind": {"kind", "类型", "type", "种类", "休/班"},
    "name": {"name", "名称", "节日", "节假日", "假日名称", "说明"},
}
KINDS = {
    DayKind.HOLIDAY: {"holiday", "休", "放假", "假", "休息", "节假日", "off", "h"},
    DayKind.WORKDAY: {"workday", "班", "上班", "补班", "调休上班", "work", "w"},
}
DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


@dataclass
class ParsedFile:
    """The rows of a file, the problems found reading it, and any year/notice the file itself states."""

    format: str
    rows: list[DayRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    year: int | None = None
    notice: str = ""
    notice_url: str = ""


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def parse_kind(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    for kind, words in KINDS.items():
        if text in words:
            return kind
    return None


def _row(values: dict[str, Any], number: int, letters: dict[str, str] | None = None) -> DayRow:
    return DayRow(
        date=parse_date(values.get("date")),
        kind=parse_kind(values.get("kind")),
        name=str(values.get("name") or "").strip(),
        row=number,
        letters=letters or {},
    )


def _table(rows: list[list[Any]], fmt: str, letters: bool = False) -> ParsedFile:
    """Header row first: finds the columns by name, then reads every non-empty row."""
    parsed = ParsedFile(fmt)
    if not rows:
        parsed.problems.append(Problem("file", _("The file is empty."), code="empty"))
        return parsed
    header = [str(c or "").strip().lower() for c in rows[0]]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                columns[key] = i
                break
    for key in ("date", "kind"):
        if key not in columns:
            parsed.problems.append(
                Problem(
                    key,
                    _("The first row must name the columns: date (日期), kind (类型) and name (名称)."),
                    code="missing_column",
                    row=1,
                    column=key,
                )
            )
    if parsed.problems:
        return parsed
    from openpyxl.utils import get_column_letter

    for number, cells in enumerate(rows[1:], start=2):
        if not any(str(c or "").strip() for c in cells):
            continue
        values = {k: (cells[i] if i < len(cells) else None) for k, i in columns.items()}
        names = {k: get_column_letter(i + 1) for k, i in columns.items()} if letters else None
        parsed.rows.append(_row(values, number, names))
    return parsed


def _csv(data: bytes) -> ParsedFile:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ProblemsError([Problem("file", _("The file is neither UTF-8 nor GB 18030 text."), code="encoding")])
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _table(list(csv.reader(io.StringIO(text), dialect)), "csv")


def _xlsx(data: bytes) -> ParsedFile:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise ValueError("too large unpacked")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise ProblemsError(
            [Problem("file", _("The file is not a readable Excel workbook (.xlsx)."), code="bad_file")]
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for _i, r in zip(range(MAX_ROWS + 2), sheet.iter_rows(values_only=True), strict=False)]
    finally:
        book.close()
    return _table(rows, "xlsx", letters=True)


def _json(data: bytes) -> ParsedFile:
    parsed = ParsedFile("json")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProblemsError([Problem("file", _("The file is not valid JSON."), code="bad_file")]) from exc
    if isinstance(doc, dict):
        days = doc.get("days")
        year = doc.get("year")
        parsed.year = year if isinstance(year, int) and not isinstance(year, bool) else None
        parsed.notice = str(doc.get("notice") or "")
        parsed.notice_url = str(doc.get("notice_url") or "")
    else:
        days = doc
    if not isinstance(days, list):
        raise ProblemsError(
            [Problem("file", _('Give a list of days: [{"date", "kind", "name"}, ...].'), code="bad_shape")]
        )
    for number, entry in enumerate(days, start=1):
        if not isinstance(entry, dict):
            parsed.problems.append(
                Problem("days", _("Each day must be an object with date, kind and name."), code="bad_shape", row=number)
            )
            continue
        parsed.rows.append(_row(entry, number))
    return parsed


def read_file(fileobj: IO[bytes], filename: str = "") -> ParsedFile:
    """Reads an uploaded file (format by content, then by name), refusing unreadable files with one problem."""
    data = fileobj.read(MAX_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ProblemsError(
            [Problem("file", _("The file is larger than %(n)s MB."), code="too_large", params={"n": MAX_BYTES >> 20})]
        )
    name = (filename or getattr(fileobj, "name", "") or "").lower()
    if data.startswith(b"PK") or name.endswith(".xlsx"):
        parsed = _xlsx(data)
    elif name.endswith(".json") or data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"[", b"{"):
        parsed = _json(data)
    else:
        parsed = _csv(data)
    if len(parsed.rows) > MAX_ROWS:
        parsed.problems.append(
            Problem(
                "file",
                _("A year has at most 366 days; the file has %(n)s rows."),
                code="too_many",
                params={"n": len(parsed.rows)},
            )
        )
    return parsed


def import_file(
    fileobj: IO[bytes],
    *,
    year: int | None,
    filename: str = "",
    user: Any = None,
    notice: str = "",
    notice_url: str = "",
    source: str = "",
    dry_run: bool = False,
) -> YearResult:
    """Reads and imports one year from a file, all or nothing; every problem (row, column) is reported at once."""
    parsed = read_file(fileobj, filename)
    year = year if year is not None else parsed.year
    if year is None:
        raise ProblemsError([Problem("year", _("Say which year the file is for."), code="required")])
    if parsed.year is not None and parsed.year != year:
        parsed.problems.append(
            Problem(
                "year",
                _("The file is for %(file)s but %(year)s was chosen."),
                code="year_mismatch",
                params={"file": parsed.year, "year": year},
            )
        )
    if parsed.problems:
        # Also report the rows' own problems, so one upload lists everything.
        from .services import day_problems, year_problems

        raise ProblemsError(
            parsed.problems + (year_problems(year) or day_problems(year, parsed.rows, require_rows=False))
        )
    who = getattr(user, "get_username", lambda: "")() if user is not None else ""
    label = source or (f"import by {who}" if who else "import")
    if filename:
        label = f"{label} ({filename})"
    return replace_year(
        year,
        parsed.rows,
        source=label,
        notice=notice or parsed.notice,
        notice_url=notice_url or parsed.notice_url,
        user=user,
        dry_run=dry_run,
    )
