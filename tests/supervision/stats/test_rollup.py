"""The rollups: kept by the worker from case events, idempotent, and equal to a rebuild from the event log."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.cases.models import Case, CaseEvent, State
from yiwang.supervision import rollup
from yiwang.supervision.models import StatCase, StatRollup

from . import world as W

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return W.build()


def day_totals(org_id: int) -> dict[str, int]:
    rows = StatRollup.objects.filter(period="day", organisation_id=org_id)
    out: dict[str, int] = {}
    for r in rows.values():
        for k in ("received", "accepted", "concluded", "approved", "refused", "on_time", "overdue", "withdrawn"):
            out[k] = out.get(k, 0) + r[k]
    return out


def test_the_worker_rolls_up_a_case_through_its_life(w):
    case = W.submit(w)
    W.drain()
    assert day_totals(w["org"].pk)["received"] == 1
    assert StatCase.objects.get(pk=case.pk).outcome == ""
    W.conclude(w, case)
    W.drain()
    totals = day_totals(w["org"].pk)
    assert totals == {
        "received": 1,
        "accepted": 1,
        "concluded": 1,
        "approved": 1,
        "refused": 0,
        "on_time": 1,
        "overdue": 0,
        "withdrawn": 0,
    }
    fact = StatCase.objects.get(pk=case.pk)
    assert fact.outcome == State.APPROVED and fact.on_time is True and fact.work_days == 0
    assert fact.last_seq == Case.objects.get(pk=case.pk).event_seq
    # hour rows add up to the day rows
    hours = StatRollup.objects.filter(period="hour", organisation_id=w["org"].pk)
    assert sum(r.received for r in hours) == 1 and sum(r.concluded for r in hours) == 1
    # nothing for the other department
    assert not StatRollup.objects.filter(organisation_id=w["other"].pk).exists()


def test_an_event_handed_twice_or_late_changes_nothing(w):
    case = W.conclude(w, W.submit(w))
    W.drain()
    before = rollup.snapshot()
    last = Case.objects.get(pk=case.pk).event_seq
    for seq in (1, 2, last, last):  # old and repeated hand-overs
        assert rollup.on_case_event(case.pk, seq) is False
    assert rollup.snapshot() == before


def test_rebuild_equals_the_incremental_rows_and_the_command_checks_it(w):
    a = W.conclude(w, W.submit(w))
    W.submit(w)
    W.conclude(w, W.submit(w, version=w["other_item"].current), decision="reject")
    W.drain()
    incremental = rollup.snapshot()
    assert incremental
    assert a.state == State.APPROVED
    call_command("stats_rebuild", "--check")
    assert rollup.snapshot() == incremental
    StatRollup.objects.filter(period="day").update(received=99)
    with pytest.raises(Exception, match="differed"):
        call_command("stats_rebuild", "--check")
    assert rollup.snapshot() == incremental  # repaired


# --- incremental == rebuild over random event sequences --------------------------------------------------------

S = State
# (action, from, to) moves of a simplified state machine; enough to reach every outcome the rollups count.
MOVES = {
    S.SUBMITTED: [
        ("accept", S.IN_PROGRESS),
        ("deemed_accept", S.IN_PROGRESS),
        ("request_correction", S.CORRECTION),
        ("not_accept", S.NOT_ACCEPTED),
        ("withdraw", S.WITHDRAWN),
        ("void", S.VOIDED),
    ],
    S.CORRECTION: [("supplement", S.SUBMITTED), ("not_accept", S.NOT_ACCEPTED), ("withdraw", S.WITHDRAWN)],
    S.IN_PROGRESS: [
        ("claim", S.IN_PROGRESS),
        ("complete_step", S.IN_PROGRESS),
        ("suspend", S.SUSPENDED),
        ("approve", S.APPROVED),
        ("refuse", S.REFUSED),
        ("withdraw", S.WITHDRAWN),
    ],
    S.SUSPENDED: [("resume", S.IN_PROGRESS), ("withdraw", S.WITHDRAWN)],
    S.APPROVED: [("deliver", S.APPROVED), ("license_issued", S.APPROVED)],
    S.REFUSED: [("deliver", S.REFUSED)],
}

case_plan = st.tuples(
    st.lists(st.integers(min_value=0, max_value=5), min_size=0, max_size=8),  # choices among the moves
    st.lists(st.integers(min_value=1, max_value=60), min_size=8, max_size=8),  # hours between events
    st.integers(min_value=-3, max_value=10),  # promised due, days after submission
)
delivery = st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=10)))

_numbers = itertools.count(1)


def _write_case(base: Case, plan) -> Case:
    choices, gaps, due = plan
    c = Case.objects.get(pk=base.pk)
    c.pk = None
    c.case_number = f"T{next(_numbers):017d}"
    c.submitted_at = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    c.promised_due = c.submitted_at.date() + dt.timedelta(days=due)
    c.state = S.SUBMITTED
    c.event_seq = 0
    c.save()
    at, state, seq = c.submitted_at, S.SUBMITTED, 1
    CaseEvent.objects.create(case=c, seq=1, action="submit", from_state="", to_state=state, at=at)
    for i, choice in enumerate(choices):
        options = MOVES.get(state)
        if not options:
            break
        action, to = options[choice % len(options)]
        at += dt.timedelta(hours=gaps[i])
        seq += 1
        CaseEvent.objects.create(case=c, seq=seq, action=action, from_state=state, to_state=to, at=at)
        state = to
    Case.objects.filter(pk=c.pk).update(event_seq=seq, state=state)
    return c


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=st.lists(case_plan, min_size=1, max_size=4), hand_overs=delivery)
def test_incremental_equals_rebuild_over_random_event_sequences(w, plans, hand_overs):
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            base = W.submit(w)
            StatRollup.objects.all().delete()
            StatCase.objects.all().delete()
            made = [_write_case(base, p) for p in plans]
            # out-of-order, repeated and partial hand-overs first (the handler folds up to the seq it is given) …
            for which, seq in hand_overs:
                c = made[which % len(made)]
                rollup.on_case_event(c.pk, min(seq, Case.objects.get(pk=c.pk).event_seq))
            # … then every event in order, as the worker eventually hands them all
            for c in made:
                for seq in range(1, Case.objects.get(pk=c.pk).event_seq + 1):
                    rollup.on_case_event(c.pk, seq)
            incremental = rollup.snapshot()
            facts = {f.pk: (f.outcome, f.on_time, f.work_days, f.last_seq) for f in StatCase.objects.all()}
            Case.objects.filter(pk=base.pk).delete()  # the fixture's own case: not part of this example
            rollup.rebuild()
            assert rollup.snapshot() == incremental
            assert {f.pk: (f.outcome, f.on_time, f.work_days, f.last_seq) for f in StatCase.objects.all()} == facts
            received = sum(v[0] for k, v in incremental.items() if k[0] == "day")
            assert received == len(made)
            raise Rollback
    except Rollback:
        pass
