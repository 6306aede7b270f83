"""The one write path for work orders: every step locks the order, checks the state machine, writes the event.

Each public function takes the order (or its id), who acts (`Who`) and the step's own data, and runs in one
transaction holding a row lock on the order: two operators dispatching at once cannot both succeed (the second
waits, then finds the order already dispatched and is refused with a reason). The statistics rollups are updated
in the same transaction. Nothing is half-written. Who may do what is decided by `policy` at the door (pages, API,
Open311), as for cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import outbox
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto

from . import cases_link, deadlines, geo, rollups, signals
from .models import (
    GOOD_SATISFACTION,
    Assignment,
    AssignmentState,
    Attachment,
    Callback,
    Caller,
    Category,
    Centre,
    DecisionKind,
    DecisionRequest,
    NumberCounter,
    OrderType,
    Satisfaction,
    State,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)
from .states import ACTION_NAMES, IllegalTransition, target

CONTENT_MIN, CONTENT_MAX = 5, 4000
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"RIFF": "image/webp"}
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
REPEAT_DAYS = 30


@dataclass(frozen=True)
class Who:
    """Who acts: an operator, a department's handler, a citizen, a machine client or the system."""

    user: Any = None
    name: str = ""
    role: str = ""
    organisation_id: int | None = None
    channel: str = "workbench"
    client_id: int | None = None
    extra: dict = field(default_factory=dict)


SYSTEM = Who(name="system", role="system", channel="system")


TICKET_CHANGED = "hotline.ticket_changed"  # an order dispatched to a department (payload: outbox docs)


def _refuse(field_name: str, code: str, message, params: dict | None = None):
    raise ProblemsError([Problem(field_name, message, code=code, params=params or None)])


def _illegal(exc: IllegalTransition):
    _refuse(
        "state",
        "illegal_transition",
        _("“%(action)s” is not possible while the work order is “%(state)s”."),
        {"action": ACTION_NAMES.get(exc.action, exc.action), "state": State(exc.state).label},
    )


def _user(who: Who):
    return who.user if getattr(who.user, "pk", None) else None


