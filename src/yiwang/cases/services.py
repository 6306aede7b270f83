"""The one write path for cases: every action checks the state machine, locks the case, writes the event.

Each public function takes the case (or its id), who acts (`Who`) and the action's own data; it runs in one
transaction holding a row lock on the case, so two clerks pressing "accept" at once cannot both succeed: the second
waits, then finds the case no longer awaiting acceptance and is refused with a reason. Nothing is half-written.

Every event is written with its outbox row (`core.outbox`, topic `cases.case_changed`) in the same transaction, so
the modules that react to cases (messages, webhooks, e-licenses …) hear about every committed change, at least once,
even when the process dies right after the commit.

Statements are counted (tests/cases/test_budgets.py): the case is locked once, with what the action needs of its
item version and organisation and the calendar's version (`lock`); its steps are read once; the case, its changed
steps, its events and their outbox rows are written once each at the end (`finish`). A caller that locked the case
itself passes the `Locked` it got from `lock`: the services then neither lock again nor open a savepoint, and the
caller calls `finish` once after all of them (cases.actions does).
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.calendar import workdays
from yiwang.core import outbox
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto

from . import deadlines
from .models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNumberCounter,
    CaseStep,
    Channel,
    Decision,
    Delivery,
    Notice,
    NoticeKind,
    State,
    StepState,
    Suspension,
    SuspensionKind,
)
from .states import ACTION_NAMES, IllegalTransition, target

# Steps that follow acceptance by default, when the item's process lists none of its own.
DEFAULT_STEPS = (
    ("undertake", "承办", "reviewer"),
    ("review", "审核", "reviewer"),
    ("approve", "批准", "approver"),
)
STEP_ROLES = {"undertake": "reviewer", "review": "reviewer", "approve": "approver", "countersign": "reviewer"}


@dataclass(frozen=True)
class Who:
    """Who acts: a signed-in person or staff member, or a machine client; with role, organisation and channel."""

    user: Any = None
    name: str = ""
    role: str = ""
    organisation_id: int | None = None
    channel: str = Channel.PORTAL
    client_id: int | None = None
    on_behalf_of: str = ""
    extra: dict = field(default_factory=dict)


SYSTEM = Who(name="system", role="system", channel="system")


def _refuse(field_name: str, code: str, message, params: dict | None = None):
    raise ProblemsError([Problem(field_name, message, code=code, params=params or None)])


def _illegal(exc: IllegalTransition):
    _refuse(
        "state",
        "illegal_transition",
        _("“%(action)s” is not possible while the case is “%(state)s”."),
        {"action": ACTION_NAMES.get(exc.action, exc.action), "state": State(exc.state).label},
    )


# --- locking, and writing once -------------------------------------------------------------------------------------

TOPIC = "cases.case_changed"
# What a transition reads of the item version and the organisation (the rest of these wide rows stays unread).
VERSION_FIELDS = (
    "version__id",
    "version__status",
    "version__handling_kind",
    "version__statutory_limit",
    "version__statutory_unit",
    "version__promised_limit",
    "version__promised_unit",
    "version__result_name",
    "version__result_type",
    "version__result_license_type",
)
ORGANISATION_FIELDS = ("organisation__id", "organisation__parent_id", "organisation__name")
ITEM_FIELDS = ("item__id", "item__item_code")
STEP_FIELDS = ["state", "assignee", "started_at", "due", "claimed_at", "done_at", "decision", "opinion"]


def case_key(case_id: int) -> str:
    """The outbox key of a case's events: each subscriber gets one case's events in order."""
    return f"cases.case:{case_id}"


@dataclass(frozen=True)
class Locked:
    """A case locked in the caller's open transaction (only `lock` makes one; never keep it past that transaction).

    The services act on it without locking it again or opening a savepoint, and leave writing to `finish`."""

    case: Case


def locking(qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases locked for an action: the row only (`FOR NO KEY UPDATE OF` the case, so rows that merely point at it —
    events, materials, messages — can still be written by others), with what the actions read of the item, its
    version and the organisation, and the calendar's version (deadlines need no query of their own)."""
    qs = qs if qs is not None else Case.objects.all()
    return (
        qs.select_for_update(of=("self",), no_key=True)
        .select_related("version", "organisation", "item")
        .only(*_case_fields(), *VERSION_FIELDS, *ORGANISATION_FIELDS, *ITEM_FIELDS)
        .annotate(
            **workdays.state_annotations(),
            has_suspensions=Exists(Suspension.objects.filter(case_id=OuterRef("pk"))),
        )
    )


