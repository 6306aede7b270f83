"""Writes the published catalog as a JSON stream or an xlsx workbook, in constant memory.

Both formats are made from the same item dictionaries (the JSON shape), so a file written here
reads back into the same catalog.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from yiwang.catalog.models import ItemVersion, Material, ProcessStep, VersionStatus
from yiwang.orgs.models import Division, Organisation

from . import formats as F
from .reader import choice_help

CHUNK = 1000

VERSION_KEYS = [
    c.key
    for c in F.ITEM_COLUMNS
    if not c.export_only and c.key not in ("item_code", "catalog_code", "handling_item", "credit_code", "themes")
]
MATERIAL_KEYS = [c.key for c in F.MATERIAL_COLUMNS if c.key != "item_code"]
STEP_KEYS = [c.key for c in F.STEP_COLUMNS if c.key != "item_code"]
FEE_KEYS = [c.key for c in F.FEE_COLUMNS if c.key != "item_code"]


def published_versions(
    organisation: Organisation | None = None, division: Division | None = None
) -> QuerySet[ItemVersion]:
    """The current published version of every item, optionally of one organisation or division subtree."""
    qs = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
    if organisation is not None:
        qs = qs.filter(item__organisation=organisation)
    if division is not None:
        qs = qs.filter(item__organisation__division__path__startswith=division.path)
    return qs.order_by("item__item_code")


def item_dict(version: ItemVersion) -> dict[str, Any]:
    """One item in the JSON shape of docs/catalog-file-format.md."""
    return next(_dicts([version.pk]))


def iter_item_dicts(versions: QuerySet[ItemVersion]) -> Iterator[dict[str, Any]]:
    """The versions' items in the JSON shape, in the queryset's order, a chunk at a time.

    Read as plain rows (four queries a chunk, no model instances): a city's catalog is about a million values.
    """
    ids = list(versions.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        yield from _dicts(ids[start : start + CHUNK])


def _dicts(ids: list[int]) -> Iterator[dict[str, Any]]:
    heads = {
        "item__item_code": "item_code",
        "item__catalog_code": "catalog_code",
        "item__handling_item": "handling_item",
        "item__organisation__credit_code": "credit_code",
        "item__organisation__name": "organisation_name",
        "number": "version",
    }
    rows = {
        row["pk"]: row for row in ItemVersion.objects.filter(pk__in=ids).values("pk", "fees", *heads, *VERSION_KEYS)
    }
    materials: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for row in (
        Material.objects.filter(version_id__in=ids)
        .order_by("version_id", "order", "id")
        .values("version_id", *MATERIAL_KEYS)
    ):
        materials[row.pop("version_id")].append(row)
    steps: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    step_keys = [k for k in STEP_KEYS if k != "countersign_credit_code"]
    for row in (
        ProcessStep.objects.filter(version_id__in=ids)
        .order_by("version_id", "order", "id")
        .values("version_id", *step_keys, "countersign_org__credit_code")
    ):
        row["countersign_credit_code"] = row.pop("countersign_org__credit_code") or ""
        steps[row.pop("version_id")].append(row)
    themes: dict[int, list[str]] = {pk: [] for pk in ids}
    through = ItemVersion.themes.through.objects.filter(itemversion_id__in=ids)
    for version_id, code in through.values_list("itemversion_id", "theme__code"):
        themes[version_id].append(code)
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        out: dict[str, Any] = {name: row[field] for field, name in heads.items()}
        for key in VERSION_KEYS:
            out[key] = row[key]
        out["aliases"] = list(row["aliases"] or [])
        fees = row["fees"] or []
        out["fees"] = [{k: str(fee.get(k, "")) for k in FEE_KEYS} for fee in fees if isinstance(fee, dict)]
        out["themes"] = sorted(themes[pk])
        out["materials"] = materials[pk]
        out["steps"] = steps[pk]
        yield out


def iter_json(versions: QuerySet[ItemVersion]) -> Iterator[str]:
    """The JSON document in pieces, one item at a time, for a streaming response or a file."""
    head = {"format": F.FORMAT_NAME, "format_version": F.FORMAT_VERSION, "exported_at": timezone.now().isoformat()}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [\n'
    first = True
    for obj in iter_item_dicts(versions):
        yield ("" if first else ",\n") + json.dumps(obj, ensure_ascii=False)
        first = False
    yield "\n]}\n"


def write_json(versions: QuerySet[ItemVersion], out: IO[bytes]) -> None:
    for piece in iter_json(versions):
        out.write(piece.encode("utf-8"))


# -- xlsx ----------------------------------------------------------------------------------------------
# XlsxWriter in constant-memory mode: each sheet's rows go to a temporary file as they are written, so a city's
# catalog is exported in a few MiB of memory. Text is always written as text (never as a formula, number or link).

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


class _Sheet:
    """One worksheet of the workbook, written row after row."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, widths: list[int], formats: dict[str, Any], freeze=True):
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.rows = 0
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, width)
        if freeze:
            self.ws.freeze_panes(2, 1)

    def append(self, values: list[Any], style: str | None = None) -> None:
        fmt = self.formats.get(style) if style else None
        ws, r = self.ws, self.rows
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write_string(r, c, "是" if value else "否", fmt)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, _ILLEGAL.sub("", str(value)), fmt)
        self.rows += 1


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEAD, KEY, WRAP = "head", "key", "wrap"  # cell formats of write_xlsx


