"""Reads a catalog file (xlsx or JSON) into plain item records, with a problem for every bad cell.

The reader knows the file, not the catalog: it checks the shape (sheets, columns), each cell's type
and choices, and which part row belongs to which item. The import service then applies the
catalog's own rules. Every record keeps where it came from so each problem can name its sheet, row
and column.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any
from xml.etree import ElementTree

import ijson
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from yiwang.core.errors import Problem

from . import formats as F
from . import limits as L
from . import xlsx
from .formats import Column

MAX_INT = 32767


class PartRecord:
    """One material, step or fee: its values and the row (or list position) it came from."""

    __slots__ = ("data", "row")

    def __init__(self, row: int, data: dict[str, Any]):
        self.row = row
        self.data = data


class ItemRecord:
    """One item of the file with its parts; `bad` holds the keys whose cell could not be read."""

    __slots__ = ("bad", "data", "fees", "materials", "row", "steps")

    def __init__(self, row: int, data: dict[str, Any]):
        self.row = row
        self.data = data
        self.materials: list[PartRecord] = []
        self.steps: list[PartRecord] = []
        self.fees: list[PartRecord] = []
        self.bad: set[str] = set()

    @property
    def code(self) -> str:
        return self.data.get("item_code") or ""

    def parts(self, name: str) -> list[PartRecord]:
        return getattr(self, name)


class ParsedFile:
    """What the reader made of a file: its items, its problems, and how to point at a field."""

    def __init__(self, fmt: str, progress: Callable[[str, int, int], None] | None = None):
        self.fmt = fmt
        self.progress = progress
        self.rows_read = 0
        self.items: list[ItemRecord] = []
        self.problems: list[Problem] = []
        self.file_level = False  # True when the file's shape is wrong and rows were not read
        # xlsx: sheet -> key -> column letter
        self.letters: dict[str, dict[str, str]] = {}

    # -- locating problems -------------------------------------------------------------------------
    def locate(self, rec: ItemRecord | None, part: str | None, index: int | None, key: str) -> dict[str, Any]:
        """Sheet, row and column of `key` of the item (or of its `index`-th part, 1-based)."""
        key = F.FIELD_TO_COLUMN.get(key, key)
        if self.fmt == "json":
            row = rec.row if rec is not None else None
            column = f"{part}[{index}].{key}" if part and index else (f"{part}" if part else key)
            return {"sheet": "items", "row": row, "column": column, "key": key}
        if part and index and rec is not None and index <= len(rec.parts(part)):
            sheet = F.PART_SHEETS[part]
            row = rec.parts(part)[index - 1].row
        elif part == "steps" and rec is not None and rec.steps:
            sheet, row, key = F.STEPS, rec.steps[0].row, "days"
        else:
            sheet, row = F.ITEMS, rec.row if rec is not None else None
            if part == "steps":
                key = "handling_kind"
        return self.cell(sheet, row, key)

    def cell(self, sheet: str, row: int | None, key: str) -> dict[str, Any]:
        header = next((c.header for c in F.SHEETS[sheet] if c.key == key), key)
        out: dict[str, Any] = {"sheet": sheet, "row": row, "column": header, "key": key}
        letter = self.letters.get(sheet, {}).get(key)
        if letter:
            out["column_letter"] = letter
        return out

    def add(self, message, where: dict[str, Any], *, code: str = "invalid", params=None, item_code: str = "") -> None:
        extra = {k: v for k, v in where.items() if k not in ("sheet", "row", "column")}
        if item_code:
            extra["item_code"] = item_code
        field = where.get("key") or "__all__"
        if self.fmt == "json" and where.get("column"):
            field = where["column"]
        self.problems.append(
            Problem(
                field,
                message,
                code=code,
                sheet=where.get("sheet"),
                row=where.get("row"),
                column=where.get("column"),
                params=params,
                extra=extra,
            )
        )

    def counted(self) -> None:
        """One more row (or item) read; tells `progress` every thousand."""
        self.rows_read += 1
        if self.progress is not None and self.rows_read % 1000 == 0:
            self.progress("reading", self.rows_read, 0)

    def file_problem(self, message, *, sheet: str | None = None, column: str | None = None, params=None) -> None:
        self.file_level = True
        self.problems.append(
            Problem("file", message, code="file", sheet=sheet, row=1 if column else None, column=column, params=params)
        )

    def too_large(self, exc: L.TooLarge) -> None:
        """A cap was passed: the file is refused with that one problem, whatever was read before."""
        self.file_level = True
        self.items = []
        self.problems = [exc.problem]


# -- cells ----------------------------------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, bool):
        return "是" if raw else "否"
    return str(raw).strip()


_lookups: dict[str, dict[str, Any]] = {}


def _choice_lookup(col: Column) -> dict[str, Any]:
    table = _lookups.get(col.key + col.header)
    if table is None:
        table = {}
        for value, labels in (col.choices or {}).items():
            table[str(value).lower()] = value
            for label in labels:
                table[label.lower()] = value
        _lookups[col.key + col.header] = table
    return table


def choice_help(col: Column) -> str:
    """The allowed values of a choice column, as a person would type them."""
    return "、".join(
        f"{value}（{labels[0]}）" if value != "" else labels[0] for value, labels in (col.choices or {}).items()
    )


def parse_cell(col: Column, raw: Any) -> tuple[Any, tuple[Any, dict[str, Any] | None, str] | None]:
    """(value, None) or (None, (message, params, code)) for one cell of column `col`."""
    if _blank(raw) and not isinstance(raw, list):
        if col.required and col.kind != "text":
            return None, (_("This value is required."), None, "required")
        if col.kind == "text":
            return ("" if col.default is None else col.default), None
        if col.kind == "json":
            return (dict(col.default) if isinstance(col.default, dict) else list(col.default or ())), None
        return (list(col.default) if col.kind == "list" else col.default), None
    if col.kind == "json":
        return _json_cell(col, raw)
    if col.kind == "text":
        if isinstance(raw, list | dict):
            return None, (_("Expected text."), None, "invalid")
        value = _text(raw)
        if col.max_length and len(value) > col.max_length:
            return None, (_("At most %(n)s characters."), {"n": col.max_length}, "max_length")
        return value, None
    if col.kind == "int":
        value: Any = None
        if isinstance(raw, bool):
            value = None
        elif isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            value = int(raw.strip())
        if value is None:
            return None, (_("“%(value)s” is not a whole number."), {"value": _text(raw)}, "invalid_number")
        if value < 0:
            return None, (_("The number cannot be negative."), None, "invalid_number")
        if value > MAX_INT:
            return None, (_("The number is too large."), None, "invalid_number")
        return value, None
    if col.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        word = _text(raw).lower()
        if word in F.TRUE_WORDS:
            return True, None
        if word in F.FALSE_WORDS:
            return False, None
        return None, (_("“%(value)s” is not 是 or 否."), {"value": _text(raw)}, "invalid_choice")
    if col.kind == "choice":
        table = _choice_lookup(col)
        word = None if isinstance(raw, bool | list | dict) else _text(raw).lower()
        if word is None or word not in table:
            return None, (
                _("“%(value)s” is not allowed here; use one of: %(allowed)s."),
                {"value": _text(raw), "allowed": choice_help(col)},
                "invalid_choice",
            )
        return table[word], None
    if col.kind == "list":
        if isinstance(raw, list):
            if any(not isinstance(v, str) for v in raw):
                return None, (_("Expected a list of texts."), None, "invalid")
            return [v.strip() for v in raw], None
        if not isinstance(raw, str):
            return None, (_("Expected a list of texts."), None, "invalid")
        parts = [raw]
        for sep in F.LIST_SEPARATORS:
            parts = [p for chunk in parts for p in chunk.split(sep)]
        return [p.strip() for p in parts if p.strip()], None
    raise ValueError(col.kind)


def _json_cell(col: Column, raw: Any) -> tuple[Any, tuple[Any, dict[str, Any] | None, str] | None]:
    """A JSON column: the array or object itself (JSON files) or its JSON text (xlsx cells)."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
    wanted = dict if isinstance(col.default, dict) else list
    if not isinstance(value, wanted):
        if wanted is dict:
            return None, (_("Expected a JSON object."), None, "invalid")
        return None, (_("Expected a JSON array."), None, "invalid")
    return value, None


