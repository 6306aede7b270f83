"""The staff workbench's lists: to-do queues per role, search and filters, with the time left on every row.

Every list is one bounded row query plus one capped count, whatever the data: the rows come from the indexes in
models.py (step_queue / step_mine for steps, case_state_acceptance_due for the acceptance queue,
case_org_state_due for concluded cases awaiting delivery), permission filters are plain WHERE clauses built once
from the `Actor`, and the urgency of each row is computed in Python from one calendar snapshot. The count stops at
COUNT_CAP (a page header says "1000+") so a clerk's list never scans a million rows to print a number.

Urgency (shown as a colour AND a text label, never colour alone):
- ok: less than CASE_WARNING_FRACTION (default 0.8) of the limit used;
- warn: at or above it, not yet past the last day;
- over: past the last day;
- stopped: the clock is stopped (special procedure, or waiting for the applicant's correction);
- none: no clock (concluded, or no deadline yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yiwang.calendar import workdays
from yiwang.core.errors import Problem
from yiwang.identity.access import Actor
from yiwang.orgs.models import Role

from . import policy
from .models import Case, CaseStep, Channel, Notice, NoticeKind, State, StepState

PAGE_SIZE = 25
COUNT_CAP = 1000
MAX_QUERY = 40


def warning_fraction() -> float:
    """Share of a limit after which a row turns yellow (settings.CASE_WARNING_FRACTION, 0.8 by default)."""
    return float(getattr(settings, "CASE_WARNING_FRACTION", 0.8))


# --- queues ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    kind: str  # "cases" or "steps"
    roles: tuple[str, ...]  # any of these roles shows the queue


QUEUES: tuple[Queue, ...] = (
    Queue("accept", _("Awaiting acceptance"), "cases", (Role.WINDOW_CLERK, Role.REVIEWER)),
    Queue("answered", _("Corrections answered"), "cases", (Role.WINDOW_CLERK, Role.REVIEWER)),
    Queue("correction", _("Waiting for the applicant's correction"), "cases", (Role.WINDOW_CLERK, Role.REVIEWER)),
    Queue("reviewer", _("Review steps"), "steps", (Role.REVIEWER,)),
    Queue("approver", _("Approval steps"), "steps", (Role.APPROVER,)),
    Queue("mine", _("In my hands"), "steps", (Role.REVIEWER, Role.APPROVER)),
    Queue("deliver", _("Results to deliver"), "cases", (Role.WINDOW_CLERK, Role.APPROVER)),
    Queue("all", _("All cases I can see"), "cases", ()),
)
QUEUE_BY_KEY = {q.key: q for q in QUEUES}


def queues_for(actor: Actor) -> list[Queue]:
    """The queues this actor's roles give them; "all" for every staff member (supervisors see only that)."""
    out = []
    for q in QUEUES:
        if (q.roles and any(actor.may_write(r) for r in q.roles)) or (not q.roles and actor.is_staff_member):
            out.append(q)
    return out


def default_queue(queues: list[Queue], counts: dict[str, int]) -> str:
    """The list a staff member lands on: their first queue that holds work (a reviewer with six cases at 审查 lands
    on the review steps, not on an empty acceptance list), else their first queue, else "all"."""
    for q in queues:
        if q.key != "all" and counts.get(q.key):
            return q.key
    return queues[0].key if queues else "all"


# --- filters ---------------------------------------------------------------------------------------------------


@dataclass
class Filters:
    """What a person typed into the filter bar, checked; empty values mean "any"."""

    q: str = ""
    state: str = ""
    item: str = ""
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.q or self.state or self.item or self.channel or self.date_from or self.date_to or self.overdue)

    def as_params(self) -> dict[str, str]:
        out = {
            "q": self.q,
            "state": self.state,
            "item": self.item,
            "channel": self.channel,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "overdue": "1" if self.overdue else "",
        }
        return {k: v for k, v in out.items() if v}


def _date(raw: str, name: str, problems: list[Problem]) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(Problem(name, _("Enter a date as YYYY-MM-DD."), "invalid"))
        return None


