"""Cases API (/api/v1/cases/): everything the portal and the workbench do, for people and department systems.

People use their session (with the CSRF token for writes); department systems use a bearer token of their machine
client with cases:read / cases:write, reaching their own organisation's cases. A case out of reach answers 404,
exactly like a case number that does not exist. Submissions carry an `Idempotency-Key` header: a retry with the
same key returns the first case (200) instead of creating another (201).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema

from yiwang.catalog.models import ServiceItem
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.api_paging import MAX_ID
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access
from yiwang.identity import services as identity
from yiwang.identity.api_security import require_scope
from yiwang.identity.masking import mask_name
from yiwang.identity.models import AgentPermission, Enterprise, Person
from yiwang.orgs.models import Role

from . import forms, policy, services
from .models import Case, CaseEvent, CaseStep, Channel, Notice, State
from .services import Who

router = Router(tags=["cases"])
READ = [require_scope("cases:read", "cases:write"), session_auth]
WRITE = [require_scope("cases:write"), session_auth]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------------------


class StepOut(Schema):
    id: int
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
    enterprise_id: int | None = Field(None, description="Apply for this legal person (agents with apply permission)")
    applicant: ApplicantIn | None = Field(
        None, description="Department systems and windows: the person applying (found by document, or recorded)"
    )
    channel: str | None = Field(None, description="portal, mobile or kiosk for people; api for systems")


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
    offset: int = Field(0, ge=0, le=10_000)


# --- helpers -------------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> access.Actor:
    return access.actor(request)


def _who(request: HttpRequest, a: access.Actor, role: str = "", case: Case | None = None) -> Who:
    client = getattr(request, "machine_client", None)
    if client is not None:
        return Who(
            name=client.name,
            role="client",
            organisation_id=client.organisation_id,
            channel=Channel.API,
            client_id=client.pk,
        )
    user = request.user
    org = policy.acting_org(a, role, case) if role and case is not None else None
    return Who(
        user=user,
        name=user.get_full_name() or user.get_username(),
        role=role,
        organisation_id=org,
        channel=Channel.PORTAL if not role else Channel.WINDOW if role == Role.WINDOW_CLERK else "workbench",
    )


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


def _deny():
    raise PermissionDenied(_("Your role does not allow this action on this case."))


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("item", "organisation", "version").prefetch_related("steps").get(pk=case.pk)


def _current_step(case: Case, step_id: int | None) -> CaseStep:
    step = next((s for s in case.steps.all() if s.state in ("active", "claimed")), None)
    if step is None or (step_id is not None and step.pk != step_id):
        raise ProblemsError([Problem("step_id", _("This step is not the one waiting to be done."), "not_current")])
    return step


# --- applying ------------------------------------------------------------------------------------------------------


@router.post("/", response={200: CaseOut, 201: CaseOut, **ERRORS}, auth=WRITE, summary="Submit an application")
def submit(request: HttpRequest, payload: SubmitIn):
    a = _actor(request)
    key = request.headers.get("Idempotency-Key", "")
    item = (
        ServiceItem.objects.select_related("current__item", "organisation__division")
        .filter(item_code=payload.item_code)
        .first()
    )
    if item is None or item.current is None:
        raise ProblemsError([Problem("item_code", _("No published item has this code."), "unknown")])
    enterprise = None
    if a.client_id is not None:
        if payload.applicant is None:
            raise ProblemsError(
                [Problem("applicant", _("Say who applies: name, document type and number."), "required")]
            )
        person = identity.find_person(payload.applicant.doc_type, payload.applicant.doc_number)
        if person is not None and "".join(person.name.split()) != "".join(payload.applicant.name.split()):
            raise ProblemsError(
                [Problem("applicant.name", _("The name does not match this document number's record."), "mismatch")]
            )
        if person is None:
            person = identity.register_person(**payload.applicant.dict())
        channel = Channel.API
    else:
        person = Person.objects.filter(pk=a.person_id).first() if a.person_id else None
        if person is None:
            raise ProblemsError(
                [Problem("applicant", _("Complete your real-name registration before applying."), "no_identity")]
            )
        if payload.enterprise_id is not None:
            if not a.acts_for(payload.enterprise_id, AgentPermission.APPLY):
                raise ProblemsError(
                    [Problem("enterprise_id", _("You may not apply for this legal person."), "not_agent")]
                )
            enterprise = Enterprise.objects.get(pk=payload.enterprise_id)
        channel = (
            payload.channel if payload.channel in (Channel.PORTAL, Channel.MOBILE, Channel.KIOSK) else Channel.PORTAL
        )
        from yiwang.identity.verification import level_problem

        if (problem := level_problem(person, item.current)) is not None:
            raise ProblemsError([problem])
    form_data = forms.clean(item.current, payload.form_data)
    who = _who(request, a)
    who = Who(**{**who.__dict__, "channel": channel})
    case, created = services.submit(
        version=item.current,
        person=person,
        who=who,
        enterprise=enterprise,
        form_data=form_data,
        idempotency_key=key,
    )
    return (201 if created else 200), _fresh_with_code(case)


def _fresh_with_code(case: Case) -> Case:
    code = getattr(case, "query_code", None)
    fresh = _fresh(case)
    if code:
        fresh.query_code = code
    return fresh


# --- reading -------------------------------------------------------------------------------------------------------


@router.get("/", response={200: list[CaseRow], **ERRORS}, auth=READ, summary="Cases I may see")
def list_cases(request: HttpRequest, filters: Query[ListFilter]):
    a = _actor(request)
    qs: QuerySet[Case] = policy.applicant_cases(a) if filters.mine else policy.visible_cases(a)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.item_code:
        qs = qs.filter(item__item_code=filters.item_code)
    qs = qs.order_by("-submitted_at", "-id").only(
        "case_number", "item_name", "applicant_name", "channel", "state", "submitted_at", "promised_due"
    )
    return list(qs[filters.offset : filters.offset + filters.limit])


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
    if is_ratelimited(request, group="cases.track", key="ip", rate="20/m", increment=True):
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
    a, case = _actor(request), _case(request, case_number)
    if not policy.is_applicant(a, case):
        _deny()
    return _fresh(services.withdraw(case, _who(request, a), payload.note))


@router.post(
    "/{case_number}/supplement",
    response={200: CaseOut, **ERRORS},
    auth=session_auth,
    summary="Answer a correction notice",
)
def supplement(request: HttpRequest, case_number: str, payload: SupplementIn):
    a, case = _actor(request), _case(request, case_number)
    if not policy.is_applicant(a, case):
        _deny()
    materials = [{"material_name": m, "source": "upload"} for m in payload.materials]
    return _fresh(services.supplement(case, _who(request, a), materials, payload.form_data or None))


# --- acceptance ----------------------------------------------------------------------------------------------------


def _acceptor(request: HttpRequest, case_number: str) -> tuple[access.Actor, Case, Who]:
    a, case = _actor(request), _case(request, case_number)
    if not policy.may_accept(a, case):
        _deny()
    return a, case, _who(request, a, policy.accepting_role(a, case), case)


@router.post("/{case_number}/accept", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Accept")
def accept(request: HttpRequest, case_number: str, payload: NoteIn):
    _a, case, who = _acceptor(request, case_number)
    return _fresh(services.accept(case, who, payload.note, payload.expected_revision))


@router.post(
    "/{case_number}/correction", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="One-time correction notice"
)
def correction(request: HttpRequest, case_number: str, payload: CorrectionIn):
    _a, case, who = _acceptor(request, case_number)
    items = [i.dict() for i in payload.items]
    return _fresh(services.request_correction(case, who, items, payload.note, payload.expected_revision))


@router.post("/{case_number}/not-accept", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Do not accept")
def not_accept(request: HttpRequest, case_number: str, payload: ReasonIn):
    _a, case, who = _acceptor(request, case_number)
    return _fresh(services.not_accept(case, who, payload.reason, payload.remedies, payload.expected_revision))


# --- back-office steps ---------------------------------------------------------------------------------------------


def _worker(request: HttpRequest, case_number: str, step_id: int | None) -> tuple[Case, CaseStep, Who]:
    a, case = _actor(request), _case(request, case_number)
    step = _current_step(case, step_id)
    if not policy.may_work_step(a, case, step):
        _deny()
    return case, step, _who(request, a, step.role, case)


@router.post("/{case_number}/claim", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Claim the current step")
def claim(request: HttpRequest, case_number: str, payload: StepIn):
    case, step, who = _worker(request, case_number, payload.step_id)
    services.claim(case, who, step.pk)
    return _fresh(case)


@router.post("/{case_number}/release", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Release the step")
def release(request: HttpRequest, case_number: str, payload: StepIn):
    case, step, who = _worker(request, case_number, payload.step_id)
    services.release(case, who, step.pk)
    return _fresh(case)


@router.post("/{case_number}/complete", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Complete the step")
def complete(request: HttpRequest, case_number: str, payload: CompleteIn):
    case, step, who = _worker(request, case_number, payload.step_id)
    if who.client_id is not None and step.state == "active":
        services.claim(case, who, step.pk)  # a department system claims and completes in one call
    return _fresh(
        services.complete_step(case, who, decision=payload.decision, opinion=payload.opinion, step_id=step.pk)
    )


@router.post(
    "/{case_number}/return", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Return to an earlier step"
)
def return_step(request: HttpRequest, case_number: str, payload: ReturnIn):
    case, step, who = _worker(request, case_number, payload.step_id)
    return _fresh(services.return_step(case, who, to_order=payload.to_order, reason=payload.reason, step_id=step.pk))


# --- special procedure, conclusion, delivery -----------------------------------------------------------------------


@router.post(
    "/{case_number}/suspend", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Start a special procedure"
)
def suspend(request: HttpRequest, case_number: str, payload: SuspendIn):
    a, case = _actor(request), _case(request, case_number)
    if not policy.may_suspend(a, case):
        _deny()
    services.suspend(
        case,
        _who(request, a, Role.APPROVER, case),
        kind=payload.kind,
        reason=payload.reason,
        expected_end=payload.expected_end,
    )
    return _fresh(case)


@router.post(
    "/{case_number}/resume", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="End the special procedure"
)
def resume(request: HttpRequest, case_number: str, payload: ResultIn):
    a, case = _actor(request), _case(request, case_number)
    if not policy.may_suspend(a, case):
        _deny()
    return _fresh(services.resume(case, _who(request, a, Role.APPROVER, case), result=payload.result))


@router.post("/{case_number}/void", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Void")
def void(request: HttpRequest, case_number: str, payload: ReasonIn):
    a, case = _actor(request), _case(request, case_number)
    if not policy.may_void(a, case):
        _deny()
    return _fresh(services.void(case, _who(request, a, Role.APPROVER, case), payload.reason))


@router.post("/{case_number}/deliver", response={200: CaseOut, **ERRORS}, auth=WRITE, summary="Record result delivery")
def deliver(request: HttpRequest, case_number: str, payload: DeliverIn):
    a, case = _actor(request), _case(request, case_number)
    if not policy.may_deliver(a, case):
        _deny()
    who = _who(request, a, policy.accepting_role(a, case), case)
    return _fresh(
        services.deliver(
            case, who, method=payload.method, address=payload.address, tracking_number=payload.tracking_number
        )
    )
