"""Correction orders (纠错) and the watch list: one service function per transition, the one door pages and API use.

    issue (supervisor)  → open
    answer (department) : open → answered
    close (supervisor)  : open | answered → closed
    reopen (supervisor) : answered | closed → open (with a note, and a new due date when the old one passed)

Each transition locks the order, checks the state and the revision the caller saw (when given), writes the order
and a `CorrectionEvent` in one transaction, and tells the other side by in-site message. Bad input is refused with
field-specific Problems in Chinese and English; a role that may not act is PermissionDenied; a record out of reach
is 404 (Http404) like a missing one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from yiwang.cases.models import Case, CaseStep, Message
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.access import Actor
from yiwang.orgs.models import Membership, Organisation

from . import cards_access
from .models.cards import CorrectionEvent, CorrectionOrder, CorrectionState, Watch

TEXT_MIN, TEXT_MAX = 5, 2000
MAX_DAYS_AHEAD = 366


def _refuse(field: str, code: str, message: Any, params: dict | None = None) -> None:
    raise ProblemsError([Problem(field, message, code, params=params)])


def parse_due(value: Any, field: str = "due", today: dt.date | None = None) -> tuple[dt.date | None, list[Problem]]:
    today = today or timezone.localdate()
    if isinstance(value, dt.date):
        day = value
    else:
        raw = str(value or "").strip()
        if not raw:
            return None, [Problem(field, _("Give the date the answer is due."), "required")]
        try:
            day = parse_date(raw)
        except ValueError:
            day = None
        if day is None:
            return None, [Problem(field, _("Enter a date as YYYY-MM-DD."), "invalid")]
    if day < today:
        return None, [Problem(field, _("The due date cannot be in the past."), "past")]
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        return None, [Problem(field, _("The due date must be within a year."), "too_far")]
    return day, []


def _text(value: Any, field: str, required_msg: Any) -> tuple[str, list[Problem]]:
    text = str(value or "").strip()
    if not text:
        return "", [Problem(field, required_msg, "required")]
    if len(text) < TEXT_MIN:
        return text, [Problem(field, _("Write at least %(n)s characters."), "too_short", params={"n": TEXT_MIN})]
    if len(text) > TEXT_MAX:
        return text, [Problem(field, _("Write at most %(n)s characters."), "too_long", params={"n": TEXT_MAX})]
    return text, []


def _tell(user_ids: list[int], case_id: int, message: Any, params: dict[str, Any]) -> None:
    with translation.override("zh-hans"):
        text = str(message) % params
    Message.objects.bulk_create(
        [Message(recipient_id=u, case_id=case_id, text=text) for u in dict.fromkeys(user_ids) if u]
    )


def _department_staff(org_id: int) -> list[int]:
    return list(
        Membership.objects.filter(organisation_id=org_id, role__in=cards_access.DEPARTMENT_ROLES)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _record(order: CorrectionOrder, action: str, before: str, user: Any, note: str = "") -> None:
    CorrectionEvent.objects.create(
        order=order, action=action, from_state=before, to_state=order.state, actor=user, note=note
    )


def visible(a: Actor):
    return CorrectionOrder.objects.filter(cards_access.corrections_q(a))


def get_visible(a: Actor, pk: int) -> CorrectionOrder:
    order = visible(a).select_related("organisation", "step", "issued_by", "answered_by").filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def issue(a: Actor, user: Any, *, case_number: str, step_id: Any = None, due: Any, text: Any) -> CorrectionOrder:
    """A supervisor orders the department handling a case (or one of its steps) to correct something by a date."""
    if not cards_access.is_supervisor(a):
        raise PermissionDenied
    problems: list[Problem] = []
    case = (
        Case.objects.filter(case_number=str(case_number or "").strip())
        .only("id", "case_number", "item_name", "organisation_id")
        .first()
    )
    if case is None or not cards_access.may_supervise(a, case.organisation_id):
        problems.append(Problem("case_number", _("No case with this number is in your reach."), "not_found"))
    step = None
    if case is not None and step_id not in (None, "", 0, "0"):
        try:
            step = CaseStep.objects.filter(case_id=case.pk, pk=int(step_id)).first()
        except (TypeError, ValueError):
            step = None
        if step is None:
            problems.append(Problem("step_id", _("Choose one of the case's steps."), "invalid"))
    day, more = parse_due(due)
    problems += more
    body, more = _text(text, "text", _("Say what must be corrected."))
    problems += more
    if problems:
        raise ProblemsError(problems)
    org_id = step.organisation_id if step is not None else case.organisation_id
    for _attempt in range(5):
        number = f"JC{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"
        try:
            with transaction.atomic():
                order = CorrectionOrder.objects.create(
                    number=number,
                    case=case,
                    step=step,
                    organisation_id=org_id,
                    case_number=case.case_number,
                    item_name=case.item_name,
                    text=body,
                    due=day,
                    issued_by=user,
                )
                _record(order, "issue", "", user, body)
                _tell(
                    _department_staff(org_id) + ([step.assignee_id] if step is not None else []),
                    case.pk,
                    _("Correction order %(number)s on case %(case)s: answer by %(due)s. %(text)s"),
                    {"number": number, "case": case.case_number, "due": day.isoformat(), "text": body},
                )
                return order
        except IntegrityError:
            continue
    raise RuntimeError("could not number the correction order")


def _locked(order: CorrectionOrder, revision: Any) -> CorrectionOrder:
    fresh = CorrectionOrder.objects.select_for_update().get(pk=order.pk)
    if revision not in (None, ""):
        try:
            seen = int(revision)
        except (TypeError, ValueError):
            seen = -1
        if seen != fresh.revision:
            _refuse("revision", "stale", _("Someone changed this order a moment ago; look again."))
    return fresh


def _illegal(order: CorrectionOrder, action: Any) -> None:
    _refuse(
        "state",
        "illegal_transition",
        _("“%(action)s” is not possible while the order is “%(state)s”."),
        {"action": action, "state": CorrectionState(order.state).label},
    )


def answer(a: Actor, user: Any, order: CorrectionOrder, *, text: Any, revision: Any = None) -> CorrectionOrder:
    """The department answers what it corrected."""
    if not cards_access.may_answer(a, order.organisation_id):
        raise PermissionDenied
    body, problems = _text(text, "answer", _("Say what the department corrected."))
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        order = _locked(order, revision)
        if order.state != CorrectionState.OPEN:
            _illegal(order, _("Answer"))
        now = timezone.now()
        before = order.state
        order.state = CorrectionState.ANSWERED
        order.answer = body
        order.answered_by = user
        order.answered_at = now
        order.first_answered_at = order.first_answered_at or now
        order.revision += 1
        order.save()
        _record(order, "answer", before, user, body)
        _tell(
            [order.issued_by_id],
            order.case_id,
            _("Correction order %(number)s was answered: %(text)s"),
            {"number": order.number, "text": body},
        )
    return order


def close(a: Actor, user: Any, order: CorrectionOrder, *, note: Any = "", revision: Any = None) -> CorrectionOrder:
    """The supervisor accepts the correction (or ends the order)."""
    if not cards_access.may_supervise(a, order.organisation_id):
        raise PermissionDenied
    note = str(note or "").strip()
    if len(note) > TEXT_MAX:
        _refuse("note", "too_long", _("Write at most %(n)s characters."), {"n": TEXT_MAX})
    with transaction.atomic():
        order = _locked(order, revision)
        if order.state not in (CorrectionState.OPEN, CorrectionState.ANSWERED):
            _illegal(order, _("Close"))
        before = order.state
        order.state = CorrectionState.CLOSED
        order.closed_at = timezone.now()
        order.close_note = note
        order.revision += 1
        order.save()
        _record(order, "close", before, user, note)
        _tell(
            _department_staff(order.organisation_id),
            order.case_id,
            _("Correction order %(number)s was closed by the supervisor."),
            {"number": order.number},
        )
    return order


def reopen(
    a: Actor, user: Any, order: CorrectionOrder, *, note: Any, due: Any = None, revision: Any = None
) -> CorrectionOrder:
    """The supervisor finds the answer wanting: the order is open again, with a reason (and a new due date)."""
    if not cards_access.may_supervise(a, order.organisation_id):
        raise PermissionDenied
    body, problems = _text(note, "note", _("Say why the order is reopened."))
    new_due = None
    if due not in (None, ""):
        new_due, more = parse_due(due)
        problems += more
    elif order.due < timezone.localdate():
        problems.append(Problem("due", _("The due date has passed: give a new one."), "required"))
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        order = _locked(order, revision)
        if order.state not in (CorrectionState.ANSWERED, CorrectionState.CLOSED):
            _illegal(order, _("Reopen"))
        before = order.state
        order.state = CorrectionState.OPEN
        order.closed_at = None
        if new_due is not None:
            order.due = new_due
        order.revision += 1
        order.save()
        _record(order, "reopen", before, user, body)
        _tell(
            _department_staff(order.organisation_id),
            order.case_id,
            _("Correction order %(number)s was reopened: %(text)s Answer by %(due)s."),
            {"number": order.number, "text": body, "due": order.due.isoformat()},
        )
    return order


TRANSITIONS = {"answer": answer, "close": close, "reopen": reopen}


# --- the watch list ------------------------------------------------------------------------------------------------


def watch(a: Actor, user: Any, *, case_number: Any = "", organisation_id: Any = None, note: Any = "") -> Watch:
    """Adds a case or a department in the supervisor's reach to their watch list (again: the same entry)."""
    if not cards_access.is_supervisor(a):
        raise PermissionDenied
    note = str(note or "").strip()[:200]
    number = str(case_number or "").strip()
    if number:
        case = Case.objects.filter(case_number=number).only("id", "organisation_id").first()
        if case is None or not cards_access.may_supervise(a, case.organisation_id):
            _refuse("case_number", "not_found", _("No case with this number is in your reach."))
        entry, _created = Watch.objects.get_or_create(user=user, case=case, defaults={"note": note})
        return entry
    try:
        org_id = int(organisation_id)
    except (TypeError, ValueError):
        _refuse("organisation_id", "required", _("Give a case number or choose a department."))
    if not Organisation.objects.filter(pk=org_id).exists() or not cards_access.may_supervise(a, org_id):
        _refuse("organisation_id", "not_found", _("This department is not in your reach."))
    entry, _created = Watch.objects.get_or_create(user=user, organisation_id=org_id, defaults={"note": note})
    return entry


def unwatch(a: Actor, user: Any, watch_id: int) -> None:
    if not cards_access.is_supervisor(a):
        raise PermissionDenied
    deleted, _rows = Watch.objects.filter(pk=watch_id, user=user).delete()
    if not deleted:
        raise Http404


def action_label(action: str) -> str:
    names = {"issue": _("Issued"), "answer": _("Answered"), "close": _("Closed"), "reopen": _("Reopened")}
    return str(names.get(action, action))