def parse_filters(params: Any) -> Filters:
    """Reads the filter bar from a QueryDict; a bad value is dropped with a message instead of failing the page."""
    problems: list[Problem] = []
    f = Filters()
    f.q = " ".join(str(params.get("q", "")).split())[:MAX_QUERY]
    state = str(params.get("state", ""))
    if state and state not in State.values:
        problems.append(Problem("state", _("Choose a state from the list."), "invalid"))
    else:
        f.state = state
    channel = str(params.get("channel", ""))
    if channel and channel not in Channel.values:
        problems.append(Problem("channel", _("Choose a channel from the list."), "invalid"))
    else:
        f.channel = channel
    f.item = " ".join(str(params.get("item", "")).split())[:200]
    f.date_from = _date(params.get("from", ""), "from", problems)
    f.date_to = _date(params.get("to", ""), "to", problems)
    if f.date_from and f.date_to and f.date_to < f.date_from:
        problems.append(Problem("to", _("The end date is before the start date."), "invalid"))
        f.date_to = None
    f.overdue = str(params.get("overdue", "")) in ("1", "on", "true")
    f.problems = problems
    return f


def _day_start(d: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(d, dt.time.min))


def _case_filter(f: Filters, prefix: str = "") -> Q:
    """The filters as one Q over Case fields (`prefix` = "case__" when filtering steps)."""
    q = Q()
    if f.state:
        q &= Q(**{f"{prefix}state": f.state})
    if f.channel:
        q &= Q(**{f"{prefix}channel": f.channel})
    if f.item:
        if len(f.item) == 31 and f.item.isalnum():
            q &= Q(**{f"{prefix}item__item_code": f.item.upper()})
        else:
            q &= Q(**{f"{prefix}item_name__startswith": f.item})
    if f.date_from:
        q &= Q(**{f"{prefix}submitted_at__gte": _day_start(f.date_from)})
    if f.date_to:
        q &= Q(**{f"{prefix}submitted_at__lt": _day_start(f.date_to + dt.timedelta(days=1))})
    return q


def _search_q(text: str, number_field: str, name_field: str) -> Q:
    """Case number (exact, or a prefix of at least 6 characters) or applicant name (exact or prefix)."""
    if not text:
        return Q()
    compact = text.replace(" ", "").upper()
    if compact[:6].isdigit() and len(compact) >= 6:
        if len(compact) == 19:
            return Q(**{number_field: compact})
        return Q(**{f"{number_field}__startswith": compact})
    return Q(**{f"{name_field}__startswith": text})


# --- rows ------------------------------------------------------------------------------------------------------


@dataclass
class Clock:
    """The time left on a row: urgency (ok / warn / over / stopped / none), its words, and the due date."""

    urgency: str
    label: str
    detail: str = ""
    due: dt.date | None = None
    fraction: float | None = None


URGENCY_WORDS = {
    "ok": _("On time"),
    "warn": _("Near the limit"),
    "over": _("Overdue"),
    "stopped": _("Clock stopped"),
    "none": _("No time limit running"),
}


def clock(
    cal: workdays.Calendar,
    start: dt.date | None,
    due: dt.date | None,
    *,
    stopped: bool = False,
    stopped_reason: Any = None,
    now: dt.datetime | None = None,
    suspensions: list | tuple = (),
) -> Clock:
    """How urgent a deadline is: the share of working days used, and the working days left in words."""
    if stopped:
        return Clock("stopped", str(URGENCY_WORDS["stopped"]), str(stopped_reason or ""), due)
    if due is None or start is None:
        return Clock("none", str(URGENCY_WORDS["none"]), "", due)
    now = now or timezone.now()
    today = timezone.localdate(now)
    fraction = cal.elapsed_fraction(start, due, now, suspensions)
    left = cal.working_days_between(today, due)
    if today > due:
        urgency = "over"
        late = max(1, -left)
        detail = ngettext("%(n)s working day overdue", "%(n)s working days overdue", late) % {"n": late}
    else:
        urgency = "warn" if fraction >= warning_fraction() else "ok"
        if today == due or left == 0:
            detail = str(_("Due today"))
        else:
            detail = ngettext("%(n)s working day left", "%(n)s working days left", left) % {"n": left}
    return Clock(urgency, str(URGENCY_WORDS[urgency]), detail, due, fraction)


@dataclass
class Row:
    case_number: str
    item_name: str
    applicant_name: str
    state: str
    state_label: str
    channel: str
    submitted_at: dt.datetime | None
    clock: Clock
    step_id: int | None = None
    step_name: str = ""
    step_state: str = ""
    assignee_id: int | None = None
    revision: int = 0
    answered: bool = False

    @property
    def mine_claimed(self) -> bool:
        return self.step_state == StepState.CLAIMED


