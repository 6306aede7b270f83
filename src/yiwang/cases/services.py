"""The one write path for cases: every action checks the state machine, locks the case, writes the event.

Each public function takes the case (or its id), who acts (`Who`) and the action's own data; it runs in one
transaction holding a row lock on the case, so two clerks pressing "accept" at once cannot both succeed: the second
waits, then finds the case no longer awaiting acceptance and is refused with a reason. Nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto

from . import deadlines, signals
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


def _event(case: Case, action: str, who: Who, from_state: str, data: dict | None = None) -> CaseEvent:
    seq = (CaseEvent.objects.filter(case=case).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    ev = CaseEvent.objects.create(
        case=case,
        seq=seq,
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
    transaction.on_commit(
        lambda: signals.case_changed.send(sender=Case, case_id=case.pk, event_id=ev.pk, action=action)
    )
    return ev


def _locked(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    return Case.objects.select_for_update().get(pk=pk)


def _transition(case: Case, action: str, who: Who, data: dict | None = None, expected_revision: int | None = None):
    """Moves `case` (already locked) by `action`; returns (case, event)."""
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
    # The row is locked (select_for_update) for the whole transaction, so a plain increment is safe.
    case.revision += 1
    case.save()
    return case, _event(case, action, who, before, data)


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
    """Division (6) + date (yymmdd) + daily serial (6) + check character: readable, sortable, typo-checked."""
    prefix = f"{division_code[:6]}{day:%y%m%d}"
    CaseNumberCounter.objects.get_or_create(prefix=prefix)
    CaseNumberCounter.objects.filter(prefix=prefix).update(value=F("value") + 1)
    serial = CaseNumberCounter.objects.get(prefix=prefix).value
    body = f"{prefix}{serial:06d}"
    return body + _check_char(body)


def new_query_code() -> str:
    """Six characters the applicant receives with the number, to follow the case without signing in."""
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRTUWXY23456789") for _ in range(6))


def notice_number(case: Case, kind: str) -> str:
    return f"{case.case_number}-{kind[:3].upper()}{Notice.objects.filter(case=case).count() + 1:02d}"


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
) -> tuple[Case, bool]:
    """Creates the case exactly once per (submitter, idempotency key); returns (case, created).

    `materials` are already-checked dicts: {material_name, catalog_material_id, source, file?, content_type?,
    size?, sha256?, reference?}. A retried submission with the same key returns the first case unchanged.
    The eligibility rules are not checked here: every channel applies through `cases.applying.apply`.
    `event_data` is added to the submit event (e.g. in which capacity the person applied for an enterprise).
    `delivery_choice` (a `Delivery` value, checked by the caller) and its address are how the applicant wants the
    result: the clerk's delivery starts from them.
    """
    from yiwang.catalog.models import VersionStatus

    user = who.user if getattr(who.user, "pk", None) else None
    scope = idempotency_scope(getattr(user, "pk", None), who.client_id)
    key = normal_key(idempotency_key) if scope else ""
    if key:
        existing = submitted_case(scope, key)
        if existing is not None:
            return existing, False
    if version.status != VersionStatus.PUBLISHED or version.item.current_id != version.pk:
        _refuse("item", "not_current", _("This item's guide has changed or been withdrawn; reload it and apply again."))
    item = version.item
    org = item.organisation
    now = timezone.now()
    try:
        with transaction.atomic():
            code = new_query_code()
            case = Case.objects.create(
                case_number=next_case_number(org.division.code, timezone.localdate(now)),
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
            case.query_code = code  # shown once, to the applicant, with the number
            for m in materials or []:
                CaseMaterial.objects.create(case=case, **m)
            deadlines.recompute(case)
            case.save()
            data = {**(event_data or {}), "materials": len(materials or []), "channel": who.channel}
            _event(case, "submit", who, "", data)
    except IntegrityError:
        if key:
            existing = submitted_case(scope, key)
            if existing is not None:
                return existing, False
        raise
    return case, True


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


@transaction.atomic
def request_correction(case: Case | int, who: Who, items: list[dict], note: str = "", expected_revision=None) -> Case:
    """One-time correction notice (一次性告知): every missing or wrong material at once, each with what to fix."""
    case = _locked(case)
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


@transaction.atomic
def supplement(case: Case | int, who: Who, materials: list[dict], form_data: dict | None = None) -> Case:
    """The applicant answers the correction notice; the case goes back to await acceptance."""
    case = _locked(case)
    if not materials and not form_data:
        _refuse("materials", "required", _("Supply the corrected materials listed in the notice."))
    for m in materials:
        CaseMaterial.objects.filter(case=case, material_name=m["material_name"], needs_correction=True).update(
            needs_correction=False, correction_note="replaced"
        )
        CaseMaterial.objects.create(case=case, **m)
    if form_data:
        case.form_data = {**case.form_data, **form_data}
    case, _ev = _transition(case, "supplement", who, {"materials": [m["material_name"] for m in materials]})
    deadlines.recompute(case)
    case.save()
    return case


def _create_steps(case: Case) -> list[CaseStep]:
    from yiwang.catalog.models import ProcessStep

    defined = [
        s
        for s in ProcessStep.objects.filter(version_id=case.version_id).order_by("order", "id")
        if s.kind not in ("accept", "deliver")
    ]
    rows = []
    if defined:
        for i, s in enumerate(defined, start=1):
            rows.append(
                CaseStep(
                    case=case,
                    order=i,
                    kind=s.kind,
                    name=s.name,
                    organisation_id=s.countersign_org_id or case.organisation_id,
                    role=STEP_ROLES.get(s.kind, "reviewer"),
                    days=s.days,
                )
            )
    else:
        for i, (kind, name, role) in enumerate(DEFAULT_STEPS, start=1):
            rows.append(
                CaseStep(case=case, order=i, kind=kind, name=name, organisation_id=case.organisation_id, role=role)
            )
    for r in rows:
        r.case_number, r.item_name, r.applicant_name = case.case_number, case.item_name, case.applicant_name
    return CaseStep.objects.bulk_create(rows)


def _activate(step: CaseStep, now) -> None:
    step.state = StepState.ACTIVE
    step.started_at = now
    step.assignee = None
    step.claimed_at = None
    step.decision = ""
    step.opinion = ""


@transaction.atomic
def accept(case: Case | int, who: Who, note: str = "", expected_revision=None, *, deemed: bool = False) -> Case:
    """Acceptance: the clock starts; an acceptance notice gives the promised completion date. 即办件 conclude now."""
    from yiwang.catalog.models import HandlingKind

    case = _locked(case)
    case, _ev = _transition(case, "deemed_accept" if deemed else "accept", who, {"note": note}, expected_revision)
    now = timezone.now()
    case.accepted_at = case.submitted_at if deemed else now
    case.deemed_accepted = deemed
    steps = _create_steps(case)
    immediate = case.version.handling_kind == HandlingKind.IMMEDIATE and not deemed
    if not immediate:
        _activate(steps[0], now)
        steps[0].save()
    deadlines.recompute(case, steps)
    case.save()
    _issue_notice(
        case,
        NoticeKind.ACCEPTANCE,
        who,
        {"promised_due": str(case.promised_due or ""), "statutory_due": str(case.statutory_due or ""), "note": note},
    )
    if immediate:
        CaseStep.objects.filter(case=case).update(state=StepState.SKIPPED)
        return _conclude(case, who, "approve", str(_("Done on the spot (即办件)")))
    return case


@transaction.atomic
def decide_by_rules(case: Case | int, who: Who, *, approved: bool, reason: str, record: dict) -> Case:
    """秒批: records the rules' verdict ("rule_check", with the rule set and inputs), then, when approved, accepts
    and concludes the case at once (its steps skipped: no human step). Called through actions.decide_by_rules."""
    case = _locked(case)
    case, _ev = _transition(case, "rule_check", who, {**record, "approved": approved, "reason": reason})
    if not approved:
        return case
    case, _ev = _transition(case, "accept", who, {"note": reason, "instant": True})
    now = timezone.now()
    case.accepted_at = now
    steps = _create_steps(case)
    deadlines.recompute(case, steps)
    case.save()
    CaseStep.objects.filter(case=case).update(state=StepState.SKIPPED)
    return _conclude(case, who, "approve", reason)


@transaction.atomic
def not_accept(case: Case | int, who: Who, reason: str, remedies: str = "", expected_revision=None) -> Case:
    """Not accepted (不予受理): the reason, and how the applicant may seek review or litigation."""
    if not reason.strip():
        _refuse("reason", "required", _("Give the reason the application is not accepted."))
    case = _locked(case)
    remedies = remedies.strip() or str(
        _(
            "You may apply for administrative reconsideration within 60 days or bring an administrative lawsuit "
            "within 6 months of receiving this notice."
        )
    )
    case, _ev = _transition(case, "not_accept", who, {"reason": reason, "remedies": remedies}, expected_revision)
    case.outcome_reason = reason
    case.concluded_at = timezone.now()
    case.save()
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
            deadlines.recompute(case)
            if (case.acceptance_due, case.statutory_due, case.promised_due) != before:
                case.save(update_fields=["acceptance_due", "statutory_due", "promised_due"])
                _event(case, "recompute", SYSTEM, case.state, {"before": [str(d) for d in before]})
                done += 1
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


def _current_step(case: Case) -> CaseStep | None:
    return (
        CaseStep.objects.select_for_update()
        .filter(case=case, state__in=(StepState.ACTIVE, StepState.CLAIMED))
        .order_by("order")
        .first()
    )


def _step_or_refuse(case: Case, step_id: int | None) -> CaseStep:
    step = _current_step(case)
    if step is None or (step_id is not None and step.pk != step_id):
        _refuse("step", "not_current", _("This step is not the one waiting to be done."))
    return step


@transaction.atomic
def claim(case: Case | int, who: Who, step_id: int | None = None) -> CaseStep:
    case = _locked(case)
    step = _step_or_refuse(case, step_id)
    if step.state == StepState.CLAIMED:
        if step.assignee_id == getattr(who.user, "pk", None):
            return step
        _refuse("step", "claimed", _("Someone else is already working on this step."))
    _transition(case, "claim", who, {"step": step.order, "name": step.name})
    step.state, step.assignee, step.claimed_at = StepState.CLAIMED, who.user, timezone.now()
    step.save()
    return step


@transaction.atomic
def release(case: Case | int, who: Who, step_id: int | None = None) -> CaseStep:
    case = _locked(case)
    step = _step_or_refuse(case, step_id)
    if step.state != StepState.CLAIMED or step.assignee_id != getattr(who.user, "pk", None):
        _refuse("step", "not_yours", _("Only the person working on a step can release it."))
    _transition(case, "release", who, {"step": step.order, "name": step.name})
    step.state, step.assignee, step.claimed_at = StepState.ACTIVE, None, None
    step.save()
    return step


@transaction.atomic
def complete_step(
    case: Case | int,
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
    case = _locked(case)
    step = _step_or_refuse(case, step_id)
    if step.state != StepState.CLAIMED or step.assignee_id != getattr(who.user, "pk", None):
        _refuse("step", "not_yours", _("Claim the step before completing it."))
    now = timezone.now()
    for a in attachments or []:
        CaseMaterial.objects.create(case=case, **a)
    _transition(
        case,
        "complete_step",
        who,
        {"step": step.order, "name": step.name, "decision": decision, "opinion": opinion},
    )
    step.state, step.decision, step.opinion, step.done_at = StepState.DONE, decision, opinion, now
    step.save()
    following = (
        CaseStep.objects.select_for_update().filter(case=case, order__gt=step.order, state=StepState.WAITING).first()
    )
    if following is not None:
        _activate(following, now)
        following.save()
        deadlines.recompute(case)
        case.save()
        return case
    if decision == Decision.PASS:
        return _conclude(case, who, "approve", opinion, result.strip()[:200])
    return _conclude(case, who, "refuse", opinion)


@transaction.atomic
def return_step(case: Case | int, who: Who, *, to_order: int, reason: str, step_id: int | None = None) -> Case:
    """Sends the case back to an earlier step (e.g. the approver returns it to the undertaker) with a reason."""
    if not reason.strip():
        _refuse("reason", "required", _("Say why the case goes back."))
    case = _locked(case)
    step = _step_or_refuse(case, step_id)
    if to_order >= step.order or not CaseStep.objects.filter(case=case, order=to_order).exists():
        _refuse("to_order", "invalid", _("Choose an earlier step of this case."))
    now = timezone.now()
    _transition(case, "return_step", who, {"from": step.order, "to": to_order, "reason": reason})
    CaseStep.objects.filter(case=case, order__gt=to_order, order__lte=step.order).update(
        state=StepState.WAITING, assignee=None, claimed_at=None, started_at=None, decision="", opinion="", due=None
    )
    back = CaseStep.objects.select_for_update().get(case=case, order=to_order)
    _activate(back, now)
    back.save()
    deadlines.recompute(case)
    case.save()
    return case


# --- special procedure ---------------------------------------------------------------------------------------------


@transaction.atomic
def suspend(case: Case | int, who: Who, *, kind: str, reason: str, expected_end: dt.date) -> Suspension:
    """Starts a special procedure: the clock stops from today until it ends."""
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
    case = _locked(case)
    _transition(case, "suspend", who, {"kind": kind, "reason": reason, "expected_end": str(expected_end)})
    s = Suspension.objects.create(case=case, kind=kind, reason=reason, started_on=today, expected_end=expected_end)
    deadlines.recompute(case)
    case.save()
    return s


@transaction.atomic
def resume(case: Case | int, who: Who, *, result: str) -> Case:
    """Ends the special procedure with its result; the deadlines move by the days it lasted."""
    if not result.strip():
        _refuse("result", "required", _("Record the result of the special procedure."))
    case = _locked(case)
    open_s = Suspension.objects.select_for_update().filter(case=case, ended_on__isnull=True).first()
    _transition(case, "resume", who, {"result": result})
    if open_s is not None:
        open_s.ended_on = max(timezone.localdate(), open_s.started_on)
        open_s.result = result
        open_s.save()
    deadlines.recompute(case)
    case.save()
    return case


# --- conclusion ----------------------------------------------------------------------------------------------------


def _conclude(case: Case, who: Who, action: str, reason: str, result: str = "") -> Case:
    case, _ev = _transition(case, action, who, {"reason": reason, "result": result})
    case.concluded_at = timezone.now()
    case.outcome_reason = reason if action == "refuse" else ""
    if action == "approve":
        case.result_document = result or case.version.result_name or case.item_name
    CaseStep.objects.filter(case=case, state__in=(StepState.WAITING, StepState.ACTIVE, StepState.CLAIMED)).update(
        state=StepState.SKIPPED
    )
    case.save()
    _issue_notice(
        case,
        NoticeKind.DECISION,
        who,
        {"outcome": "approved" if action == "approve" else "refused", "reason": reason, "result": case.result_document},
    )
    return case


@transaction.atomic
def record_result_license(case: Case | int, identifier: str, who: Who, *, problem: str = "") -> Case:
    """Links the e-license issued as this approved case's result (or records why none could be issued).

    Called by the licenses module; with an identifier the case's result_license is set and a "license_issued"
    event written, without one a "license_not_issued" event keeps `problem` for the case page and the clerk.
    """
    case = _locked(case)
    if identifier:
        case.result_license = identifier[:120]
        case, _ev = _transition(case, "license_issued", who, {"license": identifier})
    else:
        case, _ev = _transition(case, "license_not_issued", who, {"reason": problem[:500]})
    return case


@transaction.atomic
def withdraw(case: Case | int, who: Who, reason: str = "") -> Case:
    case = _locked(case)
    case, _ev = _transition(case, "withdraw", who, {"reason": reason})
    case.concluded_at = timezone.now()
    case.outcome_reason = reason
    CaseStep.objects.filter(case=case, state__in=(StepState.WAITING, StepState.ACTIVE, StepState.CLAIMED)).update(
        state=StepState.SKIPPED
    )
    case.save()
    return case


@transaction.atomic
def void(case: Case | int, who: Who, reason: str) -> Case:
    if not reason.strip():
        _refuse("reason", "required", _("Give the reason the case is voided."))
    case = _locked(case)
    case, _ev = _transition(case, "void", who, {"reason": reason})
    case.concluded_at = timezone.now()
    case.outcome_reason = reason
    CaseStep.objects.filter(case=case, state__in=(StepState.WAITING, StepState.ACTIVE, StepState.CLAIMED)).update(
        state=StepState.SKIPPED
    )
    case.save()
    return case


@transaction.atomic
def deliver(case: Case | int, who: Who, *, method: str, address: str = "", tracking_number: str = "") -> Case:
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
    case = _locked(case)
    case, _ev = _transition(case, "deliver", who, {"method": method, "tracking_number": tracking_number})
    case.delivery, case.delivery_address, case.tracking_number = method, address, tracking_number
    case.delivered_at = timezone.now()
    case.save()
    return case
