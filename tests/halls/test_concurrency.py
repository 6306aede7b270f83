"""Many requests at the same moment on PostgreSQL (SQLite in memory has one connection: skipped there).

- 40 people book the same slot of 6 places: exactly 6 succeed, the others are told "full", nothing else;
- 30 kiosks take numbers on one line at once: 30 different serials, none repeated;
- 20 windows call next at once, round after round: every ticket is called exactly once.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from tests.factories import person, staff
from tests.halls.world import booker, build, by, tomorrow_at
from yiwang.core.errors import ProblemsError
from yiwang.halls import services
from yiwang.halls.models import Appointment, HallEvent, Seat, Ticket, TicketSource, TicketState
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in memory has one connection; the race needs PostgreSQL (bin/run-with-postgres)")


def race(n: int, work) -> list:
    """Runs work(i) in n threads released together; returns each result or exception."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_forty_people_one_slot_of_six():
    w = build()
    people = [person(f"排队{i}") for i in range(40)]
    at = tomorrow_at(9)

    def work(i: int):
        return services.book(w["line"], at, items=[w["item"].item_code], booker=booker(people[i]))

    results = race(40, work)
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ProblemsError)]
    others = [r for r in results if not isinstance(r, Appointment | ProblemsError)]
    assert not others, others
    assert len(booked) == 6
    assert {p.code for r in refused for p in r.problems} == {"full"} and len(refused) == 34
    assert Appointment.objects.count() == 6
    assert Seat.objects.filter(slot__starts_at=at, appointment__isnull=False).count() == 6


def test_holds_never_exceed_the_places():
    w = build()
    people = [person(f"保留{i}") for i in range(20)]
    results = race(20, lambda i: services.hold(w["line"], tomorrow_at(10), 1, booker(people[i])))
    held = [r for r in results if not isinstance(r, Exception)]
    assert len(held) == 6
    assert all(isinstance(r, ProblemsError) for r in results if isinstance(r, Exception))


def test_thirty_kiosks_never_issue_the_same_number():
    w = build()

    def work(i: int):
        ticket, _created = services.take_ticket(
            w["line"], source=TicketSource.KIOSK, by=services.By(channel="kiosk"), client_ref=f"k{i}"
        )
        return ticket.number

    numbers = race(30, work)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 31)]


def test_twenty_windows_never_call_a_ticket_twice():
    w = build(windows=20)
    clerks = [w["clerk"], w["clerk2"]] + [staff(w["centre"], Role.WINDOW_CLERK, username=f"c{i}") for i in range(18)]
    for window, clerk in zip(w["windows"], clerks, strict=True):
        services.open_window(window, by(clerk))
    for i in range(50):
        services.take_ticket(w["line"], source=TicketSource.KIOSK, by=services.By(channel="kiosk"), client_ref=f"t{i}")

    def work(i: int):
        window, me = w["windows"][i], by(clerks[i])
        called = []
        while True:
            ticket = services.call_next(window, me)
            if ticket is None:
                return called
            called.append(ticket.number)
            services.finish(window, me)

    results = race(20, work)
    assert all(isinstance(r, list) for r in results), [r for r in results if not isinstance(r, list)]
    everything = [n for r in results for n in r]
    assert len(everything) == 50 and len(set(everything)) == 50
    assert Ticket.objects.filter(state=TicketState.FINISHED).count() == 50
    calls = Counter(HallEvent.objects.filter(action="call").values_list("ticket_id", flat=True))
    assert set(calls.values()) == {1}