@functools.lru_cache(maxsize=1)
def _case_fields() -> tuple[str, ...]:
    return tuple(f.name for f in Case._meta.concrete_fields)


def lock(case: Case | int | Locked, qs: QuerySet[Case] | None = None) -> Locked:
    """Locks the case (by object or id, within `qs` when given) in the open transaction; Case.DoesNotExist when it
    is not there. A `Locked` is returned as it is."""
    if isinstance(case, Locked):
        return case
    pk = case.pk if isinstance(case, Case) else case
    return Locked(locking(qs).get(pk=pk))


def _locked(case: Case | int | Locked) -> Case:
    return lock(case).case


T = TypeVar("T")


def _write(fn: Callable[..., T]) -> Callable[..., T]:
    """A service's transaction: with a `Locked` case, the caller's (no savepoint, the caller finishes); else its own,
    locking the case first and writing everything at the end."""

    @functools.wraps(fn)
    def run(case: Case | int | Locked, *args: Any, **kwargs: Any) -> T:
        if isinstance(case, Locked):
            with transaction.atomic(savepoint=False):
                return fn(case.case, *args, **kwargs)
        with transaction.atomic():
            locked = _locked(case)
            result = fn(locked, *args, **kwargs)
            finish(locked)
            return result

    return run


class _Work:
    """What an action changed and has not written yet: the events and the steps (the case itself is saved whole)."""

    def __init__(self) -> None:
        self.events: list[CaseEvent] = []
        self.steps: dict[int, CaseStep] = {}


def _work(case: Case) -> _Work:
    work = case.__dict__.get("_work")
    if work is None:
        work = case.__dict__["_work"] = _Work()
    return work


def _dirty(case: Case, *steps: CaseStep) -> None:
    for step in steps:
        _work(case).steps[step.pk] = step


def finish(case: Case | Locked, *, saved: bool = False) -> Case:
    """Writes what the actions changed: the case (one UPDATE, unless `saved`), its changed steps (one), its new
    events and their outbox rows (one INSERT each). Returns the case."""
    if isinstance(case, Locked):
        case = case.case
    work = case.__dict__.pop("_work", None)
    if work is None:
        return case
    steps = list(work.steps.values())
    if len(steps) == 1:
        steps[0].save(update_fields=STEP_FIELDS)
    elif steps:
        CaseStep.objects.bulk_update(steps, STEP_FIELDS)
    if not saved:
        case.save()
    if work.events:
        CaseEvent.objects.bulk_create(work.events)
        key = case_key(case.pk)
        outbox.publish_many(
            (TOPIC, key, {"case_id": case.pk, "event_id": ev.pk, "seq": ev.seq, "action": ev.action})
            for ev in work.events
        )
    return case


def _event(case: Case, action: str, who: Who, from_state: str, data: dict | None = None) -> CaseEvent:
    """Records an event (written by `finish`, with its outbox row, in the same transaction)."""
    case.event_seq += 1
    ev = CaseEvent(
        case=case,
        seq=case.event_seq,
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor=who.user if getattr(who.user, "pk", None) else None,
        actor_name=who.name[:200],
        role=who.role,
        organisation_id=who.organisation_id,
        channel=who.channel,
        client_id=who.client_id,
        on_behalf_of=who.on_behalf_of[:200],
        data=data or {},
    )
    _work(case).events.append(ev)
    return ev


def _transition(case: Case, action: str, who: Who, data: dict | None = None, expected_revision: int | None = None):
    """Moves `case` (already locked) by `action`; returns (case, event). Written by `finish`."""
    if expected_revision is not None and expected_revision != case.revision:
        _refuse(
            "revision",
            "stale",
            _("Someone else changed this case a moment ago; reload it and try again."),
        )
    try:
        to = target(action, case.state)
    except IllegalTransition as exc:
        _illegal(exc)
    before = case.state
    case.state = to
    # The row is locked for the whole transaction, so a plain increment is safe.
    case.revision += 1
    return case, _event(case, action, who, before, data)


def remember_steps(case: Case, steps: list[CaseStep]) -> list[CaseStep]:
    """Keeps `steps` as the case's loaded steps (`case.steps.all()` answers from them, without a query)."""
    steps = sorted(steps, key=lambda s: s.order)
    for s in steps:
        s.case = case
    qs = CaseStep.objects.filter(case_id=case.pk)
    qs._result_cache = steps
    qs._prefetch_done = True
    cache = case.__dict__.setdefault("_prefetched_objects_cache", {})
    cache["steps"] = qs
    return steps