def _parse_values(
    parsed: ParsedFile, columns: Iterable[tuple[Column, Any]], locate, item_code: str
) -> tuple[dict[str, Any], set[str]]:
    data: dict[str, Any] = {}
    bad: set[str] = set()
    for col, raw in columns:
        if col.export_only:
            continue
        value, err = parse_cell(col, raw)
        if err is not None:
            message, params, code = err
            parsed.add(message, locate(col.key), code=code, params=params, item_code=item_code)
            bad.add(col.key)
        data[col.key] = value
    return data, bad


# -- detection ------------------------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """'xlsx', 'json' or None from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "json"
    return None


def file_size(fileobj: IO[bytes]) -> int:
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


Progress = Callable[[str, int, int], None]


def read(fileobj: IO[bytes], limits: L.Limits | None = None, progress: Progress | None = None) -> ParsedFile:
    """Reads an xlsx or JSON catalog file from a binary file object, within the caps of catalog.io.limits.

    `progress("reading", rows, 0)` is called every thousand rows (or items) read.
    """
    limits = limits or L.Limits.current()
    size = file_size(fileobj)
    head = fileobj.read(64)
    fileobj.seek(0)
    fmt = sniff(head)
    if fmt is None:
        parsed = ParsedFile("unknown")
        parsed.file_problem(_("The file is neither an Excel workbook (.xlsx) nor a JSON file."))
        return parsed
    if size > limits.max_bytes:
        parsed = ParsedFile(fmt)
        parsed.too_large(L.file_too_large(size, limits))
        return parsed
    if progress is not None:
        progress("reading", 0, 0)
    if fmt == "xlsx":
        return read_xlsx(fileobj, limits, progress)
    return read_json(fileobj, limits, progress)