def _widths(columns: list[F.Column]) -> list[int]:
    wide = ("legal_basis", "acceptance_conditions", "name", "place", "standard", "basis")
    return [40 if c.key in wide else 16 for c in columns]


def _cell(col: F.Column, value: Any) -> Any:
    if col.kind == "bool":
        return "是" if value else "否"
    if col.kind == "list":
        return "|".join(value or [])
    if col.kind == "json":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if col.kind == "choice":
        return col.label(value)
    return value


def write_xlsx(versions: QuerySet[ItemVersion] | Iterable[dict[str, Any]], out: IO[bytes] | str) -> None:
    """Writes the workbook: sheets 事项, 材料, 流程, 收费 (Chinese headers, machine keys) and a 说明 sheet."""
    with tempfile.TemporaryDirectory(prefix="yiwang-xlsx-") as tmpdir:
        book = xlsxwriter.Workbook(out, {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})
        formats = {
            HEAD: book.add_format({"bold": True, "bg_color": "#F4F6F9"}),
            KEY: book.add_format({"font_size": 9, "font_color": "#666666"}),
            WRAP: book.add_format({"text_wrap": True, "valign": "top"}),
        }
        names = (F.ITEMS, F.MATERIALS, F.STEPS, F.FEES)
        sheets = {name: _Sheet(book, name, _widths(F.SHEETS[name]), formats) for name in names}
        readme = _Sheet(book, F.README, [10, 26, 24, 8, 80], formats, freeze=False)
        for name, ws in sheets.items():
            ws.append([c.header for c in F.SHEETS[name]], HEAD)
            ws.append([c.key for c in F.SHEETS[name]], KEY)
        dicts = iter_item_dicts(versions) if isinstance(versions, QuerySet) else versions
        for obj in dicts:
            sheets[F.ITEMS].append([_cell(c, obj.get(c.key)) for c in F.ITEM_COLUMNS])
            code = obj["item_code"]
            for part, sheet in F.PART_SHEETS.items():
                columns = F.SHEETS[sheet]
                for row in obj.get(part) or []:
                    sheets[sheet].append([code if c.key == "item_code" else _cell(c, row.get(c.key)) for c in columns])
        _readme(readme)
        book.close()


def _readme(ws: _Sheet) -> None:
    ws.append([f"一网通办事项目录文件（格式版本 {F.FORMAT_VERSION}）"], HEAD)
    ws.append(
        ["第 1 行为中文列名，第 2 行为机器键名（请勿修改），数据从第 3 行开始。列的先后顺序不限，未知的列会被忽略。"]
    )
    ws.append(
        ["“材料”“流程”“收费”表通过“实施编码”列关联“事项”表中的事项。导入时整份文件先校验，有任何问题则全部不写入。"]
    )
    ws.append([])
    ws.append(["工作表", "列名", "键名", "必填", "说明与可选值"], HEAD)
    for sheet, columns in F.SHEETS.items():
        for col in columns:
            notes = [col.note] if col.note else []
            if col.kind == "choice":
                notes.append("可选：" + choice_help(col))
            elif col.kind == "bool":
                notes.append("填 是 或 否")
            elif col.kind == "int":
                notes.append("非负整数")
            elif col.kind == "json":
                notes.append("JSON")
            if col.max_length:
                notes.append(f"最多 {col.max_length} 字")
            ws.append([sheet, col.header, col.key, "是" if col.required else "", "；".join(notes)], WRAP)
