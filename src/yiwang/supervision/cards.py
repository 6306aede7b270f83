"""Evaluating cases and their open steps against the card rules (`checks`), and keeping the cards in step.

`evaluate(case_ids)` reads the facts of a batch of cases in a few bulk queries (cases, open steps, first correction
notices, open cards), runs every registered check, then writes the difference: new cards (one INSERT), resolved cards
(one UPDATE per outcome), and the warnings to the staff member and their department's approvers (one INSERT of
`cases.Message` rows). It is idempotent: the open cards are read first and a partial unique constraint keeps one open
card per (case, step, rule), so an event handed over twice, or a sweep racing an event, writes nothing twice.

Two callers: the outbox subscriber on `cases.case_changed` (the changed case, at once) and the periodic sweep
(`sweep()`, every open case in keyset batches by id, so that time passing produces cards). Reading cases' tables is
allowed by the layering (supervision may import cases); they are read in bulk, never row by row.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.calendar import workdays
from yiwang.cases.models import OPEN_STATES, Case, CaseStep, Message, Notice, NoticeKind, StepState
from yiwang.orgs.models import Membership, Role

from . import checks
from .checks import KEEP, CaseFacts, Ctx, Finding, StepFacts
from .models.cards import Card, CardLevel, CardOutcome, CardSettings

log = logging.getLogger("yiwang.supervision.cards")

BATCH = 2000
OPEN_STEP_STATES = (StepState.ACTIVE, StepState.CLAIMED)
CASE_FIELDS = (
    "id",
    "case_number",
    "item_name",
    "organisation_id",
    "state",
    "submitted_at",
    "accepted_at",
    "acceptance_due",
    "promised_due",
    "statutory_due",
    "deemed_accepted",
    "concluded_at",
    "outcome_reason",
    "result_document",
    "result_license",
    "version__fee_required",
    "form_data__fees_charged",
)
# States in which a correction notice may have been given (its date judged by correction_notice_late).
WAITED = frozenset({"correction", "in_progress", "suspended", "not_accepted"})
STEP_FIELDS = ("id", "case_id", "organisation_id", "name", "state", "assignee_id", "started_at", "due", "done_at")


@dataclass
class Figures:
    cases: int = 0
    steps: int = 0
    issued: int = 0
    resolved: int = 0
    messages: int = 0
    batches: int = 0
    seconds: float = 0.0
    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def settings_row() -> CardSettings:
    row = CardSettings.objects.filter(pk=1).first()
    return row if row is not None else CardSettings(pk=1)


def context(today: dt.date | None = None) -> tuple[Ctx, frozenset[str]]:
    s = settings_row()
    ctx = Ctx(
        today=today or timezone.localdate(),
        cal=workdays.snapshot(),
        yellow_percent=s.yellow_percent,
        yellow_days_left=s.yellow_days_left,
    )
    return ctx, frozenset(s.disabled_rules or ())


_TZ: list[Any] = []


def _date(value: Any) -> dt.date | None:
    """A local date (cheap: one astimezone, no per-call settings lookups; the sweep converts ~2 per case)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.date()
        if not _TZ:
            _TZ.append(timezone.get_default_timezone())
        return value.astimezone(_TZ[0]).date()
    return value


def _fee(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _case_facts(row: tuple) -> CaseFacts:
    (pk, number, item, org, state, submitted, accepted, acc_due, prom, stat, deemed, concluded, reason, doc, lic, fee,
     charged) = row  # fmt: skip
    return CaseFacts(
        id=pk,
        case_number=number,
        item_name=item,
        organisation_id=org,
        state=state,
        submitted_on=_date(submitted),
        accepted_on=_date(accepted),
        acceptance_due=acc_due,
        promised_due=prom,
        statutory_due=stat,
        deemed_accepted=deemed,
        concluded_on=_date(concluded) if state in ("approved", "refused") else None,
        outcome_reason=reason or "",
        result=doc or lic or "",
        fee_required=fee,
        fees_charged=_fee(charged),
    )


def _step_facts(row: tuple) -> StepFacts:
    pk, case_id, org, name, state, assignee, started, due, done = row
    return StepFacts(pk, case_id, org, name, state, assignee, _date(started), due, _date(done))


@dataclass
class _New:
    case: CaseFacts
    step: StepFacts | None
    check: checks.Check
    finding: Finding


def evaluate(
    case_ids: list[int],
    *,
    ctx: Ctx | None = None,
    disabled: frozenset[str] | None = None,
    include_done: bool = False,
    figures: Figures | None = None,
    notify: bool = True,
) -> Figures:
    """Judges these cases (and their open steps) now and brings their cards in line; one transaction."""
    figures = figures or Figures()
    if not case_ids:
        return figures
    rows = list(Case.objects.filter(pk__in=case_ids).values_list(*CASE_FIELDS))
    return _evaluate_rows(
        rows, ctx=ctx, disabled=disabled, include_done=include_done, figures=figures, notify=notify, exact=True
    )


def _in(qs, field: str, ids: list[int], exact: bool):
    """Rows of these cases: `field__in` for a few ids; for a sweep batch (ids ascending, from one keyset read) the
    id range, which the database reads from its index without a 2,000-parameter IN list to build and parse."""
    if exact or len(ids) < 50:
        return qs.filter(**{f"{field}__in": ids})
    return qs.filter(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})


