"""Province-scale case volume: N cases with their steps and events, spread over Y years, written with COPY.

`yiwang generate_cases --cases 10000000` (management command) calls `generate(Options(...))`. It is for benchmarks,
load tests and demos; nothing in the platform depends on it. What it writes, and how the shapes were chosen:

- Applicants: natural persons (valid GB 11643 numbers of the province's counties, SM4-encrypted and hashed like
  every person) and enterprises (valid GB 32100 credit codes). Most people apply a few times in five years, a few
  often; a few enterprises (agencies, chains) apply thousands of times — the heaviest "My Space" lists.
- Items: every published item in the catalog, spread over its organisations and divisions; popularity follows a
  Zipf law over a seeded ranking, weighted by level (city and county items take most cases, villages few).
- Time: five years back from yesterday, growing 15 % a year, weekdays busy and weekends quiet, office hours for
  windows and all day online; case numbers, ids and event order follow the submission time.
- Lifecycle: each case lives through the real state machine (submit → correction? → accept → steps claimed and
  completed → approve/refuse → delivery, with withdrawals, non-acceptances, voids, special procedures and slow
  cases), up to the generation moment: old cases are concluded, recent ones are open at whatever point their
  timeline has reached. Deadlines come from the working-day calendar like those the services compute.
- Not written: materials, notices, messages and webhook deliveries (the case page shows an empty notice list for
  generated cases); forms are empty.

Writing: rows go through `yiwang.core.bulk.insert_rows` (COPY on PostgreSQL) in chunks, one transaction per chunk
(cases with their steps and events together), by several processes on PostgreSQL, each owning whole days. On
PostgreSQL the cases tables' secondary indexes and foreign keys are dropped for the load and built again after
(exactly as they were, from the catalog's own definitions), which is several times faster than maintaining them
row by row; if anything fails they are rebuilt all the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import multiprocessing as mp
import os
import queue
import random
import time
import warnings
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from django.db import connection, connections, models, transaction
from django.utils import timezone

from yiwang.core.bulk import insert_rows

from .models import Case, CaseEvent, CaseStep, State, Suspension

# --- shapes --------------------------------------------------------------------------------------------------------

GROWTH_PER_YEAR = 1.15
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 0.97, 0.9, 0.12, 0.08)
LEVEL_WEIGHT = {1: 0.5, 2: 0.5, 3: 3.0, 4: 2.0, 5: 0.6, 6: 0.15}
CHANNELS = (("portal", 0.42), ("mobile", 0.31), ("window", 0.2), ("kiosk", 0.03), ("api", 0.04))
# Fates (shares of all cases); the rest are approved. Correction is a detour before acceptance, not a fate.
P_NOT_ACCEPTED = 0.02
P_WITHDRAWN = 0.025
P_VOIDED = 0.004
P_REFUSED = 0.015
P_CORRECTION = 0.09
P_SUSPEND = 0.01
P_SLOW = 0.02  # takes 2–4 times the promised time: the overdue tail of the open lists
P_RETURN = 0.02  # an approver returns the case to the first step once
DELIVERY = (("electronic", 0.5), ("pickup", 0.35), ("post", 0.15))
PERSON_SKEW = 1.35  # applicant index = N · u^skew: most people a few cases, some many
ENTERPRISE_SKEW = 2.6  # a few enterprises with thousands of cases

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建国建华志强文海燕宇浩然子涵欣怡雨轩梓萱一诺佳琪"
)
FIRM_WORDS = "淮河涂山龙湖皖北江淮徽商新城东方华信恒通宏达明珠金桥锦程瑞丰鑫源天成博远安泰永盛荣华兴业嘉禾卓越"
FIRM_TRADES = (
    "食品",
    "建材",
    "物流",
    "商贸",
    "餐饮",
    "医药",
    "科技",
    "农业",
    "建筑工程",
    "汽车服务",
    "文化传媒",
    "教育咨询",
)
FIRM_SUFFIXES = ("有限公司", "有限公司", "有限责任公司", "股份有限公司", "个体工商户")
OPINIONS = {"pass": "材料齐全，符合法定条件，同意。", "reject": "不符合法定条件，不予许可。"}


@dataclass(frozen=True)
class StepRef:
    kind: str
    name: str
    role: str
    org_id: int
    days: int


@dataclass(frozen=True)
class ItemRef:
    item_id: int
    version_id: int
    name: str
    org_id: int
    division_path: str
    division6: str
    level: int
    immediate: bool
    promised: tuple[int, str]
    statutory: tuple[int, str]
    result_name: str
    for_persons: bool
    for_enterprises: bool
    steps: tuple[StepRef, ...]


@dataclass
class Options:
    cases: int
    years: float = 5.0
    seed: int = 2026
    persons: int = 0  # default cases / 8
    enterprises: int = 0  # default cases / 100
    workers: int = 0  # default: CPU count on PostgreSQL, 1 on SQLite
    chunk: int = 20_000  # cases per transaction
    end: dt.datetime | None = None  # default: today 00:00 local (nothing is generated for today)
    defer_indexes: bool = True  # PostgreSQL: drop secondary indexes and foreign keys for the load


@dataclass
class Report:
    cases: int = 0
    steps: int = 0
    events: int = 0
    suspensions: int = 0
    persons: int = 0
    enterprises: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    cpu: float = 0.0  # CPU seconds of the writer processes (the generator itself)
    db_cpu: float = 0.0  # CPU seconds of the PostgreSQL backends they used (when on this machine)

    @property
    def rows(self) -> int:
        return self.cases + self.steps + self.events + self.suspensions + self.persons + self.enterprises


class VolumeError(ValueError):
    """The database is not ready for generation (no published items, or older cases already present)."""


# --- reference data ------------------------------------------------------------------------------------------------


def load_items() -> list[ItemRef]:
    """Every published item with what a case needs from it (a few queries, whatever the catalog size)."""
    from yiwang.catalog.models import ItemVersion, ProcessStep, VersionStatus

    from .services import DEFAULT_STEPS, STEP_ROLES

    versions = list(
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__current_id=models.F("pk"))
        .order_by("item_id")
        .values_list(
            "pk",
            "item_id",
            "name",
            "item__organisation_id",
            "item__organisation__division__path",
            "item__organisation__division__code",
            "level",
            "handling_kind",
            "promised_limit",
            "promised_unit",
            "statutory_limit",
            "statutory_unit",
            "result_name",
            "for_persons",
            "for_enterprises",
        )
    )
    steps: dict[int, list[tuple]] = {}
    for row in (
        ProcessStep.objects.filter(version_id__in=[v[0] for v in versions])
        .exclude(kind__in=("accept", "deliver"))
        .order_by("version_id", "order", "id")
        .values_list("version_id", "kind", "name", "countersign_org_id", "days")
        .iterator(chunk_size=20_000)
    ):
        steps.setdefault(row[0], []).append(row[1:])
    out = []
    for v in versions:
        (vid, iid, name, org, path, code, level, hk, pl, pu, sl, su, result, fp, fe) = v
        defined = steps.get(vid)
        if defined:
            refs = tuple(StepRef(k, n, STEP_ROLES.get(k, "reviewer"), cs or org, d) for k, n, cs, d in defined)
        else:
            refs = tuple(StepRef(k, n, r, org, 0) for k, n, r in DEFAULT_STEPS)
        out.append(
            ItemRef(
                iid,
                vid,
                name,
                org,
                path,
                code[:6],
                level,
                hk == 1,
                (pl, pu),
                (sl, su),
                result or name,
                fp or not fe,
                fe,
                refs,
            )
        )
    return out


def item_weights(items: Sequence[ItemRef], seed: int) -> list[float]:
    """Cumulative popularity: Zipf (s = 1) over a seeded ranking, times the level's weight."""
    order = list(range(len(items)))
    random.Random(f"{seed}:items").shuffle(order)
    w = [0.0] * len(items)
    for rank, i in enumerate(order, start=1):
        w[i] = LEVEL_WEIGHT.get(items[i].level, 1.0) / rank
    return list(accumulate(w))


