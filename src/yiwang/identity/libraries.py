"""Loading the reference libraries (自然人库 / 法人库) from the files the public-security and market-regulation
bureaus deliver (CSV or xlsx, one header row).

All or nothing: every row is checked first and every bad row is reported with its row number and column, in
Chinese and English; only a clean file is written, in one transaction. Document numbers are turned into keyed
hashes as they are read and never stored in clear. A row whose number is already in the library updates that
record (a library is refreshed by re-importing the bureau's latest file).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem, ProblemsError

from . import crypto
from .documents import DocType, document_number_error
from .models import (
    EnterpriseKind,
    LegalPersonRecord,
    LegalPersonStatus,
    PopulationRecord,
    RecordStatus,
    doc_hash,
)

BATCH = 2000
MAX_UNPACKED = 2 << 30


@dataclass(frozen=True)
class Col:
    key: str
    header: str  # the Chinese header the bureaus' files use
    required: bool = False
    aliases: tuple[str, ...] = ()


# Words accepted in choice cells (the machine value, its Chinese label and common variants).
DOC_TYPE_WORDS = {
    **{v: v for v in DocType.values},
    "居民身份证": DocType.RESIDENT_ID,
    "身份证": DocType.RESIDENT_ID,
    "港澳台居民居住证": DocType.HMT_RESIDENCE,
    "港澳居民来往内地通行证": DocType.HK_MACAO_PERMIT,
    "台湾居民来往大陆通行证": DocType.TAIWAN_PERMIT,
    "外国人永久居留身份证": DocType.FOREIGN_PERMANENT,
    "护照": DocType.PASSPORT,
}
PERSON_STATUS_WORDS = {
    **{v: v for v in RecordStatus.values},
    "正常": RecordStatus.NORMAL,
    "注销": RecordStatus.CANCELLED,
    "死亡": RecordStatus.DECEASED,
}
LEGAL_STATUS_WORDS = {
    **{v: v for v in LegalPersonStatus.values},
    "存续": LegalPersonStatus.ACTIVE,
    "在业": LegalPersonStatus.ACTIVE,
    "开业": LegalPersonStatus.ACTIVE,
    "注销": LegalPersonStatus.DEREGISTERED,
    "吊销": LegalPersonStatus.REVOKED,
}
KIND_WORDS = {
    **{v: v for v in EnterpriseKind.values},
    "企业": EnterpriseKind.ENTERPRISE,
    "个体工商户": EnterpriseKind.INDIVIDUAL_BUSINESS,
    "事业单位": EnterpriseKind.INSTITUTION,
    "社会组织": EnterpriseKind.SOCIAL_ORG,
    "其他": EnterpriseKind.OTHER,
}

POPULATION_COLUMNS = [
    Col("doc_type", "证件类型"),
    Col("doc_number", "证件号码", required=True, aliases=("身份证号", "公民身份号码")),
    Col("name", "姓名", required=True),
    Col("status", "状态"),
]
LEGAL_PERSON_COLUMNS = [
    Col("credit_code", "统一社会信用代码", required=True),
    Col("name", "名称", required=True, aliases=("企业名称", "单位名称")),
    Col("kind", "主体类型"),
    Col("legal_rep_name", "法定代表人", required=True, aliases=("法定代表人姓名", "负责人")),
    Col("legal_rep_doc_type", "法定代表人证件类型"),
    Col("legal_rep_doc_number", "法定代表人证件号码"),
    Col("address", "住所", aliases=("注册地址",)),
    Col("status", "登记状态", aliases=("状态",)),
    Col("registered_on", "成立日期"),
]


@dataclass
class LoadResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------------------


def _rows_csv(raw: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("the file is neither UTF-8 nor GB 18030 text")
    yield from csv.reader(io.StringIO(text, newline=""))


def _rows_xlsx(fileobj: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(fileobj) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise ValueError("the workbook unpacks to more than 2 GiB")
        fileobj.seek(0)
        book = load_workbook(fileobj, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise ValueError(f"the workbook cannot be opened: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def read_rows(path: str | Path) -> Iterator[list[Any]]:
    """Rows of the first sheet of an xlsx file, or of a CSV file (UTF-8 or GB 18030)."""
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if head.startswith(b"PK\x03\x04"):
            yield from _rows_xlsx(fh)
        else:
            yield from _rows_csv(fh.read())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


class _Sheet:
    """Maps the header row to columns and reports problems at (row, column letter · header)."""

    def __init__(self, rows: Iterable[list[Any]], columns: list[Col], sheet: str):
        self.sheet = sheet
        self.columns = columns
        self.problems: list[Problem] = []
        self.iterator = iter(rows)
        header = next(self.iterator, None) or []
        names = [crypto.normalise(_text(h)).lower() for h in header]
        self.index: dict[str, int] = {}
        for col in columns:
            for word in (col.key, col.header, *col.aliases):
                w = crypto.normalise(word).lower()
                if w in names:
                    self.index[col.key] = names.index(w)
                    break
        for col in columns:
            if col.required and col.key not in self.index:
                self.problems.append(
                    Problem(
                        col.key,
                        _("Column “%(column)s” (%(key)s) is missing from the header row."),
                        "missing_column",
                        sheet=sheet,
                        row=1,
                        column=col.header,
                        params={"column": col.header, "key": col.key},
                    )
                )

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        for number, values in enumerate(self.iterator, start=2):
            cells = {key: _text(values[i]) if i < len(values) else "" for key, i in self.index.items()}
            if not any(cells.values()):
                continue
            yield number, cells

    def bad(self, row: int, key: str, message: Any, code: str = "invalid", params: dict | None = None) -> None:
        col = next(c for c in self.columns if c.key == key)
        where = f"{_letter(self.index[key])} · {col.header}" if key in self.index else col.header
        self.problems.append(Problem(key, message, code, sheet=self.sheet, row=row, column=where, params=params))


def _choice(sheet: _Sheet, row: int, cells: dict[str, str], key: str, words: dict[str, str], default: str) -> str:
    raw = cells.get(key, "")
    if not raw:
        return default
    value = words.get(raw) or words.get(raw.lower())
    if value is None:
        sheet.bad(
            row,
            key,
            _("“%(value)s” is not allowed here; use one of: %(allowed)s."),
            "invalid_choice",
            {"value": raw, "allowed": "、".join(k for k in words if not k.isascii())},
        )
        return default
    return value


# -- the population library ------------------------------------------------------------------------------


def load_population(rows: Iterable[list[Any]], *, source: str = "", dry_run: bool = False) -> LoadResult:
    """Checks every row, then writes them all (or nothing). Raises ProblemsError listing every bad row."""
    sheet = _Sheet(rows, POPULATION_COLUMNS, "population")
    if sheet.problems:
        raise ProblemsError(sheet.problems)
    records: dict[str, tuple[int, PopulationRecord]] = {}
    result = LoadResult(dry_run=dry_run)
    for row, cells in sheet.rows():
        result.rows += 1
        doc_type = _choice(sheet, row, cells, "doc_type", DOC_TYPE_WORDS, DocType.RESIDENT_ID)
        number = crypto.normalise(cells.get("doc_number", ""))
        name = cells.get("name", "").strip()
        status = _choice(sheet, row, cells, "status", PERSON_STATUS_WORDS, RecordStatus.NORMAL)
        if err := document_number_error(doc_type, number):
            sheet.bad(row, "doc_number", err)
            continue
        if not name:
            sheet.bad(row, "name", _("The name is required."), "required")
            continue
        if len(name) > 100:
            sheet.bad(row, "name", _("The name is longer than 100 characters."), "too_long")
            continue
        h = doc_hash(doc_type, number)
        if h in records:
            sheet.bad(
                row,
                "doc_number",
                _("This number is already on row %(row)s of the file."),
                "duplicate",
                {"row": records[h][0]},
            )
            continue
        records[h] = (
            row,
            PopulationRecord(doc_type=doc_type, doc_number_hash=h, name=name, status=status, source=source[:60]),
        )
    if sheet.problems:
        raise ProblemsError(sheet.problems)
    write_records(
        PopulationRecord,
        "doc_number_hash",
        [r for _row, r in records.values()],
        ["doc_type", "name", "status", "source"],
        result,
    )
    return result


# -- the legal-person library ----------------------------------------------------------------------------


def load_legal_persons(rows: Iterable[list[Any]], *, source: str = "", dry_run: bool = False) -> LoadResult:
    sheet = _Sheet(rows, LEGAL_PERSON_COLUMNS, "legal_persons")
    if sheet.problems:
        raise ProblemsError(sheet.problems)
    records: dict[str, tuple[int, LegalPersonRecord]] = {}
    result = LoadResult(dry_run=dry_run)
    for row, cells in sheet.rows():
        result.rows += 1
        before = len(sheet.problems)
        code = crypto.normalise(cells.get("credit_code", ""))
        if err := credit_code_error(code):
            sheet.bad(row, "credit_code", err)
        name = cells.get("name", "").strip()
        if not name:
            sheet.bad(row, "name", _("The name is required."), "required")
        elif len(name) > 200:
            sheet.bad(row, "name", _("The name is longer than 200 characters."), "too_long")
        rep_name = cells.get("legal_rep_name", "").strip()
        if not rep_name:
            sheet.bad(row, "legal_rep_name", _("The legal representative's name is required."), "required")
        elif len(rep_name) > 100:
            sheet.bad(row, "legal_rep_name", _("The name is longer than 100 characters."), "too_long")
        kind = _choice(sheet, row, cells, "kind", KIND_WORDS, EnterpriseKind.ENTERPRISE)
        status = _choice(sheet, row, cells, "status", LEGAL_STATUS_WORDS, LegalPersonStatus.ACTIVE)
        rep_type = _choice(sheet, row, cells, "legal_rep_doc_type", DOC_TYPE_WORDS, DocType.RESIDENT_ID)
        rep_number = crypto.normalise(cells.get("legal_rep_doc_number", ""))
        rep_hash = ""
        if rep_number:
            if err := document_number_error(rep_type, rep_number):
                sheet.bad(row, "legal_rep_doc_number", err)
            else:
                rep_hash = doc_hash(rep_type, rep_number)
        address = cells.get("address", "").strip()
        if len(address) > 200:
            sheet.bad(row, "address", _("The address is longer than 200 characters."), "too_long")
        registered_on = None
        if cells.get("registered_on"):
            try:
                registered_on = dt.date.fromisoformat(cells["registered_on"].replace("/", "-")[:10])
            except ValueError:
                sheet.bad(
                    row,
                    "registered_on",
                    _("“%(value)s” is not a date like 2020-03-15."),
                    "invalid_date",
                    {"value": cells["registered_on"]},
                )
        if code in records and not credit_code_error(code):
            sheet.bad(
                row,
                "credit_code",
                _("This credit code is already on row %(row)s of the file."),
                "duplicate",
                {"row": records[code][0]},
            )
        if len(sheet.problems) > before:
            continue
        records[code] = (
            row,
            LegalPersonRecord(
                credit_code=code,
                name=name,
                kind=kind,
                legal_rep_name=rep_name,
                legal_rep_doc_hash=rep_hash,
                address=address,
                status=status,
                registered_on=registered_on,
                source=source[:60],
            ),
        )
    if sheet.problems:
        raise ProblemsError(sheet.problems)
    write_records(
        LegalPersonRecord,
        "credit_code",
        [r for _row, r in records.values()],
        ["name", "kind", "legal_rep_name", "legal_rep_doc_hash", "address", "status", "registered_on", "source"],
        result,
    )
    return result


def write_records(model, key: str, records: list, fields: list[str], result: LoadResult) -> None:
    """Inserts new records and updates known ones, in batches, in one transaction (skipped on a dry run)."""
    with transaction.atomic():
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            existing = dict(
                model.objects.filter(**{f"{key}__in": [getattr(r, key) for r in chunk]}).values_list(key, "pk")
            )
            new = [r for r in chunk if getattr(r, key) not in existing]
            old = [r for r in chunk if getattr(r, key) in existing]
            for r in old:
                r.pk = existing[getattr(r, key)]
            result.created += len(new)
            result.updated += len(old)
            if result.dry_run:
                continue
            model.objects.bulk_create(new, batch_size=BATCH)
            if old:
                model.objects.bulk_update(old, fields, batch_size=BATCH)
                # bulk_update skips auto_now; the records were refreshed now.
                model.objects.filter(pk__in=[r.pk for r in old]).update(updated_at=timezone.now())