def steps_of(case: Case) -> list[CaseStep]:
    """The case's steps in order: none before acceptance, else those loaded with the case, else one query."""
    cached = getattr(case, "_prefetched_objects_cache", {}).get("steps")
    if cached is not None:
        return list(cached)
    if case.accepted_at is None:
        return remember_steps(case, [])  # steps are made on acceptance
    return remember_steps(case, list(CaseStep.objects.filter(case_id=case.pk).order_by("order")))


def current_step(case: Case) -> CaseStep | None:
    """The step waiting to be done (active or claimed), if any."""
    return next((s for s in steps_of(case) if s.state in (StepState.ACTIVE, StepState.CLAIMED)), None)


def _recompute(case: Case, *, intervals: list | None = None) -> None:
    """The case's deadlines and its active steps' (only the changed steps are written)."""
    changed = deadlines.recompute(case, steps_of(case) if case.accepted_at else [], intervals=intervals)
    _dirty(case, *changed)


def _skip_open_steps(case: Case) -> None:
    for s in steps_of(case):
        if s.state in (StepState.WAITING, StepState.ACTIVE, StepState.CLAIMED):
            s.state = StepState.SKIPPED
            _dirty(case, s)


# --- numbers -------------------------------------------------------------------------------------------------------

_CHECK_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _check_char(body: str) -> str:
    total = sum((i + 1) * _CHECK_ALPHABET.index(c) for i, c in enumerate(body))
    return _CHECK_ALPHABET[total % 31]


def case_number_problem(number: str) -> str | None:
    """Why a typed case number cannot be right (typo caught before any lookup), or None."""
    if len(number) != 19 or not number[:18].isdigit():
        return _("A case number has 19 characters: 18 digits and a check character.")
    if _check_char(number[:18]) != number[18]:
        return _("The case number's last character does not match; check for a typing mistake.")
    return None


def next_case_number(division_code: str, day: dt.date) -> str:
    """Division (6) + date (yymmdd) + daily serial (6) + check character: readable, sortable, typo-checked.

    The serial comes from one upsert on the (division, day) counter, returning the new value. Taken outside a
    transaction it is a sequence: the counter's row is locked for that statement only, so concurrent submissions
    do not queue behind each other (a submission that then fails leaves a gap, as a sequence does).
    """
    prefix = f"{division_code[:6]}{day:%y%m%d}"
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO {table} (prefix, "value") VALUES (%s, 1) '  # noqa: S608 - our own table name
            f'ON CONFLICT (prefix) DO UPDATE SET "value" = {table}."value" + 1 RETURNING "value"',
            [prefix],
        )
        serial = cur.fetchone()[0]
    body = f"{prefix}{serial:06d}"
    return body + _check_char(body)


def new_query_code() -> str:
    """Six characters the applicant receives with the number, to follow the case without signing in."""
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRTUWXY23456789") for _ in range(6))


def notice_number(case: Case, kind: str) -> str:
    """The case number, the kind and the sequence of the event that issues it (unique, no count needed)."""
    return f"{case.case_number}-{kind[:3].upper()}{case.event_seq:02d}"


# --- submission ----------------------------------------------------------------------------------------------------


def idempotency_scope(user_id: int | None, client_id: int | None) -> str:
    """Whose idempotency keys these are — the one scope rule for every channel: a machine client's ("c:<id>")
    whoever it applies for, else the submitting account's ("u:<id>") whichever page or endpoint it used; "" (no
    idempotency) for neither."""
    if client_id is not None:
        return f"c:{client_id}"
    return f"u:{user_id}" if user_id is not None else ""


def normal_key(key: str | None) -> str:
    """An Idempotency-Key as stored: trimmed, at most 80 characters."""
    return (key or "").strip()[:80]


def submitted_case(scope: str, key: str) -> Case | None:
    """The case an earlier submission with this key in this scope created (a double click, a retried request)."""
    key = normal_key(key)
    if not scope or not key:
        return None
    return Case.objects.filter(idempotency_scope=scope, idempotency_key=key).first()


def retry_seconds() -> float:
    return float(getattr(settings, "CASE_QUERY_CODE_RETRY_SECONDS", 24 * 3600))


