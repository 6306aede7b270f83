"""Writes the published catalog as a JSON stream or an xlsx workbook, in constant memory.

Both formats are made from the same item dictionaries (the JSON shape), so a file written here
reads back into the same catalog.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any
from xml.sax.saxutils import escape

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl.utils import get_column_letter

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


# -- xlsx ----------------------------------------------------------------------------------------------
# The workbook is written directly as SpreadsheetML (rows streamed to temporary files, then zipped):
# openpyxl's pure-Python XML serialiser needs minutes for a city's catalog, this takes seconds.

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEAD, KEY, WRAP = 1, 2, 3  # cell styles of styles.xml below
_LETTERS = [get_column_letter(i) for i in range(1, 101)]
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><sz val="9"/><color rgb="FF666666"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFF4F6F9"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


class _Sheet:
    """One worksheet whose rows go to a temporary file as they come."""

    def __init__(self, name: str, widths: list[int], freeze: bool = True):
        self.name = name
        self.widths = widths
        self.freeze = freeze
        self.rows = 0
        self.buf = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def append(self, values: list[Any], style: int = 0) -> None:
        self.rows += 1
        r = self.rows
        out = [f'<row r="{r}">']
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{_LETTERS[i]}{r}"
            st = f' s="{style}"' if style else ""
            if isinstance(value, bool):
                value = "是" if value else "否"
            if isinstance(value, int | float):
                out.append(f'<c r="{ref}"{st}><v>{value}</v></c>')
            else:
                text = escape(_ILLEGAL.sub("", str(value)))
                out.append(f'<c r="{ref}"{st} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        out.append("</row>")
        self.buf.write("".join(out))

    def write_to(self, zf: zipfile.ZipFile, path: str) -> None:
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(self.widths, 1))
        pane = (
            '<sheetViews><sheetView workbookViewId="0"><pane xSplit="1" ySplit="2" topLeftCell="B3" '
            'activePane="bottomRight" state="frozen"/></sheetView></sheetViews>'
            if self.freeze
            else ""
        )
        with zf.open(path, "w") as raw:
            head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_REL_NS}>{pane}'
            head += f"<cols>{cols}</cols><sheetData>" if cols else "<sheetData>"
            raw.write(head.encode())
            self.buf.seek(0)
            while chunk := self.buf.read(1 << 20):
                raw.write(chunk.encode("utf-8"))
            raw.write(b"</sheetData></worksheet>")
        self.buf.close()


def _package(zf: zipfile.ZipFile, sheets: list[_Sheet]) -> None:
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    zf.writestr(
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
    zf.writestr(
        "_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
    )
    names = "".join(f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1))
    zf.writestr(
        "xl/workbook.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_REL_NS}>'
        f"<sheets>{names}</sheets></workbook>",
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    rels += (
        f'<Relationship Id="rId{n + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    )
    zf.writestr(
        "xl/_rels/workbook.xml.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
    )
    zf.writestr("xl/styles.xml", _STYLES)
    for i, sheet in enumerate(sheets, 1):
        sheet.write_to(zf, f"xl/worksheets/sheet{i}.xml")


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
    sheets = {name: _Sheet(name, _widths(F.SHEETS[name])) for name in (F.ITEMS, F.MATERIALS, F.STEPS, F.FEES)}
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
    readme = _Sheet(F.README, [10, 26, 24, 8, 80], freeze=False)
    _readme(readme)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        _package(zf, [*sheets.values(), readme])


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