def unpacked_size(fileobj: IO[bytes]) -> int | None:
    """What reading the file takes, in bytes, without reading it: an xlsx archive's unpacked size, a JSON file's size.

    None when the file is refused anyway (not a catalog file, over a cap): the import then answers at once.
    """
    limits = L.Limits.current()
    size = file_size(fileobj)
    fmt = sniff(fileobj.read(64))
    fileobj.seek(0)
    if fmt is None or size > limits.max_bytes:
        return None
    if fmt == "json":
        return size
    try:
        return xlsx.check_archive(fileobj, limits)
    except (L.TooLarge, zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        fileobj.seek(0)


# -- xlsx -----------------------------------------------------------------------------------------------


def _header_map(parsed: ParsedFile, sheet: str, rows) -> tuple[dict[int, Column], int, Iterator]:
    """Matches columns by the machine-key row (row 2) or, without it, by the Chinese headers (row 1)."""
    columns = F.SHEETS[sheet]
    by_key = {c.key: c for c in columns}
    by_header = {c.header: c for c in columns}
    first = next(rows, None) or ()
    second = next(rows, None) or ()
    keys = [str(v).strip() if v is not None else "" for v in second]
    if any(k in by_key for k in keys):
        mapping = {i: by_key[k] for i, k in enumerate(keys) if k in by_key}
        start = 3
    else:
        heads = [str(v).strip() if v is not None else "" for v in first]
        mapping = {i: by_header[h] for i, h in enumerate(heads) if h in by_header}
        start = 2
        rows = itertools.chain([second], rows)  # the second row is data
    present = {c.key for c in mapping.values()}
    for col in columns:
        if col.required and col.key not in present:
            parsed.file_problem(
                _("Column “%(column)s” (%(key)s) is missing."),
                sheet=sheet,
                column=col.header,
                params={"column": col.header, "key": col.key},
            )
    parsed.letters[sheet] = {c.key: get_column_letter(i + 1) for i, c in mapping.items()}
    return mapping, start, rows


def read_xlsx(fileobj: IO[bytes], limits: L.Limits | None = None, progress: Progress | None = None) -> ParsedFile:
    parsed = ParsedFile("xlsx", progress)
    try:
        wb = xlsx.Workbook(fileobj, limits)
    except L.TooLarge as exc:
        parsed.too_large(exc)
        return parsed
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, OSError) as exc:
        parsed.file_problem(_("The workbook cannot be opened: %(error)s"), params={"error": str(exc)[:200]})
        return parsed
    try:
        _read_workbook(parsed, wb)
    except L.TooLarge as exc:
        parsed.too_large(exc)
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError, IndexError, TypeError) as exc:
        parsed.items = []
        parsed.problems = [p for p in parsed.problems if p.code == "file"]
        parsed.file_problem(_("The workbook cannot be opened: %(error)s"), params={"error": str(exc)[:200]})
    finally:
        wb.close()
    return parsed