def kept_query_code(case: Case, now: dt.datetime | None = None) -> str:
    """The query code kept for a retried submission (within CASE_QUERY_CODE_RETRY_SECONDS), else ""."""
    until = case.query_code_retry_until
    if not case.query_code_retry or until is None or until <= (now or timezone.now()):
        return ""
    try:
        return crypto.decrypt(case.query_code_retry)
    except crypto.DecryptionError:
        return ""


def forget_query_codes(now: dt.datetime | None = None) -> int:
    """Clears the query codes kept for retries once their time is up (a periodic job); returns how many."""
    now = now or timezone.now()
    return (
        Case.objects.exclude(query_code_retry="")
        .filter(query_code_retry_until__lte=now)
        .update(query_code_retry="", query_code_retry_until=None)
    )


def submit(
    *,
    version,
    person,
    who: Who,
    enterprise=None,
    form_data: dict | None = None,
    materials: list[dict] | None = None,
    idempotency_key: str = "",
    hall=None,
    event_data: dict | None = None,
    delivery_choice: str = "",
    delivery_choice_address: str = "",
    key_checked: bool = False,
) -> tuple[Case, bool]:
    """Creates the case exactly once per (submitter, idempotency key); returns (case, created).

    `key_checked`: the caller looked the key up a moment ago (cases.applying does), so it is not looked up again;
    a submission with the same key that won a race in between is still found (the unique constraint).

    `materials` are already-checked dicts: {material_name, catalog_material_id, source, file?, content_type?,
    size?, sha256?, reference?}. A retried submission with the same key returns the first case unchanged, with
    the query code when it is still kept (`kept_query_code`). The eligibility rules are not checked here: every
    channel applies through `cases.applying.apply`. `event_data` is added to the submit event (e.g. in which
    capacity the person applied for an enterprise).
    `delivery_choice` (a `Delivery` value, checked by the caller) and its address are how the applicant wants the
    result: the clerk's delivery starts from them.
    """
    from yiwang.catalog.models import VersionStatus

    user = who.user if getattr(who.user, "pk", None) else None
    scope = idempotency_scope(getattr(user, "pk", None), who.client_id)
    key = normal_key(idempotency_key) if scope else ""
    if key and not key_checked:
        existing = submitted_case(scope, key)
        if existing is not None:
            existing.query_code = kept_query_code(existing)
            return existing, False
    if version.status != VersionStatus.PUBLISHED or version.item.current_id != version.pk:
        _refuse("item", "not_current", _("This item's guide has changed or been withdrawn; reload it and apply again."))
    item = version.item
    org = item.organisation
    now = timezone.now()
    # Outside a transaction the number is taken like a sequence value (its counter is locked for one statement).
    number = None if connection.in_atomic_block else next_case_number(org.division.code, timezone.localdate(now))
    try:
        with transaction.atomic():
            code = new_query_code()
            case = Case(
                case_number=number or next_case_number(org.division.code, timezone.localdate(now)),
                query_code_hash=crypto.lookup_hash("case-query", code),
                item=item,
                version=version,
                item_name=version.name,
                organisation=org,
                division_path=org.division.path,
                person=person,
                enterprise=enterprise,
                applicant_name=enterprise.name if enterprise is not None else person.name,
                channel=who.channel,
                hall=hall,
                submitted_by=user,
                idempotency_scope=scope if key else "",
                idempotency_key=key,
                form_data=form_data or {},
                delivery_choice=delivery_choice,
                delivery_choice_address=delivery_choice_address,
                state=State.SUBMITTED,
                submitted_at=now,
            )
            if key:  # kept for a retry whose first answer was lost (encrypted, for a short while)
                case.query_code_retry = crypto.encrypt(code)
                case.query_code_retry_until = now + dt.timedelta(seconds=retry_seconds())
            state = workdays.state_of(item)
            if state is not None:  # the calendar's version, read with the item: no query for the deadlines
                case.calendar_token, case.calendar_version = state
            deadlines.recompute(case)
            data = {**(event_data or {}), "materials": len(materials or []), "channel": who.channel}
            _event(case, "submit", who, "", data)
            case.save(force_insert=True)
            remember_steps(case, [])
            add_materials(case, materials or [])
            finish(case, saved=True)
            case.query_code = code  # shown once, to the applicant, with the number
    except IntegrityError:
        if key:
            existing = submitted_case(scope, key)
            if existing is not None:
                existing.query_code = kept_query_code(existing)
                return existing, False
        raise
    return case, True


