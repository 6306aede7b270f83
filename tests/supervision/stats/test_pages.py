"""The statistics pages, exports, dashboards and rankings, through the pages as each kind of viewer gets them."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import types

import pytest
from django.test import Client
from django.utils import timezone

from yiwang.supervision import ranking
from yiwang.supervision.models import Ranking, ScoringModel

from . import world as W

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = W.build()
    W.conclude(w, W.submit(w))
    W.submit(w)
    W.conclude(w, W.submit(w, version=w["other_item"].current))
    W.drain()
    return w


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def today() -> str:
    return timezone.localdate().isoformat()


def test_the_city_supervisor_sees_every_department_and_the_approver_only_theirs(w):
    page = client(w["city_sup"]).get("/supervision/stats/")
    assert page.status_code == 200
    html = page.content.decode()
    assert w["org"].name in html and w["other"].name in html
    mine = client(w["approver"]).get("/supervision/stats/").content.decode()
    assert w["org"].name in mine and w["other"].name not in mine
    # asking for the other department is "not found", like a missing one
    assert client(w["approver"]).get(f"/supervision/stats/?organisation={w['other'].pk}").status_code == 404
    assert client(w["approver"]).get("/supervision/stats/?organisation=999999").status_code == 404


def test_people_without_a_statistics_role_are_refused(w):
    assert client(w["applicant"].user).get("/supervision/stats/").status_code == 403
    assert client(w["clerk"]).get("/supervision/dashboard/").status_code == 403
    anon = Client().get("/supervision/stats/")
    assert anon.status_code == 302 and "/accounts/sign-in/" in anon["Location"]


def test_bad_filters_get_a_field_message_not_a_500(w):
    page = client(w["city_sup"]).get("/supervision/stats/?start=2026-13-01&group=nope")
    assert page.status_code == 200
    html = page.content.decode()
    assert "YYYY-MM-DD" in html or "年" in html
    assert client(w["city_sup"]).get("/supervision/stats/cases/?figure=nope").status_code == 400
    assert (
        client(w["city_sup"]).get("/supervision/stats/export.xlsx?end=2020-01-01&start=2021-01-01").status_code == 400
    )


@pytest.mark.parametrize("group", ["organisation", "division", "item", "channel", "day", "month"])
def test_every_grouping_renders(w, group):
    page = client(w["city_sup"]).get(f"/supervision/stats/?group={group}")
    assert page.status_code == 200


def test_drill_down_lists_the_cases_behind_a_figure(w):
    c = client(w["approver"])
    received = c.get(f"/supervision/stats/cases/?figure=received&row_group=organisation&row={w['org'].pk}")
    assert received.status_code == 200
    assert len(re.findall(r"/workbench/cases/\d", received.content.decode())) == 2
    concluded = c.get("/supervision/stats/cases/?figure=concluded").content.decode()
    assert len(re.findall(r"/workbench/cases/\d", concluded)) == 1
    assert c.get(f"/supervision/stats/cases/?row_group=organisation&row={w['other'].pk}").status_code == 404


def test_xlsx_export_holds_the_table(w):
    from openpyxl import load_workbook

    r = client(w["city_sup"]).get("/supervision/stats/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    names = [row[0] for row in values]
    assert w["org"].name in names and w["other"].name in names
    header = values[3]
    total = values[-1]
    assert total[header.index("收到" if "收到" in header else header[1])] == 3 or total[1] == 3


def test_monthly_report_pdf_for_a_department_and_for_the_city(w):
    month = timezone.localdate().strftime("%Y-%m")
    city = client(w["city_sup"]).get(f"/supervision/stats/report/{month}.pdf")
    assert city.status_code == 200 and city.content.startswith(b"%PDF")
    dept = client(w["approver"]).get(f"/supervision/stats/report/{month}.pdf?organisation={w['org'].pk}")
    assert dept.status_code == 200 and dept.content.startswith(b"%PDF")
    assert (
        client(w["approver"]).get(f"/supervision/stats/report/{month}.pdf?organisation={w['other'].pk}").status_code
        == 404
    )
    assert client(w["approver"]).get("/supervision/stats/report/2026-99.pdf").status_code == 400


def test_dashboards_and_their_data(w):
    c = client(w["city_sup"])
    page = c.get("/supervision/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "echarts.min.js" in html and 'id="stats-data"' in html and "<table" in html
    assert "<script>" not in html and 'style="' not in html  # strict CSP
    data = c.get("/supervision/dashboard/data.json").json()
    assert data["kpi"]["received"] == 3 and data["kpi"]["concluded"] == 2
    assert sum(d["received"] for d in data["days"]) == 3
    assert {d["name"] for d in data["departments"]} == {w["org"].name, w["other"].name}
    wall = c.get("/supervision/dashboard/wall/")
    assert wall.status_code == 200 and "stats-wall" in wall.content.decode()
    dept = client(w["approver"]).get("/supervision/dashboard/data.json").json()
    assert dept["kpi"]["received"] == 2
    assert client(w["approver"]).get(f"/supervision/dashboard/?organisation={w['other'].pk}").status_code == 404


def test_supervisors_manage_models_and_publish_rankings_that_recompute_the_same(w):
    sup = client(w["city_sup"])
    assert client(w["approver"]).get("/supervision/rankings/models/").status_code == 403
    r = sup.post("/supervision/rankings/models/", {"name": "试行", "w_on_time_rate": "50", "w_red_card_rate": "-10"})
    assert r.status_code == 302
    m1 = ScoringModel.objects.get(name="试行")
    assert m1.version == 1 and m1.weights == {"on_time_rate": 50.0, "red_card_rate": -10.0}
    sup.post("/supervision/rankings/models/", {"name": "试行", "w_on_time_rate": "10", "w_satisfaction_rate": "5"})
    assert ScoringModel.objects.get(name="试行", version=1).weights == m1.weights  # never edited
    assert ScoringModel.objects.filter(name="试行").count() == 2
    bad = sup.post("/supervision/rankings/models/", {"name": "试行", "w_on_time_rate": "abc"})
    assert bad.status_code == 400 and ScoringModel.objects.filter(name="试行").count() == 2
    month = timezone.localdate().replace(day=1)
    r = sup.post("/supervision/rankings/publish/", {"month": month.strftime("%Y-%m"), "model": m1.pk})
    assert r.status_code == 302
    published = Ranking.objects.get(model=m1, month=month)
    assert [row["name"] for row in published.rows] and published.rows[0]["rank"] == 1
    assert ranking.compute(m1, month, None) == published.rows  # the same model recomputes the same ranking
    page = sup.get(f"/supervision/rankings/{published.pk}/").content.decode()
    assert "100 ×" in page and w["other"].name in page
    mine = client(w["approver"]).get(f"/supervision/rankings/{published.pk}/").content.decode()
    assert w["org"].name in mine and w["other"].name not in mine
    assert client(w["approver"]).post("/supervision/rankings/publish/", {"month": "2026-01"}).status_code == 403
    future = (month + dt.timedelta(days=40)).strftime("%Y-%m")
    assert sup.post("/supervision/rankings/publish/", {"month": future}).status_code == 400


def test_cards_come_from_the_cards_side_when_it_is_there(w, monkeypatch):
    calls = []

    def counts(org_ids, start, end):
        calls.append((tuple(org_ids), start, end))
        return {w["org"].pk: {"yellow": 2, "red": 1, "corrections": 3, "corrections_overdue": 1}}

    monkeypatch.setitem(sys.modules, "yiwang.supervision.cards_api", types.SimpleNamespace(counts=counts))
    data = client(w["city_sup"]).get("/supervision/dashboard/data.json").json()
    assert data["kpi"]["red"] == 1 and data["kpi"]["yellow"] == 2 and calls
    monkeypatch.setitem(sys.modules, "yiwang.supervision.cards_api", None)  # not there: zeros, no error
    from yiwang.supervision import indicators

    assert indicators.card_counts([w["org"].pk], dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == {}