def _event(order: WorkOrder, action: str, who: Who, from_state: str, data: dict | None = None, public: bool = False):
    seq = (WorkOrderEvent.objects.filter(order=order).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    ev = WorkOrderEvent.objects.create(
        order=order,
        seq=seq,
        action=action,
        from_state=from_state,
        to_state=order.state,
        actor=_user(who),
        actor_name=who.name[:200],
        role=who.role,
        organisation_id=who.organisation_id,
        channel=who.channel,
        client_id=who.client_id,
        public=public,
        data=data or {},
        at=timezone.now(),
    )
    order_id, event_id = order.pk, ev.pk
    transaction.on_commit(
        lambda: signals.order_changed.send(sender=WorkOrder, order_id=order_id, event_id=event_id, action=action)
    )
    return ev


def _locked(order: WorkOrder | int) -> WorkOrder:
    pk = order.pk if isinstance(order, WorkOrder) else order
    return WorkOrder.objects.select_for_update().get(pk=pk)


def _transition(
    order: WorkOrder,
    action: str,
    who: Who,
    data: dict | None = None,
    expected_revision: int | None = None,
    public: bool = False,
):
    """Moves `order` (already locked) by `action` and saves it; returns the event."""
    if expected_revision is not None and expected_revision != order.revision:
        _refuse("revision", "stale", _("Someone else changed this work order a moment ago; reload it and try again."))
    try:
        to = target(action, order.state)
    except IllegalTransition as exc:
        _illegal(exc)
    before = order.state
    order.state = to
    order.revision += 1  # the row is locked for the whole transaction
    order.save()
    return _event(order, action, who, before, data, public)


# --- numbers and callers ----------------------------------------------------------------------------------------


def next_number(day: dt.date | None = None) -> str:
    """Date (8 digits) + daily serial (6): 20261204000123. Taken in its own short transaction before the order is
    written, so a hundred operators do not queue behind one counter row for the length of their transactions (a
    failed intake leaves a gap, never a duplicate)."""
    day = day or timezone.localdate()
    prefix = f"{day:%Y%m%d}"
    with transaction.atomic():
        NumberCounter.objects.get_or_create(prefix=prefix)
        with connection.cursor() as cur:
            table = connection.ops.quote_name(NumberCounter._meta.db_table)
            cur.execute(f"UPDATE {table} SET value = value + 1 WHERE prefix = %s RETURNING value", [prefix])  # noqa: S608
            value = cur.fetchone()[0]
    return f"{prefix}{value:06d}"


def new_query_code() -> str:
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRTUWXY23456789") for _ in range(6))


def check_query_code(order: WorkOrder, code: str) -> bool:
    return bool(order.query_code_hash) and secrets.compare_digest(
        order.query_code_hash, crypto.lookup_hash("hotline-query", (code or "").strip().upper())
    )


def normalise_phone(raw: str) -> str:
    phone = "".join(ch for ch in (raw or "") if ch.isdigit() or ch == "-").strip("-")
    if phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    return phone


def phone_problem(phone: str) -> str | None:
    if phone and not PHONE_RE.match(phone):
        return _("Enter a mobile number (11 digits) or a landline number with its area code.")
    return None


def find_caller(phone: str) -> Caller | None:
    phone = normalise_phone(phone)
    if not phone:
        return None
    return Caller.objects.filter(phone_hash=Caller.hash_of(phone)).first()


def _caller_for(phone: str, name: str, now: dt.datetime) -> Caller:
    h = Caller.hash_of(phone)
    caller = Caller.objects.filter(phone_hash=h).first()
    if caller is None:
        try:
            with transaction.atomic():
                caller = Caller.objects.create(phone=phone, name=name[:100], created_at=now)
        except IntegrityError:
            caller = Caller.objects.get(phone_hash=h)
    updates = {"last_order_at": now, "orders_count": F("orders_count") + 1}
    if name and not caller.name:
        updates["name"] = name[:100]
    Caller.objects.filter(pk=caller.pk).update(**updates)
    return caller


# --- intake -----------------------------------------------------------------------------------------------------


def centre_for(division=None) -> Centre | None:
    """The centre taking orders for `division`: the one of the nearest division above it, else the default."""
    centres = list(Centre.objects.select_related("division", "organisation"))
    if division is not None:
        matching = [c for c in centres if division.path.startswith(c.division.path)]
        if matching:
            return max(matching, key=lambda c: len(c.division.path))
    return next((c for c in centres if c.is_default), centres[0] if centres else None)


def _photo_problems(files: list) -> tuple[list[dict], list[Problem]]:
    out, problems = [], []
    if len(files) > MAX_PHOTOS:
        problems.append(Problem("photos", _("At most %(n)s photos."), "too_many", params={"n": MAX_PHOTOS}))
        return out, problems
    for i, f in enumerate(files):
        data = f.read()
        if hasattr(f, "seek"):
            f.seek(0)
        kind = next((t for magic, t in PHOTO_TYPES.items() if data.startswith(magic)), None)
        if kind == "image/webp" and data[8:12] != b"WEBP":
            kind = None
        if kind is None:
            problems.append(Problem(f"photos.{i}", _("Only JPEG, PNG or WebP photos can be attached."), "type"))
        elif len(data) > MAX_PHOTO_BYTES:
            problems.append(Problem(f"photos.{i}", _("A photo may be at most 10 MB."), "too_large"))
        else:
            out.append({"data": data, "content_type": kind, "name": getattr(f, "name", "photo")})
    return out, problems


def create_order(
    *,
    who: Who,
    order_type: str,
    category: Category | None,
    content: str,
    title: str = "",
    urgency: str = Urgency.NORMAL,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    division=None,
    caller_phone: str = "",
    caller_name: str = "",
    caller_email: str = "",
    anonymous: bool = False,
    person=None,
    enterprise_appeal: bool = False,
    enterprise_name: str = "",
    enterprise_code: str = "",
    case_number: str = "",
    photos: list | None = None,
    source_ref: str = "",
    centre=None,
    channel: str | None = None,
    received_at: dt.datetime | None = None,
) -> tuple[WorkOrder, bool]:
    """Records a request from any channel; returns (order, created). A retried intake with the same `source_ref`
    (API idempotency key, mail Message-ID, Open311 token) returns the first order unchanged."""
    source_ref = (source_ref or "").strip()[:200]
    if source_ref:
        existing = WorkOrder.objects.filter(source_ref=source_ref).first()
        if existing is not None:
            return existing, False
    problems: list[Problem] = []
    content = (content or "").strip()
    title = (title or "").strip()
    address = (address or "").strip()
    caller_name = (caller_name or "").strip()
    phone = normalise_phone(caller_phone)
    if order_type not in OrderType.values:
        problems.append(Problem("order_type", _("Choose the type of request."), "required"))
    if category is None or not category.is_active:
        problems.append(Problem("category", _("Choose a category."), "required"))
    if urgency not in Urgency.values:
        problems.append(Problem("urgency", _("Choose normal or urgent."), "invalid"))
    if len(content) < CONTENT_MIN:
        problems.append(Problem("content", _("Describe the request in a few words (at least 5 characters)."), "short"))
    elif len(content) > CONTENT_MAX:
        problems.append(Problem("content", _("At most 4,000 characters."), "long"))
    if len(title) > 120:
        problems.append(Problem("title", _("At most 120 characters."), "long"))
    if len(address) > 200:
        problems.append(Problem("address", _("At most 200 characters."), "long"))
    if (latitude is None) != (longitude is None) or (latitude is not None and not geo.valid(latitude, longitude)):
        problems.append(Problem("location", _("The map position is not valid; pick the place again."), "invalid"))
    if (err := phone_problem(phone)) is not None:
        problems.append(Problem("caller_phone", err, "invalid"))
    if len(caller_name) > 100:
        problems.append(Problem("caller_name", _("At most 100 characters."), "long"))
    if caller_email and ("@" not in caller_email or len(caller_email) > 200):
        problems.append(Problem("caller_email", _("Enter a valid email address."), "invalid"))
    if enterprise_code and not CREDIT_CODE_RE.match(enterprise_code.strip().upper()):
        problems.append(Problem("enterprise_code", _("A unified social credit code has 18 characters."), "invalid"))
    if enterprise_appeal and not (enterprise_name or "").strip():
        problems.append(Problem("enterprise_name", _("Name the enterprise making the appeal."), "required"))
    case_ref = None
    case_number = (case_number or "").strip().upper()
    if case_number:
        err = cases_link.number_problem(case_number)
        case_ref = None if err else cases_link.find(case_number)
        if err or case_ref is None:
            problems.append(Problem("case_number", err or _("No case has this number."), "unknown"))
    stored_photos, photo_problems = _photo_problems(photos or [])
    problems += photo_problems
    centre_org = centre
    if centre_org is None:
        found = centre_for(division)
        centre_org = found.organisation if found else None
    if centre_org is None:
        problems.append(Problem("centre", _("No 12345 centre is set up yet."), "no_centre"))
    if problems:
        raise ProblemsError(problems)

    now = received_at or timezone.now()
    number = next_number(timezone.localdate(now))
    if latitude is not None:
        latitude, longitude = round(float(latitude), 6), round(float(longitude), 6)
    hide = anonymous or order_type == OrderType.REPORT
    try:
        with transaction.atomic():
            caller = _caller_for(phone, "" if anonymous else caller_name, now) if phone else None
            policy = deadlines.current_policy(now)
            amount, unit = deadlines.limit_of(policy, order_type, urgency)
            code = new_query_code()
            order = WorkOrder(
                number=number,
                query_code_hash=crypto.lookup_hash("hotline-query", code),
                order_type=order_type,
                category=category,
                urgency=urgency,
                channel=channel or who.channel,
                title=(title or content.splitlines()[0])[:120],
                content=content,
                address=address,
                address_key=geo.address_key(address),
                latitude=latitude,
                longitude=longitude,
                geo_cell=geo.cell(latitude, longitude) if latitude is not None else "",
                division=division,
                division_path=division.path if division is not None else "",
                centre=centre_org,
                caller=caller,
                caller_name="" if anonymous else caller_name,
                caller_email=(caller_email or "").strip(),
                anonymous=anonymous,
                hide_reporter=hide,
                person=person,
                created_by=_user(who),
                source_client_id=who.client_id,
                source_ref=source_ref,
                enterprise_appeal=enterprise_appeal,
                enterprise_name=(enterprise_name or "").strip()[:200],
                enterprise_code=(enterprise_code or "").strip().upper(),
                case_number=case_ref.case_number if case_ref else "",
                case_organisation_id=case_ref.organisation_id if case_ref else None,
                received_at=now,
                clock_started_at=now,
                policy=policy,
                limit_amount=amount,
                limit_unit=unit,
            )
            deadlines.apply(order)
            order.save()
            order.query_code = code  # shown once, with the number
            for p in stored_photos:
                att = Attachment(
                    order=order,
                    content_type=p["content_type"],
                    size=len(p["data"]),
                    sha256=hashlib.sha256(p["data"]).hexdigest(),
                    added_at=now,
                )
                from django.core.files.base import ContentFile

                ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[p["content_type"]]
                att.file.save(f"{number}-{secrets.token_hex(4)}.{ext}", ContentFile(p["data"]), save=False)
                att.save()
            repeated = bool(
                caller is not None
                and WorkOrder.objects.filter(
                    caller=caller, category=category, received_at__gte=now - dt.timedelta(days=REPEAT_DAYS)
                )
                .exclude(pk=order.pk)
                .exists()
            )
            _event(
                order,
                "receive",
                who,
                "",
                {
                    "channel": order.channel,
                    "policy_version": policy.version,
                    "limit": [amount, unit],
                    "repeated": repeated,
                    "photos": len(stored_photos),
                    "case_number": order.case_number,
                },
                public=True,
            )
            rollups.bump(order, now, department_id=0, received=1, repeated=1 if repeated else 0)
            rollups.count_place(order, now)
            if repeated:
                rollups.count_repeat(order, now)
    except IntegrityError:
        if source_ref:
            existing = WorkOrder.objects.filter(source_ref=source_ref).first()
            if existing is not None:
                return existing, False
        raise
    return order, True


# --- answering on the spot, dispatching ------------------------------------------------------------------------


def _notify(order: WorkOrder, kind: str) -> None:
    from . import notify

    order_id = order.pk
    transaction.on_commit(lambda: notify.enqueue(order_id, kind))


def _conclude_effects(order: WorkOrder, who: Who, at: dt.datetime, ev_data: dict) -> None:
    """What every conclusion does: the time, the duplicates answered too, the statistics."""
    order.concluded_at = at
    order.save(update_fields=["concluded_at"])
    sat = ev_data.get("satisfaction", "")
    rollups.bump(
        order,
        at,
        concluded=1,
        on_time=1 if order.on_time else 0,
        first_contact=1 if order.first_contact else 0,
        rated=1 if sat else 0,
        satisfied=1 if sat in GOOD_SATISFACTION else 0,
    )
    _notify(order, "concluded")
    for dup in WorkOrder.objects.select_for_update().filter(master=order, state=State.MERGED, concluded_at=None):
        dup.concluded_at = at
        dup.reply_text = order.reply_text
        dup.save(update_fields=["concluded_at", "reply_text"])
        _event(dup, "master_concluded", who, dup.state, {"master": order.number}, public=True)
        _notify(dup, "concluded")


@transaction.atomic
def conclude_direct(
    order: WorkOrder | int, who: Who, answer: str, knowledge_entry=None, expected_revision: int | None = None
) -> WorkOrder:
    """直接办结: the operator answered on the spot (from the knowledge base, often); no department involved."""
    order = _locked(order)
    answer = (answer or "").strip()
    if len(answer) < 2:
        _refuse("answer", "required", _("Write down the answer given to the caller."))
    now = timezone.now()
    order.reply_text = answer
    order.replied_at = now
    order.first_contact = True
    order.on_time = True
    if knowledge_entry is not None:
        order.knowledge_entry = knowledge_entry
        type(knowledge_entry).objects.filter(pk=knowledge_entry.pk).update(uses=F("uses") + 1)
    data = {"answer": answer, "knowledge": knowledge_entry.key if knowledge_entry is not None else ""}
    _transition(order, "conclude_direct", who, data, expected_revision, public=True)
    _conclude_effects(order, who, now, data)
    return order


def _org_problem(org, field_name: str) -> None:
    if org is None or not org.is_active:
        _refuse(field_name, "unknown", _("Choose an active department."))


@transaction.atomic
def dispatch(
    order: WorkOrder | int,
    who: Who,
    department,
    *,
    co_departments: list | None = None,
    sub_unit=None,
    note: str = "",
    routing_rule=None,
    expected_revision: int | None = None,
) -> WorkOrder:
    """一级派单: to the lead department (and co-handling departments for joint handling); optionally straight to a
    sub-unit (二级). A dispatch happens once: a second press finds the order dispatched and is refused."""
    order = _locked(order)
    _org_problem(department, "department")
    co = [d for d in (co_departments or []) if d is not None and d.pk != department.pk]
    if len({d.pk for d in co}) != len(co):
        _refuse("co_departments", "duplicate", _("Each co-handling department once."))
    for d in co:
        _org_problem(d, "co_departments")
    if (
        sub_unit is not None
        and sub_unit.parent_id != department.pk
        and sub_unit.pk != department.pk
        and not sub_unit.division.path.startswith(department.division.path)
    ):
        _refuse("sub_unit", "outside", _("The sub-unit must belong to the department or its division."))
    now = timezone.now()
    order.department = department
    order.dispatched_at = now
    order.routing_rule = routing_rule
    Assignment.objects.filter(order=order, state__in=(AssignmentState.DISPATCHED, AssignmentState.SIGNED)).update(
        state=AssignmentState.WITHDRAWN
    )
    Assignment.objects.create(order=order, organisation=department, sub_unit=sub_unit, lead=True, dispatched_at=now)
    for d in co:
        Assignment.objects.create(order=order, organisation=d, lead=False, dispatched_at=now)
    data = {
        "department_id": department.pk,
        "department": department.name,
        "co_departments": [d.name for d in co],
        "sub_unit": sub_unit.name if sub_unit is not None else "",
        "note": note,
    }
    if routing_rule is not None:
        data["routing_rule"] = {"id": routing_rule.pk, "version": routing_rule.version, "name": routing_rule.name}
    _transition(order, "dispatch", who, data, expected_revision, public=True)
    rollups.bump(order, now, dispatched=1)
    # For modules that may not read the hotline's tables (supervision's statistics): the lead department now.
    outbox.publish(
        TICKET_CHANGED,
        {
            "ticket_id": order.pk,
            "action": "dispatch",
            "organisation_id": department.pk,
            "kind": order.order_type,
            "day": timezone.localdate(now).isoformat(),
        },
        key=f"hotline.order:{order.pk}",
    )
    return order


def _assignment(order: WorkOrder, organisation_ids: list[int] | None, lead: bool | None = None) -> Assignment:
    """The order's live assignment for one of `organisation_ids` (None: the lead one)."""
    qs = Assignment.objects.select_for_update().filter(
        order=order, state__in=(AssignmentState.DISPATCHED, AssignmentState.SIGNED, AssignmentState.DONE)
    )
    if lead is not None:
        qs = qs.filter(lead=lead)
    rows = list(qs)
    if organisation_ids is not None:
        rows = [a for a in rows if a.organisation_id in organisation_ids or a.sub_unit_id in organisation_ids]
    if not rows:
        _refuse("assignment", "not_assigned", _("This work order is not assigned to your department."))
    rows.sort(key=lambda a: (not a.lead, a.pk))
    return rows[0]


@transaction.atomic
def sub_dispatch(order: WorkOrder | int, who: Who, sub_unit, org_ids: list[int] | None = None, note: str = ""):
    """二级派单: the lead department passes the order to one of its sub-units or a township."""
    order = _locked(order)
    a = _assignment(order, org_ids, lead=True)
    if sub_unit is None or (
        sub_unit.parent_id != a.organisation_id and not sub_unit.division.path.startswith(a.organisation.division.path)
    ):
        _refuse("sub_unit", "outside", _("The sub-unit must belong to the department or its division."))
    a.sub_unit = sub_unit
    a.save(update_fields=["sub_unit"])
    _transition(order, "sub_dispatch", who, {"sub_unit": sub_unit.name, "note": note}, public=True)
    return order


@transaction.atomic
def sign(order: WorkOrder | int, who: Who, org_ids: list[int] | None = None) -> WorkOrder:
    """签收: the lead department takes the order in hand (the state moves); a co-handler signs its own part."""
    order = _locked(order)
    a = _assignment(order, org_ids)
    if a.state != AssignmentState.DISPATCHED:
        _refuse("state", "signed", _("Your department has already signed for this work order."))
    a.state = AssignmentState.SIGNED
    a.signed_at = timezone.now()
    a.save(update_fields=["state", "signed_at"])
    if a.lead:
        order.signed_at = a.signed_at
        _transition(order, "sign", who, {"department": a.organisation.name}, public=True)
    else:
        _transition(order, "sign_co", who, {"department": a.organisation.name})
    return order


@transaction.atomic
def progress(order: WorkOrder | int, who: Who, note: str, org_ids: list[int] | None = None) -> WorkOrder:
    order = _locked(order)
    _assignment(order, org_ids)
    if not (note or "").strip():
        _refuse("note", "required", _("Write the note."))
    _transition(order, "progress", who, {"note": note.strip()[:2000]})
    return order


@transaction.atomic
def co_reply(order: WorkOrder | int, who: Who, result: str, org_ids: list[int] | None = None) -> WorkOrder:
    """A co-handling department hands its result to the lead."""
    order = _locked(order)
    a = _assignment(order, org_ids, lead=False)
    if not (result or "").strip():
        _refuse("result", "required", _("Write your department's result."))
    if a.state == AssignmentState.DONE:
        _refuse("state", "done", _("Your department's result is already in."))
    a.state, a.done_at, a.result = AssignmentState.DONE, timezone.now(), result.strip()
    a.save(update_fields=["state", "done_at", "result"])
    _transition(order, "co_reply", who, {"department": a.organisation.name, "result": a.result})
    return order


@transaction.atomic
def reply(
    order: WorkOrder | int, who: Who, text: str, org_ids: list[int] | None = None, expected_revision=None
) -> WorkOrder:
    """答复: the lead department's answer to the caller (recorded, and sent by SMS). Joint handling waits for every
    co-handling department's result first."""
    order = _locked(order)
    a = _assignment(order, org_ids, lead=True)
    text = (text or "").strip()
    if len(text) < 5:
        _refuse("text", "required", _("Write the reply to the caller (at least 5 characters)."))
    waiting = list(
        Assignment.objects.filter(
            order=order, lead=False, state__in=(AssignmentState.DISPATCHED, AssignmentState.SIGNED)
        ).values_list("organisation__name", flat=True)
    )
    if waiting:
        _refuse(
            "co_departments",
            "waiting",
            _("Co-handling departments have not given their results yet: %(names)s."),
            {"names": "、".join(waiting)},
        )
    now = timezone.now()
    a.state, a.done_at, a.result = AssignmentState.DONE, now, text
    a.save(update_fields=["state", "done_at", "result"])
    order.reply_text = text
    order.replied_at = now
    order.on_time = order.due_at is None or now <= order.due_at
    _transition(order, "reply", who, {"text": text, "on_time": order.on_time}, expected_revision, public=True)
    _notify(order, "replied")
    return order


# --- asking the centre: extensions and send-backs --------------------------------------------------------------


@transaction.atomic
def request_extension(
    order: WorkOrder | int, who: Who, amount: int, reason: str, org_ids: list[int] | None = None
) -> DecisionRequest:
    order = _locked(order)
    a = _assignment(order, org_ids, lead=True)
    if order.pending_decision:
        _refuse("state", "pending", _("A request to the centre is already waiting for its decision."))
    if not isinstance(amount, int) or amount < 1 or amount > 60:
        _refuse("amount", "invalid", _("Ask for between 1 and 60 more units of the order's time limit."))
    if len((reason or "").strip()) < 2:
        _refuse("reason", "required", _("Give the reason."))
    req = DecisionRequest.objects.create(
        order=order,
        assignment=a,
        kind=DecisionKind.EXTENSION,
        reason=reason.strip(),
        amount=amount,
        requested_by=_user(who),
        requested_at=timezone.now(),
    )
    order.pending_decision = True
    _transition(
        order,
        "request_extension",
        who,
        {
            "amount": amount,
            "unit": order.limit_unit,
            "reason": reason.strip(),
            "department_id": a.organisation_id,
            "request": req.pk,
        },
    )
    return req


@transaction.atomic
def request_send_back(order: WorkOrder | int, who: Who, reason: str, org_ids: list[int] | None = None) -> WorkOrder:
    """退单: the department says the order is not theirs. Once per department; the centre decides."""
    order = _locked(order)
    a = _assignment(order, org_ids, lead=True)
    if a.sent_back:
        _refuse("state", "once", _("Your department has already sent this work order back once."))
    if order.pending_decision:
        _refuse("state", "pending", _("A request to the centre is already waiting for its decision."))
    if len((reason or "").strip()) < 2:
        _refuse("reason", "required", _("Give the reason."))
    req = DecisionRequest.objects.create(
        order=order,
        assignment=a,
        kind=DecisionKind.SEND_BACK,
        reason=reason.strip(),
        requested_by=_user(who),
        requested_at=timezone.now(),
    )
    a.sent_back = True
    a.save(update_fields=["sent_back"])
    order.pending_decision = True
    order.send_backs += 1
    _transition(
        order,
        "request_send_back",
        who,
        {"reason": reason.strip(), "department_id": a.organisation_id, "request": req.pk},
    )
    rollups.bump(order, department_id=a.organisation_id, sent_back=1)
    return order


@transaction.atomic
def decide(
    order: WorkOrder | int,
    who: Who,
    request_id: int,
    approve: bool,
    note: str = "",
    redispatch_to=None,
) -> WorkOrder:
    """The centre decides a department's request: an extension moves the deadline; an approved send-back puts the
    order back to dispatch (to `redispatch_to` at once when given); a refused one returns it to the department."""
    order = _locked(order)
    req = DecisionRequest.objects.select_for_update().filter(pk=request_id, order=order).first()
    if req is None or req.approved is not None:
        _refuse("request", "decided", _("This request has already been decided."))
    now = timezone.now()
    req.approved, req.decided_by, req.decided_at, req.decision_note = approve, _user(who), now, (note or "")[:2000]
    req.save()
    order.pending_decision = False
    dept = req.assignment.organisation_id
    data = {"request": req.pk, "note": note, "department_id": dept}
    if req.kind == DecisionKind.EXTENSION:
        if approve:
            order.extension_amount += req.amount
            deadlines.apply(order)
            order.warned_at = None if order.warn_at and order.warn_at > now else order.warned_at
            order.overdue_at = None if order.due_at and order.due_at > now else order.overdue_at
            data.update(amount=req.amount, due_at=order.due_at.isoformat())
            _transition(order, "approve_extension", who, data, public=True)
            rollups.bump(order, now, department_id=dept, extended=1)
        else:
            _transition(order, "refuse_extension", who, data)
        return order
    a = req.assignment
    if approve:
        a.state = AssignmentState.RETURNED
        a.save(update_fields=["state"])
        Assignment.objects.filter(order=order, state__in=(AssignmentState.DISPATCHED, AssignmentState.SIGNED)).update(
            state=AssignmentState.WITHDRAWN
        )
        order.department = None
        _transition(order, "approve_send_back", who, data)
        if redispatch_to is not None:
            return dispatch(order, who, redispatch_to, note=note)
        return order
    action = "refuse_send_back_handling" if a.signed_at else "refuse_send_back_dispatched"
    _transition(order, action, who, data)
    return order


@transaction.atomic
def urge(order: WorkOrder | int, who: Who, note: str) -> WorkOrder:
    """督办: the centre presses the department (recorded for supervision)."""
    order = _locked(order)
    if not (note or "").strip():
        _refuse("note", "required", _("Say what the department is urged to do."))
    _transition(order, "urge", who, {"note": note.strip(), "department_id": order.department_id})
    return order


# --- callback and conclusion ----------------------------------------------------------------------------------


@transaction.atomic
def callback(order: WorkOrder | int, who: Who, *, reached: bool, satisfaction: str = "", note: str = "") -> WorkOrder:
    """回访: the centre calls the caller back. Satisfied → concluded; unsatisfied → reopened once for re-handling
    (a second unsatisfied callback concludes, recorded as unsatisfied); not reached → recorded, still open."""
    order = _locked(order)
    if reached and satisfaction not in Satisfaction.values:
        _refuse("satisfaction", "required", _("Record how satisfied the caller is."))
    if not reached:
        satisfaction = ""
    now = timezone.now()
    Callback.objects.create(order=order, at=now, by=_user(who), reached=reached, satisfaction=satisfaction, note=note)
    data = {"reached": reached, "satisfaction": satisfaction, "note": note}
    if not reached:
        _transition(order, "callback", who, data)
        return order
    order.satisfaction = satisfaction
    if satisfaction not in GOOD_SATISFACTION and order.reopened == 0:
        order.reopened += 1
        order.clock_started_at = now
        order.extension_amount = 0
        deadlines.apply(order)
        order.warned_at = order.overdue_at = None
        order.replied_at = None
        order.on_time = None
        Assignment.objects.filter(order=order, lead=True, state=AssignmentState.DONE).update(
            state=AssignmentState.SIGNED, done_at=None
        )
        _transition(order, "reopen", who, data, public=True)
        rollups.bump(order, now, reopened=1)
        return order
    data.update(concluded=True, on_time=order.on_time)
    _transition(order, "conclude", who, {**data, "via": "callback"}, public=True)
    _conclude_effects(order, who, now, data)
    return order


@transaction.atomic
def conclude(order: WorkOrder | int, who: Who, note: str) -> WorkOrder:
    """The centre concludes a replied order without a callback (anonymous, or the caller could not be reached)."""
    order = _locked(order)
    if not (note or "").strip():
        _refuse("note", "required", _("Say why the order is concluded without a callback."))
    now = timezone.now()
    data = {"note": note.strip(), "on_time": order.on_time}
    _transition(order, "conclude", who, data, public=True)
    _conclude_effects(order, who, now, data)
    return order


@transaction.atomic
def merge(order: WorkOrder | int, who: Who, master: WorkOrder | int, note: str = "") -> WorkOrder:
    """Merges a duplicate into a master order: the duplicate stops here and its caller is answered when the master
    concludes (its own duplicates follow it to the master)."""
    dup_id = order.pk if isinstance(order, WorkOrder) else order
    master_id = master.pk if isinstance(master, WorkOrder) else master
    if dup_id == master_id:
        _refuse("master", "self", _("An order cannot be merged into itself."))
    # Lock both in id order so two merges of the same pair cannot deadlock.
    locked = {o.pk: o for o in WorkOrder.objects.select_for_update().filter(pk__in=[dup_id, master_id]).order_by("pk")}
    order, master = locked[dup_id], locked.get(master_id)
    if master is None or master.state not in (
        State.RECEIVED,
        State.DISPATCHED,
        State.HANDLING,
        State.RETURNED,
        State.REPLIED,
    ):
        _refuse("master", "closed", _("The master order must be open."))
    order.master = master
    _transition(order, "merge", who, {"master": master.number, "note": note}, public=True)
    WorkOrder.objects.filter(master=order).update(master=master)
    _event(master, "absorbed", who, master.state, {"duplicate": order.number})
    rollups.bump(order, merged=1)
    return order


@transaction.atomic
def void(order: WorkOrder | int, who: Who, reason: str) -> WorkOrder:
    order = _locked(order)
    if len((reason or "").strip()) < 2:
        _refuse("reason", "required", _("Give the reason."))
    _transition(order, "void", who, {"reason": reason.strip()})
    return order


@transaction.atomic
def link_case(order: WorkOrder | int, who: Who, case_number: str) -> WorkOrder:
    order = _locked(order)
    number = (case_number or "").strip().upper()
    err = cases_link.number_problem(number)
    ref = None if err else cases_link.find(number)
    if ref is None:
        _refuse("case_number", "unknown", err or _("No case has this number."))
    order.case_number, order.case_organisation_id = ref.case_number, ref.organisation_id
    _transition(order, "link_case", who, {"case_number": ref.case_number, "organisation": ref.organisation_name})
    return order


@transaction.atomic
def reveal_phone(order: WorkOrder | int, who: Who, reason: str) -> str:
    """The caller's full number for a callback; every view is an event (who, when, why)."""
    order = _locked(order)
    if len((reason or "").strip()) < 2:
        _refuse("reason", "required", _("Give the reason."))
    if order.caller_id is None:
        _refuse("caller", "none", _("This caller left no phone number."))
    _transition(order, "reveal", who, {"reason": reason.strip()})
    return order.caller.phone


def record_sms(order_id: int, kind: str, outcome: str, detail: str = "") -> None:
    """Records a text message to the caller (sent, failed, or none possible) on the order's log."""
    with transaction.atomic():
        order = _locked(order_id)
        _event(order, "sms", SYSTEM, order.state, {"kind": kind, "outcome": outcome, "detail": detail[:300]})


# --- timers ---------------------------------------------------------------------------------------------------


def sweep_timers(now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Writes the yellow and red warnings (once each) of orders whose clock runs: events supervision reads."""
    from .models import CLOCK_STATES

    now = now or timezone.now()
    done = {"warn": 0, "overdue": 0}
    for action, flag, time_field in (("overdue", "overdue_at", "due_at"), ("warn", "warned_at", "warn_at")):
        ids = list(
            WorkOrder.objects.filter(
                state__in=CLOCK_STATES, **{f"{time_field}__lt": now, f"{flag}__isnull": True}
            ).values_list("pk", flat=True)[:batch]
        )
        for pk in ids:
            with transaction.atomic():
                order = _locked(pk)
                if order.state not in CLOCK_STATES or getattr(order, flag) is not None:
                    continue
                if getattr(order, time_field) is None or getattr(order, time_field) >= now:
                    continue
                setattr(order, flag, now)
                if action == "overdue" and order.warned_at is None:
                    order.warned_at = now
                order.save(update_fields=[flag, "warned_at"])
                _event(
                    order,
                    action,
                    SYSTEM,
                    order.state,
                    {
                        "due_at": order.due_at.isoformat() if order.due_at else None,
                        "department_id": order.department_id,
                    },
                )
                if action == "overdue":
                    rollups.bump(order, now, overdue=1)
                done[action] += 1
    return done


def recompute_open(years: list[int] | None = None) -> int:
    """The calendar changed: deadlines counted in days of open orders follow."""
    from yiwang.calendar import workdays

    from .models import CLOCK_STATES

    cal = workdays.snapshot()
    n = 0
    for pk in WorkOrder.objects.filter(state__in=CLOCK_STATES).exclude(limit_unit="h").values_list("pk", flat=True):
        with transaction.atomic():
            order = _locked(pk)
            before = order.due_at
            deadlines.apply(order, cal)
            if order.due_at != before:
                order.save(update_fields=["due_at", "warn_at"])
                n += 1
    return n
