"""Importing a year from CSV, xlsx and JSON: all or nothing, every bad row reported by row and column."""

import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook

from yiwang.calendar import workdays
from yiwang.calendar.io import import_file
from yiwang.calendar.models import HolidayYear, SpecialDay
from yiwang.core.errors import ProblemsError

D = dt.date
GOOD_CSV = "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节\n2027-02-10,holiday,春节\n"
BAD_CSV = (
    "date,kind,name\n"
    "2027-01-01,holiday,元旦\n"
    "2027-02-10,workday,春节\n"  # row 3: a Wednesday cannot be a make-up working day
    "2028-01-01,holiday,元旦\n"  # row 4: outside the year
    "2027-01-01,holiday,元旦\n"  # row 5: duplicate of row 2
    "2027-13-01,holiday,x\n"  # row 6: not a date
    "2027-05-01,day off,劳动节\n"  # row 7: unknown kind
)


def codes(exc) -> list[tuple]:
    return [(p.row, p.column, p.code) for p in exc.value.problems]


def test_csv_import_replaces_the_year(db):
    result = import_file(io.BytesIO(GOOD_CSV.encode()), year=2027, filename="2027.csv", notice="国办发明电〔2026〕7号")
    assert (result.holidays, result.workdays, result.replaced) == (2, 1, 0)
    y = HolidayYear.objects.get(year=2027)
    assert y.notice == "国办发明电〔2026〕7号" and "2027.csv" in y.source
    assert workdays.is_working_day(D(2027, 2, 6))  # a Saturday worked
    assert not workdays.is_working_day(D(2027, 2, 10))
    again = import_file(io.BytesIO("date,kind,name\n2027-10-01,holiday,国庆节\n".encode()), year=2027)
    assert again.replaced == 3
    assert list(SpecialDay.objects.values_list("date", flat=True)) == [D(2027, 10, 1)]


def test_bad_rows_are_all_reported_and_nothing_is_written(db):
    import_file(io.BytesIO(GOOD_CSV.encode()), year=2027)
    with pytest.raises(ProblemsError) as exc:
        import_file(io.BytesIO(BAD_CSV.encode()), year=2027)
    assert codes(exc) == [
        (3, "kind", "workday_not_weekend"),
        (4, "date", "outside_year"),
        (5, "date", "duplicate"),
        (6, "date", "invalid_date"),
        (7, "kind", "invalid_kind"),
    ]
    dup = exc.value.problems[2].as_dict()
    assert "第 2 行" in dup["message"] or "2" in dup["message"]
    assert "appears twice (first in row 2)" in dup["message_en"]
    assert SpecialDay.objects.count() == 3  # the previous import is untouched


def test_gb18030_csv_from_excel(db):
    data = "日期,类型,名称\r\n2027/1/1,放假,元旦\r\n2027年2月6日,上班,春节\r\n".encode("gb18030")
    result = import_file(io.BytesIO(data), year=2027, filename="假日.csv")
    assert (result.holidays, result.workdays) == (1, 1)
    assert SpecialDay.objects.get(date=D(2027, 2, 6)).name == "春节"


def test_xlsx_import_and_column_letters(db):
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "日期", "类型"])
    sheet.append(["元旦", dt.datetime(2027, 1, 1), "休"])
    sheet.append(["春节", "2027-02-10", "班"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ProblemsError) as exc:
        import_file(io.BytesIO(out.getvalue()), year=2027, filename="2027.xlsx")
    p = exc.value.problems[0]
    assert (p.row, p.column, p.extra["column_letter"]) == (3, "kind", "C")
    sheet["C3"] = "休"
    out = io.BytesIO()
    book.save(out)
    assert import_file(io.BytesIO(out.getvalue()), year=2027, filename="2027.xlsx").holidays == 2


def test_json_import_states_its_year(db):
    doc = {
        "year": 2027,
        "notice": "国办发明电〔2026〕7号",
        "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}],
    }
    result = import_file(io.BytesIO(json.dumps(doc).encode()), year=None, filename="2027.json")
    assert result.year == 2027 and HolidayYear.objects.get().notice == "国办发明电〔2026〕7号"
    with pytest.raises(ProblemsError) as exc:
        import_file(io.BytesIO(json.dumps(doc).encode()), year=2028)
    assert "year_mismatch" in [p.code for p in exc.value.problems]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"foo,bar\n1,2\n", "missing_column"),
        (b"date,kind,name\n", "empty"),
        (b"PK\x03\x04 not really a workbook", "bad_file"),
        (b'[{"date": 1', "bad_file"),
        (b'{"days": 5}', "bad_shape"),
        (b"[1, 2]", "bad_shape"),
        (b"x" * (1024 * 1024 + 10), "too_large"),
    ],
)
def test_unreadable_files_are_refused_clearly(db, data, code):
    with pytest.raises(ProblemsError) as exc:
        import_file(io.BytesIO(data), year=2027)
    assert code in [p.code for p in exc.value.problems]
    assert not HolidayYear.objects.exists()


def test_a_year_is_required_and_in_range(db):
    with pytest.raises(ProblemsError) as exc:
        import_file(io.BytesIO(GOOD_CSV.encode()), year=None)
    assert exc.value.problems[0].field == "year"
    with pytest.raises(ProblemsError) as exc:
        import_file(io.BytesIO(GOOD_CSV.encode()), year=1800)
    assert exc.value.problems[0].code == "invalid_year"
