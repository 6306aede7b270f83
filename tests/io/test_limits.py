"""Crafted files (zip bombs, huge rows, deep JSON) are refused by the caps before they take the worker.

Each bomb is built here, small on the wire; the caps are those of catalog.io.limits (settings), lowered where a
test would otherwise have to build hundreds of megabytes.
"""

import io
import json
import time
import tracemalloc
import zipfile

import pytest
from django.test import override_settings

from tests.io.helpers import item_obj, json_file, sign_in, xlsx_file
from yiwang.catalog.io import import_catalog
from yiwang.catalog.io.reader import unpacked_size
from yiwang.catalog.models import ServiceItem
from yiwang.core.errors import ProblemsError

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ITEMS_SHEET = "xl/worksheets/sheet1.xml"  # 事项, the first sheet of the exporter's workbook


def rebuild(buf: io.BytesIO, name: str, chunks) -> io.BytesIO:
    """The workbook `buf` with member `name` replaced by the bytes of `chunks` (streamed, so a bomb stays cheap)."""
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == name:
                continue
            dst.writestr(info, src.read(info.filename))
        with dst.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
    out.seek(0)
    out.name = "bomb.xlsx"
    return out


def sheet(rows_xml) -> list[bytes]:
    """A worksheet part around the given row XML pieces (bytes or an iterator of bytes)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'.encode()
    return [head, *rows_xml, b"</sheetData></worksheet>"]


def with_rows(buf: io.BytesIO, *rows_xml) -> list[bytes]:
    """The items sheet of `buf` (header, key and data rows) with more row XML after its own rows."""
    with zipfile.ZipFile(buf) as archive:
        original = archive.read(ITEMS_SHEET)
    end = original.index(b"</sheetData>")
    return [original[:end], *rows_xml, original[end:]]


def repeated(piece: bytes, total: int):
    """`piece` repeated to about `total` bytes, in 1 MiB chunks."""
    chunk = piece * max(1, MiB // len(piece))
    for _ in range(max(1, total // len(chunk))):
        yield chunk


def refusal(buf) -> dict:
    """Imports as a dry run, expects the one `too_large` problem, returns it."""
    with pytest.raises(ProblemsError) as info:
        import_catalog(buf, dry_run=True)
    problems = info.value.as_list()
    assert len(problems) == 1, problems[:3]
    (problem,) = problems
    assert problem["code"] == "too_large", problem
    assert problem["field"] == "file" and problem["message"] and problem["message_en"]
    return problem


def timed_refusal(buf, seconds: float = 5.0, heap_mib: float = 30.0) -> dict:
    """The refusal comes quickly and without building the bomb in memory. Quickly is counted in this process's CPU
    time, not wall time: on a loaded machine the wall clock measures the neighbours, not the reader."""
    tracemalloc.start()
    started = time.process_time()
    try:
        problem = refusal(buf)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < seconds
    assert peak < heap_mib * MiB, f"{peak / MiB:.0f} MiB"
    return problem


# -- xlsx -------------------------------------------------------------------------------------------------


def test_a_workbook_of_spaces_is_refused_by_its_compression_ratio(org):
    # 24 MiB of spaces in one cell pack into ~25 KB: the ratio (~1000) gives it away before anything is unpacked.
    rows = [b'<row r="1"><c r="A1" t="inlineStr"><is><t>', *repeated(b" " * 1024, 24 * MiB), b"</t></is></c></row>"]
    buf = rebuild(xlsx_file([item_obj(org)]), ITEMS_SHEET, sheet(rows))
    assert buf.getbuffer().nbytes < MiB
    problem = timed_refusal(buf)
    assert ITEMS_SHEET in problem["message_en"] and "zip bomb" in problem["message_en"]
    assert "压缩炸弹" in problem["message"]


@override_settings(CATALOG_IMPORT_MAX_UNPACKED_BYTES=16 * MiB, CATALOG_IMPORT_MAX_RATIO=100_000)
def test_a_workbook_that_unpacks_too_large_is_refused_before_parsing(org):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    buf = rebuild(xlsx_file([item_obj(org)]), ITEMS_SHEET, sheet(repeated(row, 24 * MiB)))
    problem = timed_refusal(buf)
    assert "unpacks to" in problem["message_en"] and "16 MiB" in problem["message_en"]
    assert unpacked_size(buf) is None  # the import answers at once: no background job for a refused file


@override_settings(CATALOG_IMPORT_MAX_ROWS=1000)
def test_rows_past_the_cap_stop_the_read(org):
    buf = xlsx_file([item_obj(org)])
    rows = [f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{n}</t></is></c></row>'.encode() for n in range(4, 5000)]
    problem = timed_refusal(rebuild(buf, ITEMS_SHEET, with_rows(buf, *rows)))
    assert (problem["sheet"], problem["row"]) == ("事项", 1001)
    assert "more than 1000 rows" in problem["message_en"]


@override_settings(CATALOG_IMPORT_MAX_ITEMS=2)
def test_items_are_capped_in_a_workbook_too(org):
    problem = timed_refusal(xlsx_file([item_obj(org) for _ in range(3)]))
    assert (problem["sheet"], problem["row"]) == ("事项", 5) and "more than 4 rows" in problem["message_en"]
    assert import_catalog(xlsx_file([item_obj(org) for _ in range(2)]), dry_run=True).created == 2


def test_a_far_row_number_is_refused_without_walking_to_it(org):
    # openpyxl fills gaps with empty rows: row 2,000,000,000 would take minutes of empty rows.
    buf = xlsx_file([item_obj(org)])
    far = b'<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'
    problem = timed_refusal(rebuild(buf, ITEMS_SHEET, with_rows(buf, far)), seconds=2)
    assert problem["sheet"] == "事项" and "rows" in problem["message_en"]


def test_a_row_with_too_many_cells_is_refused(org):
    cells = b"".join(b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(150))
    problem = timed_refusal(rebuild(xlsx_file([item_obj(org)]), ITEMS_SHEET, sheet([b"<row>" + cells + b"</row>"])))
    assert (problem["sheet"], problem["row"]) == ("事项", 1) and "100 columns" in problem["message_en"]


def test_a_cell_far_to_the_right_is_refused(org):
    rows = [b'<row r="1"><c r="ZZZ1" t="inlineStr"><is><t>far</t></is></c></row>']
    problem = timed_refusal(rebuild(xlsx_file([item_obj(org)]), ITEMS_SHEET, sheet(rows)))
    assert "columns" in problem["message_en"]


def test_a_long_cell_in_an_ignored_column_is_refused(org):
    buf = xlsx_file([item_obj(org)])
    with zipfile.ZipFile(buf) as archive:
        original = archive.read(ITEMS_SHEET)
    long_cell = b'<c r="BZ3" t="inlineStr"><is><t>' + b"x" * 40_000 + b"</t></is></c></row>"
    # The first data row (row 3) ends with one more cell, far from the catalog's columns.
    at = original.index(b"</row>", original.index(b'<row r="3"'))
    problem = timed_refusal(rebuild(buf, ITEMS_SHEET, [original[:at] + long_cell + original[at + 6 :]]))
    assert (problem["sheet"], problem["row"]) == ("事项", 3) and "32767 characters" in problem["message_en"]


def test_a_long_shared_string_is_refused_where_it_is_used(org):
    # Excel and WPS write text to the shared-strings part, which openpyxl reads whole: the cap applies where used.
    buf = xlsx_file([item_obj(org)])
    with zipfile.ZipFile(buf) as archive:
        types = archive.read("[Content_Types].xml")
    shared = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    types = types.replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + shared + b'"/></Types>'
    )
    strings = f'<sst {NS} count="1" uniqueCount="1"><si><t>'.encode() + b"y" * 40_000 + b"</t></si></sst>"
    buf = rebuild(rebuild(buf, "[Content_Types].xml", [types]), "xl/sharedStrings.xml", [strings])
    problem = timed_refusal(rebuild(buf, ITEMS_SHEET, with_rows(buf, b'<row r="4"><c r="A4" t="s"><v>0</v></c></row>')))
    assert (problem["sheet"], problem["row"]) == ("事项", 4) and "characters" in problem["message_en"]


def test_an_archive_of_too_many_parts_is_refused_from_its_end_record(org):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(1500):
            archive.writestr(f"x/{n}.xml", b"")
    out.seek(0)
    problem = timed_refusal(out)
    assert "1500 parts" in problem["message_en"]


def test_a_part_that_unpacks_to_more_than_its_directory_entry_says_is_broken(org):
    buf = xlsx_file([item_obj(org)])
    raw = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo(ITEMS_SHEET)
    # Make the central directory claim the items sheet is 100 bytes: reading stops there and the CRC refuses it.
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        name_length = int.from_bytes(raw[at + 28 : at + 30], "little")
        if raw[at + 46 : at + 46 + name_length] == ITEMS_SHEET.encode():
            break
        at = raw.find(b"PK\x01\x02", at + 4)
    assert at >= 0 and int.from_bytes(raw[at + 24 : at + 28], "little") == info.file_size
    raw[at + 24 : at + 28] = (100).to_bytes(4, "little")
    with pytest.raises(ProblemsError) as exc:
        import_catalog(io.BytesIO(bytes(raw)), dry_run=True)
    assert exc.value.problems[0].code == "file"


# -- JSON -------------------------------------------------------------------------------------------------


def test_deeply_nested_json_is_refused_not_a_server_error(org):
    buf = io.BytesIO(b'{"items": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}")
    problem = timed_refusal(buf)
    assert problem["row"] == 1 and "nests deeper" in problem["message_en"]


def test_a_long_json_text_is_refused(org):
    problem = timed_refusal(json_file([item_obj(org), item_obj(org, notes_of_my_own="z" * 40_000)]))
    assert problem["row"] == 2 and "32767 characters" in problem["message_en"]


@override_settings(CATALOG_IMPORT_MAX_ROWS=3)
def test_items_past_the_cap_are_refused(org):
    problem = refusal(json_file([item_obj(org) for _ in range(4)]))
    assert "more than 3 items" in problem["message_en"]


@override_settings(CATALOG_IMPORT_MAX_BYTES=4096)
def test_the_uploaded_file_size_is_capped(org):
    problem = refusal(json_file([item_obj(org) for _ in range(5)]))
    assert "at most 0 MiB" not in problem["message_en"] and "4096 B" in problem["message_en"]


def test_json_is_read_as_a_stream(org):
    # A valid file within the caps imports as before, whatever the key order of its document.
    buf = io.BytesIO(json.dumps({"items": [item_obj(org)], "format": "yiwang-catalog"}).encode())
    assert import_catalog(buf).created == 1
    wrong = io.BytesIO(json.dumps({"items": [item_obj(org)], "format": "other"}).encode())
    with pytest.raises(ProblemsError) as info:
        import_catalog(wrong)
    assert info.value.problems[0].code == "file"
    bom = io.BytesIO(b"\xef\xbb\xbf" + json.dumps([item_obj(org)]).encode())
    assert import_catalog(bom, dry_run=True).created == 1


# -- through the API --------------------------------------------------------------------------------------


def test_a_bomb_sent_to_the_api_is_refused_with_the_field_message(client, org, admin_user):
    sign_in(client, admin_user)
    rows = [b'<row r="1"><c r="A1" t="inlineStr"><is><t>', *repeated(b" " * 1024, 24 * MiB), b"</t></is></c></row>"]
    buf = rebuild(xlsx_file([item_obj(org)]), ITEMS_SHEET, sheet(rows))
    started = time.process_time()
    response = client.post("/api/v1/catalog/import", {"file": buf, "dry_run": "true"})
    assert time.process_time() - started < 5  # CPU time: the wall clock measures the neighbours
    assert response.status_code == 400, response.content
    (problem,) = response.json()["detail"]
    assert problem["field"] == "file" and problem["code"] == "too_large"
    assert "zip bomb" in problem["message_en"] and problem["message"] != problem["message_en"]
    assert not ServiceItem.objects.exists()
