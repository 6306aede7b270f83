"""The statistics rollups, kept up to date by adding deltas, and recomputed from the event log on demand.

A case's contribution to the rollups is a pure function of its `StatCase` row (`contributions`), and that row is a
fold of the case's events over its fixed facts (`fold`). The worker's handler folds the events it has not seen yet
(seq above `last_seq`), subtracts the old row's contribution and adds the new one, in one transaction; an event
handed twice, or an older one after a newer, changes nothing. `rebuild()` folds every case's whole event log from
scratch, so "incremental == rebuild" holds by construction and is tested over random event sequences.

Rows are written with `INSERT … ON CONFLICT … DO UPDATE SET c = c + excluded.c` (SQLite and PostgreSQL), sorted so
two transactions never take the same rows in a different order.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yiwang.calendar.workdays import working_days_between
from yiwang.cases.models import Case, CaseEvent, State

from .models.stats import COUNTERS, Period, StatCase, StatRating, StatRollup, StatTicket

ONLINE_CHANNELS = frozenset({"portal", "mobile", "api"})
CONCLUDED = frozenset({State.APPROVED, State.REFUSED})
ENDED = frozenset({State.APPROVED, State.REFUSED, State.NOT_ACCEPTED, State.WITHDRAWN, State.VOIDED})
BAD_LEVEL = 2  # levels 1 and 2: 非常不满意 / 不满意

RowKey = tuple[str, dt.date, int, int, int, str]  # period, day, hour, organisation, item, channel
Contribution = tuple[dt.datetime, int, int, str, dict[str, int]]  # when, organisation, item, channel, deltas

TABLE = StatRollup._meta.db_table


def local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at) if timezone.is_aware(at) else at


# --- cases ----------------------------------------------------------------------------------------------------------


def new_fact(case: Case) -> StatCase:
    """A case's fixed facts (its department, item, channel, the item version's limits and online depth)."""
    v = case.version
    received = local(case.submitted_at)
    return StatCase(
        case_id=case.pk,
        case_number=case.case_number,
        item_id=case.item_id,
        item_name=case.item_name[:200],
        organisation_id=case.organisation_id,
        division_path=case.division_path,
        channel=case.channel,
        handling_kind=v.handling_kind,
        online_depth=v.online_depth,
        visits_required=v.visits_required,
        promised_limit=v.promised_limit,
        statutory_limit=v.statutory_limit,
        received_at=case.submitted_at,
        received_day=received.date(),
    )


def fold(fact: StatCase, case: Case, events: Iterable[CaseEvent]) -> StatCase:
    """`fact` after `events` (in seq order, each above `fact.last_seq`); the outcome is the first end reached."""
    for ev in events:
        if ev.seq <= fact.last_seq:
            continue
        if ev.action in ("accept", "deemed_accept") and fact.accepted_at is None:
            fact.accepted_at = ev.at
        if ev.to_state in ENDED and ev.from_state != ev.to_state and not fact.outcome:
            fact.outcome = ev.to_state
            fact.ended_at = ev.at
            fact.ended_day = local(ev.at).date()
            if ev.to_state in CONCLUDED:
                fact.promised_due = case.promised_due
                fact.on_time = None if case.promised_due is None else fact.ended_day <= case.promised_due
                start = local(fact.accepted_at or fact.received_at or ev.at).date()
                fact.work_days = max(0, working_days_between(start, fact.ended_day))
        fact.last_seq = ev.seq
    return fact


def contributions(fact: StatCase) -> list[Contribution]:
    """What one case adds to the rollups: its reception, acceptance and end, each at its own hour."""
    key = (fact.organisation_id, fact.item_id, fact.channel)
    out: list[Contribution] = []
    if fact.received_at is not None:
        out.append(
            (
                fact.received_at,
                *key,
                {
                    "received": 1,
                    "immediate": int(fact.handling_kind == 1),
                    "online": int(fact.channel in ONLINE_CHANNELS),
                    "full_online": int(fact.online_depth >= 4),
                    "one_visit": int(fact.visits_required <= 1),
                    "zero_visit": int(fact.visits_required == 0),
                },
            )
        )
    if fact.accepted_at is not None:
        out.append((fact.accepted_at, *key, {"accepted": 1}))
    if fact.outcome and fact.ended_at is not None:
        d: dict[str, int] = {}
        if fact.outcome in CONCLUDED:
            d = {
                "concluded": 1,
                fact.outcome: 1,
                "on_time": int(fact.on_time is True),
                "overdue": int(fact.on_time is False),
                "work_days": fact.work_days or 0,
                "promised_days": fact.promised_limit,
                "statutory_days": fact.statutory_limit,
            }
        elif fact.outcome in (State.NOT_ACCEPTED, State.WITHDRAWN):
            d = {fact.outcome: 1}
        if d:
            out.append((fact.ended_at, *key, d))
    return out


# --- ratings and tickets (from their own outbox payloads) -------------------------------------------------------


def rating_contributions(r: StatRating) -> list[Contribution]:
    if not r.counted:
        return []
    bad = r.level <= BAD_LEVEL
    at = dt.datetime.combine(r.day, dt.time())
    return [
        (
            at,
            r.organisation_id,
            r.item_id or 0,
            "",
            {"ratings": 1, "rating_sum": r.level, "bad_ratings": int(bad), "rectified": int(bad and r.rectified)},
        )
    ]


def ticket_contributions(t: StatTicket) -> list[Contribution]:
    at = dt.datetime.combine(t.day, dt.time())
    return [(at, t.organisation_id, 0, "", {"tickets": 1, "complaints": int(t.kind == "complaint")})]


# --- applying deltas --------------------------------------------------------------------------------------------


def merge(changes: Iterable[tuple[Iterable[Contribution], int]]) -> dict[RowKey, dict[str, int]]:
    """Contributions (each list with its sign) merged per rollup row: an hour row and a day row each."""
    rows: dict[RowKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for contribs, sign in changes:
        for at, org, item, channel, deltas in contribs:
            t = local(at)
            for key in (
                (Period.HOUR, t.date(), t.hour, org, item, channel),
                (Period.DAY, t.date(), 0, org, item, channel),
            ):
                row = rows[key]
                for c, v in deltas.items():
                    row[c] += sign * v
    return rows


def _sql() -> str:
    qn = connection.ops.quote_name
    cols = ["period", "day", "hour", "organisation_id", "item_id", "channel", *COUNTERS]
    updates = ", ".join(f"{qn(c)} = {qn(TABLE)}.{qn(c)} + excluded.{qn(c)}" for c in COUNTERS)
    conflict = ", ".join(qn(c) for c in cols[:6])
    return (
        f"INSERT INTO {qn(TABLE)} ({', '.join(qn(c) for c in cols)}) "  # noqa: S608 - identifiers only
        f"VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )


def apply(rows: Mapping[RowKey, Mapping[str, int]]) -> int:
    """Adds merged deltas to their rows (created at zero when missing); returns the rows touched."""
    params = []
    for key in sorted(rows, key=lambda k: (k[0], k[1], k[2], k[3], k[4], k[5])):
        deltas = rows[key]
        if any(deltas.values()):
            params.append((*key, *[deltas.get(c, 0) for c in COUNTERS]))
    if params:
        sql = _sql()
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(params), 2000):
                cursor.executemany(sql, params[start : start + 2000])
    return len(params)


# --- the handlers' work -------------------------------------------------------------------------------------------


CASE_FIELDS = ("version",)
# What a fold may change on a case's row (besides last_seq).
FOLDED = ("accepted_at", "ended_at", "ended_day", "outcome", "promised_due", "on_time", "work_days")
# What a fold reads of a case and its item version (the rest of these wide rows stays unread).
CASE_COLUMNS = (
    "case_number",
    "item_id",
    "item_name",
    "organisation_id",
    "division_path",
    "channel",
    "submitted_at",
    "promised_due",
    "version__handling_kind",
    "version__online_depth",
    "version__visits_required",
    "version__promised_limit",
    "version__statutory_limit",
)


def on_case_event(case_id: int, seq: int) -> bool:
    """Folds the case's events up to `seq` into its row and the rollups; False when there was nothing new."""
    with transaction.atomic():
        fact = StatCase.objects.select_for_update().filter(pk=case_id).first()
        if fact is not None and fact.last_seq >= seq:
            return False
        case = Case.objects.select_related(*CASE_FIELDS).only(*CASE_COLUMNS).filter(pk=case_id).first()
        if case is None:
            return False
        events = list(
            CaseEvent.objects.filter(case_id=case_id, seq__gt=fact.last_seq if fact else 0, seq__lte=seq)
            .only("seq", "action", "from_state", "to_state", "at")
            .order_by("seq")
        )
        old = contributions(fact) if fact is not None else []
        new = fold(copy.copy(fact) if fact is not None else new_fact(case), case, events)
        new.last_seq = max(new.last_seq, seq)
        if fact is not None and all(getattr(fact, f) == getattr(new, f) for f in FOLDED):
            # a step claimed, a result delivered …: nothing the statistics hold changed, only the seq moves
            StatCase.objects.filter(pk=case_id).update(last_seq=new.last_seq)
            return True
        new.save(force_insert=fact is None)
        apply(merge([(old, -1), (contributions(new), 1)]))
    return True