def add_materials(case: Case, materials: list[dict]) -> list[CaseMaterial]:
    """Adds materials to the case in one INSERT, then sends each the post_save a save would have sent (the licenses
    module records the use of an e-license presented as a material there)."""
    if not materials:
        return []
    rows = CaseMaterial.objects.bulk_create([CaseMaterial(case=case, **m) for m in materials])
    for row in rows:
        post_save.send(
            sender=CaseMaterial, instance=row, created=True, update_fields=None, raw=False, using=row._state.db
        )
    return rows


def check_query_code(case: Case, code: str) -> bool:
    return secrets.compare_digest(case.query_code_hash, crypto.lookup_hash("case-query", code or ""))


# --- acceptance ----------------------------------------------------------------------------------------------------


def _issue_notice(case: Case, kind: str, who: Who, content: dict) -> Notice:
    return Notice.objects.create(
        case=case,
        kind=kind,
        number=notice_number(case, kind),
        content=content,
        issued_by=who.user if getattr(who.user, "pk", None) else None,
    )


@_write
def request_correction(case: Case, who: Who, items: list[dict], note: str = "", expected_revision=None) -> Case:
    """One-time correction notice (一次性告知): every missing or wrong material at once, each with what to fix."""
    if not items:
        _refuse("items", "required", _("List every material that is missing or must be corrected, at once."))
    problems = [
        Problem(
            f"items.{i}.note", code="required", message=_("Say what is wrong with this material and how to fix it.")
        )
        for i, it in enumerate(items)
        if not str(it.get("note", "")).strip() or not str(it.get("material", "")).strip()
    ]
    if problems:
        raise ProblemsError(problems)
    case, _ev = _transition(case, "request_correction", who, {"items": items, "note": note}, expected_revision)
    _issue_notice(case, NoticeKind.CORRECTION, who, {"items": items, "note": note})
    names = {str(it["material"]) for it in items}
    CaseMaterial.objects.filter(case=case, material_name__in=names).update(needs_correction=True)
    return case


@_write
def supplement(case: Case, who: Who, materials: list[dict], form_data: dict | None = None) -> Case:
    """The applicant answers the correction notice; the case goes back to await acceptance."""
    if not materials and not form_data:
        _refuse("materials", "required", _("Supply the corrected materials listed in the notice."))
    names = [m["material_name"] for m in materials]
    if names:
        CaseMaterial.objects.filter(case=case, material_name__in=names, needs_correction=True).update(
            needs_correction=False, correction_note="replaced"
        )
    add_materials(case, materials)
    if form_data:
        case.form_data = {**case.form_data, **form_data}
    case, _ev = _transition(case, "supplement", who, {"materials": names})
    _recompute(case)
    return case


@functools.lru_cache(maxsize=4096)
def _process_of(version_id: int) -> tuple[tuple[str, str, int, int | None], ...]:
    """The back-office steps of a published item version: (kind, name, days, countersigning organisation).

    Kept in each process: a published version never changes (ADR 0003: a change is a new version).
    """
    from yiwang.catalog.models import ProcessStep

    return tuple(
        (s.kind, s.name, s.days, s.countersign_org_id)
        for s in ProcessStep.objects.filter(version_id=version_id).order_by("order", "id")
        if s.kind not in ("accept", "deliver")
    )


def _create_steps(case: Case, now, *, skipped: bool = False) -> list[CaseStep]:
    """The case's steps from its item version's process (or the default 承办 → 审核 → 批准), the first one active."""
    defined = _process_of(case.version_id)
    if defined:
        plan = [(kind, name, STEP_ROLES.get(kind, "reviewer"), days, org) for kind, name, days, org in defined]
    else:
        plan = [(kind, name, role, 0, None) for kind, name, role in DEFAULT_STEPS]
    rows = []
    for i, (kind, name, role, days, org) in enumerate(plan, start=1):
        step = CaseStep(
            case=case,
            order=i,
            kind=kind,
            name=name,
            organisation_id=org or case.organisation_id,
            role=role,
            days=days,
            case_number=case.case_number,
            item_name=case.item_name,
            applicant_name=case.applicant_name,
        )
        if skipped:
            step.state = StepState.SKIPPED
        elif i == 1:
            _activate(step, now)
        rows.append(step)
    return rows


