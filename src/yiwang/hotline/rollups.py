# ruff: noqa: S608 -- table and column names below are constants of this module; values are parameters.
"""Statistics rollups, kept up to date by the work order events themselves (never by scanning orders).

Each service function that writes an event also calls `bump()` in the same transaction: one upsert
(`INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n`, the same SQL on SQLite and PostgreSQL) adds to the
day × centre × type × category × channel × department row. Rows are touched in a fixed key order inside a
transaction, so two transactions cannot deadlock on them. `yiwang hotline_stats --rebuild` recomputes every
rollup from the event log (after a restore, or to check them).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import DailyStat, HotSpot, RepeatStat

MEASURES = (
    "received",
    "dispatched",
    "concluded",
    "on_time",
    "first_contact",
    "sent_back",
    "extended",
    "overdue",
    "rated",
    "satisfied",
    "reopened",
    "repeated",
    "merged",
)


def _upsert(table: str, keys: dict, increments: dict, extra: dict | None = None) -> None:
    cols = [*keys, *(extra or {}), *increments]
    values = [*keys.values(), *(extra or {}).values(), *increments.values()]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(c)} = {qn(table)}.{qn(c)} + excluded.{qn(c)}" for c in increments)
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT ({', '.join(qn(c) for c in keys)}) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def day_of(at: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(at or timezone.now())


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def bump(order, at: dt.datetime | None = None, department_id: int | None = None, **measures: int) -> None:
    """Adds `measures` (received=1, …) to the order's row for the day of `at` (now)."""
    unknown = set(measures) - set(MEASURES)
    if unknown:
        raise ValueError(f"unknown measures {sorted(unknown)}")
    if not any(measures.values()):
        return
    dept = department_id if department_id is not None else (order.department_id or 0)
    keys = {
        "day": day_of(at),
        "centre_id": order.centre_id,
        "order_type": order.order_type,
        "category_id": order.category_id,
        "channel": order.channel,
        "department_id": dept,
    }
    row = dict.fromkeys(MEASURES, 0)
    row.update(measures)
    _upsert(DailyStat._meta.db_table, keys, row)


def place_of(order) -> tuple[str, str]:
    """(key, label) of where an order happened: its grid cell, else its normalised address."""
    if order.geo_cell:
        return "g:" + order.geo_cell, order.address or f"{order.latitude:.4f}, {order.longitude:.4f}"
    if order.address_key:
        return "a:" + order.address_key[:38], order.address
    return "", ""


def count_place(order, at: dt.datetime | None = None) -> None:
    key, label = place_of(order)
    if not key:
        return
    _upsert(
        HotSpot._meta.db_table,
        {"week": week_of(day_of(at)), "centre_id": order.centre_id, "category_id": order.category_id, "place": key},
        {"count": 1},
        {"label": label[:200]},
    )


def count_repeat(order, at: dt.datetime | None = None) -> None:
    if order.caller_id is None:
        return
    _upsert(
        RepeatStat._meta.db_table,
        {
            "week": week_of(day_of(at)),
            "centre_id": order.centre_id,
            "caller_id": order.caller_id,
            "category_id": order.category_id,
        },
        {"count": 1},
    )


def rebuild() -> int:
    """Recomputes every rollup from the event log; returns the number of events read."""
    from django.db import transaction

    from .models import Satisfaction, WorkOrder, WorkOrderEvent

    good = {Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASIC}
    n = 0
    with transaction.atomic():
        DailyStat.objects.all().delete()
        HotSpot.objects.all().delete()
        RepeatStat.objects.all().delete()
        orders: dict[int, WorkOrder] = {}
        events = WorkOrderEvent.objects.order_by("order_id", "seq").iterator(chunk_size=2000)
        for ev in events:
            n += 1
            order = orders.get(ev.order_id)
            if order is None:
                orders.clear()  # events come order by order: keep one at a time
                order = orders[ev.order_id] = WorkOrder.objects.get(pk=ev.order_id)
            d = ev.data or {}
            dept = d.get("department_id")
            if ev.action == "receive":
                bump(order, ev.at, department_id=0, received=1, repeated=1 if d.get("repeated") else 0)
                count_place(order, ev.at)
                if d.get("repeated"):
                    count_repeat(order, ev.at)
            elif ev.action == "dispatch":
                bump(order, ev.at, department_id=dept, dispatched=1)
            elif ev.action == "request_send_back":
                bump(order, ev.at, department_id=dept, sent_back=1)
            elif ev.action == "approve_extension":
                bump(order, ev.at, department_id=dept, extended=1)
            elif ev.action == "overdue":
                bump(order, ev.at, department_id=dept, overdue=1)
            elif ev.action == "reopen":
                bump(order, ev.at, department_id=dept, reopened=1)
            elif ev.action == "merge":
                bump(order, ev.at, department_id=dept, merged=1)
            elif ev.action in ("conclude", "conclude_direct") or (ev.action == "callback" and d.get("concluded")):
                sat = d.get("satisfaction", "")
                bump(
                    order,
                    ev.at,
                    department_id=dept,
                    concluded=1,
                    on_time=1 if d.get("on_time") else 0,
                    first_contact=1 if ev.action == "conclude_direct" else 0,
                    rated=1 if sat else 0,
                    satisfied=1 if sat in good else 0,
                )
    return n