def _read_workbook(parsed: ParsedFile, wb: xlsx.Workbook) -> None:
    """Reads the sheets of an open workbook into item records (or file-level problems)."""
    sheets: dict[str, str] = {}
    for name in wb.sheetnames:
        canonical = F.SHEET_ALIASES.get(name.strip().lower(), name.strip())
        if canonical in F.SHEETS and canonical not in sheets:
            sheets[canonical] = name
    for name in F.REQUIRED_SHEETS:
        if name not in sheets:
            parsed.file_problem(_("Sheet “%(sheet)s” is missing."), sheet=name, params={"sheet": name})
    headers: dict[str, tuple[dict[int, Column], int]] = {}
    iterators = {}
    for name, real in sheets.items():
        mapping, start, rows = _header_map(parsed, name, wb.rows(real))
        headers[name] = (mapping, start)
        iterators[name] = rows
    if parsed.file_level:
        return
    _read_item_rows(parsed, iterators[F.ITEMS], *headers[F.ITEMS])
    by_code = _index(parsed)
    for part, sheet in F.PART_SHEETS.items():
        if sheet in iterators:
            _read_part_rows(parsed, part, sheet, iterators[sheet], *headers[sheet], by_code)
    _order_parts(parsed)


def _rows(iterator, start: int):
    for offset, values in enumerate(iterator):
        if values is None or all(_blank(v) for v in values):
            continue
        yield start + offset, values


def _read_item_rows(parsed: ParsedFile, iterator, mapping: dict[int, Column], start: int) -> None:
    present = {col.key for col in mapping.values()}
    # Optional columns a file leaves out (older files lack the newest ones) take their defaults.
    absent = [(col, None) for col in F.ITEM_COLUMNS if not col.required and col.key not in present]
    for row, values in _rows(iterator, start):
        parsed.counted()
        cells = [(col, values[i] if i < len(values) else None) for i, col in mapping.items()]
        code = next((_text(v) for c, v in cells if c.key == "item_code" and not _blank(v)), "")
        rec = ItemRecord(row, {})
        rec.data, rec.bad = _parse_values(
            parsed, [*cells, *absent], lambda key, row=row: parsed.cell(F.ITEMS, row, key), code
        )
        parsed.items.append(rec)


def _index(parsed: ParsedFile) -> dict[str, ItemRecord]:
    """Item records by code (the first of duplicates; duplicates are reported by the service)."""
    by_code: dict[str, ItemRecord] = {}
    for rec in parsed.items:
        if rec.code and rec.code not in by_code:
            by_code[rec.code] = rec
    return by_code


def _read_part_rows(
    parsed: ParsedFile, part: str, sheet: str, iterator, mapping, start: int, by_code: dict[str, ItemRecord]
) -> None:
    for row, values in _rows(iterator, start):
        parsed.counted()
        cells = [(col, values[i] if i < len(values) else None) for i, col in mapping.items()]
        data, _bad = _parse_values(parsed, cells, lambda key, row=row: parsed.cell(sheet, row, key), "")
        code = data.pop("item_code", "") or ""
        owner = by_code.get(code)
        if owner is None:
            if not code:
                parsed.add(
                    _("Say which item this row belongs to."), parsed.cell(sheet, row, "item_code"), code="required"
                )
            else:
                parsed.add(
                    _("No row of sheet 事项 has the implementation code %(code)s."),
                    parsed.cell(sheet, row, "item_code"),
                    code="unknown_item",
                    params={"code": code},
                    item_code=code,
                )
            continue
        owner.parts(part).append(PartRecord(row, data))