def _activate(step: CaseStep, now) -> None:
    step.state = StepState.ACTIVE
    step.started_at = now
    step.assignee = None
    step.claimed_at = None
    step.decision = ""
    step.opinion = ""


@_write
def accept(case: Case, who: Who, note: str = "", expected_revision=None, *, deemed: bool = False) -> Case:
    """Acceptance: the clock starts; an acceptance notice gives the promised completion date. 即办件 conclude now."""
    from yiwang.catalog.models import HandlingKind

    case, _ev = _transition(case, "deemed_accept" if deemed else "accept", who, {"note": note}, expected_revision)
    now = timezone.now()
    case.accepted_at = case.submitted_at if deemed else now
    case.deemed_accepted = deemed
    immediate = case.version.handling_kind == HandlingKind.IMMEDIATE and not deemed
    steps = _create_steps(case, now, skipped=immediate)
    deadlines.recompute(case, steps, intervals=[])  # nothing was suspended before acceptance
    remember_steps(case, CaseStep.objects.bulk_create(steps))
    _issue_notice(
        case,
        NoticeKind.ACCEPTANCE,
        who,
        {"promised_due": str(case.promised_due or ""), "statutory_due": str(case.statutory_due or ""), "note": note},
    )
    if immediate:
        return _conclude(case, who, "approve", str(_("Done on the spot (即办件)")))
    return case


@_write
def decide_by_rules(case: Case, who: Who, *, approved: bool, reason: str, record: dict) -> Case:
    """秒批: records the rules' verdict ("rule_check", with the rule set and inputs), then, when approved, accepts
    and concludes the case at once (its steps skipped: no human step). Called through actions.decide_by_rules."""
    case, _ev = _transition(case, "rule_check", who, {**record, "approved": approved, "reason": reason})
    if not approved:
        return case
    case, _ev = _transition(case, "accept", who, {"note": reason, "instant": True})
    now = timezone.now()
    case.accepted_at = now
    steps = _create_steps(case, now, skipped=True)
    deadlines.recompute(case, steps, intervals=[])  # nothing was suspended before acceptance
    remember_steps(case, CaseStep.objects.bulk_create(steps))
    return _conclude(case, who, "approve", reason)


@_write
def not_accept(case: Case, who: Who, reason: str, remedies: str = "", expected_revision=None) -> Case:
    """Not accepted (不予受理): the reason, and how the applicant may seek review or litigation."""
    if not reason.strip():
        _refuse("reason", "required", _("Give the reason the application is not accepted."))
    remedies = remedies.strip() or str(
        _(
            "You may apply for administrative reconsideration within 60 days or bring an administrative lawsuit "
            "within 6 months of receiving this notice."
        )
    )
    case, _ev = _transition(case, "not_accept", who, {"reason": reason, "remedies": remedies}, expected_revision)
    case.outcome_reason = reason
    case.concluded_at = timezone.now()
    _issue_notice(case, NoticeKind.NOT_ACCEPTED, who, {"reason": reason, "remedies": remedies})
    return case


def recompute_open(years: list[int] | None = None) -> int:
    """After the calendar changed: every open case's deadlines again (in batches, each case under its lock)."""
    qs = Case.objects.filter(state__in=(State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED))
    if years:
        qs = qs.filter(submitted_at__year__gte=min(years) - 1)
    done = 0
    for pk in qs.values_list("pk", flat=True).iterator(chunk_size=2000):
        with transaction.atomic():
            case = _locked(pk)
            before = (case.acceptance_due, case.statutory_due, case.promised_due)
            _recompute(case)
            if (case.acceptance_due, case.statutory_due, case.promised_due) != before or _work(case).steps:
                _event(case, "recompute", SYSTEM, case.state, {"before": [str(d) for d in before]})
                done += 1
            finish(case)
    return done


def sweep_deemed_acceptance(today: dt.date | None = None) -> int:
    """Cases left without a decision or correction notice past their 5-working-day acceptance limit are accepted."""
    today = today or timezone.localdate()
    done = 0
    for pk in Case.objects.filter(state=State.SUBMITTED, acceptance_due__lt=today).values_list("pk", flat=True):
        try:
            accept(pk, SYSTEM, deemed=True)
            done += 1
        except ProblemsError:
            continue  # someone acted on it meanwhile
    return done


# --- back-office steps ---------------------------------------------------------------------------------------------


