"""Cases API (/api/v1/cases/): everything the portal and the workbench do, for people and department systems.

People use their session (with the CSRF token for writes); department systems use a bearer token of their machine
client with cases:read / cases:write, reaching their own organisation's cases. A case out of reach answers 404,
exactly like a case number that does not exist. Submissions carry an `Idempotency-Key` header: a retry with the
same key returns the first case (200) instead of creating another (201).

Thin over the commands: a submission is `cases.applying.apply` (the same checks and refusal codes as the apply
pages and the window), every transition is one `cases.actions` function (the policy check, the `Who`, the locked
write), the same ones the workbench pages call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_paging import MAX_ID
from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access
from yiwang.identity.api_security import require_scope
from yiwang.identity.masking import mask_name
from yiwang.orgs.models import Role

from . import actions, applying, policy, services
from .models import Case, CaseEvent, CaseStep, Channel, Notice, State

router = Router(tags=["cases"])
READ = [require_scope("cases:read", "cases:write"), session_auth]
WRITE = [require_scope("cases:write"), session_auth]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------------------


class StepOut(Schema):
    id: int
    case_number: str = Field(..., description="The case the step belongs to (the to-do list names it)")
    order: int
    kind: str
    name: str
    role: str
    organisation_id: int
    state: str
    due: dt.date | None
    decision: str
    opinion: str


class CaseOut(Schema):
    case_number: str
    item_code: str = Field(..., description="Implementation code of the item applied for")
    item_name: str
    organisation_id: int
    applicant_name: str
    channel: str
    state: str
    state_label: str
    revision: int = Field(..., description="Send it back as expected_revision to refuse acting on a stale view")
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    acceptance_due: dt.date | None
    statutory_due: dt.date | None
    promised_due: dt.date | None
    concluded_at: dt.datetime | None
    outcome_reason: str
    result_document: str
    result_license: str
    delivery: str
    tracking_number: str
    form_data: dict[str, Any]
    steps: list[StepOut]
    query_code: str | None = Field(None, description="Only in the response that created the case: keep it")

    @staticmethod
    def resolve_item_code(obj: Case) -> str:
        return obj.item.item_code

    @staticmethod
    def resolve_state_label(obj: Case) -> str:
        return str(State(obj.state).label)

    @staticmethod
    def resolve_steps(obj: Case) -> list[CaseStep]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_query_code(obj: Case) -> str | None:
        return getattr(obj, "query_code", None)


class CaseRow(Schema):
    case_number: str
    item_name: str
    applicant_name: str
    channel: str
    state: str
    submitted_at: dt.datetime
    promised_due: dt.date | None


class EventOut(Schema):
    id: int
    case_number: str
    seq: int
    action: str
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    role: str
    organisation_id: int | None
    channel: str
    on_behalf_of: str
    data: dict[str, Any]

    @staticmethod
    def resolve_case_number(obj: CaseEvent) -> str:
        return obj.case.case_number


class NoticeOut(Schema):
    number: str
    kind: str
    issued_at: dt.datetime
    content: dict[str, Any]


class ApplicantIn(Schema):
    name: str
    doc_type: str = "resident_id"
    doc_number: str
    phone: str = ""


class SubmitIn(Schema):
    item_code: str = Field(..., description="31-character implementation code of a published item")
    form_data: dict[str, Any] = Field(default_factory=dict)
    enterprise_id: int | None = Field(
        None, description="Apply for this legal person, by its id (its legal representative or an agent with apply)"
    )
    enterprise: str | None = Field(
        None,
        description="Apply for this legal person, by its unified social credit code; the applicant person must be "
        "its legal representative or an agent holding the apply permission",
    )
    applicant: ApplicantIn | None = Field(
        None,
        description="Department systems and windows: the person applying, or representing the enterprise (found by "
        "document and checked by name; a department system's unknown person is registered)",
    )
    channel: str | None = Field(
        None, description="portal (default), mobile, kiosk or api for people; window for window clerks; api for systems"
    )


class RevisionIn(Schema):
    expected_revision: int | None = None


class NoteIn(RevisionIn):
    note: str = ""


class CorrectionItem(Schema):
    material: str
    note: str


class CorrectionIn(RevisionIn):
    items: list[CorrectionItem]
    note: str = ""


class ReasonIn(RevisionIn):
    reason: str
    remedies: str = ""


class StepIn(Schema):
    step_id: int | None = None


class CompleteIn(StepIn):
    decision: str = Field(..., description="pass or reject")
    opinion: str


class ReturnIn(StepIn):
    to_order: int
    reason: str


class SuspendIn(Schema):
    kind: str = Field(..., description="hearing, expert, testing, survey, tender or other")
    reason: str
    expected_end: dt.date


class ResultIn(Schema):
    result: str


class DeliverIn(Schema):
    method: str = Field(..., description="pickup, post or electronic")
    address: str = ""
    tracking_number: str = ""


class SupplementIn(Schema):
    materials: list[str] = Field(default_factory=list, description="Names of the materials now supplied")
    form_data: dict[str, Any] = Field(default_factory=dict)


class ListFilter(Schema):
    state: str | None = None
    item_code: str | None = None
    mine: bool = Field(False, description="Only cases I applied for (or my enterprises')")
    limit: int = Field(20, ge=1, le=100)
    after: str | None = Field(
        None,
        description="Keyset paging: the case number of the last row of the previous page; the next page starts "
        "after it (newest first). Pages never skip or repeat a case, however deep.",
    )


# --- helpers -------------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> access.Actor:
    return access.actor(request)


def _caller(request: HttpRequest) -> actions.Caller:
    return actions.Caller.of(request)


def _case(request: HttpRequest, case_number: str) -> Case:
    case = (
        policy.visible_cases(_actor(request))
        .select_related("item", "organisation", "version")
        .prefetch_related("steps")
        .filter(case_number=case_number)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _out(case: Case) -> Case:
    """The case as the action left it (locked, written, its steps in memory): nothing is read again."""
    services.steps_of(case)
    return case


def _ref(case_number: str) -> actions.ByNumber:
    return actions.ByNumber(case_number)


# --- applying ------------------------------------------------------------------------------------------------------


@router.post("/", response={200: CaseOut, 201: CaseOut, **ERRORS}, auth=WRITE, summary="Submit an application")
def submit(request: HttpRequest, payload: SubmitIn):
    """The apply command (cases.applying): the same checks and refusal codes as the apply pages and the window."""
    caller = _caller(request)
    person = None
    if payload.applicant is not None:
        a = payload.applicant
        person = applying.PersonRef(name=a.name, doc_type=a.doc_type, doc_number=a.doc_number, phone=a.phone)
    enterprise = None
    if payload.enterprise:
        enterprise = applying.EnterpriseRef(credit_code=payload.enterprise)
    elif payload.enterprise_id is not None:
        enterprise = applying.EnterpriseRef(pk=payload.enterprise_id)
    default = Channel.API if caller.is_client else Channel.PORTAL
    done = applying.apply(
        caller,
        applying.ApplyRequest(
            item_code=payload.item_code,
            channel=payload.channel or default,
            form=payload.form_data,
            person=person,
            enterprise=enterprise,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        ),
    )
    case = _out(done.case)
    case.query_code = done.query_code or None
    return (201 if done.created else 200), case


# --- reading -------------------------------------------------------------------------------------------------------


@router.get("/", response={200: list[CaseRow], **ERRORS}, auth=READ, summary="Cases I may see")
def list_cases(request: HttpRequest, filters: Query[ListFilter]):
    a = _actor(request)
    qs: QuerySet[Case] = policy.applicant_cases(a) if filters.mine else policy.visible_cases(a)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.item_code:
        qs = qs.filter(item__item_code=filters.item_code)
    if filters.after:
        qs = keyset_after(qs, filters.after)
    qs = qs.order_by("-submitted_at", "-id").only(
        "case_number", "item_name", "applicant_name", "channel", "state", "submitted_at", "promised_due"
    )
    return list(qs[: filters.limit])


def keyset_after(qs: QuerySet[Case], case_number: str) -> QuerySet[Case]:
    """The rows after `case_number` in newest-first order, read from the index range (no offset to skip)."""
    anchor = qs.filter(case_number=case_number).values_list("submitted_at", "id").first()
    if anchor is None:
        raise ProblemsError([Problem("after", _("No case with this number is in the list."), "invalid")])
    at, pk = anchor
    # The redundant `submitted_at <= at` lets the database start the index range there instead of filtering.
    return qs.filter(Q(submitted_at__lte=at), Q(submitted_at__lt=at) | Q(submitted_at=at, id__lt=pk))


@router.get("/queue", response={200: list[StepOut], **ERRORS}, auth=session_auth, summary="My to-do list")
def queue(
    request: HttpRequest,
    role: str = Query(..., description="clerk, reviewer or approver"),
    limit: int = Query(50, ge=1, le=200),
):
    a = _actor(request)
    if role == Role.WINDOW_CLERK:
        raise ProblemsError(
            [
                Problem(
                    "role",
                    _("The window's list is the cases awaiting acceptance: GET /cases/?state=submitted"),
                    "invalid",
                )
            ]
        )
    return list(policy.work_queue(a, role)[:limit])


@router.get("/feed", response={200: list[EventOut], **ERRORS}, auth=READ, summary="Case events after a cursor")
def feed(
    request: HttpRequest,
    after: int = Query(0, ge=0, le=MAX_ID, description="The last event id seen"),
    limit: int = Query(100, ge=1, le=500),
):
    """Department systems pull every event of the cases they reach, in order; `after` is the last id seen."""
    a = _actor(request)
    visible = policy.visible_cases(a).values("pk")
    events = CaseEvent.objects.filter(case_id__in=visible, id__gt=after).select_related("case").order_by("id")
    return list(events[:limit])


@router.get("/track", response={200: CaseRow, **ERRORS}, auth=None, summary="Follow a case by number and query code")
def track(request: HttpRequest, case_number: str, query_code: str):
    if is_ratelimited(request, group="cases.track", key=ratelimit_key, rate="20/m", increment=True):
        from yiwang.identity.api_security import RateLimited

        raise RateLimited(60)
    if (err := services.case_number_problem(case_number)) is not None:
        raise ProblemsError([Problem("case_number", err, "invalid")])
    case = Case.objects.filter(case_number=case_number).first()
    if case is None or not services.check_query_code(case, query_code):
        raise Http404
    case.applicant_name = mask_name(case.applicant_name)
    return case


@router.get("/{case_number}", response={200: CaseOut, **ERRORS}, auth=READ, summary="One case")
def get_case(request: HttpRequest, case_number: str):
    return _case(request, case_number)


@router.get("/{case_number}/events", response={200: list[EventOut], **ERRORS}, auth=READ, summary="A case's history")
def events(request: HttpRequest, case_number: str):
    case = _case(request, case_number)
    return list(CaseEvent.objects.filter(case=case).select_related("case").order_by("seq"))


@router.get("/{case_number}/notices", response={200: list[NoticeOut], **ERRORS}, auth=READ, summary="Notices given")
def notices(request: HttpRequest, case_number: str):
    return list(Notice.objects.filter(case=_case(request, case_number)).order_by("issued_at"))


# --- the applicant's actions ---------------------------------------------------------------------------------------


@router.post("/{case_number}/withdraw", response={200: CaseOut, **ERRORS}, auth=session_auth, summary="Withdraw")
def withdraw(request: HttpRequest, case_number: str, payload: NoteIn):
    return _out(actions.withdraw(_caller(request), _ref(case_number), reason=payload.note))


@router.post(
    "/{case_number}/supplement",
    response={200: CaseOut, **ERRORS},
    auth=session_auth,
    summary="Answer a correction notice",
)
def supplement(request: HttpRequest, case_number: str, payload: SupplementIn):
    materials = [{"material_name": m, "source": "upload"} for m in payload.materials]
    return _out(
        actions.supplement(
            _caller(request), _ref(case_number), materials=materials, form_data=payload.form_data or None
        )
    )


# --- acceptance ----------------------------------------------------------------------------------------------------


@router.post("/{case_number}/accept", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Accept")
def accept(request: HttpRequest, case_number: str, payload: NoteIn):
    return _out(
        actions.accept(
            _caller(request), _ref(case_number), note=payload.note, expected_revision=payload.expected_revision
        )
    )


@router.post(
    "/{case_number}/correction", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="One-time correction notice"
)
def correction(request: HttpRequest, case_number: str, payload: CorrectionIn):
    items = [i.dict() for i in payload.items]
    return _out(
        actions.request_correction(
            _caller(request), _ref(case_number), items, note=payload.note, expected_revision=payload.expected_revision
        )
    )


@router.post("/{case_number}/not-accept", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Do not accept")
def not_accept(request: HttpRequest, case_number: str, payload: ReasonIn):
    return _out(
        actions.not_accept(
            _caller(request),
            _ref(case_number),
            reason=payload.reason,
            remedies=payload.remedies,
            expected_revision=payload.expected_revision,
        )
    )


# --- back-office steps ---------------------------------------------------------------------------------------------


@router.post("/{case_number}/claim", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Claim the current step")
def claim(request: HttpRequest, case_number: str, payload: StepIn):
    return _out(actions.claim(_caller(request), _ref(case_number), step_id=payload.step_id).case)


@router.post("/{case_number}/release", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Release the step")
def release(request: HttpRequest, case_number: str, payload: StepIn):
    return _out(actions.release(_caller(request), _ref(case_number), step_id=payload.step_id).case)


@router.post("/{case_number}/complete", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Complete the step")
def complete(request: HttpRequest, case_number: str, payload: CompleteIn):
    """A department system claims and completes the step in one call."""
    return _out(
        actions.complete_step(
            _caller(request),
            _ref(case_number),
            decision=payload.decision,
            opinion=payload.opinion,
            step_id=payload.step_id,
        )
    )


@router.post(
    "/{case_number}/return", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Return to an earlier step"
)
def return_step(request: HttpRequest, case_number: str, payload: ReturnIn):
    return _out(
        actions.return_step(
            _caller(request),
            _ref(case_number),
            to_order=payload.to_order,
            reason=payload.reason,
            step_id=payload.step_id,
        )
    )


# --- special procedure, conclusion, delivery -----------------------------------------------------------------------


@router.post(
    "/{case_number}/suspend", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Start a special procedure"
)
def suspend(request: HttpRequest, case_number: str, payload: SuspendIn):
    suspension = actions.suspend(
        _caller(request), _ref(case_number), kind=payload.kind, reason=payload.reason, expected_end=payload.expected_end
    )
    return _out(suspension.case)


@router.post(
    "/{case_number}/resume", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="End the special procedure"
)
def resume(request: HttpRequest, case_number: str, payload: ResultIn):
    return _out(actions.resume(_caller(request), _ref(case_number), result=payload.result))


@router.post("/{case_number}/void", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Void")
def void(request: HttpRequest, case_number: str, payload: ReasonIn):
    return _out(actions.void(_caller(request), _ref(case_number), reason=payload.reason))


@router.post("/{case_number}/deliver", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Record result delivery")
def deliver(request: HttpRequest, case_number: str, payload: DeliverIn):
    return _out(
        actions.deliver(
            _caller(request),
            _ref(case_number),
            method=payload.method,
            address=payload.address,
            tracking_number=payload.tracking_number,
        )
    )