@dataclass
class Page:
    rows: list[Row]
    number: int
    size: int
    count: int
    capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.count

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))


def _page_number(raw: Any) -> int:
    try:
        return max(1, min(int(raw), COUNT_CAP // PAGE_SIZE + 1))
    except (TypeError, ValueError):
        return 1


def _capped_count(qs: QuerySet) -> tuple[int, bool]:
    n = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


def capped_counts(querysets: list[QuerySet]) -> list[tuple[int, bool]]:
    """`_capped_count` of several querysets in one statement: SELECT (SELECT COUNT(*) FROM (… LIMIT cap+1)), …"""
    if not querysets:
        return []
    parts, params = [], []
    for i, qs in enumerate(querysets):
        sql, p = qs.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) c{i})")  # noqa: S608 - SQL the ORM built
        params.extend(p)
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts), params)
        row = cur.fetchone()
    return [(min(n, COUNT_CAP), n > COUNT_CAP) for n in row]


# --- the querysets ---------------------------------------------------------------------------------------------


def _reach_of(actor: Actor, roles: tuple[str, ...]) -> Q:
    """The organisations the actor's writing roles reach, as ids on the case's own indexed column (no join)."""
    ids: set[int] = set()
    for role in roles:
        if actor.may_write(role):
            found = actor.reach(role).organisation_ids()
            if found is None:
                return Q(pk__isnull=False)
            ids.update(found)
    return Q(organisation_id__in=sorted(ids)) if ids else Q(pk__in=[])


def _acceptance_reach(actor: Actor) -> Q:
    """Cases a clerk or a department reviewer may decide acceptance on (policy.may_accept, as a filter)."""
    return _reach_of(actor, (Role.WINDOW_CLERK, Role.REVIEWER))


def _delivery_reach(actor: Actor) -> Q:
    return _reach_of(actor, (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER))


_CASE_FIELDS = (
    "id",
    "case_number",
    "item_name",
    "applicant_name",
    "state",
    "channel",
    "submitted_at",
    "accepted_at",
    "acceptance_due",
    "promised_due",
    "revision",
)


def case_queryset(actor: Actor, queue: str, f: Filters) -> QuerySet[Case]:
    answered = Exists(Notice.objects.filter(case=OuterRef("pk"), kind=NoticeKind.CORRECTION))
    if queue in ("accept", "answered"):
        qs = Case.objects.filter(_acceptance_reach(actor), state=State.SUBMITTED)
        if queue == "answered":
            qs = qs.filter(answered)
        order = ("acceptance_due", "id")
    elif queue == "correction":
        qs = Case.objects.filter(_acceptance_reach(actor), state=State.CORRECTION)
        order = ("acceptance_due", "id")
    elif queue == "deliver":
        qs = Case.objects.filter(
            _delivery_reach(actor), state__in=(State.APPROVED, State.REFUSED), delivered_at__isnull=True
        )
        order = ("concluded_at", "id")
    else:
        qs = Case.objects.filter(policy.staff_q(actor))
        order = ("-submitted_at", "-id")
    qs = qs.filter(_case_filter(f)).filter(_search_q(f.q, "case_number", "applicant_name"))
    if f.overdue:
        today = timezone.localdate()
        qs = qs.filter(
            Q(state__in=(State.SUBMITTED,), acceptance_due__lt=today)
            | Q(state=State.IN_PROGRESS, promised_due__lt=today)
        )
    return qs.annotate(answered=answered).only(*_CASE_FIELDS).order_by(*order)


def step_queryset(actor: Actor, queue: str, f: Filters) -> QuerySet[CaseStep]:
    if queue == "mine":
        if actor.user_id is None:
            return CaseStep.objects.none()
        qs = CaseStep.objects.filter(assignee_id=actor.user_id, state=StepState.CLAIMED).order_by("due", "id")
    else:
        qs = policy.work_queue(actor, queue)
    qs = qs.filter(_case_filter(f, "case__")).filter(_search_q(f.q, "case_number", "applicant_name"))
    if f.overdue:
        qs = qs.filter(due__lt=timezone.localdate())
    return qs.select_related("case").only(
        "id",
        "name",
        "state",
        "due",
        "started_at",
        "assignee_id",
        "case_number",
        "item_name",
        "applicant_name",
        "case__id",
        "case__state",
        "case__channel",
        "case__submitted_at",
        "case__revision",
    )