def _step_or_refuse(case: Case, step_id: int | None) -> CaseStep:
    step = current_step(case)
    if step is None or (step_id is not None and step.pk != step_id):
        _refuse("step", "not_current", _("This step is not the one waiting to be done."))
    return step


@_write
def claim(case: Case, who: Who, step_id: int | None = None) -> CaseStep:
    step = _step_or_refuse(case, step_id)
    if step.state == StepState.CLAIMED:
        if step.assignee_id == getattr(who.user, "pk", None):
            return step
        _refuse("step", "claimed", _("Someone else is already working on this step."))
    _transition(case, "claim", who, {"step": step.order, "name": step.name})
    step.state, step.assignee, step.claimed_at = StepState.CLAIMED, who.user, timezone.now()
    _dirty(case, step)
    return step


@_write
def release(case: Case, who: Who, step_id: int | None = None) -> CaseStep:
    step = _step_or_refuse(case, step_id)
    if step.state != StepState.CLAIMED or step.assignee_id != getattr(who.user, "pk", None):
        _refuse("step", "not_yours", _("Only the person working on a step can release it."))
    _transition(case, "release", who, {"step": step.order, "name": step.name})
    step.state, step.assignee, step.claimed_at = StepState.ACTIVE, None, None
    _dirty(case, step)
    return step


@_write
def complete_step(
    case: Case,
    who: Who,
    *,
    decision: str,
    opinion: str,
    step_id: int | None = None,
    attachments: list[dict] | None = None,
    result: str = "",
) -> Case:
    """Records the opinion and decision, then starts the next step or, after the last, concludes the case.

    `result` names the result document when the last step approves (default: the item's result name).
    """
    if decision not in Decision.values:
        _refuse("decision", "invalid", _("Choose agree or disagree."))
    if not opinion.strip():
        _refuse("opinion", "required", _("Write your opinion."))
    step = _step_or_refuse(case, step_id)
    if step.state != StepState.CLAIMED or step.assignee_id != getattr(who.user, "pk", None):
        _refuse("step", "not_yours", _("Claim the step before completing it."))
    now = timezone.now()
    add_materials(case, attachments or [])
    _transition(
        case,
        "complete_step",
        who,
        {"step": step.order, "name": step.name, "decision": decision, "opinion": opinion},
    )
    step.state, step.decision, step.opinion, step.done_at = StepState.DONE, decision, opinion, now
    _dirty(case, step)
    following = next((s for s in steps_of(case) if s.order > step.order and s.state == StepState.WAITING), None)
    if following is not None:
        _activate(following, now)
        _dirty(case, following)
        _recompute(case)
        return case
    if decision == Decision.PASS:
        return _conclude(case, who, "approve", opinion, result.strip()[:200])
    return _conclude(case, who, "refuse", opinion)


@_write
def return_step(case: Case, who: Who, *, to_order: int, reason: str, step_id: int | None = None) -> Case:
    """Sends the case back to an earlier step (e.g. the approver returns it to the undertaker) with a reason."""
    if not reason.strip():
        _refuse("reason", "required", _("Say why the case goes back."))
    step = _step_or_refuse(case, step_id)
    back = next((s for s in steps_of(case) if s.order == to_order), None)
    if to_order >= step.order or back is None:
        _refuse("to_order", "invalid", _("Choose an earlier step of this case."))
    now = timezone.now()
    _transition(case, "return_step", who, {"from": step.order, "to": to_order, "reason": reason})
    for s in steps_of(case):
        if to_order < s.order <= step.order:
            s.state, s.assignee, s.claimed_at, s.started_at = StepState.WAITING, None, None, None
            s.decision, s.opinion, s.due = "", "", None
            _dirty(case, s)
    _activate(back, now)
    _dirty(case, back)
    _recompute(case)
    return case


# --- special procedure ---------------------------------------------------------------------------------------------


@_write
def suspend(case: Case, who: Who, *, kind: str, reason: str, expected_end: dt.date) -> Suspension:
    """Starts a special procedure: the clock stops from today until it ends.

    While it runs nothing moves (the deadlines stay as they were, provisional); `resume` moves them by its days.
    """
    problems = []
    if kind not in SuspensionKind.values:
        problems.append(Problem("kind", code="invalid", message=_("Choose the kind of special procedure.")))
    if not reason.strip():
        problems.append(Problem("reason", code="required", message=_("Give the reason for the special procedure.")))
    today = timezone.localdate()
    if expected_end is None or expected_end < today:
        problems.append(Problem("expected_end", code="invalid", message=_("The expected end cannot be before today.")))
    if problems:
        raise ProblemsError(problems)
    _transition(case, "suspend", who, {"kind": kind, "reason": reason, "expected_end": str(expected_end)})
    return Suspension.objects.create(case=case, kind=kind, reason=reason, started_on=today, expected_end=expected_end)


