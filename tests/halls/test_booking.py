"""Appointments through the service layer: free times, holds that lapse, capacity, daily limit, cancel and change
until the cut-off, check-in, no-shows and the booking limit they bring, reminders the day before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import person
from tests.halls.world import booker, build, by, tomorrow_at
from yiwang.core.errors import ProblemsError
from yiwang.halls import queries, services
from yiwang.halls.models import Appointment, AppointmentState, DailyQuota, Seat, Slot, TicketSource
from yiwang.identity.providers import OutboxSmsSender

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


@pytest.fixture
def outbox(settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    yield OutboxSmsSender.outbox
    OutboxSmsSender.clear()


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in exc.value.problems]


def book(w, p=None, at=None, n=1, **kw):
    p = p or w["citizen"]
    return services.book(
        w["line"],
        at or tomorrow_at(9),
        items=[w["item"].item_code],
        attendees=[f"人{i}" for i in range(n)],
        booker=booker(p),
        **kw,
    )


def test_free_times_come_from_the_hours_and_the_windows(w):
    days = queries.availability(w["line"])
    assert len(days) == w["profile"].book_days_ahead + 1
    tomorrow = days[1]
    # 08:00–12:00 and 13:00–18:00 in 30-minute slots; 3 windows × (30 // 15) people each.
    assert len(tomorrow.slots) == 8 + 10
    assert {s.capacity for s in tomorrow.slots} == {6}
    assert all(s.free == 6 for s in tomorrow.slots)
    assert queries.availability(w["pickup"]) == []  # the pickup line takes no appointments


def test_a_hold_keeps_seats_and_lapses_by_itself(w):
    other = person("李四")
    h = services.hold(w["line"], tomorrow_at(9), 5, booker(w["citizen"]))
    slot = Slot.objects.get(line=w["line"], starts_at=tomorrow_at(9))
    assert slot.capacity == 6
    with pytest.raises(ProblemsError) as exc:
        services.hold(w["line"], tomorrow_at(9), 2, booker(other))
    assert codes(exc) == ["full"]
    free = {s.starts_at: s.free for s in queries.availability(w["line"])[1].slots}
    assert free[tomorrow_at(9)] == 1
    # Time passes: the hold's seats are free again without anything sweeping them.
    Seat.objects.filter(hold=h).update(held_until=timezone.now() - dt.timedelta(seconds=1))
    services.hold(w["line"], tomorrow_at(9), 5, booker(other))
    # The first person still books while seats remain: theirs are gone, so this is full now.
    with pytest.raises(ProblemsError) as exc:
        book(w, n=5, hold_token=h.token)
    assert codes(exc) == ["full"]


def test_booking_takes_the_held_seats_and_never_more_than_capacity(w):
    h = services.hold(w["line"], tomorrow_at(9), 2, booker(w["citizen"]))
    appt = book(w, n=2, hold_token=h.token)
    assert appt.state == AppointmentState.BOOKED and appt.party_size == 2
    assert set(Seat.objects.filter(appointment=appt).values_list("hold", flat=True)) == {None}
    assert not Seat.objects.filter(hold__isnull=False).exists()
    people = [person(f"访客{i}") for i in range(3)]
    book(w, people[0], n=3)
    with pytest.raises(ProblemsError) as exc:
        book(w, people[1], n=2)
    assert codes(exc) == ["full"]
    book(w, people[2], n=1)
    assert Seat.objects.filter(slot__starts_at=tomorrow_at(9), appointment__isnull=False).count() == 6
    assert Appointment.objects.count() == 3  # the refused booking left nothing behind
    assert not DailyQuota.objects.filter(person=people[1], booked__gt=0).exists()


def test_bad_requests_get_field_errors(w):
    with pytest.raises(ProblemsError) as exc:
        services.book(w["line"], tomorrow_at(9), items=[], attendees=["a"] * 9, booker=booker(w["citizen"]))
    assert set(codes(exc)) == {"required", "too_many"}
    with pytest.raises(ProblemsError) as exc:
        services.book(w["line"], tomorrow_at(9), items=[w["other_item"].item_code], booker=booker(w["citizen"]))
    assert codes(exc) == ["not_served"]
    for at, code in (
        (timezone.now() - dt.timedelta(hours=1), "past"),
        (tomorrow_at(9, days=30), "too_far"),
        (tomorrow_at(9, 10), "not_a_slot"),
        (tomorrow_at(12, 30), "not_a_slot"),
        ("yesterday", "invalid"),
    ):
        with pytest.raises(ProblemsError) as exc:
            book(w, at=at)
        assert codes(exc) == [code], at
    with pytest.raises(ProblemsError) as exc:
        services.book(w["pickup"], tomorrow_at(9), items=[w["item"].item_code], booker=booker(w["citizen"]))
    assert "not_bookable" in codes(exc) or "not_served" in codes(exc)


def test_a_person_books_at_most_the_daily_limit(w):
    first = book(w, at=tomorrow_at(9))
    book(w, at=tomorrow_at(10))
    with pytest.raises(ProblemsError) as exc:
        book(w, at=tomorrow_at(11))
    assert codes(exc) == ["daily_limit"]
    book(w, at=tomorrow_at(11, days=2))  # another day is fine
    services.cancel_appointment(first, by(w["citizen"].user, "portal"))
    book(w, at=tomorrow_at(11))
    assert DailyQuota.objects.get(person=w["citizen"], date=tomorrow_at(9).date()).booked == 2


def test_cancel_and_change_until_the_cut_off(w, outbox):
    appt = book(w, n=2)
    moved = services.change_appointment(appt, tomorrow_at(14, days=2), booker(w["citizen"]))
    assert moved.starts_at == tomorrow_at(14, days=2)
    assert Seat.objects.filter(appointment=appt, slot__starts_at=tomorrow_at(14, days=2)).count() == 2
    assert not Seat.objects.filter(appointment=appt, slot__starts_at=tomorrow_at(9)).exists()
    assert DailyQuota.objects.get(person=w["citizen"], date=tomorrow_at(9).date()).booked == 0
    assert DailyQuota.objects.get(person=w["citizen"], date=tomorrow_at(9, days=2).date()).booked == 1
    # Past the cut-off the applicant cannot cancel; the hall can, with a reason, and the applicant is told.
    w["profile"].cancel_cutoff_minutes = 60 * 24 * 5
    w["profile"].save()
    with pytest.raises(ProblemsError) as exc:
        services.cancel_appointment(appt, by(w["citizen"].user, "portal"))
    assert codes(exc) == ["cutoff"]
    with pytest.raises(ProblemsError) as exc:
        services.change_appointment(appt, tomorrow_at(15, days=2), booker(w["citizen"]))
    assert codes(exc) == ["cutoff"]
    with pytest.raises(ProblemsError) as exc:
        services.cancel_appointment(appt, by(w["manager"]), staff=True)
    assert codes(exc) == ["required"]
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.cancel_appointment(appt, by(w["manager"]), "设备故障", staff=True)
    appt.refresh_from_db()
    assert appt.state == AppointmentState.CANCELLED and appt.cancel_reason == "设备故障"
    assert not Seat.objects.filter(appointment=appt).exists()
    assert outbox and appt.code in outbox[-1].text and "设备故障" in outbox[-1].text
    with pytest.raises(ProblemsError) as exc:
        services.cancel_appointment(appt, by(w["citizen"].user, "portal"))
    assert codes(exc) == ["not_booked"]


def test_closing_the_afternoon_cancels_the_appointments_there(w, outbox):
    morning, afternoon = book(w, at=tomorrow_at(9)), book(w, at=tomorrow_at(14))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        _exc, cancelled = services.add_exception(
            w["hall"],
            date=tomorrow_at(9).date(),
            is_open=False,
            opens="13:00",
            closes="18:00",
            reason="消防演练",
            by=by(w["manager"]),
        )
    assert cancelled == 1
    morning.refresh_from_db()
    afternoon.refresh_from_db()
    assert morning.state == AppointmentState.BOOKED and afternoon.state == AppointmentState.CANCELLED
    assert len(outbox) == 1 and "消防演练" in outbox[0].text
    assert not [s for s in queries.availability(w["line"])[1].slots if s.starts_at.hour >= 13]
    with pytest.raises(ProblemsError) as exc:
        services.add_exception(w["hall"], date="2020-01-01", is_open=True, reason="", by=by(w["manager"]))
    assert set(codes(exc)) == {"past", "required"}


def test_check_in_gives_a_ticket_that_goes_first_within_the_slot(w):
    appt = book(w, n=2)
    with pytest.raises(ProblemsError) as exc:
        services.check_in(appt, by(w["clerk"], "desk"))
    assert codes(exc) == ["too_early"]
    soon = timezone.now() + dt.timedelta(minutes=10)
    Appointment.objects.filter(pk=appt.pk).update(starts_at=soon, ends_at=soon + dt.timedelta(minutes=30))
    appt.refresh_from_db()
    ticket = services.check_in(appt, by(w["clerk"], "desk"))
    assert ticket.source == TicketSource.APPOINTMENT and ticket.booked_from == soon
    assert services.check_in(appt, by(w["clerk"], "desk")).pk == ticket.pk
    appt.refresh_from_db()
    assert appt.state == AppointmentState.CHECKED_IN


def test_no_shows_limit_booking_for_a_while(w):
    w["profile"].no_show_limit = 2
    w["profile"].save()
    missed = [book(w, at=tomorrow_at(9)), book(w, at=tomorrow_at(10))]
    past = timezone.now() - dt.timedelta(hours=2)
    Appointment.objects.filter(pk__in=[a.pk for a in missed]).update(starts_at=past, ends_at=past)
    assert services.sweep_no_shows() == 2
    assert services.sweep_no_shows() == 0
    with pytest.raises(ProblemsError) as exc:
        book(w, at=tomorrow_at(11, days=3))
    assert codes(exc) == ["no_show_limit"]
    assert services.booking_block(w["citizen"], w["profile"]) == timezone.localdate(past) + dt.timedelta(days=30)
    w["profile"].no_show_limit = 0
    w["profile"].save()
    book(w, at=tomorrow_at(11, days=3))


def test_the_reminder_task_sends_them(w, outbox):
    from yiwang.halls import tasks

    book(w, at=tomorrow_at(9))
    result = tasks.send_reminders.enqueue()
    assert result.return_value == 1 and len(outbox) == 1


def test_reminders_go_the_day_before_exactly_once(w, outbox):
    a = book(w, at=tomorrow_at(9))
    other = person("王五")
    b = book(w, other, at=tomorrow_at(10))
    book(w, other, at=tomorrow_at(10, days=2))  # not tomorrow
    assert services.send_reminders() == 2
    assert services.send_reminders() == 0
    assert {m.to for m in outbox} == {w["citizen"].phone, other.phone}
    assert any(a.code in m.text and "预约提醒" in m.text for m in outbox)
    for appt in (a, b):
        appt.refresh_from_db()
        assert appt.reminded_at is not None