def _int(payload: Mapping[str, Any], name: str) -> int | None:
    value = payload.get(name)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def on_rating_event(event_id: int, payload: Mapping[str, Any]) -> bool:
    """A rating's state as `ratings.changed` tells it: replaces the row's contribution (older events ignored)."""
    rating_id, org_id, level = _int(payload, "rating_id"), _int(payload, "organisation_id"), _int(payload, "level")
    if rating_id is None or org_id is None or level is None:
        return False
    day = dt.date.fromisoformat(str(payload.get("day")))
    with transaction.atomic():
        row = StatRating.objects.select_for_update().filter(pk=rating_id).first()
        if row is not None and row.last_event >= event_id:
            return False
        old = rating_contributions(row) if row is not None else []
        new = StatRating(
            rating_id=rating_id,
            organisation_id=org_id,
            item_id=_int(payload, "item_id"),
            case_id=_int(payload, "case_id"),
            channel=str(payload.get("channel") or "")[:10],
            day=day,
            level=level,
            counted=bool(payload.get("counted", True)),
            rectified=(
                bool(row.rectified if row is not None else False)
                if payload.get("rectified") is None
                else bool(payload.get("rectified"))
            ),
            last_event=event_id,
        )
        new.save(force_insert=row is None, force_update=row is not None)
        apply(merge([(old, -1), (rating_contributions(new), 1)]))
    return True


