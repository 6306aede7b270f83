"""The calendar API: public reading and arithmetic with calendar_warnings, staff writing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.calendar.models import HolidayYear, SpecialDay

D = dt.date
URL = "/api/v1/calendar"
pytestmark = pytest.mark.filterwarnings("ignore::yiwang.calendar.workdays.CalendarWarning")


def test_days_of_a_year(client, loaded):
    r = client.get(f"{URL}/days", {"year": 2025})
    assert r.status_code == 200
    body = r.json()
    assert body["loaded"] and body["calendar_warnings"] == []
    assert {"date": "2025-09-28", "kind": "workday", "name": "国庆节"} in body["days"]
    assert body["workdays"] == 5
    missing = client.get(f"{URL}/days", {"year": 2030}).json()
    assert not missing["loaded"] and missing["days"] == []
    assert missing["calendar_warnings"][0]["year"] == 2030
    # Bounds are in the schema (issue 17): out of range is a 422 naming the field, like any schema bound.
    assert client.get(f"{URL}/days", {"year": 20300}).status_code == 422
    assert client.get(f"{URL}/days", {"year": "abc"}).status_code == 422


def test_years_lists_loaded_years_and_warns_for_missing_ones(client, loaded):
    body = client.get(f"{URL}/years").json()
    years = {y["year"]: y for y in body["years"]}
    assert years[2025]["loaded"] and years[2025]["holidays"] == 28
    assert years[2026]["source"].startswith("chinesecalendar")
    # Today is in 2026 in this test run or later; the following year is listed even when not loaded.
    this_year = dt.date.today().year
    assert this_year + 1 in years
    if not years[this_year + 1]["loaded"]:
        assert this_year + 1 in [w["year"] for w in body["calendar_warnings"]]


def test_is_working_day(client, loaded):
    body = client.get(f"{URL}/is-working-day", {"date": "2025-10-11"}).json()
    assert body == {
        "date": "2025-10-11",
        "working_day": True,
        "kind": "workday",
        "name": "国庆节",
        "calendar_warnings": [],
    }
    assert client.get(f"{URL}/is-working-day", {"date": "2025-10-03"}).json()["kind"] == "holiday"
    bare = client.get(f"{URL}/is-working-day", {"date": "2031-10-01"}).json()
    assert bare["working_day"] and bare["calendar_warnings"][0]["year"] == 2031
    assert client.get(f"{URL}/is-working-day", {"date": "2025-02-30"}).status_code == 422


def test_add_and_between(client, loaded):
    body = client.get(f"{URL}/add", {"start": "2025-09-26", "days": 6}).json()
    assert body["end"] == "2025-10-11" and body["unit"] == "working"
    assert client.get(f"{URL}/add", {"start": "2025-09-24", "days": 7, "unit": "natural"}).json()["end"] == "2025-10-09"
    late = client.get(f"{URL}/add", {"start": "2026-12-20", "days": 20}).json()
    assert [w["year"] for w in late["calendar_warnings"]] == [2027]
    bad = client.get(f"{URL}/add", {"start": "2025-09-26", "days": 99999, "unit": "weeks"})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["detail"]} == {"days", "unit"}
    assert client.get(f"{URL}/between", {"start": "2025-09-26", "end": "2025-10-13"}).json()["working_days"] == 7


def test_deadline_with_suspensions(client, loaded):
    payload = {"start": "2025-09-22", "days": 10, "suspensions": [{"start": "2025-09-29", "end": "2025-10-09"}]}
    body = client.post(f"{URL}/deadline", payload, content_type="application/json").json()
    assert body["end"] == "2025-10-15" and body["suspended_days"] == 3 and not body["provisional"]
    payload["suspensions"] = [{"start": "2025-09-29"}]
    body = client.post(f"{URL}/deadline", payload, content_type="application/json").json()
    assert body["end"] == "2025-10-11" and body["provisional"]
    payload["suspensions"] = [{"start": "2025-09-29", "end": "2025-09-01"}]
    bad = client.post(f"{URL}/deadline", {**payload, "days": -1}, content_type="application/json")
    assert bad.status_code == 400
    assert {d["field"] for d in bad.json()["detail"]} == {"days", "suspensions.0.end"}


def test_writes_need_an_administrator(client, loaded, clerk, cal_admin):
    upload = SimpleUploadedFile(
        "2027.csv", "date,kind,name\n2027-01-01,holiday,元旦\n".encode(), content_type="text/csv"
    )
    assert client.post(f"{URL}/import", {"file": upload, "year": 2027}).status_code == 401
    client.force_login(clerk)
    upload.seek(0)
    assert client.post(f"{URL}/import", {"file": upload, "year": 2027}).status_code == 403
    assert client.put(f"{URL}/days/2026-10-14", {"kind": "holiday"}, content_type="application/json").status_code == 403
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_import_through_the_api(client, loaded, cal_admin):
    client.force_login(cal_admin)
    good = SimpleUploadedFile("2027.csv", "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节\n".encode())
    r = client.post(f"{URL}/import", {"file": good, "year": 2027, "notice": "国办发明电〔2026〕7号"})
    assert r.status_code == 200, r.json()
    assert r.json()["holidays"] == 1 and r.json()["workdays"] == 1
    bad = SimpleUploadedFile("bad.csv", b"date,kind,name\n2027-02-10,workday,x\n2026-01-01,holiday,y\n")
    r = client.post(f"{URL}/import", {"file": bad, "year": 2027})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert [(d["row"], d["column"], d["code"]) for d in detail] == [
        (2, "kind", "workday_not_weekend"),
        (3, "date", "outside_year"),
    ]
    assert "周六或周日" in detail[0]["message"] or detail[0]["message"]
    assert SpecialDay.objects.filter(year__year=2027).count() == 2


def test_single_days_and_load_through_the_api(client, loaded, cal_admin):
    client.force_login(cal_admin)
    r = client.put(f"{URL}/days/2026-07-01", {"kind": "holiday", "name": "测试"}, content_type="application/json")
    assert r.status_code == 200
    assert client.get(f"{URL}/is-working-day", {"date": "2026-07-01"}).json()["working_day"] is False
    r = client.put(f"{URL}/days/2026-07-01", {"kind": "workday"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"][0]["code"] == "workday_not_weekend"
    assert client.delete(f"{URL}/days/2026-07-01").status_code == 204
    assert client.delete(f"{URL}/days/2026-07-01").status_code == 404
    assert client.get(f"{URL}/is-working-day", {"date": "2026-07-01"}).json()["working_day"] is True
    r = client.post(f"{URL}/load", {"years": [2024]}, content_type="application/json")
    assert r.status_code == 200 and r.json()[0]["year"] == 2024
    r = client.post(f"{URL}/load", {"years": [2099]}, content_type="application/json")
    assert r.status_code == 400
    assert client.post(f"{URL}/load", {}, content_type="application/json").status_code == 400


@pytest.mark.parametrize("date", ["0", "20251011", "1760000000", "2025-10-11T00:00:00", "2025-1-1", " 2025-10-11"])
def test_a_date_must_be_an_iso_date(client, loaded, date):
    """pydantic read a number as Unix time: `date=0` answered for 1970-01-01 (issue 17)."""
    r = client.get(f"{URL}/is-working-day", {"date": date})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "date"
    assert r.json()["detail"][0]["message_en"] == "Enter a date as YYYY-MM-DD."
    bad = client.post(f"{URL}/deadline", {"start": 0, "days": 1}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "start"


def test_the_limits_are_in_the_document(client):
    doc = client.get("/api/v1/openapi.json").json()

    def params(path):
        return {p["name"]: p["schema"] for p in doc["paths"][f"{URL}{path}"]["get"]["parameters"]}

    assert (params("/days")["year"]["minimum"], params("/days")["year"]["maximum"]) == (1949, 2200)
    assert (params("/add")["days"]["minimum"], params("/add")["days"]["maximum"]) == (-3650, 3650)
    assert params("/add")["unit"]["enum"] == ["working", "natural"]
    deadline = doc["components"]["schemas"]["DeadlineIn"]["properties"]["days"]
    assert (deadline["minimum"], deadline["maximum"]) == (-3650, 3650)
    responses = doc["paths"][f"{URL}/add"]["get"]["responses"]
    assert {"200", "400", "422"} <= set(responses)
