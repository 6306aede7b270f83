"""The workbench page, the staff banner, the commands and the system check."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from yiwang.calendar import services
from yiwang.calendar.checks import arrangement_loaded
from yiwang.calendar.models import HolidayYear, SpecialDay

D = dt.date
PAGE = "/workbench/calendar/"
pytestmark = pytest.mark.filterwarnings("ignore::yiwang.calendar.workdays.CalendarWarning")


def test_page_shows_twelve_month_tables_with_marks(client, loaded, clerk):
    client.force_login(clerk)
    r = client.get(PAGE, {"year": 2025})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('<table class="cal-month"') == 12
    assert html.count("<caption>") >= 12 and "2025年10月" in html
    assert "国庆节" in html and "休" in html and "班" in html
    assert "chinesecalendar" in html
    assert 'name="action" value="import"' not in html  # a clerk reads only


def test_page_warns_for_a_year_without_arrangement(client, loaded, clerk):
    client.force_login(clerk)
    html = client.get(PAGE, {"year": 2031}).content.decode()
    assert "notice-warning" in html and "2031" in html


def test_page_needs_staff(client, citizen):
    assert client.get(PAGE).status_code == 302
    client.force_login(citizen)
    assert client.get(PAGE).status_code == 302


def test_clerk_cannot_change_the_calendar(client, loaded, clerk):
    client.force_login(clerk)
    r = client.post(PAGE, {"action": "day", "year": 2026, "day-date": "2026-07-01", "day-kind": "holiday"})
    assert r.status_code == 403
    assert not SpecialDay.objects.filter(date=D(2026, 7, 1)).exists()


def test_administrator_edits_a_day_on_the_page(client, loaded, cal_admin):
    client.force_login(cal_admin)
    html = client.get(PAGE, {"year": 2026, "edit": "2026-07-04"}).content.decode()
    assert 'value="2026-07-04"' in html
    r = client.post(
        PAGE, {"action": "day", "year": 2026, "day-date": "2026-07-04", "day-kind": "workday", "day-name": "测试"}
    )
    assert r.status_code == 302
    assert SpecialDay.objects.get(date=D(2026, 7, 4)).kind == "workday"
    assert HolidayYear.objects.get(year=2026).edited_by == cal_admin
    r = client.post(PAGE, {"action": "day", "year": 2026, "day-date": "2026-07-08", "day-kind": "workday"})
    assert r.status_code == 400
    assert "周六或周日" in r.content.decode() or "Saturday or Sunday" in r.content.decode()
    r = client.post(PAGE, {"action": "day", "year": 2026, "day-date": "2026-07-04", "day-kind": "ordinary"})
    assert r.status_code == 302 and not SpecialDay.objects.filter(date=D(2026, 7, 4)).exists()


def test_administrator_imports_a_file_on_the_page(client, loaded, cal_admin):
    client.force_login(cal_admin)
    bad = SimpleUploadedFile("2027.csv", b"date,kind,name\n2027-02-10,workday,x\n2027-02-10,holiday,y\n")
    r = client.post(PAGE, {"action": "import", "year": 2027, "imp-file": bad})
    assert r.status_code == 400
    html = r.content.decode()
    assert "cal-problems-h" in html and html.count("<tr><td>") == 2
    assert not HolidayYear.objects.filter(year=2027).exists()
    good = SimpleUploadedFile("2027.csv", "日期,类型,名称\n2027-01-01,休,元旦\n".encode())
    r = client.post(PAGE, {"action": "import", "year": 2027, "imp-file": good, "imp-notice": "国办发明电〔2026〕7号"})
    assert r.status_code == 302
    assert HolidayYear.objects.get(year=2027).notice == "国办发明电〔2026〕7号"
    r = client.post(PAGE, {"action": "load", "year": 2024})
    assert r.status_code == 302 and HolidayYear.objects.filter(year=2024).exists()


def test_staff_banner_on_staff_pages_only(client, db, clerk, citizen):
    this_year = dt.date.today().year
    client.force_login(clerk)
    html = client.get(PAGE).content.decode()
    assert "calendar-banner" in html and str(this_year) in html
    client.force_login(citizen)
    assert "calendar-banner" not in client.get("/").content.decode()


def test_load_holidays_command(db):
    out = io.StringIO()
    call_command("load_holidays", "--year", "2025", stdout=out)
    assert "1 year(s) loaded" in out.getvalue()
    call_command("load_holidays", "--all", stdout=out)
    assert HolidayYear.objects.count() == len(services.package_years())
    with pytest.raises(CommandError):
        call_command("load_holidays")
    with pytest.raises(CommandError):
        call_command("load_holidays", "--year", "2099")


def test_import_holidays_command(db, tmp_path):
    good = tmp_path / "2027.csv"
    good.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_holidays", str(good), "--year", "2027", stdout=out)
    assert "2027: loaded 1 holidays" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-01-06,workday,x\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_holidays", str(bad), "--year", "2027", stderr=err)
    assert "row 2, kind" in err.getvalue()
    assert SpecialDay.objects.get().date == D(2027, 1, 1)


def test_system_check_warns_for_this_and_next_year(db):
    this_year = dt.date.today().year
    assert [w.id for w in arrangement_loaded()] == ["yiwang.calendar.W001", "yiwang.calendar.W002"]
    services.replace_year(this_year, [services.DayRow(D(this_year, 1, 1), "holiday", "元旦")], source="t")
    assert [w.id for w in arrangement_loaded()] == ["yiwang.calendar.W002"]
