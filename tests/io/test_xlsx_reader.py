"""Reading uploaded workbooks (written by openpyxl here: shared strings, numbers, booleans, rich text, gaps)."""

import io

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from yiwang.catalog.io import xlsx


def test_reads_values_rows_and_gaps():
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "事项"
    ws.append(["实施编码", "份数", "是否收费", "比例"])
    ws.append(["A1", 3, True, 0.5])
    ws["C5"] = "after a gap"
    ws["A6"] = CellRichText([TextBlock(InlineFont(b=True), "加粗"), "普通"])
    ws["B6"] = "=1+1"
    wb.create_sheet("材料")
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    book = xlsx.Workbook(buf)
    assert book.sheetnames == ["事项", "材料"]
    rows = list(book.rows("事项"))
    assert rows[0] == ("实施编码", "份数", "是否收费", "比例")
    assert rows[1] == ("A1", 3, True, 0.5)
    assert rows[2] == () and rows[3] == ()
    assert rows[4] == (None, None, "after a gap")
    assert rows[5][0] == "加粗普通"
    assert list(book.rows("材料")) == []
    book.close()