def _order_parts(parsed: ParsedFile) -> None:
    """Parts keep their given order numbers; rows without one follow in file order."""
    for rec in parsed.items:
        for part in ("materials", "steps"):
            items = rec.parts(part)
            for i, p in enumerate(items, 1):
                if p.data.get("order") is None:
                    p.data["order"] = i
            items.sort(key=lambda p: p.data["order"])


# -- JSON -----------------------------------------------------------------------------------------------
# The file is parsed as a stream of events (ijson over the yajl C parser): one item object is built at a time,
# with the nesting depth, the length of every text and the number of items capped as they arrive.

# Below this size a broken file is parsed again by the standard library, which says on which line it breaks.
JSON_EXACT_ERRORS = 8 * 1024 * 1024


class _NotCatalog(Exception):
    """The JSON value is not a list of items nor an object with an "items" list."""


def read_json(fileobj: IO[bytes], limits: L.Limits | None = None, progress: Progress | None = None) -> ParsedFile:
    limits = limits or L.Limits.current()
    parsed = ParsedFile("json", progress)
    if fileobj.read(3) != b"\xef\xbb\xbf":
        fileobj.seek(0)
    state: dict[str, Any] = {"format": None}
    position = 0
    try:
        for obj in _json_items(ijson.basic_parse(fileobj, use_float=True), state, limits):
            position += 1
            if position > limits.items():
                raise L.too_many_items(limits)
            if state["format"] not in (None, F.FORMAT_NAME):
                break
            rec = parse_json_item(parsed, obj, position)
            if rec is not None:
                parsed.items.append(rec)
            parsed.counted()
    except L.TooLarge as exc:
        parsed.too_large(exc)
        return parsed
    except _NotCatalog:
        parsed.items, parsed.problems = [], []
        parsed.file_problem(_("The JSON file must be a list of items, or an object with an “items” list."))
        return parsed
    except (ijson.JSONError, ValueError, UnicodeDecodeError) as exc:
        parsed.items, parsed.problems = [], []
        _json_syntax_problem(parsed, fileobj, exc)
        return parsed
    if state["format"] not in (None, F.FORMAT_NAME):
        parsed.items, parsed.problems = [], []
        parsed.file_problem(_("This JSON file is not a Yiwang catalog file."))
    return parsed


