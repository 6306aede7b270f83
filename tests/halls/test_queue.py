"""Queue numbers and calling through the service layer: numbering, idempotency, the calling order, compare-and-set,
windows, transfers, the figures they leave behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.halls.world import build, by
from yiwang.core.errors import ProblemsError
from yiwang.halls import queries, services
from yiwang.halls.models import (
    DayFigures,
    HallEvent,
    Ticket,
    TicketSource,
    TicketState,
    WindowStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in exc.value.problems]


def take(w, line=None, **kw):
    kw.setdefault("source", TicketSource.KIOSK)
    kw.setdefault("by", services.By(channel="kiosk"))
    ticket, _created = services.take_ticket(line or w["line"], **kw)
    return ticket


def sit(w, window=None, user=None):
    window = window or w["windows"][0]
    services.open_window(window, by(user or w["clerk"]))
    return window


def test_numbers_run_per_line_and_per_day(w):
    assert [take(w).number for _ in range(3)] == ["A001", "A002", "A003"]
    assert take(w, w["pickup"]).number == "C001"
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert take(w, now=tomorrow).number == "A001"
    assert Ticket.objects.filter(number="A001").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        t = Ticket.objects.filter(number="A002").get()
        Ticket.objects.create(
            hall=t.hall, line=t.line, first_line=t.line, day=t.day, serial=99, number="A002", source="kiosk"
        )


def test_a_double_tap_and_a_phone_reload_issue_one_number(w):
    first, created = services.take_ticket(
        w["line"], source=TicketSource.KIOSK, by=services.By(channel="kiosk"), client_ref="form-1"
    )
    again, created_again = services.take_ticket(
        w["line"], source=TicketSource.KIOSK, by=services.By(channel="kiosk"), client_ref="form-1"
    )
    assert created and not created_again and first.pk == again.pk
    phone = take(w, source=TicketSource.PHONE, holder="s:abc")
    assert take(w, w["pickup"], source=TicketSource.PHONE, holder="s:abc").pk == phone.pk
    services.cancel_ticket(phone, services.By(channel="phone"))
    assert take(w, source=TicketSource.PHONE, holder="s:abc").pk != phone.pk


def test_numbers_only_while_open_and_within_the_daily_cap(w):
    services.set_weekly_hours(w["hall"], {d: [] for d in range(7)}, services.SYSTEM)
    w["profile"].queue_outside_hours = False
    w["profile"].save()
    with pytest.raises(ProblemsError) as exc:
        take(w)
    assert codes(exc) == ["closed"]
    w["profile"].queue_outside_hours = True
    w["profile"].save()
    w["line"].daily_cap = 2
    w["line"].save()
    take(w), take(w)
    with pytest.raises(ProblemsError) as exc:
        take(w)
    assert codes(exc) == ["sold_out"]
    with pytest.raises(ProblemsError) as exc:
        take(w, priority_group="vip")
    assert codes(exc) == ["invalid"]


def test_calling_order_booked_in_slot_then_priority_then_arrival(w):
    early = take(w)
    elderly = take(w, priority_group="elderly")
    later = take(w)
    booked = take(w, source=TicketSource.APPOINTMENT)
    Ticket.objects.filter(pk=booked.pk).update(booked_from=timezone.now() - dt.timedelta(minutes=1))
    future_booked = take(w, source=TicketSource.APPOINTMENT)
    Ticket.objects.filter(pk=future_booked.pk).update(booked_from=timezone.now() + dt.timedelta(hours=2))
    window = sit(w)
    assert queries.ahead_of(Ticket.objects.get(pk=later.pk)) == 3  # booked, elderly, early
    order = []
    for _ in range(5):
        t = services.call_next(window, by(w["clerk"]))
        order.append(t.pk)
        services.finish(window, by(w["clerk"]))
    assert order == [booked.pk, elderly.pk, early.pk, later.pk, future_booked.pk]
    assert services.call_next(window, by(w["clerk"])) is None


def test_two_windows_never_hold_the_same_ticket(w):
    t1, t2 = take(w), take(w)
    a = sit(w, w["windows"][0], w["clerk"])
    b = sit(w, w["windows"][1], w["clerk2"])
    assert services.call_next(a, by(w["clerk"])).pk == t1.pk
    assert services.call_next(b, by(w["clerk2"])).pk == t2.pk
    with pytest.raises(ProblemsError) as exc:
        services.call_next(a, by(w["clerk"]))
    assert codes(exc) == ["busy"]
    stale = Ticket.objects.get(pk=t1.pk)
    services.recall(a, by(w["clerk"]), stale.pk, stale.version)
    with pytest.raises(ProblemsError) as exc:
        services.finish(a, by(w["clerk"]), stale.pk, stale.version)  # the page showed the version before the recall
    assert codes(exc) == ["stale"]
    with pytest.raises(ProblemsError) as exc:
        services.finish(b, by(w["clerk2"]), t1.pk)
    assert codes(exc) == ["not_current"]
    # Compare-and-set at the row: a write with an old version changes nothing.
    assert Ticket.objects.filter(pk=t1.pk, version=stale.version).update(state="finished") == 0


def test_windows_belong_to_one_clerk_at_a_time(w):
    a, b = w["windows"][0], w["windows"][1]
    sit(w, a)
    with pytest.raises(ProblemsError) as exc:
        services.open_window(a, by(w["clerk2"]))
    assert codes(exc) == ["taken"]
    with pytest.raises(ProblemsError) as exc:
        services.open_window(b, by(w["clerk"]))
    assert codes(exc) == ["elsewhere"]
    with pytest.raises(ProblemsError) as exc:
        services.call_next(a, by(w["clerk2"]))
    assert codes(exc) == ["not_yours"]
    take(w)
    services.pause_window(a, by(w["clerk"]))
    with pytest.raises(ProblemsError) as exc:
        services.call_next(a, by(w["clerk"]))
    assert codes(exc) == ["paused"]
    services.resume_window(a, by(w["clerk"]))
    services.call_next(a, by(w["clerk"]))
    with pytest.raises(ProblemsError) as exc:
        services.close_window(a, by(w["clerk"]))
    assert codes(exc) == ["busy"]
    services.skip(a, by(w["clerk"]))
    assert services.close_window(a, by(w["clerk"])).status == WindowStatus.CLOSED
    services.open_window(b, by(w["clerk"]))


def test_times_recalls_skips_and_transfers_are_kept(w):
    t = take(w)
    other = take(w)
    window = sit(w)
    services.call_next(window, by(w["clerk"]))
    services.recall(window, by(w["clerk"]))
    services.start_service(window, by(w["clerk"]))
    done = services.finish(window, by(w["clerk"]))
    assert done.pk == t.pk and done.state == TicketState.FINISHED
    assert done.recalls == 1 and done.wait_seconds is not None and done.service_seconds is not None
    assert done.idle_before_seconds is not None
    moved = services.call_next(window, by(w["clerk"]))
    assert moved.pk == other.pk
    moved = services.transfer(window, by(w["clerk"]), to_line=w["pickup"])
    assert moved.state == TicketState.WAITING and moved.number == other.number and moved.line == w["pickup"]
    assert moved.transfers == 1 and moved.queued_at == other.queued_at and moved.window is None
    c01 = sit(w, w["c01"], w["clerk2"])
    assert services.call_next(c01, by(w["clerk2"])).pk == other.pk
    services.transfer(c01, by(w["clerk2"]), to_window=w["windows"][2])
    assert services.call_next(window, by(w["clerk"])) is None  # sent to window 3, not to the line
    third = sit(w, w["windows"][2], w["manager"])
    assert services.call_next(third, by(w["manager"])).pk == other.pk
    skipped = services.skip(third, by(w["manager"]))
    assert skipped.state == TicketState.NO_SHOW
    actions = list(HallEvent.objects.filter(ticket_id=other.pk).values_list("action", flat=True))
    assert actions == ["issue", "call", "transfer", "call", "transfer", "call", "skip"]


def test_the_display_shows_calls_and_queues(w):
    take(w), take(w), take(w, w["pickup"])
    state = queries.display_state(w["hall"])
    assert state["calls"] == [] and {x["code"]: x["waiting"] for x in state["lines"]} == {"A": 2, "C": 1}
    window = sit(w)
    services.call_next(window, by(w["clerk"]))
    services.recall(window, by(w["clerk"]))
    after = queries.display_state(w["hall"])
    assert after["version"] != state["version"]
    assert [(c["number"], c["window"], c["recall"]) for c in after["calls"]] == [
        ("A001", "A01", True),
        ("A001", "A01", False),
    ]
    assert queries.display_state(w["hall"])["version"] == after["version"]


def test_a_closed_day_expires_leftovers_and_rolls_up_figures(w):
    yesterday = timezone.now() - dt.timedelta(days=1)
    served = take(w, now=yesterday)
    take(w, now=yesterday)
    window = sit(w)
    Ticket.objects.filter(pk=served.pk).update(day=timezone.localdate())  # callable today for the test
    services.call_next(window, by(w["clerk"]))
    services.finish(window, by(w["clerk"]))
    Ticket.objects.filter(pk=served.pk).update(day=timezone.localdate(yesterday))
    assert services.close_day() == 1
    figures = DayFigures.objects.get(line=w["line"], day=timezone.localdate(yesterday))
    assert (figures.issued, figures.served, figures.unserved) == (2, 1, 1)
    history = queries.history(w["hall"], timezone.localdate(yesterday), days=2)
    assert history[-1]["issued"] == 2 and history[-1]["served"] == 1


def test_manager_figures_today(w):
    for _ in range(3):
        take(w)
    window = sit(w)
    services.call_next(window, by(w["clerk"]))
    services.finish(window, by(w["clerk"]))
    services.call_next(window, by(w["clerk"]))
    services.skip(window, by(w["clerk"]))
    summary = queries.hall_summary(w["hall"], timezone.localdate())
    assert (summary["issued"], summary["served"], summary["no_shows"], summary["waiting"]) == (3, 1, 1, 1)
    assert summary["no_show_rate"] == 50.0
    rows = {r["line"].code: r for r in queries.line_figures(w["hall"], timezone.localdate())}
    assert rows["A"]["waiting"] == 1 and rows["A"]["avg_wait"] is not None
    windows = {r["window"].number: r for r in queries.windows_now(w["hall"])}
    assert windows["A01"]["idle"] and windows["A01"]["served"] == 1 and windows["A02"]["status"] == "closed"
