"""The hall pages through the test client: public pages, the phone number, the kiosk, the calling screen's JSON, the
window console, the front desk, the manager's page, booking from a guide and My Space."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, make_item, person, staff
from tests.halls.world import build, tomorrow_at
from yiwang.halls import services
from yiwang.halls.models import Appointment, AppointmentState, HoursException, Ticket, TicketState
from yiwang.orgs.models import Hall, OrgKind, Role, Window

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_public_pages_and_the_qr_code(w):
    c = Client()
    hall = w["hall"]
    for url in ("/halls/", f"/halls/{hall.pk}/", f"/halls/{hall.pk}/take/", f"/halls/{hall.pk}/display/"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "<script>" not in r.content.decode()  # no inline script: a strict CSP can come
    qr = c.get(f"/halls/{hall.pk}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<?xml")
    assert c.get("/halls/99999/").status_code == 404
    bare = Hall.objects.create(name="无设置大厅", organisation=w["centre"], division=w["city"], address="x")
    assert c.get(f"/halls/{bare.pk}/display/").status_code == 404


def test_a_phone_takes_one_number_and_follows_it(w):
    phone = Client()
    r = phone.post(f"/halls/{w['hall'].pk}/take/", {"line": w["line"].pk})
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert r["Location"] == f"/halls/t/{ticket.key}/"
    again = phone.post(f"/halls/{w['hall'].pk}/take/", {"line": w["pickup"].pk})
    assert again["Location"] == r["Location"] and Ticket.objects.count() == 1
    page = phone.get(r["Location"])
    assert "A001" in page.content.decode()
    state = phone.get(f"/halls/t/{ticket.key}/state/")
    assert state.json()["state"] == "waiting" and state.json()["ahead"] == 0
    etag = state["ETag"]
    assert phone.get(f"/halls/t/{ticket.key}/state/", headers={"If-None-Match": etag}).status_code == 304
    assert phone.post(f"/halls/t/{ticket.key}/cancel/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == TicketState.CANCELLED
    assert phone.get(f"/halls/t/{ticket.key}/state/", headers={"If-None-Match": etag}).status_code == 200
    assert phone.get("/halls/t/nope/").status_code == 404
    assert phone.post(f"/halls/{w['hall'].pk}/take/", {"line": 0}).status_code == 400


def test_the_kiosk_issues_once_per_form_and_checks_in(w):
    kiosk = Client()
    url = f"/halls/kiosk/{w['profile'].kiosk_key}/"
    page = kiosk.get(url)
    assert page.status_code == 200 and "综合受理" in page.content.decode()
    first = kiosk.post(url, {"line": w["line"].pk, "ref": "tap-1", "priority": "elderly"})
    second = kiosk.post(url, {"line": w["line"].pk, "ref": "tap-1", "priority": "elderly"})
    assert first.status_code == second.status_code == 200
    assert Ticket.objects.count() == 1 and Ticket.objects.get().priority_group == "elderly"
    assert "<svg" in first.content.decode() and "A001" in first.content.decode()
    assert kiosk.post(url, {"op": "check_in", "code": "NOSUCH"}).status_code == 400
    assert kiosk.get("/halls/kiosk/wrong-key/").status_code == 404


def test_the_clerk_calls_and_the_screen_changes(w):
    services.take_ticket(w["line"], source="kiosk", by=services.By(channel="kiosk"))
    screen = Client()
    before = screen.get(f"/halls/{w['hall'].pk}/display/state/")
    assert before.json()["calls"] == []
    clerk = client_for(w["clerk"])
    window = w["windows"][0]
    assert clerk.get("/workbench/halls/").status_code == 200
    assert clerk.post(f"/workbench/halls/windows/{window.pk}/open/").status_code == 302
    assert clerk.post(f"/workbench/halls/windows/{window.pk}/call/").status_code == 302
    console = clerk.get(f"/workbench/halls/windows/{window.pk}/")
    assert "A001" in console.content.decode()
    after = screen.get(f"/halls/{w['hall'].pk}/display/state/", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200 and after.json()["calls"][0]["number"] == "A001"
    assert after.json()["calls"][0]["window"] == "A01"
    ticket = Ticket.objects.get()
    r = clerk.post(f"/workbench/halls/windows/{window.pk}/finish/", {"ticket": ticket.pk, "version": 0})
    assert r.status_code == 400  # the version the page showed is stale: nothing changes
    r = clerk.post(f"/workbench/halls/windows/{window.pk}/finish/", {"ticket": ticket.pk, "version": ticket.version})
    assert r.status_code == 302
    assert Ticket.objects.get().state == TicketState.FINISHED
    assert clerk.post(f"/workbench/halls/windows/{window.pk}/dance/").status_code == 404
    state = clerk.get(f"/workbench/halls/windows/{window.pk}/state/").json()
    assert state["status"] == "open" and state["current"] == ""


def test_staff_reach_and_refusals(w):
    other_centre = OrganisationFactory(name="怀远县政务服务中心", division=w["city"], kind=OrgKind.SERVICE_CENTER)
    far_clerk = staff(other_centre, Role.WINDOW_CLERK, username="far-clerk")
    window = w["windows"][0]
    far = client_for(far_clerk)
    assert far.get(f"/workbench/halls/windows/{window.pk}/").status_code == 404
    assert far.post(f"/workbench/halls/windows/{window.pk}/open/").status_code == 404
    assert far.get(f"/workbench/halls/{w['hall'].pk}/desk/").status_code == 404
    assert far.get(f"/workbench/halls/{w['hall'].pk}/manage/").status_code == 404
    citizen = client_for(w["citizen"].user)
    assert citizen.get("/workbench/halls/").status_code == 403
    assert citizen.post(f"/workbench/halls/windows/{window.pk}/open/").status_code == 403
    assert Client().get("/workbench/halls/").status_code == 302
    # A manager reads the figures but sits at no window; a clerk works windows but reads no figures.
    manager = client_for(w["manager"])
    assert manager.get(f"/workbench/halls/{w['hall'].pk}/manage/").status_code == 200
    assert manager.get(f"/workbench/halls/windows/{window.pk}/").status_code == 404
    assert client_for(w["clerk"]).get(f"/workbench/halls/{w['hall'].pk}/manage/").status_code == 404
    supervisor = client_for(staff(w["centre"], Role.SUPERVISOR, username="h-sup"))
    assert supervisor.get(f"/workbench/halls/{w['hall'].pk}/manage/").status_code == 200
    assert (
        supervisor.post(f"/workbench/halls/{w['hall'].pk}/manage/", {"date": "2030-01-01", "reason": "x"}).status_code
        == 404
    )
    assert not HoursException.objects.exists()
    assert Window.objects.filter(pk=window.pk).exists()


def test_the_front_desk_issues_priority_numbers_and_checks_in(w):
    desk = client_for(w["clerk"])
    url = f"/workbench/halls/{w['hall'].pk}/desk/"
    r = desk.post(url, {"line": w["line"].pk, "priority": "disabled", "ref": "d1"})
    assert r.status_code == 302
    assert Ticket.objects.get().priority_group == "disabled"
    assert "A001" in desk.get(r["Location"]).content.decode()
    assert desk.post(url, {"op": "check_in", "code": "ZZZ"}).status_code == 400


def test_the_manager_closes_an_afternoon(w):
    manager = client_for(w["manager"])
    url = f"/workbench/halls/{w['hall'].pk}/manage/"
    day = tomorrow_at(9).date().isoformat()
    bad = manager.post(url, {"date": day, "kind": "closed", "opens": "25:00", "closes": "", "reason": ""})
    assert bad.status_code == 400
    r = manager.post(url, {"date": day, "kind": "closed", "opens": "13:00", "closes": "18:00", "reason": "培训"})
    assert r.status_code == 302
    exc = HoursException.objects.get()
    page = manager.get(url).content.decode()
    assert "培训" in page
    assert manager.post(url, {"op": "remove_exception", "exception": exc.pk}).status_code == 302
    assert not HoursException.objects.exists()


def test_booking_from_the_guide_to_my_space(w):
    link = f"/halls/items/{w['item'].item_code}/"
    assert link in Client().get(f"/items/{w['item'].item_code}/").content.decode()
    assert link in Client().get(f"/m/items/{w['item'].item_code}/").content.decode()
    where = Client().get(link).content.decode()
    assert w["hall"].name in where and "/halls/book/?item=" in where and "A01" in where
    assert "暂无大厅" in Client().get(f"/halls/items/{w['other_item'].item_code}/").content.decode()
    assert Client().get("/halls/items/nope/").status_code == 404
    me = client_for(w["citizen"].user)
    code = w["item"].item_code
    page = me.get(f"/halls/book/?item={code}&date={tomorrow_at(9).date().isoformat()}")
    assert page.status_code == 200 and f'value="{tomorrow_at(9).isoformat()}"' in page.content.decode()
    r = me.post(f"/halls/book/?item={code}", {"line": w["line"].pk, "starts_at": "nonsense", "seats": 1})
    assert r.status_code == 400
    r = me.post(
        f"/halls/book/?item={code}", {"line": w["line"].pk, "starts_at": tomorrow_at(9).isoformat(), "seats": 2}
    )
    assert r.status_code == 302
    confirm = r["Location"]
    assert me.get(confirm).status_code == 200
    assert Client().get(confirm).status_code == 302  # sign in first
    assert client_for(person("李四").user).get(confirm).status_code == 404  # someone else's hold
    r = me.post(confirm, {"items": [code], "name_0": "张三", "name_1": ""})
    assert r.status_code == 302
    appt = Appointment.objects.get()
    assert appt.party_size == 1 and appt.item_names == [w["item"].current.name]
    detail = me.get(r["Location"]).content.decode()
    assert appt.code in detail
    space = me.get("/my/").content.decode()
    assert appt.code in space or "/my/appointments/" in space
    assert me.get(f"/my/appointments/{appt.code}/?change=1").status_code == 200
    r = me.post(f"/my/appointments/{appt.code}/change/", {"starts_at": tomorrow_at(10).isoformat()})
    assert r.status_code == 302
    appt.refresh_from_db()
    assert appt.starts_at == tomorrow_at(10)
    assert me.post(f"/my/appointments/{appt.code}/cancel/").status_code == 302
    appt.refresh_from_db()
    assert appt.state == AppointmentState.CANCELLED
    assert client_for(person("王五").user).get(f"/my/appointments/{appt.code}/").status_code == 404
    assert client_for(w["clerk"]).get(f"/halls/book/?item={code}").status_code == 403


def test_the_back_office_shows_each_manager_their_halls(w):
    manager = client_for(w["manager"])
    for model in ("hallprofile", "openinghours", "businessline", "windowline", "windowitem", "ticket", "appointment"):
        assert manager.get(f"/admin/halls/{model}/").status_code == 200, model
    assert manager.get(f"/admin/halls/businessline/{w['line'].pk}/change/").status_code == 200
    other = staff(OrganisationFactory(name="五河县政务服务中心", division=w["city"]), Role.HALL_MANAGER, username="o-m")
    far = client_for(other)
    assert w["line"].name not in far.get("/admin/halls/businessline/").content.decode()
    assert far.get(f"/admin/halls/businessline/{w['line'].pk}/change/").status_code == 404
    clerk = client_for(w["clerk"])
    assert clerk.get("/admin/halls/businessline/").status_code == 200
    assert clerk.post(f"/admin/halls/businessline/{w['line'].pk}/change/", {"name": "x"}).status_code == 403


def test_a_depth_three_application_offers_its_one_visit_and_the_booking_links_the_case(w):
    from yiwang.cases import applying
    from yiwang.cases.actions import Caller

    one_visit = make_item(w["dept"], name="餐饮服务食品安全现场核查", online_depth=3, visits_required=1)
    services.set_window_items(w["windows"][0], [w["item"], one_visit])
    me = client_for(w["citizen"].user)
    done = applying.apply(
        Caller.for_user(w["citizen"].user),
        applying.ApplyRequest(item_code=one_visit.item_code, channel="portal", form={"contact_phone": "13912345678"}),
    )
    case = done.case
    receipt = me.get(f"/apply/receipt/{case.case_number}/").content.decode()
    link = f"/halls/book/?item={one_visit.item_code}&amp;case={case.case_number}"
    assert link in receipt
    # A depth-IV item (no visit) offers nothing.
    online = applying.apply(
        Caller.for_user(w["citizen"].user),
        applying.ApplyRequest(item_code=w["item"].item_code, channel="portal", form={"contact_phone": "13912345678"}),
    )
    assert "/halls/book/" not in me.get(f"/apply/receipt/{online.case.case_number}/").content.decode()
    r = me.post(
        f"/halls/book/?item={one_visit.item_code}&case={case.case_number}",
        {"line": w["line"].pk, "starts_at": tomorrow_at(10).isoformat(), "seats": 1, "case": case.case_number},
    )
    assert r.status_code == 302 and f"case={case.case_number}" in r["Location"]
    page = me.get(r["Location"]).content.decode()
    assert case.case_number in page
    assert (
        me.post(r["Location"], {"items": [one_visit.item_code], "name_0": "张三", "case": case.case_number}).status_code
        == 302
    )
    assert Appointment.objects.get().case == case
    # Someone else's case number is ignored, never linked.
    other = client_for(person("李四").user)
    r2 = other.post(
        f"/halls/book/?item={one_visit.item_code}",
        {"line": w["line"].pk, "starts_at": tomorrow_at(11).isoformat(), "seats": 1, "case": case.case_number},
    )
    assert "case=" not in r2["Location"]