@_write
def resume(case: Case, who: Who, *, result: str) -> Case:
    """Ends the special procedure with its result; the deadlines move by the days it lasted."""
    if not result.strip():
        _refuse("result", "required", _("Record the result of the special procedure."))
    _transition(case, "resume", who, {"result": result})
    _recompute(case, intervals=_end_suspension(case, timezone.localdate(), result))
    return case


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _end_suspension(case: Case, today: dt.date, result: str) -> list[tuple[dt.date, dt.date | None]]:
    """Ends the open special procedure (on `today`, or the day it started if later) and returns every interval of
    the case: one statement (UPDATE … RETURNING) instead of reading them and then writing one."""
    table = connection.ops.quote_name(Suspension._meta.db_table)
    day = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET "  # noqa: S608 - our own table name
            f"ended_on = CASE WHEN ended_on IS NULL THEN "
            f"(CASE WHEN started_on > %s THEN started_on ELSE %s END) ELSE ended_on END, "
            f"result = CASE WHEN ended_on IS NULL THEN %s ELSE result END "
            f"WHERE case_id = %s RETURNING started_on, ended_on",
            [day, day, result, case.pk],
        )
        rows = cur.fetchall()
    return sorted((_as_date(a), _as_date(b)) for a, b in rows)


# --- conclusion ----------------------------------------------------------------------------------------------------


def _conclude(case: Case, who: Who, action: str, reason: str, result: str = "") -> Case:
    case, _ev = _transition(case, action, who, {"reason": reason, "result": result})
    case.concluded_at = timezone.now()
    case.outcome_reason = reason if action == "refuse" else ""
    if action == "approve":
        case.result_document = result or case.version.result_name or case.item_name
    _skip_open_steps(case)
    _issue_notice(
        case,
        NoticeKind.DECISION,
        who,
        {"outcome": "approved" if action == "approve" else "refused", "reason": reason, "result": case.result_document},
    )
    return case


@_write
def record_result_license(case: Case, identifier: str, who: Who, *, problem: str = "") -> Case:
    """Links the e-license issued as this approved case's result (or records why none could be issued).

    Called by the licenses module; with an identifier the case's result_license is set and a "license_issued"
    event written, without one a "license_not_issued" event keeps `problem` for the case page and the clerk.
    """
    if identifier:
        case.result_license = identifier[:120]
        case, _ev = _transition(case, "license_issued", who, {"license": identifier})
    else:
        case, _ev = _transition(case, "license_not_issued", who, {"reason": problem[:500]})
    return case


@_write
def withdraw(case: Case, who: Who, reason: str = "") -> Case:
    case, _ev = _transition(case, "withdraw", who, {"reason": reason})
    case.concluded_at = timezone.now()
    case.outcome_reason = reason
    _skip_open_steps(case)
    return case


@_write
def void(case: Case, who: Who, reason: str) -> Case:
    if not reason.strip():
        _refuse("reason", "required", _("Give the reason the case is voided."))
    case, _ev = _transition(case, "void", who, {"reason": reason})
    case.concluded_at = timezone.now()
    case.outcome_reason = reason
    _skip_open_steps(case)
    return case


@_write
def deliver(case: Case, who: Who, *, method: str, address: str = "", tracking_number: str = "") -> Case:
    """Records how the result reached the applicant: at a window, by express post (with tracking) or electronically."""
    problems = []
    if method not in Delivery.values:
        problems.append(
            Problem("method", code="invalid", message=_("Choose pickup, express post or electronic delivery."))
        )
    if method == Delivery.POST and not address.strip():
        problems.append(Problem("address", code="required", message=_("Express post needs the delivery address.")))
    if method == Delivery.POST and not tracking_number.strip():
        problems.append(
            Problem("tracking_number", code="required", message=_("Express post needs the tracking number."))
        )
    if problems:
        raise ProblemsError(problems)
    case, _ev = _transition(case, "deliver", who, {"method": method, "tracking_number": tracking_number})
    case.delivery, case.delivery_address, case.tracking_number = method, address, tracking_number
    case.delivered_at = timezone.now()
    return case