def day_counts(total: int, first: dt.date, last: dt.date, seed: int) -> list[tuple[dt.date, int]]:
    """How many cases each day gets: growth per year, the weekday's factor, ±10 % noise; sums to `total`."""
    rng = random.Random(f"{seed}:days")
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    weights = []
    for d in days:
        years_in = (d - first).days / 365.25
        weights.append(GROWTH_PER_YEAR**years_in * WEEKDAY_FACTOR[d.weekday()] * rng.uniform(0.9, 1.1))
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(x) for x in raw]
    short = total - sum(counts)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:short]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


def _mix(i: int, salt: int) -> int:
    """A cheap stable hash of an index (names and codes derived from ids, no lists to ship to workers)."""
    x = (i * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    return x


def person_name(i: int) -> str:
    h = _mix(i, 1)
    name = SURNAMES[h % len(SURNAMES)] + GIVEN[(h >> 8) % len(GIVEN)]
    if h & 0x30000:
        name += GIVEN[(h >> 18) % len(GIVEN)]
    return name


def enterprise_name(i: int, city: str) -> str:
    h = _mix(i, 2)
    a, b = FIRM_WORDS[(h >> 4) % (len(FIRM_WORDS) - 1)], FIRM_WORDS[(h >> 11) % (len(FIRM_WORDS) - 1) + 1]
    trade = FIRM_TRADES[(h >> 17) % len(FIRM_TRADES)]
    return f"{city}{a}{b}{trade}{FIRM_SUFFIXES[(h >> 23) % len(FIRM_SUFFIXES)]}{'' if i < 20_000 else i % 997}"


def staff_name(org_id: int, role: str, k: int) -> str:
    return person_name(org_id * 8 + len(role) * 3 + k % 3 + 7_000_000)


# --- columns -------------------------------------------------------------------------------------------------------


def _db_default(f: models.Field) -> Any:
    if f.has_default():
        value = f.get_default()
        if isinstance(f, models.JSONField):
            import json

            return json.dumps(value)
        return None if callable(f.default) and isinstance(value, dt.datetime | dt.date) else value
    if f.null:
        return None
    return "" if isinstance(f, models.CharField | models.TextField) else None


class Layout:
    """The columns the generator fills, in its own order, then the table's other columns with their defaults.

    Rows are built as plain lists in the generator's order (the hot path); columns another module adds later (with
    a default, as migrations require) are appended with that default, so the generator keeps working.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        fields = {f.column: f for f in model._meta.concrete_fields}
        missing = [c for c in columns if c not in fields]
        if missing:
            raise VolumeError(f"{model._meta.db_table} has no column {', '.join(missing)}")
        self.table = model._meta.db_table
        extra = [f for c, f in fields.items() if c not in columns and not f.primary_key]
        self.columns = [*columns, *(f.column for f in extra)]
        self.extra = [_db_default(f) for f in extra]
        self.index = {c: i for i, c in enumerate(self.columns)}
        self.fields = fields

    def has(self, column: str) -> bool:
        return column in self.fields


CASE_COLUMNS = (
    "id",
    "case_number",
    "query_code_hash",
    "item_id",
    "version_id",
    "item_name",
    "organisation_id",
    "division_path",
    "person_id",
    "enterprise_id",
    "applicant_name",
    "channel",
    "form_data",
    "state",
    "revision",
    "submitted_at",
    "accepted_at",
    "deemed_accepted",
    "acceptance_due",
    "statutory_due",
    "promised_due",
    "concluded_at",
    "outcome_reason",
    "result_document",
    "delivery",
    "delivery_address",
    "tracking_number",
    "delivered_at",
)
STEP_COLUMNS = (
    "case_id",
    "order",
    "kind",
    "name",
    "organisation_id",
    "role",
    "days",
    "state",
    "assignee_id",
    "started_at",
    "due",
    "claimed_at",
    "done_at",
    "decision",
    "opinion",
    "case_number",
    "item_name",
    "applicant_name",
)
EVENT_COLUMNS = (
    "case_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "at",
    "actor_name",
    "role",
    "organisation_id",
    "channel",
    "on_behalf_of",
    "data",
)
SUSPENSION_COLUMNS = ("case_id", "kind", "reason", "started_on", "expected_end", "ended_on", "result")
STATE_AT = CASE_COLUMNS.index("state")

_CHECK_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CHECK_VALUE = {c: i for i, c in enumerate(_CHECK_ALPHABET)}


def _number_prefix_sum(prefix: str) -> int:
    return sum((i + 1) * _CHECK_VALUE[c] for i, c in enumerate(prefix))


def case_number(prefix: str, prefix_sum: int, serial: int) -> str:
    """prefix (12) + serial (6) + the check character of services.next_case_number, from a cached prefix sum."""
    digits = f"{serial:06d}"
    total = prefix_sum + sum((13 + i) * (ord(c) - 48) for i, c in enumerate(digits))
    return prefix + digits + _CHECK_ALPHABET[total % 31]


# --- simulation ----------------------------------------------------------------------------------------------------


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    r = rng.random()
    for value, p in table:
        r -= p
        if r < 0:
            return value
    return table[-1][0]


UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SUBMITTED, CORRECTION, IN_PROGRESS, SUSPENDED = State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED
APPROVED, REFUSED, NOT_ACCEPTED, WITHDRAWN, VOIDED = (
    State.APPROVED,
    State.REFUSED,
    State.NOT_ACCEPTED,
    State.WITHDRAWN,
    State.VOIDED,
)
FINISHED = frozenset({APPROVED, REFUSED, WITHDRAWN, VOIDED})


class Simulator:
    """Lives each case through the state machine up to `now`; returns its rows (one worker owns one instance)."""

    def __init__(self, opts: Options, items: list[ItemRef], cum: list[float], now: dt.datetime, city: str):
        from yiwang.calendar import workdays

        from . import deadlines

        self.opts, self.items, self.cum, self.total_w = opts, items, cum, cum[-1]
        self.now = now.astimezone(UTC).replace(tzinfo=None)
        self.city = city
        self.cal = workdays.snapshot()
        self._months = deadlines._months_as_days
        self._natural = workdays.NATURAL
        self._due_cache: dict[tuple, dt.date] = {}
        self.case_l = Layout(Case, CASE_COLUMNS)
        self.with_event_seq = self.case_l.has("event_seq")
        if self.with_event_seq:
            self.case_l = Layout(Case, (*CASE_COLUMNS, "event_seq"))
        self.step_l = Layout(CaseStep, STEP_COLUMNS)
        self.event_l = Layout(CaseEvent, EVENT_COLUMNS)
        self.susp_l = Layout(Suspension, SUSPENSION_COLUMNS)
        self.offset = timezone.get_current_timezone().utcoffset(dt.datetime(2020, 1, 1))
        self.p_ids = opts.persons
        self.e_ids = opts.enterprises
        self.person_base = 0
        self.enterprise_base = 0
        self.members: dict[tuple[int, str], list[int]] = {}
        self._json: dict[tuple, str] = {}

    def due(self, start: dt.date, limit: int, unit: str) -> dt.date:
        """The calendar's own arithmetic (as deadlines.due without suspensions), cached per (start, limit, unit)."""
        key = (start, limit, unit)
        d = self._due_cache.get(key)
        if d is None:
            if unit == "wd":
                d = self.cal.add_working_days(start, limit)
            elif unit == "mo":
                d = self.cal.add_days(start, self._months(start, limit), self._natural)
            else:
                d = self.cal.add_days(start, limit, self._natural)
            self._due_cache[key] = d
        return d

    def local_date(self, t: dt.datetime) -> dt.date:
        return (t + self.offset).date()

    def jdata(self, *pairs: Any) -> str:
        """A small JSON object, cached (events repeat the same few shapes)."""
        s = self._json.get(pairs)
        if s is None:
            import json

            s = json.dumps(dict(zip(pairs[::2], pairs[1::2], strict=True)), ensure_ascii=False)
            self._json[pairs] = s
        return s

    def case_rows(
        self, rng: random.Random, case_id: int, number: str, item: ItemRef, t0: dt.datetime, channel: str
    ) -> tuple[list, list, list, list]:
        """(case row, step rows, event rows, suspension rows) of one case."""
        now = self.now
        rand = rng.random
        # The applicant: a person, or an enterprise with a person acting for it.
        if item.for_enterprises and self.e_ids and (not item.for_persons or rand() < 0.4):
            e = int(self.e_ids * rand() ** ENTERPRISE_SKEW)
            enterprise_id = self.enterprise_base + e
            person_idx = (e * 7919) % self.p_ids
            applicant = enterprise_name(e, self.city)
            agent = person_name(person_idx)
            behalf = applicant
        else:
            enterprise_id = None
            person_idx = int(self.p_ids * rand() ** PERSON_SKEW)
            applicant = agent = person_name(person_idx)
            behalf = ""
        org = item.org_id
        staff_ch = "window" if channel == "window" else "workbench"
        events: list[list] = []
        append = events.append
        state = SUBMITTED
        append([case_id, 1, "submit", "", state, t0, agent, "applicant", None, channel, behalf,
                self.jdata("materials", 3, "channel", channel)])  # fmt: skip
        acceptance_due = self.due(self.local_date(t0), 5, "wd")
        accepted_at = concluded_at = delivered_at = statutory_due = promised_due = None
        reason = result = delivery = tracking = address = ""
        steps: list[list] = []
        suspensions: list[list] = []
        slow = rand() < P_SLOW
        fate = rand()
        clerk_role = "clerk" if channel == "window" or rand() < 0.6 else "reviewer"
        clerk = staff_name(org, clerk_role, case_id)
        t = t0 + 5 * MINUTE if channel == "window" else t0 + rng.expovariate(1 / 18) * HOUR

        # --- acceptance, with the one-time correction detour ---
        if t <= now and rand() < P_CORRECTION:
            append([case_id, len(events) + 1, "request_correction", state, CORRECTION, t, clerk, clerk_role, org,
                    staff_ch, "", self.jdata("note", "材料不齐，请按清单一次性补正")])  # fmt: skip
            state = CORRECTION
            t += rng.expovariate(1 / 3) * (4 if slow else 1) * DAY
            if t <= now:
                if fate < P_NOT_ACCEPTED / 2:
                    reason = "补正后仍不符合受理条件"
                    append([case_id, len(events) + 1, "not_accept", state, NOT_ACCEPTED, t, clerk, clerk_role, org,
                            staff_ch, "", self.jdata("reason", reason)])  # fmt: skip
                    state, concluded_at = NOT_ACCEPTED, t
                else:
                    append([case_id, len(events) + 1, "supplement", state, SUBMITTED, t, agent, "applicant", None,
                            channel, behalf, "{}"])  # fmt: skip
                    state = SUBMITTED
                    t += rng.expovariate(1 / 20) * HOUR
        if state == SUBMITTED and t <= now:
            if fate < P_NOT_ACCEPTED:
                reason = "申请事项不属于本机关职权范围"
                append([case_id, len(events) + 1, "not_accept", state, NOT_ACCEPTED, t, clerk, clerk_role, org,
                        staff_ch, "", self.jdata("reason", reason)])  # fmt: skip
                state, concluded_at = NOT_ACCEPTED, t
            elif fate < P_NOT_ACCEPTED + P_WITHDRAWN * 0.4:
                append([case_id, len(events) + 1, "withdraw", state, WITHDRAWN, t, agent, "applicant", None, channel,
                        behalf, "{}"])  # fmt: skip
                state, concluded_at = WITHDRAWN, t
            else:
                append([case_id, len(events) + 1, "accept", state, IN_PROGRESS, t, clerk, clerk_role, org, staff_ch,
                        "", '{"note": ""}'])  # fmt: skip
                state, accepted_at = IN_PROGRESS, t
                start = self.local_date(t)
                statutory_due = self.due(start, *item.statutory)
                promised_due = self.due(start, *item.promised)

        # --- back-office steps ---
        if state == IN_PROGRESS:
            if item.immediate:
                for i, s in enumerate(item.steps, start=1):
                    steps.append([case_id, i, s.kind, s.name, s.org_id, s.role, s.days, "skipped", None, None, None,
                                  None, None, "", "", number, item.name, applicant])  # fmt: skip
                t += rng.uniform(2, 20) * MINUTE
                if t <= now:
                    append([case_id, len(events) + 1, "approve", state, APPROVED, t, clerk, clerk_role, org, staff_ch,
                            "", self.jdata("reason", "即办件当场办结", "result", item.result_name)])  # fmt: skip
                    state, concluded_at, result = APPROVED, t, item.result_name
            else:
                state, t, concluded_at, reason, result, promised_due = self.work_steps(
                    rng, case_id, number, item, applicant, agent, behalf, channel, t, promised_due, slow, fate, events,
                    steps, suspensions,
                )  # fmt: skip
        # --- delivery of the result ---
        if concluded_at is not None and state in (APPROVED, REFUSED):
            method = _pick(rng, DELIVERY)
            t = concluded_at + (MINUTE if method == "electronic" else rng.uniform(0.5, 4) * DAY)
            if t <= now:
                if method == "post":
                    tracking = f"SF{_mix(case_id, 5):010d}"[:14]
                    address = f"{self.city}市某区某路{case_id % 300 + 1}号"
                append([case_id, len(events) + 1, "deliver", state, state, t, clerk, clerk_role, org, staff_ch, "",
                        self.jdata("method", method, "tracking_number", tracking)])  # fmt: skip
                delivery, delivered_at = method, t
        qh = f"{_mix(case_id, 9):08x}{_mix(case_id, 10):08x}"
        row = [case_id, number, qh * 4, item.item_id, item.version_id, item.name, org, item.division_path,
               self.person_base + person_idx, enterprise_id, applicant, channel, "{}", state, len(events), t0,
               accepted_at, False, acceptance_due, statutory_due, promised_due, concluded_at,
               reason if state != APPROVED else "", result, delivery, address, tracking, delivered_at]  # fmt: skip
        if self.with_event_seq:
            row.append(len(events))
        return row, steps, events, suspensions

    def work_steps(
        self, rng, case_id, number, item, applicant, agent, behalf, channel, t, promised_due, slow, fate, events,
        steps, suspensions,
    ):  # fmt: skip
        """Claims and completes each step until the end or `now`.

        Returns (state, t, concluded_at, reason, result, promised_due)."""
        now = self.now
        append = events.append
        state = IN_PROGRESS
        n = len(item.steps)
        limit_days = max(1.0, item.promised[0] * (1.4 if item.promised[1] == "wd" else 1.0))
        per_step = limit_days / n * rng.uniform(0.25, 0.85) * (rng.uniform(2.0, 4.0) if slow else 1.0)
        claim_mean, work_mean = max(0.05, per_step * 0.3), max(0.05, per_step * 0.7)
        refuse_at = n if fate > 1 - P_REFUSED else 0
        withdraw_at = rng.randint(1, n) if 1 - P_REFUSED - P_WITHDRAWN * 0.6 < fate <= 1 - P_REFUSED else 0
        low = P_NOT_ACCEPTED + P_WITHDRAWN * 0.4
        void_at = rng.randint(1, n) if low <= fate < low + P_VOIDED else 0
        suspend_at = rng.randint(1, n) if rng.random() < P_SUSPEND else 0
        return_at = n if n > 1 and rng.random() < P_RETURN else 0
        st = ["waiting"] * n
        started: list = [None] * n
        claimed: list = [None] * n
        done_at: list = [None] * n
        decision = [""] * n
        due: list = [None] * n
        assignee: list = [None] * n
        concluded_at = None
        reason = result = ""
        i = 0
        returned = False
        while i < n:
            s = item.steps[i]
            st[i], started[i], claimed[i], done_at[i], decision[i] = "active", t, None, None, ""
            due[i] = self.due(self.local_date(t), s.days, "wd") if s.days else promised_due
            actor = staff_name(s.org_id, s.role, case_id + i)
            t += rng.expovariate(1 / claim_mean) * DAY
            if t > now:
                break
            members = self.members.get((s.org_id, s.role))
            st[i], claimed[i] = "claimed", t
            assignee[i] = members[case_id % len(members)] if members else None
            append([case_id, len(events) + 1, "claim", state, state, t, actor, s.role, s.org_id, "workbench", "",
                    self.jdata("step", i + 1, "name", s.name)])  # fmt: skip
            if suspend_at == i + 1:
                suspend_at = 0
                t += rng.uniform(1, 48) * HOUR
                if t > now:
                    break
                kind = rng.choice(("expert", "testing", "survey", "hearing"))
                days = rng.randint(5, 30)
                append([case_id, len(events) + 1, "suspend", state, SUSPENDED, t, actor, s.role, s.org_id,
                        "workbench", "", self.jdata("kind", kind, "reason", "需组织专家评审")])  # fmt: skip
                state = SUSPENDED
                start_on = self.local_date(t)
                susp = [case_id, kind, "需组织专家评审", start_on, start_on + days * DAY, None, "", *self.susp_l.extra]
                suspensions.append(susp)
                end = t + days * rng.uniform(0.8, 1.3) * DAY
                if end > now:
                    break
                t = end
                append([case_id, len(events) + 1, "resume", state, IN_PROGRESS, t, actor, s.role, s.org_id,
                        "workbench", "", '{"result": "评审通过"}'])  # fmt: skip
                state = IN_PROGRESS
                ended = self.local_date(t)
                susp[5], susp[6] = ended, "评审通过"
                if promised_due is not None:  # the clock stopped: the promise moves by the days it lasted
                    promised_due += ((ended - start_on).days + 1) * DAY
            if void_at == i + 1 or withdraw_at == i + 1:
                t += rng.uniform(0.1, 3) * DAY
                if t > now:
                    break
                if void_at == i + 1:
                    reason = "申请人提供虚假材料"
                    append([case_id, len(events) + 1, "void", state, VOIDED, t, actor, s.role, s.org_id, "workbench",
                            "", self.jdata("reason", reason)])  # fmt: skip
                    state = VOIDED
                else:
                    append([case_id, len(events) + 1, "withdraw", state, WITHDRAWN, t, agent, "applicant", None,
                            channel, behalf, "{}"])  # fmt: skip
                    state = WITHDRAWN
                concluded_at = t
                break
            t += rng.expovariate(1 / work_mean) * DAY
            if t > now:
                break
            if return_at == i + 1 and not returned:
                returned = True
                append([case_id, len(events) + 1, "return_step", state, state, t, actor, s.role, s.org_id,
                        "workbench", "", self.jdata("from", i + 1, "to", 1, "reason", "请补充核查意见")])  # fmt: skip
                for j in range(1, i + 1):
                    st[j], started[j], claimed[j], done_at[j], decision[j], due[j], assignee[j] = (
                        "waiting", None, None, None, "", None, None,
                    )  # fmt: skip
                i = 0
                continue
            d = "reject" if refuse_at == i + 1 else "pass"
            st[i], done_at[i], decision[i] = "done", t, d
            append([case_id, len(events) + 1, "complete_step", state, state, t, actor, s.role, s.org_id, "workbench",
                    "", self.jdata("step", i + 1, "name", s.name, "decision", d, "opinion", OPINIONS[d])])  # fmt: skip
            if i == n - 1:
                if d == "pass":
                    result = item.result_name
                    append([case_id, len(events) + 1, "approve", state, APPROVED, t, actor, s.role, s.org_id,
                            "workbench", "", self.jdata("reason", OPINIONS[d], "result", result)])  # fmt: skip
                    state = APPROVED
                else:
                    reason = OPINIONS[d]
                    append([case_id, len(events) + 1, "refuse", state, REFUSED, t, actor, s.role, s.org_id,
                            "workbench", "", self.jdata("reason", reason, "result", "")])  # fmt: skip
                    state = REFUSED
                concluded_at = t
            i += 1
        finished = state in FINISHED
        for j, s in enumerate(item.steps):
            x = st[j]
            if finished and x in ("waiting", "active", "claimed"):
                x = "skipped"
            steps.append([case_id, j + 1, s.kind, s.name, s.org_id, s.role, s.days, x,
                          assignee[j] if x == "claimed" else None, started[j],
                          due[j] if x in ("active", "claimed", "done") else None, claimed[j], done_at[j], decision[j],
                          OPINIONS[decision[j]] if decision[j] else "", number, item.name, applicant])  # fmt: skip
        return state, t, concluded_at, reason, result, promised_due


# --- work split ----------------------------------------------------------------------------------------------------


@dataclass
class DayWork:
    day: dt.date
    count: int
    first_id: int


def _day_times(rng: random.Random, midnight: dt.datetime, channels: list[str]) -> list[dt.datetime]:
    """Submission moments of one day: office hours for windows and kiosks, all day (mostly daytime) online."""
    out = []
    rand, uniform = rng.random, rng.uniform
    for ch in channels:
        if ch == "window" or ch == "kiosk":
            h = uniform(9, 12) if rand() < 0.55 else uniform(13.5, 17.5)
        else:
            h = uniform(8, 23) if rand() < 0.92 else uniform(0, 24)
        out.append(midnight + dt.timedelta(seconds=int(h * 3600)))
    return out


def _case_chunks(sim: Simulator, work: Sequence[DayWork], chunk: int) -> Iterator[tuple[list, list, list, list, dict]]:
    items, cum, total_w = sim.items, sim.cum, sim.total_w
    cases, steps, events, susps = [], [], [], []
    states: dict[str, int] = {}
    chan_vals = [c for c, _ in CHANNELS]
    chan_cum = list(accumulate(p for _, p in CHANNELS))
    last_chan = len(chan_vals) - 1
    tz = timezone.get_current_timezone()
    for w in work:
        rng = random.Random(f"{sim.opts.seed}:day:{w.day.isoformat()}")
        rand = rng.random
        picks = [items[bisect_left(cum, rand() * total_w)] for _ in range(w.count)]
        chans = [chan_vals[min(bisect_left(chan_cum, rand()), last_chan)] for _ in range(w.count)]
        midnight = dt.datetime.combine(w.day, dt.time.min, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
        times = _day_times(rng, midnight, chans)
        order = sorted(range(w.count), key=times.__getitem__)
        serials: dict[str, int] = {}
        prefixes: dict[str, tuple[str, int]] = {}
        ymd = f"{w.day:%y%m%d}"
        for k, j in enumerate(order):
            item = picks[j]
            d6 = item.division6
            serial = serials.get(d6, 0) + 1
            serials[d6] = serial
            pre = prefixes.get(d6)
            if pre is None:
                pre = prefixes[d6] = (d6 + ymd, _number_prefix_sum(d6 + ymd))
            number = case_number(pre[0], pre[1], serial)
            c, s, e, sp = sim.case_rows(rng, w.first_id + k, number, item, times[j], chans[j])
            cases.append(c)
            steps += s
            events += e
            susps += sp
            states[c[STATE_AT]] = states.get(c[STATE_AT], 0) + 1
            if len(cases) >= chunk:
                yield cases, steps, events, susps, states
                cases, steps, events, susps, states = [], [], [], [], {}
    if cases:
        yield cases, steps, events, susps, states


def _with_extra(rows: list[list], extra: list) -> list[list]:
    if extra:
        for r in rows:
            r.extend(extra)
    return rows


def _write_chunk(sim: Simulator, cases, steps, events, susps) -> None:
    rows = [
        (sim.case_l, _with_extra(cases, sim.case_l.extra)),
        (sim.step_l, _with_extra(steps, sim.step_l.extra)),
        (sim.event_l, _with_extra(events, sim.event_l.extra)),
        (sim.susp_l, susps),  # built with their extra columns
    ]
    sqlite = connection.vendor == "sqlite"
    with transaction.atomic():
        for layout, r in rows:
            insert_rows(layout.table, layout.columns, _sqlite_values(r) if sqlite else r)


def _sqlite_values(rows: list[list]) -> list[list]:
    """SQLite keeps datetimes as naive UTC text like Django writes them."""
    out = []
    for r in rows:
        out.append([v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in r])
    return out


def _worker_main(args: tuple, answers: Any) -> None:
    answers.put(_worker(args))


def _worker(args: tuple) -> dict[str, Any]:
    """One process: its days, written chunk by chunk; returns its counts."""
    opts, items, cum, now, city, work, bases, members, progress = args
    connections.close_all()
    logging.getLogger("yiwang.calendar").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    sim = Simulator(opts, items, cum, now, city)
    sim.person_base, sim.enterprise_base = bases
    sim.members = members
    out = {"cases": 0, "steps": 0, "events": 0, "suspensions": 0, "states": {}}
    backend = _backend_pid()
    for cases, steps, events, susps, states in _case_chunks(sim, work, opts.chunk):
        _write_chunk(sim, cases, steps, events, susps)
        out["cases"] += len(cases)
        out["steps"] += len(steps)
        out["events"] += len(events)
        out["suspensions"] += len(susps)
        for k, v in states.items():
            out["states"][k] = out["states"].get(k, 0) + v
        if progress is not None:
            with progress.get_lock():
                progress.value += len(cases)
    out["db_cpu"] = _cpu_of(backend)
    out["cpu"] = _own_cpu()
    connections.close_all()
    return out


def _backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _cpu_of(pid: int | None) -> float:
    """CPU seconds of a local process (the PostgreSQL backend serving us), 0 when it is on another machine."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115 - /proc, read once
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return 0.0


def _own_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- applicants ----------------------------------------------------------------------------------------------------


def _county_codes() -> list[str]:
    from yiwang.orgs.models import Division

    codes = list(Division.objects.filter(level=4).order_by("code").values_list("code", flat=True))
    return codes or ["340302"]


PERSON_COLUMNS = (
    "id",
    "name",
    "doc_type",
    "doc_number",
    "doc_number_hash",
    "nationality",
    "level",
    "verified_at",
    "created_at",
)
ENTERPRISE_COLUMNS = ("id", "credit_code", "name", "kind", "legal_rep_name", "level", "verified_at", "created_at")


def write_applicants(opts: Options, say: Callable[[str], None]) -> tuple[int, int]:
    """Persons and enterprises with consecutive ids (applicant index i is id base + i); returns both bases."""
    from yiwang.core.codes import make_credit_code
    from yiwang.identity.models import Enterprise, Person

    counties = _county_codes()
    e_layout = Layout(Enterprise, ENTERPRISE_COLUMNS)
    p_base = (Person.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
    e_base = (Enterprise.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
    taken_docs = set(Person.objects.values_list("doc_number_hash", flat=True))
    taken_codes = set(Enterprise.objects.values_list("credit_code", flat=True))
    now = timezone.now().astimezone(UTC).replace(tzinfo=None)
    sqlite = connection.vendor == "sqlite"
    batch = 20_000
    ranges = _split(opts.persons, 1 if sqlite else opts.workers)
    jobs = [(start, stop, p_base, counties, taken_docs, now) for start, stop in ranges]
    if len(jobs) == 1:
        _write_persons(*jobs[0], say=say)
    else:
        _in_processes(_write_persons, jobs)
        say(f"persons {opts.persons:,}/{opts.persons:,}")
    city = _city_name()
    rows = []
    for i in range(opts.enterprises):
        h = _mix(i, 4)
        while True:
            code = make_credit_code("9", "1", counties[h % len(counties)], f"{(i * 7 + 11) % 100_000_000:08d}")
            if code not in taken_codes:
                break
            h += 1
        rep = person_name((i * 7919) % max(1, opts.persons))
        rows.append([e_base + i, code, enterprise_name(i, city), "enterprise", rep, 2, now, now, *e_layout.extra])
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        with transaction.atomic():
            insert_rows(e_layout.table, e_layout.columns, _sqlite_values(part) if sqlite else part)
    return p_base, e_base


def _split(n: int, parts: int) -> list[tuple[int, int]]:
    step = -(-n // max(1, parts))
    return [(i, min(n, i + step)) for i in range(0, n, step)] or [(0, 0)]


def _write_persons(start: int, stop: int, p_base: int, counties, taken_docs, now, say=None) -> None:
    """Persons start..stop-1: valid, unique ID numbers (encrypted and hashed like every person), in batches."""
    from yiwang.core.codes import citizen_check_char
    from yiwang.identity import crypto
    from yiwang.identity.models import Person, doc_hash

    layout = Layout(Person, PERSON_COLUMNS)
    sqlite = connection.vendor == "sqlite"
    born0 = dt.date(1950, 1, 1)
    batch = 20_000
    for first in range(start, stop, batch):
        rows = []
        for i in range(first, min(first + batch, stop)):
            # birthday and sequence come from the index (unique up to 18 million), the county from its hash
            born = born0 + dt.timedelta(days=(i // 900) % 20_000)
            h = _mix(i, 3)
            while True:
                first17 = f"{counties[h % len(counties)]}{born:%Y%m%d}{100 + i % 900:03d}"
                number = first17 + citizen_check_char(first17)
                hashed = doc_hash("resident_id", number)
                if hashed not in taken_docs:
                    break
                h += 1  # an existing (demo) person has this number: the next county
            rows.append(
                [p_base + i, person_name(i), "resident_id", crypto.encrypt(number), hashed, "CHN", 2, now, now,
                 *layout.extra]
            )  # fmt: skip
        with transaction.atomic():
            insert_rows(layout.table, layout.columns, _sqlite_values(rows) if sqlite else rows)
        done = min(first + batch, stop)
        if say is not None and (done % 200_000 < batch or done == stop):
            say(f"persons {done:,}/{stop:,}")


def _process_main(func: Callable, args: tuple, answers: Any) -> None:
    connections.close_all()
    answers.put(func(*args))
    connections.close_all()


def _in_processes(func: Callable, jobs: list[tuple]) -> list[Any]:
    """Runs func(*job) for each job in its own forked process (its own connection); returns their results."""
    connections.close_all()
    ctx = mp.get_context("fork")
    answers = ctx.Queue()
    procs = [ctx.Process(target=_process_main, args=(func, job, answers)) for job in jobs]
    for p in procs:
        p.start()
    results = []
    while len(results) < len(procs):
        with contextlib.suppress(queue.Empty):
            results.append(answers.get(timeout=5))
        if any(p.exitcode not in (None, 0) for p in procs):
            for p in procs:
                p.kill()
            raise VolumeError("a writer process failed (see its error above)")
    for p in procs:
        p.join()
    return results


def load_members() -> dict[tuple[int, str], list[int]]:
    """(organisation, role) → staff user ids, so generated steps in hand belong to someone who can open them."""
    from yiwang.orgs.models import Membership

    out: dict[tuple[int, str], list[int]] = {}
    for org, role, user in Membership.objects.filter(role__in=("reviewer", "approver")).values_list(
        "organisation_id", "role", "user_id"
    ):
        out.setdefault((org, role), []).append(user)
    return out


def _city_name() -> str:
    from yiwang.orgs.models import Division

    city = Division.objects.filter(level=3).order_by("code").values_list("name", flat=True).first()
    return (city or "").removesuffix("市")


# --- indexes (PostgreSQL) ------------------------------------------------------------------------------------------


def _deferred_definitions(tables: Sequence[str]) -> tuple[list[str], list[str]]:
    """(drop statements, create statements) for the tables' secondary indexes, unique and foreign-key constraints."""
    drops, creates = [], []
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
                [table],
            )
            for name, definition in cur.fetchall():
                drops.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                creates.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cur.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
                [table],
            )
            for name, definition in cur.fetchall():
                drops.append(f'DROP INDEX "{name}"')
                creates.insert(0, definition)  # indexes before foreign keys (validation uses them)
    return drops, creates


