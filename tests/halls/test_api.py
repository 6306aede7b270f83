"""The halls API: public reads, booking with a hold, a number from the app, a window driven through the API, the
manager's figures; errors in the one shape."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import person
from tests.halls.world import build, tomorrow_at
from yiwang.halls.models import Appointment, Ticket

pytestmark = pytest.mark.django_db
API = "/api/v1/halls"


@pytest.fixture
def w():
    return build()


def signed(user) -> Client:
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.get("/api/v1/identity/csrf")
    c.defaults["HTTP_X_CSRFTOKEN"] = c.cookies["csrftoken"].value
    return c


def post(c: Client, url: str, body: dict | None = None):
    return c.post(url, body or {}, content_type="application/json")


def test_public_reads(w):
    c = Client()
    halls = c.get(f"{API}/").json()
    assert [h["name"] for h in halls] == [w["hall"].name]
    hall = c.get(f"{API}/{w['hall'].pk}").json()
    assert {x["code"] for x in hall["lines"]} == {"A", "C"} and len(hall["hours"]) == 7
    days = c.get(f"{API}/lines/{w['line'].pk}/availability", {"days": 2}).json()
    assert len(days) == 2 and days[1]["slots"][0]["capacity"] == 6
    where = c.get(f"{API}/items/{w['item'].item_code}/where").json()
    assert where[0]["hall"] == w["hall"].name and where[0]["bookable"]
    assert c.get(f"{API}/items/nope/where").status_code == 404
    assert c.get(f"{API}/{w['hall'].pk}/display").json()["calls"] == []


def test_booking_with_a_hold(w):
    me = signed(w["citizen"].user)
    r = post(me, f"{API}/holds", {"line_id": w["line"].pk, "starts_at": tomorrow_at(9).isoformat(), "seats": 2})
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    r = post(
        me,
        f"{API}/appointments",
        {
            "line_id": w["line"].pk,
            "starts_at": tomorrow_at(9).isoformat(),
            "items": [w["item"].item_code],
            "attendees": ["张三", "张小三"],
            "hold_token": token,
        },
    )
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["party_size"] == 2
    assert [a["code"] for a in me.get(f"{API}/appointments").json()] == [code]
    r = post(me, f"{API}/appointments/{code}/change", {"starts_at": tomorrow_at(10).isoformat()})
    assert r.status_code == 200 and r.json()["starts_at"].startswith(tomorrow_at(10).date().isoformat())
    stranger = signed(person("李四").user)
    assert stranger.get(f"{API}/appointments/{code}").status_code == 404
    assert post(stranger, f"{API}/appointments/{code}/cancel").status_code == 404
    clerk = signed(w["clerk"])
    assert clerk.get(f"{API}/appointments/{code}").status_code == 200  # the hall's staff see it
    r = post(clerk, f"{API}/appointments/{code}/cancel")
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "reason"
    assert post(me, f"{API}/appointments/{code}/cancel").json()["state"] == "cancelled"
    bad = post(me, f"{API}/appointments", {"line_id": w["line"].pk, "starts_at": "2020-01-01T09:00:00", "items": []})
    assert bad.status_code == 400
    assert {d["field"] for d in bad.json()["detail"]} == {"items"}
    assert post(Client(), f"{API}/holds", {"line_id": 1, "starts_at": "x"}).status_code in (401, 422)
    assert Appointment.objects.count() == 1


def test_a_number_and_a_window_through_the_api(w):
    me = signed(w["citizen"].user)
    r = post(me, f"{API}/{w['hall'].pk}/tickets", {"line_id": w["line"].pk})
    assert r.status_code == 201 and r.json()["number"] == "A001"
    key = r.json()["key"]
    assert post(me, f"{API}/{w['hall'].pk}/tickets", {"line_id": w["line"].pk}).status_code == 200  # the same one
    r = post(me, f"{API}/{w['hall'].pk}/tickets", {"line_id": w["line"].pk, "priority_group": "elderly"})
    assert r.status_code == 400
    clerk = signed(w["clerk"])
    desk = post(clerk, f"{API}/{w['hall'].pk}/tickets", {"line_id": w["line"].pk, "priority_group": "elderly"})
    assert desk.status_code == 201 and desk.json()["number"] == "A002"
    window = w["windows"][0].pk
    assert post(clerk, f"{API}/windows/{window}/call-next").status_code == 400  # not open yet
    assert post(clerk, f"{API}/windows/{window}/open").json()["status"] == "open"
    called = post(clerk, f"{API}/windows/{window}/call-next").json()
    assert called["called"]["number"] == "A002"  # priority first
    current = Ticket.objects.get(number="A002")
    r = post(clerk, f"{API}/windows/{window}/finish", {"ticket_id": current.pk, "version": current.version})
    assert r.status_code == 200 and r.json()["current"] is None
    assert post(clerk, f"{API}/windows/{window}/call-next").json()["called"]["number"] == "A001"
    assert Client().get(f"{API}/tickets/{key}").json()["window"] == "A01"
    assert signed(w["citizen"].user).get(f"{API}/windows/{window}").status_code == 403
    figures = signed(w["manager"]).get(f"{API}/{w['hall'].pk}/figures").json()
    assert figures["issued"] == 2 and figures["served"] == 1 and figures["windows_open"] == 1
    assert clerk.get(f"{API}/{w['hall'].pk}/figures").status_code == 404