def case_clock(cal: workdays.Calendar, case: Case, now: dt.datetime | None = None, suspensions=()) -> Clock:
    """The clock that matters for a case in its state (acceptance limit before acceptance, promise after)."""
    if case.state == State.SUSPENDED:
        return clock(cal, None, case.promised_due, stopped=True, stopped_reason=_("Special procedure"))
    if case.state == State.CORRECTION:
        return clock(cal, None, None, stopped=True, stopped_reason=_("Waiting for the applicant"))
    if case.state == State.SUBMITTED:
        return clock(cal, timezone.localdate(case.submitted_at), case.acceptance_due, now=now)
    if case.state == State.IN_PROGRESS and case.accepted_at:
        return clock(cal, timezone.localdate(case.accepted_at), case.promised_due, now=now, suspensions=suspensions)
    return clock(cal, None, None)


def list_page(actor: Actor, queue: str, f: Filters, page_raw: Any = 1, counted: tuple[int, bool] | None = None) -> Page:
    """One page of a queue: a capped count (or `counted`, when the caller counted it with the tabs) and the rows
    (two queries, plus one for the calendar)."""
    number = _page_number(page_raw)
    spec = QUEUE_BY_KEY[queue]
    cal = workdays.snapshot()
    now = timezone.now()
    offset = (number - 1) * PAGE_SIZE
    rows: list[Row] = []
    if spec.kind == "steps":
        qs = step_queryset(actor, queue, f)
        count, capped = counted or _capped_count(qs)
        for s in qs[offset : offset + PAGE_SIZE]:
            c = s.case
            stopped = c.state == State.SUSPENDED
            started = timezone.localdate(s.started_at) if s.started_at else None
            rows.append(
                Row(
                    case_number=s.case_number,
                    item_name=s.item_name,
                    applicant_name=s.applicant_name,
                    state=c.state,
                    state_label=str(State(c.state).label),
                    channel=c.channel,
                    submitted_at=c.submitted_at,
                    clock=clock(cal, started, s.due, stopped=stopped, stopped_reason=_("Special procedure"), now=now),
                    step_id=s.pk,
                    step_name=s.name,
                    step_state=s.state,
                    assignee_id=s.assignee_id,
                    revision=c.revision,
                )
            )
    else:
        qs = case_queryset(actor, queue, f)
        count, capped = counted or _capped_count(qs)
        for c in qs[offset : offset + PAGE_SIZE]:
            rows.append(
                Row(
                    case_number=c.case_number,
                    item_name=c.item_name,
                    applicant_name=c.applicant_name,
                    state=c.state,
                    state_label=str(State(c.state).label),
                    channel=c.channel,
                    submitted_at=c.submitted_at,
                    clock=case_clock(cal, c, now),
                    revision=c.revision,
                    answered=bool(getattr(c, "answered", False)),
                )
            )
    return Page(rows, number, PAGE_SIZE, count, capped)


def queryset_for(actor: Actor, queue: Queue, f: Filters) -> QuerySet:
    return step_queryset(actor, queue.key, f) if queue.kind == "steps" else case_queryset(actor, queue.key, f)


def landing(actor: Actor, queues: list[Queue], f: Filters) -> tuple[str, dict[str, int], tuple[int, bool] | None]:
    """The queue a staff member lands on (`default_queue`), the tabs' counts, and that list's own count when the
    tab's count is it (no filter typed) — one statement, as when the queue is named."""
    tabs = [q for q in queues if q.key != "all"]
    counted = capped_counts([queryset_for(actor, q, Filters()) for q in tabs])
    counts = {q.key: n for q, (n, _capped) in zip(tabs, counted, strict=False)}
    queue = default_queue(queues, counts)
    by_key = {q.key: c for q, c in zip(tabs, counted, strict=False)}
    return queue, counts, (by_key.get(queue) if not f.active else None)


def queue_counts(
    actor: Actor, queues: list[Queue], also: tuple[Queue, Filters] | None = None
) -> tuple[dict[str, int], tuple[int, bool] | None]:
    """Capped counts for the tabs, and for `also` (the list shown, with its filters) — all in one statement."""
    empty = Filters()
    tabs = [q for q in queues if q.key != "all"]
    querysets = [queryset_for(actor, q, empty) for q in tabs]
    if also is not None:
        querysets.append(queryset_for(actor, also[0], also[1]))
    counted = capped_counts(querysets)
    out = {q.key: n for q, (n, _capped) in zip(tabs, counted, strict=False)}
    return out, (counted[-1] if also is not None else None)