def _json_syntax_problem(parsed: ParsedFile, fileobj: IO[bytes], exc: Exception) -> None:
    """The file is not JSON: where it breaks (exactly for a small file), in the words of the parser."""
    fileobj.seek(0)
    if file_size(fileobj) <= JSON_EXACT_ERRORS:
        try:
            json.loads(fileobj.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            parsed.file_problem(_("The JSON file is not UTF-8 text."))
            return
        except json.JSONDecodeError as err:
            parsed.file_problem(
                _("The file is not valid JSON (line %(line)s, column %(col)s: %(error)s)."),
                params={"line": err.lineno, "col": err.colno, "error": err.msg},
            )
            return
        except (ValueError, RecursionError):
            pass
    reason = str(exc.args[0] if exc.args else exc)
    if isinstance(exc.args[0] if exc.args else None, bytes):
        reason = exc.args[0].decode("utf-8", "replace")
    parsed.file_problem(_("The file is not valid JSON: %(error)s."), params={"error": reason.splitlines()[0][:200]})


def _json_items(events: Iterator[tuple[str, Any]], state: dict[str, Any], limits: L.Limits) -> Iterator[Any]:
    """The item values of the document, one at a time; `state["format"]` gets the document's format key."""
    event, value = next(events)
    if event == "start_array":
        yield from _json_array(events, limits)
    elif event == "start_map":
        found = False
        for event, value in events:
            if event == "end_map":
                break
            key = value
            event, value = next(events)
            if key == "items" and event == "start_array":
                found = True
                yield from _json_array(events, limits)
            elif key == "items":
                raise _NotCatalog
            else:
                got = _json_value(events, event, value, 1, 0, limits)
                if key == "format":
                    state["format"] = got
                    if got not in (None, F.FORMAT_NAME):
                        return
        if not found:
            raise _NotCatalog
    else:
        raise _NotCatalog
    for _event in events:  # the rest must be nothing (the parser refuses trailing text)
        pass


def _json_array(events: Iterator[tuple[str, Any]], limits: L.Limits) -> Iterator[Any]:
    for position, (event, value) in enumerate(events, 1):
        if event == "end_array":
            return
        yield _json_value(events, event, value, 1, position, limits)


def _json_value(events: Iterator[tuple[str, Any]], event: str, value: Any, depth: int, position: int, limits):
    """Builds one JSON value from its first event, within the caps on depth and text length."""
    if event == "start_map":
        if depth > L.MAX_JSON_DEPTH:
            raise L.nested_too_deep(position)
        out: dict[str, Any] = {}
        for event, value in events:
            if event == "end_map":
                return out
            if len(value) > limits.max_cell_chars:
                raise L.text_too_long(position, limits)
            event2, value2 = next(events)
            out[value] = _json_value(events, event2, value2, depth + 1, position, limits)
        return out
    if event == "start_array":
        if depth > L.MAX_JSON_DEPTH:
            raise L.nested_too_deep(position)
        items: list[Any] = []
        for event, value in events:
            if event == "end_array":
                return items
            items.append(_json_value(events, event, value, depth + 1, position, limits))
        return items
    if event == "string" and len(value) > limits.max_cell_chars:
        raise L.text_too_long(position, limits)
    return value


def parse_json_item(parsed: ParsedFile, obj: Any, position: int) -> ItemRecord | None:
    """Reads one item object (also used to compare the catalog's current versions with a file)."""
    where = parsed.locate
    if not isinstance(obj, dict):
        parsed.add(_("Each item must be a JSON object."), {"sheet": "items", "row": position, "column": ""})
        return None
    code = _text(obj.get("item_code")) if not _blank(obj.get("item_code")) else ""
    rec = ItemRecord(position, {})
    cells = []
    for col in F.ITEM_COLUMNS:
        if col.export_only:
            continue
        if col.key not in obj and col.required:
            parsed.add(
                _("“%(key)s” is missing."), where(rec, None, None, col.key), code="required", params={"key": col.key}
            )
            rec.bad.add(col.key)
            rec.data[col.key] = None
            continue
        cells.append((col, obj.get(col.key)))
    data, bad = _parse_values(parsed, cells, lambda key: where(rec, None, None, key), code)
    rec.data.update(data)
    rec.bad |= bad
    for part, columns in F.JSON_PARTS.items():
        values = obj.get(part) or []
        if not isinstance(values, list):
            parsed.add(_("Expected a list."), where(rec, part, None, part), item_code=code)
            rec.bad.add(part)
            continue
        for index, value in enumerate(values, 1):
            if not isinstance(value, dict):
                parsed.add(_("Expected an object."), where(rec, part, index, "name"), item_code=code)
                continue
            part_cells = []
            for col in columns:
                if col.key == "item_code":
                    continue
                if col.key not in value and col.required:
                    parsed.add(
                        _("“%(key)s” is missing."),
                        where(rec, part, index, col.key),
                        code="required",
                        params={"key": col.key},
                        item_code=code,
                    )
                    continue
                part_cells.append((col, value.get(col.key)))
            pdata, _pbad = _parse_values(
                parsed, part_cells, lambda key, part=part, index=index: where(rec, part, index, key), code
            )
            if part in ("materials", "steps") and pdata.get("order") is None:
                pdata["order"] = index
            rec.parts(part).append(PartRecord(position, pdata))
    return rec
