"""The statistics tables kept up to date by adding to them, never by counting ratings.

Each change to a rating (given, replaced by a later stage, removed by an upheld appeal), to a rectification
(opened, closed, appealed) or to a complaint adds its deltas to the rows of its day and of its month, for each
dimension it belongs to: its department, item, hall, window and every staff member it judges. One statement per
change: `INSERT … ON CONFLICT (dim, key, period, day) DO UPDATE SET c = rollup.c + excluded.c` (SQLite and
PostgreSQL both have it), rows sorted so two transactions never take the same rows in a different order.

`rebuild()` recomputes every row from the ratings, rectifications, complaints and case records (a repair after a
restore, and how the benchmark checks the incremental path); it is a full scan, run by an operator, never by a page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import connection, transaction

from .models import COUNTERS, Appeal, CaseRecord, Complaint, Dim, Period, Rating, RatingStaff, Rectification, Rollup
from .standard import ALL_INDICATORS, OVERALL

Key = tuple[str, int]  # (dim, key)
Deltas = dict[str, int]

TABLE = Rollup._meta.db_table


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- what a record contributes ------------------------------------------------------------------------------------


def rating_dims(rating: Rating, staff_ids: Iterable[int] | None = None) -> list[Key]:
    """The rows a rating belongs to: department, item, hall, window, each judged staff member."""
    keys: list[Key] = [(Dim.DEPARTMENT, rating.organisation_id)]
    if rating.item_id:
        keys.append((Dim.ITEM, rating.item_id))
    if rating.hall_id:
        keys.append((Dim.HALL, rating.hall_id))
    if rating.window_id:
        keys.append((Dim.WINDOW, rating.window_id))
    if staff_ids is None:
        staff_ids = RatingStaff.objects.filter(rating=rating).values_list("user_id", flat=True)
    keys += [(Dim.STAFF, uid) for uid in sorted(set(staff_ids))]
    return keys


def case_dims(record: CaseRecord) -> list[Key]:
    keys: list[Key] = [(Dim.DEPARTMENT, record.organisation_id), (Dim.ITEM, record.item_id)]
    if record.hall_id:
        keys.append((Dim.HALL, record.hall_id))
    keys += [(Dim.STAFF, int(uid)) for uid in sorted(set(record.staff_ids or []))]
    return keys


def complaint_dims(complaint: Complaint) -> list[Key]:
    keys: list[Key] = [(Dim.DEPARTMENT, complaint.organisation_id)]
    if complaint.hall_id:
        keys.append((Dim.HALL, complaint.hall_id))
    if complaint.window_id:
        keys.append((Dim.WINDOW, complaint.window_id))
    if complaint.staff_id:
        keys.append((Dim.STAFF, complaint.staff_id))
    return keys


def counted_deltas(rating: Rating, sign: int = 1) -> Deltas:
    """What a rating adds while it counts (levels, indicators, active or default): +1 each, or −1 with sign −1."""
    d: Deltas = {f"level{rating.level}": sign}
    if rating.is_default:
        d["defaults"] = sign
    else:
        d["active"] = sign
        if rating.level >= 3:
            d["active_good"] = sign
    scores = {OVERALL: rating.level, **{k: v for k, v in (rating.indicators or {}).items() if k in ALL_INDICATORS}}
    for code, value in scores.items():
        d[f"isum_{code}"] = d.get(f"isum_{code}", 0) + sign * int(value)
        d[f"icnt_{code}"] = d.get(f"icnt_{code}", 0) + sign
    return d


# --- applying deltas ----------------------------------------------------------------------------------------------


def _sql() -> str:
    qn = connection.ops.quote_name
    cols = ["period", "day", "dim", "key", *COUNTERS]
    updates = ", ".join(f"{qn(c)} = {qn(TABLE)}.{qn(c)} + excluded.{qn(c)}" for c in COUNTERS)
    return (
        f"INSERT INTO {qn(TABLE)} ({', '.join(qn(c) for c in cols)}) "  # noqa: S608 - identifiers only
        f"VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT ({qn('dim')}, {qn('key')}, {qn('period')}, {qn('day')}) DO UPDATE SET {updates}"
    )


def add(day: dt.date, keys: Iterable[Key], deltas: Mapping[str, int]) -> None:
    """Adds `deltas` to the day's and the month's row of every key (rows created at zero when missing)."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    unknown = set(deltas) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown rollup counters: {sorted(unknown)}")
    values = [deltas.get(c, 0) for c in COUNTERS]
    rows = []
    for dim, key in sorted(set(keys)):
        rows.append((dim, key, Period.DAY, day))
        rows.append((dim, key, Period.MONTH, month_of(day)))
    rows.sort()
    params = [(period, d, dim, key, *values) for dim, key, period, d in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(_sql(), params)


def add_many(changes: Iterable[tuple[dt.date, Iterable[Key], Mapping[str, int]]]) -> None:
    """Several changes at once, merged per row first (the seeders and the default-rating sweep)."""
    merged: dict[tuple[str, int, str, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, keys, deltas in changes:
        for dim, key in set(keys):
            for period, d in ((Period.DAY, day), (Period.MONTH, month_of(day))):
                row = merged[(dim, key, period, d)]
                for c, v in deltas.items():
                    row[c] += v
    params = []
    for (dim, key, period, d), row in sorted(merged.items()):
        if any(row.values()):
            params.append((period, d, dim, key, *[row.get(c, 0) for c in COUNTERS]))
    if params:
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(params), 2000):
                cursor.executemany(_sql(), params[start : start + 2000])


# --- rebuilding ---------------------------------------------------------------------------------------------------


def contributions() -> Iterable[tuple[dt.date, list[Key], Deltas]]:
    """Every record's contribution, computed from the records themselves (the same rules as the write path)."""
    staff: dict[int, list[int]] = defaultdict(list)
    for rid, uid in RatingStaff.objects.values_list("rating_id", "user_id").iterator(chunk_size=5000):
        staff[rid].append(uid)
    for r in Rating.objects.order_by("pk").iterator(chunk_size=5000):
        keys = rating_dims(r, staff.get(r.pk, []))
        if r.counted:
            yield r.day, keys, counted_deltas(r)
        if r.excluded:
            yield r.day, keys, {"excluded": 1}
    appeals = dict(Appeal.objects.values_list("rectification_id", "state"))
    for rect in Rectification.objects.select_related("rating").order_by("pk").iterator(chunk_size=2000):
        r = rect.rating
        keys = rating_dims(r, staff.get(r.pk, []))
        d: Deltas = {}
        if not r.excluded:
            d["bad_named"] = 1
        if rect.state == "closed":
            d["rectified"] = 1
            d["rectified_on_time"] = 1 if rect.on_time else 0
        if rect.pk in appeals:
            d["appeals"] = 1
            d["appeals_upheld"] = 1 if appeals[rect.pk] == "upheld" else 0
        yield r.day, keys, d
    for rec in CaseRecord.objects.filter(concluded_day__isnull=False).iterator(chunk_size=5000):
        yield rec.concluded_day, case_dims(rec), {"concluded": 1, "rated_concluded": 1 if rec.rated else 0}
    for c in Complaint.objects.iterator(chunk_size=5000):
        yield c.day, complaint_dims(c), {"complaints": 1, "complaints_closed": 1 if c.state == "closed" else 0}


@transaction.atomic
def rebuild() -> int:
    """Recomputes every rollup row from the records; returns the number of rows written."""
    Rollup.objects.all().delete()
    add_many(contributions())
    return Rollup.objects.count()


def snapshot() -> dict[tuple[str, int, str, dt.date], tuple[int, ...]]:
    """Every row's counters (tests and the repair command compare the incremental rows with a rebuild)."""
    out = {}
    for row in Rollup.objects.values_list("dim", "key", "period", "day", *COUNTERS).iterator(chunk_size=5000):
        counters = tuple(row[4:])
        if any(counters):
            out[(row[0], row[1], row[2], row[3])] = counters
    return out