def on_ticket_event(event_id: int, payload: Mapping[str, Any]) -> bool:
    """A 12345 ticket assigned to a department (`hotline.ticket_changed`): counted once per ticket and department."""
    ticket_id, org_id = _int(payload, "ticket_id"), _int(payload, "organisation_id")
    if ticket_id is None or org_id is None:
        return False
    day = dt.date.fromisoformat(str(payload.get("day")))
    with transaction.atomic():
        row = StatTicket.objects.select_for_update().filter(pk=ticket_id).first()
        if row is not None and row.last_event >= event_id:
            return False
        old = ticket_contributions(row) if row is not None else []
        new = StatTicket(
            ticket_id=ticket_id,
            organisation_id=org_id,
            day=day,
            kind=str(payload.get("kind") or "")[:12],
            last_event=event_id,
        )
        new.save(force_insert=row is None, force_update=row is not None)
        apply(merge([(old, -1), (ticket_contributions(new), 1)]))
    return True


# --- rebuilding -----------------------------------------------------------------------------------------------------


def _case_chunks(chunk: int) -> Iterable[list[Case]]:
    last = 0
    while True:
        cases = list(
            Case.objects.select_related(*CASE_FIELDS).only(*CASE_COLUMNS).filter(pk__gt=last).order_by("pk")[:chunk]
        )
        if not cases:
            return
        yield cases
        last = cases[-1].pk


@transaction.atomic
def rebuild(chunk: int = 2000) -> dict[str, int]:
    """Recomputes every case row from the case event log, and every rollup row from the case, rating and ticket
    rows (a repair after a restore or a lost subscriber; an operator's full scan, never run by a page)."""
    StatRollup.objects.all().delete()
    StatCase.objects.all().delete()
    n_cases = n_events = 0
    for cases in _case_chunks(chunk):
        by_case: dict[int, list[CaseEvent]] = defaultdict(list)
        for ev in (
            CaseEvent.objects.filter(case_id__in=[c.pk for c in cases])
            .only("case_id", "seq", "action", "from_state", "to_state", "at")
            .order_by("case_id", "seq")
        ):
            by_case[ev.case_id].append(ev)
        facts = []
        for case in cases:
            events = by_case.get(case.pk)
            if not events:
                continue
            facts.append(fold(new_fact(case), case, events))
            n_events += len(events)
        StatCase.objects.bulk_create(facts, batch_size=1000)
        apply(merge([(contributions(f), 1) for f in facts]))
        n_cases += len(facts)
    apply(merge([(rating_contributions(r), 1) for r in StatRating.objects.iterator(chunk_size=5000)]))
    apply(merge([(ticket_contributions(t), 1) for t in StatTicket.objects.iterator(chunk_size=5000)]))
    return {"cases": n_cases, "events": n_events, "rows": StatRollup.objects.count()}


def snapshot() -> dict[RowKey, tuple[int, ...]]:
    """Every non-zero rollup row (tests compare the incremental rows with a rebuild)."""
    out = {}
    fields = ("period", "day", "hour", "organisation_id", "item_id", "channel", *COUNTERS)
    for row in StatRollup.objects.values_list(*fields).iterator(chunk_size=5000):
        counters = tuple(row[6:])
        if any(counters):
            out[tuple(row[:6])] = counters
    return out  # type: ignore[return-value]