def _evaluate_rows(
    rows: list[tuple],
    *,
    ctx: Ctx | None,
    disabled: frozenset[str] | None,
    include_done: bool,
    figures: Figures,
    notify: bool,
    exact: bool,
) -> Figures:
    if ctx is None or disabled is None:
        ctx2, disabled2 = context()
        ctx = ctx or ctx2
        disabled = disabled2 if disabled is None else disabled
    now = timezone.now()
    cases = {r[0]: _case_facts(r) for r in rows}
    if not cases:
        return figures
    ids = sorted(cases)
    step_states = [*OPEN_STEP_STATES, StepState.DONE] if include_done else list(OPEN_STEP_STATES)
    steps: list[StepFacts] = [
        _step_facts(r)
        for r in _in(CaseStep.objects.filter(state__in=step_states), "case_id", ids, exact).values_list(*STEP_FIELDS)
        if r[1] in cases
    ]
    for s in steps:
        if s.state in OPEN_STEP_STATES and s.assignee_id:
            c = cases[s.case_id]
            c.staff_id = c.staff_id or s.assignee_id
    if include_done or any(c.state in WAITED for c in cases.values()):
        notices = (
            _in(Notice.objects.filter(kind=NoticeKind.CORRECTION), "case_id", ids, exact)
            .values("case_id")
            .annotate(first=Min("issued_at"))
            .values_list("case_id", "first")
        )
        for case_id, first in notices:
            if case_id in cases:
                cases[case_id].correction_notice_on = _date(first)

    open_cards: dict[tuple[int, int, str], tuple[int, str, dt.date | None]] = {
        (case_id, step_key, rule): (pk, level, due)
        for pk, case_id, step_key, rule, level, due in _in(
            Card.objects.filter(resolved_at__isnull=True), "case_id", ids, exact
        ).values_list("id", "case_id", "step_key", "rule", "level", "due")
        if case_id in cases
    }
    ever: set[tuple[int, int, str]] = set()
    if include_done:  # the "finished late" records are written once: look at the resolved ones too
        ever = set(Card.objects.filter(case_id__in=ids).values_list("case_id", "step_key", "rule"))

    case_checks = checks.for_target(checks.CASE, disabled)
    step_checks = checks.for_target(checks.STEP, disabled)
    new: list[_New] = []
    resolve: dict[str, list[int]] = defaultdict(list)
    seen: set[tuple[int, int, str]] = set()
    escalated: set[tuple[int, int, str]] = set()  # (case, step, yellow rule) a red finding takes over
    pending_yellow: list[tuple[tuple[int, int, str], int, dt.date | None]] = []

    def judge(case: CaseFacts, step: StepFacts | None, batch: list[checks.Check]) -> None:
        step_key = step.id if step is not None else 0
        for chk in batch:
            key = (case.id, step_key, chk.code)
            seen.add(key)
            result = chk(case, step, ctx)
            if result is KEEP:
                continue
            held = open_cards.get(key)
            if result is None:
                if held is not None:
                    if held[1] == CardLevel.YELLOW:
                        pending_yellow.append((key, held[0], held[2]))
                    else:
                        resolve[CardOutcome.LATE if held[2] else CardOutcome.CLEARED].append(held[0])
                continue
            if result.closed:  # over already (finished late): the open card ends, or the record is written once
                if held is not None:
                    resolve[CardOutcome.LATE].append(held[0])
                elif key not in ever:
                    new.append(_New(case, step, chk, result))
                continue
            if chk.supersedes:
                escalated.add((case.id, step_key, chk.supersedes))
            if held is None:
                new.append(_New(case, step, chk, result))

    for case in cases.values():
        judge(case, None, case_checks)
    for step in steps:
        case = cases[step.case_id]
        if step.state == StepState.DONE:
            judge(case, step, [c for c in step_checks if c.code == "step_overdue"])
        else:
            judge(case, step, step_checks)
    figures.cases += len(cases)
    figures.steps += sum(1 for s in steps if s.state in OPEN_STEP_STATES)

    # Open cards nobody judged (a step that is no longer open; a rule switched off): they end now.
    for key, (pk, level, due) in open_cards.items():
        if key in seen:
            continue
        if key[2] in disabled:
            resolve[CardOutcome.CLEARED].append(pk)
        elif level == CardLevel.YELLOW:
            pending_yellow.append((key, pk, due))
        else:
            resolve[CardOutcome.LATE].append(pk)
    today = ctx.today
    for target, pk, due in pending_yellow:
        if target in escalated:
            resolve[CardOutcome.ESCALATED].append(pk)
        elif due is not None and today > due:
            resolve[CardOutcome.LATE].append(pk)
        else:
            resolve[CardOutcome.IN_TIME].append(pk)

    with transaction.atomic():
        for outcome, pks in resolve.items():
            if pks:
                figures.resolved += Card.objects.filter(pk__in=pks, resolved_at__isnull=True).update(
                    resolved_at=now, outcome=outcome
                )
        created = _insert(new, now)
        figures.issued += len(created)
        for card in created:
            figures.by_rule[card.rule] += 1
        if notify and created:
            figures.messages += warn(created, now)
    figures.batches += 1
    return figures


