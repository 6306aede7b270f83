"""The cards side through its pages and its API: who sees which cards, a correction order's life, the watch list,
monitoring (with a hall's queue heard from halls' events), and the figures the statistics side reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.cases.models import Case, Message
from yiwang.core import outbox
from yiwang.orgs.models import Hall
from yiwang.supervision import cards, cards_api
from yiwang.supervision.models import Card, CardLevel, CardOutcome, CorrectionEvent, CorrectionOrder, HallQueue

from .world import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def make_card(case, *, level=CardLevel.RED, staff=None, org=None, rule="case_overdue", **kw) -> Card:
    return Card.objects.create(
        case=case,
        organisation=org or case.organisation,
        staff=staff,
        rule=rule,
        level=level,
        reason="逾期",
        details={"over": 2, "due": "2026-01-05"},
        case_number=case.case_number,
        item_name=case.item_name,
        **kw,
    )


def test_cards_page_shows_each_person_their_own_cards(w):
    case = w.submit()
    make_card(case, staff=w.reviewer)
    other = w.submit(w.other_item)
    make_card(other, staff=w.other_reviewer)
    r = w.client(w.reviewer).get("/workbench/supervision/cards/")
    assert r.status_code == 200
    body = r.content.decode()
    assert case.case_number in body and other.case_number not in body
    assert "红牌" in body and "逾期 2 个工作日" in body  # the reason, rendered in the reader's language
    approver = w.client(w.approver).get("/workbench/supervision/cards/").content.decode()
    assert case.case_number in approver and other.case_number not in approver  # the leader sees the department's
    far = w.submit(w.far_item)
    make_card(far)
    sup = w.client(w.supervisor).get("/workbench/supervision/cards/").content.decode()
    assert case.case_number in sup and other.case_number in sup  # a supervisor reaches their division
    assert far.case_number not in sup
    assert w.client(w.applicant.user).get("/workbench/supervision/cards/").status_code == 403


def test_cards_api_filters_and_pages_by_keyset(w):
    case = w.submit()
    base = timezone.now()
    for i in range(55):
        make_card(
            case,
            rule=f"r{i}",
            level=CardLevel.YELLOW if i % 2 else CardLevel.RED,
            issued_at=base - dt.timedelta(minutes=i),
        )
    c = w.client(w.supervisor)
    first = c.get("/api/v1/supervision/cards").json()
    assert len(first["items"]) == 50 and first["older"] and first["newer"] is None
    second = c.get("/api/v1/supervision/cards", {"older": first["older"]}).json()
    assert len(second["items"]) == 5 and second["older"] is None
    assert {x["id"] for x in first["items"]}.isdisjoint({x["id"] for x in second["items"]})
    reds = c.get("/api/v1/supervision/cards", {"level": "red"}).json()["items"]
    assert reds and all(x["level"] == "red" for x in reds)
    assert w.client(w.other_reviewer).get("/api/v1/supervision/cards").json()["items"] == []
    rules = c.get("/api/v1/supervision/cards/rules").json()
    assert rules["yellow_percent"] == 80 and any(r["code"] == "step_overdue" for r in rules["rules"])


def test_a_correction_order_through_the_pages(w):
    case = w.submit()
    sup = w.client(w.supervisor)
    r = sup.post(
        "/workbench/supervision/corrections/", {"case_number": case.case_number, "due": "2001-01-01", "text": "短"}
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "截止日期不能早于今天" in body and "至少" in body  # field errors in Chinese, nothing written
    assert not CorrectionOrder.objects.exists()
    other = w.submit(w.far_item)
    r = sup.post(
        "/workbench/supervision/corrections/",
        {"case_number": other.case_number, "due": str(timezone.localdate()), "text": "请说明延误原因"},
    )
    assert r.status_code == 400 and not CorrectionOrder.objects.exists()  # another department's case: not in reach
    due = timezone.localdate() + dt.timedelta(days=3)
    r = sup.post(
        "/workbench/supervision/corrections/",
        {"case_number": case.case_number, "due": str(due), "text": "请说明延误原因并补正"},
    )
    assert r.status_code == 302
    order = CorrectionOrder.objects.get()
    assert order.organisation_id == w.h.pk and order.state == "open"
    assert Message.objects.filter(recipient=w.reviewer, text__contains=order.number).exists()
    # The department answers; another department cannot even see it.
    assert w.client(w.other_reviewer).get(f"/workbench/supervision/corrections/{order.pk}/").status_code == 404
    rev = w.client(w.reviewer)
    assert rev.post(f"/workbench/supervision/corrections/{order.pk}/close/", {}).status_code == 403
    r = rev.post(f"/workbench/supervision/corrections/{order.pk}/answer/", {"answer": "", "revision": 1})
    assert r.status_code == 400 and "请说明" in r.content.decode()
    r = rev.post(
        f"/workbench/supervision/corrections/{order.pk}/answer/", {"answer": "已补正材料并加快办理", "revision": 1}
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "answered" and order.first_answered_at is not None
    assert Message.objects.filter(recipient=w.supervisor, text__contains="已补正").exists()
    # A stale form is refused; the supervisor reopens with a reason, then closes.
    r = sup.post(f"/workbench/supervision/corrections/{order.pk}/reopen/", {"note": "仍未说明原因", "revision": 1})
    assert r.status_code == 400
    r = sup.post(f"/workbench/supervision/corrections/{order.pk}/reopen/", {"note": "仍未说明原因", "revision": 2})
    assert r.status_code == 302
    rev.post(f"/workbench/supervision/corrections/{order.pk}/answer/", {"answer": "原因：系统故障，已恢复"})
    r = sup.post(f"/workbench/supervision/corrections/{order.pk}/close/", {"note": "同意"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "closed"
    assert list(CorrectionEvent.objects.filter(order=order).values_list("action", flat=True)) == [
        "issue",
        "answer",
        "reopen",
        "answer",
        "close",
    ]
    page = sup.get(f"/workbench/supervision/corrections/{order.pk}/").content.decode()
    assert "已关闭" in page or "关闭" in page
    assert sup.post(f"/workbench/supervision/corrections/{order.pk}/close/", {}).status_code == 400  # illegal now


def test_a_correction_order_through_the_api(w):
    case = w.submit()
    sup = w.client(w.supervisor)
    r = sup.post(
        "/api/v1/supervision/corrections",
        {"case_number": case.case_number, "due": "someday", "text": ""},
        content_type="application/json",
    )
    assert r.status_code == 400
    problems = {p["field"]: p for p in r.json()["detail"]}
    assert set(problems) == {"due", "text"}
    assert problems["due"]["message_en"] == "Enter a date as YYYY-MM-DD." and problems["due"]["message"]
    due = str(timezone.localdate() + dt.timedelta(days=2))
    r = sup.post(
        "/api/v1/supervision/corrections",
        {"case_number": case.case_number, "due": due, "text": "请核实收费依据"},
        content_type="application/json",
    )
    assert r.status_code == 201
    order = r.json()
    assert order["state"] == "open" and order["events"][0]["action"] == "issue"
    rev = w.client(w.reviewer)
    assert rev.get("/api/v1/supervision/corrections").json()["items"][0]["number"] == order["number"]
    r = rev.post(
        f"/api/v1/supervision/corrections/{order['id']}/answer",
        {"text": "已核实，未收费", "revision": 7},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "revision"
    r = rev.post(
        f"/api/v1/supervision/corrections/{order['id']}/answer",
        {"text": "已核实，未收费"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "answered"
    r = sup.post(f"/api/v1/supervision/corrections/{order['id']}/close", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert w.client(w.other_reviewer).get(f"/api/v1/supervision/corrections/{order['id']}").status_code == 404


def test_the_watch_list(w):
    case = w.submit()
    sup = w.client(w.supervisor)
    assert sup.post("/workbench/supervision/watch/", {"case_number": "nope"}).status_code == 400
    assert sup.post("/workbench/supervision/watch/", {"organisation_id": w.far.pk}).status_code == 400  # not in reach
    assert (
        sup.post("/workbench/supervision/watch/", {"case_number": case.case_number, "note": "群众反映"}).status_code
        == 302
    )
    assert sup.post("/workbench/supervision/watch/", {"organisation_id": w.h.pk}).status_code == 302
    make_card(case)
    page = sup.get("/workbench/supervision/watch/").content.decode()
    assert case.case_number in page and "群众反映" in page and w.h.name in page
    entries = sup.get("/api/v1/supervision/watch").json()
    assert {e["case_number"] for e in entries} == {case.case_number, None}
    r = sup.post("/api/v1/supervision/watch", {"case_number": case.case_number}, content_type="application/json")
    assert r.status_code == 201 and len(sup.get("/api/v1/supervision/watch").json()) == 2  # the same entry again
    first = entries[0]["id"]
    assert w.client(w.city_supervisor).delete(f"/api/v1/supervision/watch/{first}").status_code == 404
    assert sup.delete(f"/api/v1/supervision/watch/{first}").status_code == 204
    assert w.client(w.reviewer).get("/workbench/supervision/watch/").status_code == 403


def test_monitoring_with_a_hall_queue_heard_from_halls(w):
    from yiwang.halls import services as halls

    case = w.submit()
    Case.objects.filter(pk=case.pk).update(promised_due=timezone.localdate() - dt.timedelta(days=3))
    w.submit(accept=False)
    hall = Hall.objects.create(name="蚌埠市政务服务中心大厅", organisation=w.h, division=w.city, address="东海大道")
    halls.ensure_profile(hall, queue_outside_hours=True)
    line = halls.add_line(hall, code="A", name="综合受理")
    for _ in range(3):
        halls.take_ticket(line, source="kiosk", by=halls.By(channel="kiosk"))
    outbox.drain()
    q = HallQueue.objects.get(hall=hall)
    assert q.waiting == 3 and q.day == timezone.localdate()
    make_card(case, rule="manual", issued_at=timezone.now())
    r = w.client(w.supervisor).get("/workbench/supervision/monitor/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "实时监控" in body and hall.name in body and case.case_number in body
    data = w.client(w.supervisor).get("/api/v1/supervision/monitor").json()
    row = next(d for d in data["departments"] if d["organisation_id"] == w.h.pk)
    assert row["counts"]["overdue"] == 1 and row["counts"]["accepting"] == 1
    assert data["cards_today"]["red"] >= 1 and data["queues"][0]["waiting"] == 3
    # An older event handed over again changes nothing.
    from yiwang.supervision import monitor

    monitor.on_ticket_event(1, {"hall_id": hall.pk, "day": str(timezone.localdate()), "waiting": 99})
    assert HallQueue.objects.get(hall=hall).waiting == 3
    assert w.client(w.reviewer).get("/workbench/supervision/monitor/").status_code == 403


def test_counts_for_the_statistics_side(w):
    case = w.submit()
    today = timezone.localdate()
    make_card(case, level=CardLevel.RED)
    make_card(case, level=CardLevel.YELLOW, rule="a", resolved_at=timezone.now(), outcome=CardOutcome.IN_TIME)
    make_card(case, level=CardLevel.YELLOW, rule="b", resolved_at=timezone.now(), outcome=CardOutcome.ESCALATED)
    make_card(case, level=CardLevel.YELLOW, rule="c")
    make_card(case, level=CardLevel.RED, rule="old", issued_at=timezone.now() - dt.timedelta(days=40))
    CorrectionOrder.objects.create(
        number="JC1",
        case=case,
        organisation=w.h,
        case_number=case.case_number,
        item_name="x",
        text="x",
        due=today - dt.timedelta(days=1),
        issued_by=w.supervisor,
    )
    CorrectionOrder.objects.create(
        number="JC2",
        case=case,
        organisation=w.h,
        case_number=case.case_number,
        item_name="x",
        text="x",
        due=today + dt.timedelta(days=1),
        issued_by=w.supervisor,
    )
    out = cards_api.counts([w.h.pk, w.o.pk], today - dt.timedelta(days=7), today)
    assert out[w.h.pk] == {"yellow": 2, "red": 1, "corrections": 2, "corrections_overdue": 1}
    assert out[w.o.pk] == {"yellow": 0, "red": 0, "corrections": 0, "corrections_overdue": 0}
    assert cards_api.counts([], today, today) == {}


def test_the_sweep_is_the_workers_periodic_job(w):
    from yiwang.core import background

    assert "supervision.cards.sweep" in dict(background.JOBS.items())
    assert cards.sweep_job() == 0
