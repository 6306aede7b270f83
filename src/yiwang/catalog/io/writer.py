"""Writes the published catalog as a JSON stream or an xlsx workbook, in constant memory.

Both formats are made from the same item dictionaries (the JSON shape), so a file written here
reads back into the same catalog.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from yiwang.catalog.models import ItemVersion, ProcessStep, VersionStatus
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
    return (
        qs.select_related("item__organisation")
        .prefetch_related(
            "materials",
            Prefetch("steps", queryset=ProcessStep.objects.select_related("countersign_org")),
            "themes",
        )
        .order_by("item__item_code")
    )


def item_dict(version: ItemVersion) -> dict[str, Any]:
    """One item in the JSON shape of docs/catalog-file-format.md."""
    item = version.item
    out: dict[str, Any] = {
        "item_code": item.item_code,
        "catalog_code": item.catalog_code,
        "handling_item": item.handling_item,
        "credit_code": item.organisation.credit_code,
        "organisation_name": item.organisation.name,
        "version": version.number,
    }
    for key in VERSION_KEYS:
        if key == "version":
            continue
        out[key] = getattr(version, key)
    out["aliases"] = list(version.aliases or [])
    out["fees"] = [{k: str(fee.get(k, "")) for k in FEE_KEYS} for fee in (version.fees or []) if isinstance(fee, dict)]
    out["themes"] = sorted(t.code for t in version.themes.all())
    out["materials"] = [{k: getattr(m, k) for k in MATERIAL_KEYS} for m in version.materials.all()]
    out["steps"] = [
        {
            **{k: getattr(s, k) for k in STEP_KEYS if k != "countersign_credit_code"},
            "countersign_credit_code": s.countersign_org.credit_code if s.countersign_org_id else "",
        }
        for s in version.steps.all()
    ]
    return out


def iter_item_dicts(versions: QuerySet[ItemVersion]) -> Iterator[dict[str, Any]]:
    for version in versions.iterator(chunk_size=CHUNK):
        yield item_dict(version)


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


_HEAD_FONT = Font(bold=True)
_KEY_FONT = Font(color="666666", size=9)
_HEAD_FILL = PatternFill("solid", fgColor="F4F6F9")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _header(ws, columns: list[F.Column]) -> None:
    heads, keys = [], []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        heads.append(cell)
        key = WriteOnlyCell(ws, value=col.key)
        key.font = _KEY_FONT
        keys.append(key)
    for i, col in enumerate(columns):
        width = 40 if col.key in ("legal_basis", "acceptance_conditions", "name", "place") else 16
        ws.column_dimensions[_letter(i)].width = width
    ws.freeze_panes = "B3"
    ws.append(heads)
    ws.append(keys)


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _cell(col: F.Column, value: Any) -> Any:
    if col.kind == "bool":
        return "是" if value else "否"
    if col.kind == "list":
        return "|".join(value or [])
    if col.kind == "choice":
        return col.label(value)
    return value


def write_xlsx(versions: QuerySet[ItemVersion] | Iterable[dict[str, Any]], out: IO[bytes] | str) -> None:
    """Writes the workbook (sheets 事项, 材料, 流程, 收费 and a 说明 sheet) in write-only mode."""
    wb = Workbook(write_only=True)
    sheets = {name: wb.create_sheet(name) for name in (F.ITEMS, F.MATERIALS, F.STEPS, F.FEES)}
    for name, ws in sheets.items():
        _header(ws, F.SHEETS[name])
    dicts = iter_item_dicts(versions) if isinstance(versions, QuerySet) else versions
    for obj in dicts:
        sheets[F.ITEMS].append([_cell(c, obj.get(c.key)) for c in F.ITEM_COLUMNS])
        code = obj["item_code"]
        for part, sheet in F.PART_SHEETS.items():
            columns = F.SHEETS[sheet]
            for row in obj.get(part) or []:
                sheets[sheet].append([code if c.key == "item_code" else _cell(c, row.get(c.key)) for c in columns])
    _readme(wb.create_sheet(F.README))
    wb.save(out)


def _readme(ws) -> None:
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 24
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 70
    title = WriteOnlyCell(ws, value=f"一网通办事项目录文件（格式版本 {F.FORMAT_VERSION}）")
    title.font = Font(bold=True, size=13)
    ws.append([title])
    ws.append(
        ["第 1 行为中文列名，第 2 行为机器键名（请勿修改），数据从第 3 行开始。列的先后顺序不限，未知的列会被忽略。"]
    )
    ws.append(
        ["“材料”“流程”“收费”表通过“实施编码”列关联“事项”表中的事项。导入时整份文件先校验，有任何问题则全部不写入。"]
    )
    ws.append([])
    heads = []
    for text in ("工作表", "列名", "键名", "必填", "说明与可选值"):
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        heads.append(cell)
    ws.append(heads)
    for sheet, columns in F.SHEETS.items():
        for col in columns:
            note = col.note
            if col.kind == "choice":
                note = (note + "；" if note else "") + "可选：" + choice_help(col)
            elif col.kind == "bool":
                note = (note + "；" if note else "") + "填 是 或 否"
            elif col.kind == "int":
                note = (note + "；" if note else "") + "非负整数"
            if col.max_length:
                note = (note + "；" if note else "") + f"最多 {col.max_length} 字"
            text = WriteOnlyCell(ws, value=note)
            text.alignment = _WRAP
            ws.append([sheet, col.header, col.key, "是" if col.required else "", text])