def _card(n: _New, now: dt.datetime) -> Card:
    f = n.finding
    reason = checks.describe(n.check.code, f.details, str(n.check.title))  # in Chinese (the caller's override)
    org = f.organisation_id or (n.step.organisation_id if n.step is not None else n.case.organisation_id)
    return Card(
        case_id=n.case.id,
        step_id=n.step.id if n.step is not None else None,
        step_key=n.step.id if n.step is not None else 0,
        organisation_id=org,
        staff_id=f.staff_id,
        rule=n.check.code,
        rule_version=n.check.version,
        level=n.check.level,
        reason=reason,
        details=f.details,
        due=f.due,
        case_number=n.case.case_number,
        item_name=n.case.item_name,
        issued_at=now,
        resolved_at=now if f.closed else None,
        outcome=CardOutcome.LATE if f.closed else CardOutcome.OPEN,
    )


def _insert(new: list[_New], now: dt.datetime) -> list[Card]:
    """One INSERT; when a racing evaluation wrote one of them first, one by one (each in a savepoint)."""
    with translation.override("zh-hans"):
        cards = [_card(n, now) for n in new]
    if not cards:
        return []
    try:
        with transaction.atomic():
            return Card.objects.bulk_create(cards)
    except IntegrityError:
        out = []
        for card in cards:
            try:
                with transaction.atomic():
                    card.pk = None
                    card.save(force_insert=True)
                    out.append(card)
            except IntegrityError:
                continue
        return out


_leaders_cache: dict[int, list[int]] = {}


def leaders(org_ids: set[int]) -> dict[int, list[int]]:
    """The department's approvers (审批负责人: the staff member's leader), per organisation."""
    out: dict[int, list[int]] = defaultdict(list)
    for org, user in Membership.objects.filter(organisation_id__in=sorted(org_ids), role=Role.APPROVER).values_list(
        "organisation_id", "user_id"
    ):
        out[org].append(user)
    return out


def warn(cards: list[Card], now: dt.datetime | None = None) -> int:
    """An in-site message (the cases module's `Message`, the header's bell) to the staff member and their leaders."""
    now = now or timezone.now()
    heads = leaders({c.organisation_id for c in cards if not c.resolved_at})
    rows = []
    with translation.override("zh-hans"):
        for c in cards:
            if c.resolved_at is not None:
                continue  # a record of something over (finished late): counted, nobody to warn
            level = str(CardLevel(c.level).label)
            text = _("%(level)s for case %(number)s (%(item)s): %(reason)s") % {
                "level": level,
                "number": c.case_number,
                "item": c.item_name,
                "reason": c.reason,
            }
            recipients = dict.fromkeys([*([c.staff_id] if c.staff_id else []), *heads.get(c.organisation_id, [])])
            rows += [Message(recipient_id=u, case_id=c.case_id, text=text, created_at=now) for u in recipients]
    if rows:
        Message.objects.bulk_create(rows)
    return len(rows)


def sweep(*, today: dt.date | None = None, batch: int = BATCH, notify: bool = True) -> Figures:
    """Every open case and its open steps, in keyset batches by id (each batch its own transaction)."""
    started = time.perf_counter()
    ctx, disabled = context(today)
    figures = Figures()
    after = 0
    qs = Case.objects.filter(state__in=OPEN_STATES).order_by("pk").values_list(*CASE_FIELDS)
    while True:
        rows = list(qs.filter(pk__gt=after)[:batch])
        if not rows:
            break
        _evaluate_rows(
            rows, ctx=ctx, disabled=disabled, include_done=False, figures=figures, notify=notify, exact=False
        )
        after = rows[-1][0]
    figures.seconds = time.perf_counter() - started
    log.info(
        "card sweep: %s cases, %s steps, %s issued, %s resolved in %.1f s",
        figures.cases,
        figures.steps,
        figures.issued,
        figures.resolved,
        figures.seconds,
    )
    return figures


def sweep_job() -> int:
    """The worker's periodic job (`supervision.cards.sweep`)."""
    return sweep().issued