def _run(statements: Sequence[str], say: Callable[[str], None] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET max_parallel_maintenance_workers = 2")
        for sql in statements:
            t = time.perf_counter()
            cur.execute(sql)
            if say is not None:
                say(f"{sql[:110]} — {time.perf_counter() - t:.0f} s")


# --- the whole run -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_calendar() -> Iterator[None]:
    """Years without a loaded holiday arrangement count weekends only; say so once, not per case."""
    logger = logging.getLogger("yiwang.calendar")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def generate(opts: Options, say: Callable[[str], None] = print) -> Report:
    """Writes the volume described by `opts`; returns the counts and the seconds each phase took."""
    with _quiet_calendar():
        return _generate(opts, say)


def _generate(opts: Options, say: Callable[[str], None]) -> Report:
    report = Report()
    clock = time.perf_counter()
    t_start = clock

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[phase] = round(now - clock, 1)
        clock = now

    vendor = connection.vendor
    opts.persons = opts.persons or max(10, opts.cases // 8)
    opts.enterprises = opts.enterprises or max(3, opts.cases // 100)
    opts.workers = 1 if vendor == "sqlite" else (opts.workers or mp.cpu_count())
    tz = timezone.get_current_timezone()
    end = opts.end or dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=tz)
    first_day = (end - dt.timedelta(days=round(opts.years * 365.25))).date()
    last_day = (end - dt.timedelta(days=1)).date()
    if Case.objects.filter(submitted_at__lt=end).exists():
        raise VolumeError("The database already has cases submitted before today; generate into a fresh database.")
    items = load_items()
    if not items:
        raise VolumeError("No published items: load a catalog first (yiwang seed_demo).")
    cum = item_weights(items, opts.seed)
    members = load_members()
    lap("reference data")

    p_base, e_base = write_applicants(opts, say)
    report.persons, report.enterprises = opts.persons, opts.enterprises
    lap("applicants")
    say(f"applicants: {opts.persons:,} persons, {opts.enterprises:,} enterprises ({report.seconds['applicants']} s)")

    counts = day_counts(opts.cases, first_day, last_day, opts.seed)
    next_id = (Case.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
    work: list[DayWork] = []
    for day, n in counts:
        work.append(DayWork(day, n, next_id))
        next_id += n
    # Whole weeks per worker, dealt round-robin: every worker gets old and recent (growing) days alike.
    shares: list[list[DayWork]] = [[] for _ in range(opts.workers)]
    for i, w in enumerate(work):
        shares[(i // 7) % opts.workers].append(w)

    tables = [Case._meta.db_table, CaseStep._meta.db_table, CaseEvent._meta.db_table]
    creates: list[str] = []
    if vendor == "postgresql" and opts.defer_indexes:
        drops, creates = _deferred_definitions(tables)
        _run(drops)
        say(f"dropped {len(drops)} indexes and constraints of {', '.join(tables)} for the load")
    city = _city_name()
    try:
        if opts.workers == 1:
            results = [_worker((opts, items, cum, end, city, shares[0], (p_base, e_base), members, None))]
        else:
            connections.close_all()
            ctx = mp.get_context("fork")
            progress = ctx.Value("q", 0)
            answers = ctx.Queue()
            procs = [
                ctx.Process(
                    target=_worker_main,
                    args=((opts, items, cum, end, city, share, (p_base, e_base), members, progress), answers),
                )
                for share in shares
            ]
            for p in procs:
                p.start()
            results = []
            while len(results) < len(procs):
                with contextlib.suppress(queue.Empty):
                    results.append(answers.get(timeout=30))
                if any(p.exitcode not in (None, 0) for p in procs):
                    for p in procs:
                        p.kill()
                    raise VolumeError("a writer process failed (see its error above)")
                say(_progress(progress.value, opts.cases, time.perf_counter() - clock))
            for p in procs:
                p.join()
        for r in results:
            report.cpu += r.get("cpu", 0.0)
            report.db_cpu += r.get("db_cpu", 0.0)
            report.cases += r["cases"]
            report.steps += r["steps"]
            report.events += r["events"]
            report.suspensions += r["suspensions"]
            for k, v in r["states"].items():
                report.states[k] = report.states.get(k, 0) + v
        lap("cases, steps and events")
    finally:
        if creates:
            say(f"building {len(creates)} indexes and constraints again")
            _run(creates, say)
            lap("indexes")
    if vendor == "postgresql":
        with connection.cursor() as cur:
            from yiwang.identity.models import Enterprise, Person

            for model in (Case, CaseStep, CaseEvent, Suspension, Person, Enterprise):
                t = connection.ops.quote_name(model._meta.db_table)
                # identifiers from the models, quoted; explicit ids were written, so the sequences move past them
                cur.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {t}))", [t])  # noqa: S608
        connection.close()
        with connection.cursor() as cur:
            for t in (*tables, Suspension._meta.db_table, "identity_person", "identity_enterprise"):
                cur.execute(f'VACUUM ANALYZE "{t}"')
        lap("vacuum and analyze")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        lap("analyze")
    report.seconds["total"] = round(time.perf_counter() - t_start, 1)
    return report


def _progress(done: int, total: int, seconds: float) -> str:
    rate = done / seconds if seconds > 0 else 0.0
    left = (total - done) / rate if rate else math.inf
    return f"cases {done:,}/{total:,} ({rate:,.0f} cases/s, about {left / 60:.0f} min left)"
