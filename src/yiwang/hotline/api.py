"""12345 API (/api/v1/hotline/): everything the intake page and the workbench do, for people and other systems.

WeChat mini-programs and apps create orders with a machine client's bearer token holding `hotline:write` (and an
`Idempotency-Key` header: a retry returns the first order, 200 instead of 201); department systems read the
orders their organisation handles (`hotline:read`) and push its handling steps (`hotline:write`). People use
their session (with the CSRF token for writes). An order out of reach answers 404, exactly like a number that
does not exist; an order in reach but an action the caller may not take answers 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.replica import reads
from yiwang.identity.api_security import require_scope
from yiwang.identity.masking import mask_name, mask_phone
from yiwang.orgs.models import Organisation

from . import duplicates, intake, knowledge, policy, routing, services, stats
from .models import Channel, KnowledgeEntry, State, WorkOrder
from .states import ACTION_NAMES

router = Router(tags=["hotline"])
READ = [require_scope("hotline:read", "hotline:write"), session_auth]
WRITE = [require_scope("hotline:write"), session_auth]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas --------------------------------------------------------------------------------------------------


class HotlineCategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    description: str
    keywords: str


class HotlineAssignmentOut(Schema):
    organisation: str
    sub_unit: str | None
    lead: bool
    state: str
    result: str


class HotlineOrderOut(Schema):
    number: str
    order_type: str
    category: str
    category_name: str
    urgency: str
    channel: str
    title: str
    content: str
    address: str
    latitude: float | None
    longitude: float | None
    state: str
    state_label: str
    revision: int = Field(..., description="Send it back as expected_revision to refuse acting on a stale view")
    received_at: dt.datetime
    due_at: dt.datetime | None
    urgency_level: str = Field(..., description="ok, warn (yellow), over (red) or none (the clock stopped)")
    department: str | None
    policy_version: int
    limit: str
    caller_name: str | None = Field(None, description="Masked; absent when the reporter is hidden from the reader")
    caller_phone: str | None = Field(None, description="Masked")
    case_number: str
    enterprise_appeal: bool
    enterprise_name: str
    reply: str
    satisfaction: str
    master: str | None
    assignments: list[HotlineAssignmentOut]
    query_code: str | None = Field(None, description="Only in the response that created the order: keep it")


class HotlineOrderRow(Schema):
    number: str
    order_type: str
    category: str
    title: str
    state: str
    channel: str
    received_at: dt.datetime
    due_at: dt.datetime | None
    urgency_level: str


class HotlineEventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    role: str
    channel: str
    data: dict[str, Any]


class HotlineOrderIn(Schema):
    order_type: str = Field(..., description="consult, help, complaint, report, suggestion or praise")
    category: str = Field(..., description="Category code (GET /hotline/categories)")
    content: str
    title: str = ""
    urgency: str = "normal"
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    division: str = Field("", description="Division code where it happened (6 or 12 digits)")
    caller_phone: str = ""
    caller_name: str = ""
    anonymous: bool = False
    enterprise_appeal: bool = False
    enterprise_name: str = ""
    enterprise_code: str = ""
    case_number: str = Field("", description="A case this request is about (complaint, enterprise appeal)")
    channel: str | None = Field(None, description="Machine clients: wechat, app or api (default api)")


class HotlineRevisionIn(Schema):
    expected_revision: int | None = None


class HotlineDispatchIn(HotlineRevisionIn):
    department: str = Field(..., description="Credit code of the lead department")
    co_departments: list[str] = Field(default_factory=list, description="Credit codes of co-handling departments")
    sub_unit: str = ""
    note: str = ""
    use_routing: bool = Field(False, description="Record the routing rule that proposed this department")


class HotlineTextIn(Schema):
    text: str


class HotlineNoteIn(Schema):
    note: str


class HotlineAnswerIn(HotlineRevisionIn):
    answer: str
    knowledge_key: str = ""


class HotlineSubUnitIn(Schema):
    sub_unit: str = Field(..., description="Credit code of the sub-unit or township")
    note: str = ""


class HotlineExtensionIn(Schema):
    amount: int = Field(..., description="More units of the order's limit (hours or days)")
    reason: str


class HotlineReasonIn(Schema):
    reason: str


class HotlineDecideIn(Schema):
    request_id: int
    approve: bool
    note: str = ""
    redispatch_to: str = Field("", description="Send-back approved: dispatch at once to this department")


class HotlineCallbackIn(Schema):
    reached: bool
    satisfaction: str = Field("", description="very_satisfied, satisfied, basic, unsatisfied, very_unsatisfied")
    note: str = ""


class HotlineMergeIn(Schema):
    master: str = Field(..., description="Number of the master order")
    note: str = ""


class HotlineCaseIn(Schema):
    case_number: str


class HotlineListFilter(Schema):
    state: str | None = None
    order_type: str | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class HotlineKnowledgeOut(Schema):
    key: str
    title: str
    answer: str
    aliases: list[str]
    department: str
    version: int
    review_due: dt.date
    review_overdue: bool
    items: list[dict[str, str]]


class HotlineCallerOut(Schema):
    known: bool
    name: str
    phone: str
    orders: list[HotlineOrderRow]


class HotlineProposeIn(Schema):
    category: str
    division: str = ""
    text: str = ""
    order_type: str = ""


class HotlineProposalOut(Schema):
    department: str | None
    department_name: str | None
    sub_unit: str | None
    rule: str | None
    rule_version: int | None


class HotlineDuplicateOut(Schema):
    number: str
    title: str
    state: str
    received_at: dt.datetime
    reason: str
    distance: float | None
    similarity: float | None


# --- helpers --------------------------------------------------------------------------------------------------


def _ha(request: HttpRequest) -> policy.HotlineActor:
    return policy.hactor(request)


def _who(request: HttpRequest, ha: policy.HotlineActor, role: str = "", org_id: int | None = None) -> services.Who:
    client = getattr(request, "machine_client", None)
    if client is not None:
        return services.Who(
            name=client.name,
            role="client",
            organisation_id=client.organisation_id,
            channel=Channel.API,
            client_id=client.pk,
        )
    user = request.user
    return services.Who(
        user=user,
        name=user.get_full_name() or user.get_username(),
        role=role,
        organisation_id=org_id,
        channel="api",
    )


def _row(order: WorkOrder) -> dict[str, Any]:
    from .deadlines import urgency_of

    return {
        "number": order.number,
        "order_type": order.order_type,
        "category": order.category.code,
        "title": order.title,
        "state": order.state,
        "channel": order.channel,
        "received_at": order.received_at,
        "due_at": order.due_at,
        "urgency_level": urgency_of(order),
    }


def order_data(ha: policy.HotlineActor, order: WorkOrder) -> dict[str, Any]:
    from .deadlines import limit_label, urgency_of

    shown = policy.sees_caller(ha, order)
    return {
        **_row(order),
        "category_name": order.category.name,
        "urgency": order.urgency,
        "content": order.content,
        "address": order.address,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "state_label": str(State(order.state).label),
        "revision": order.revision,
        "urgency_level": urgency_of(order),
        "department": order.department.name if order.department_id else None,
        "policy_version": order.policy.version,
        "limit": limit_label(order.limit_amount + order.extension_amount, order.limit_unit),
        "caller_name": mask_name(order.caller_name) if shown and order.caller_name else None,
        "caller_phone": mask_phone(order.caller.phone) if shown and order.caller_id else None,
        "case_number": order.case_number,
        "enterprise_appeal": order.enterprise_appeal,
        "enterprise_name": order.enterprise_name,
        "reply": order.reply_text,
        "satisfaction": order.satisfaction,
        "master": order.master.number if order.master_id else None,
        "assignments": [
            {
                "organisation": a.organisation.name,
                "sub_unit": a.sub_unit.name if a.sub_unit_id else None,
                "lead": a.lead,
                "state": a.state,
                "result": a.result,
            }
            for a in order.assignments.select_related("organisation", "sub_unit")
        ],
        "query_code": getattr(order, "query_code", None),
    }


def _order(request: HttpRequest, number: str) -> WorkOrder:
    return policy.get_order(_ha(request), number)


def _allowed(request: HttpRequest, action: str, number: str) -> tuple[policy.HotlineActor, WorkOrder]:
    ha = _ha(request)
    order = policy.get_order(ha, number)
    if not policy.may(ha, action, order):
        raise PermissionDenied(_("Your role does not allow this step on this work order."))
    return ha, order


def _org(code: str, field_name: str) -> Organisation:
    org = Organisation.objects.filter(credit_code=(code or "").strip().upper(), is_active=True).first()
    if org is None:
        raise ProblemsError([Problem(field_name, _("No active organisation has this credit code."), "unknown")])
    return org


def _fresh(ha: policy.HotlineActor, order: WorkOrder) -> dict[str, Any]:
    return order_data(ha, policy.get_order(ha, order.number))


def _dept_who(request, ha, order) -> tuple[services.Who, list[int] | None]:
    ids = policy.handler_org_ids(ha)
    if ha.a.is_superuser:
        ids = None
    org_id = ids[0] if ids else None
    return _who(request, ha, policy.HANDLER, org_id), ids


def _centre_who(request, ha, order) -> services.Who:
    return _who(request, ha, policy.OPERATOR, order.centre_id)


# --- reading --------------------------------------------------------------------------------------------------


@router.get("/categories", response=list[HotlineCategoryOut], summary="The category tree (codes for intake)")
def categories(request: HttpRequest):
    out = []
    for top, children in intake.categories_tree():
        for c in (top, *children):
            out.append(
                {
                    "code": c.code,
                    "name": c.name,
                    "parent": top.code if c is not top else None,
                    "description": c.description,
                    "keywords": c.keywords,
                }
            )
    return out


@router.get("/orders", response={200: list[HotlineOrderRow], **ERRORS}, auth=READ, summary="Work orders I may see")
def list_orders(request: HttpRequest, filters: Query[HotlineListFilter]):
    qs = policy.visible_orders(_ha(request)).select_related("category")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.order_type:
        qs = qs.filter(order_type=filters.order_type)
    return [_row(o) for o in qs.order_by("-received_at", "-id")[filters.offset : filters.offset + filters.limit]]


@router.get("/orders/{number}", response={200: HotlineOrderOut, **ERRORS}, auth=READ, summary="One work order")
def get_order(request: HttpRequest, number: str):
    ha = _ha(request)
    return order_data(ha, policy.get_order(ha, number))


@router.get("/orders/{number}/events", response={200: list[HotlineEventOut], **ERRORS}, auth=READ, summary="Its log")
def order_events(request: HttpRequest, number: str):
    ha = _ha(request)
    order = policy.get_order(ha, number)
    staff = ha.staff or ha.is_client or ha.a.is_superuser
    events = order.events.order_by("seq") if staff else order.events.filter(public=True).order_by("seq")
    hide = not policy.sees_caller(ha, order)
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "action_label": str(ACTION_NAMES.get(e.action, e.action)),
            "from_state": e.from_state,
            "to_state": e.to_state,
            "at": e.at,
            "actor_name": e.actor_name if staff else "",
            "role": e.role,
            "channel": e.channel,
            "data": {} if (hide and e.action in ("receive", "reveal", "sms")) or not staff else e.data,
        }
        for e in events
    ]


# --- intake ---------------------------------------------------------------------------------------------------


@router.post(
    "/orders", response={200: HotlineOrderOut, 201: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Record a request"
)
def create(request: HttpRequest, payload: HotlineOrderIn):
    ha = _ha(request)
    data = intake.read(payload.dict())
    key = (request.headers.get("Idempotency-Key") or "").strip()[:80]
    person = None
    if ha.is_client:
        channel = payload.channel if payload.channel in (Channel.WECHAT, Channel.APP, Channel.API) else Channel.API
        centre = Organisation.objects.filter(pk=ha.a.client_org_id).first()
        scope = f"c{ha.a.client_id}"
    elif ha.is_operator:
        channel = Channel.PHONE
        centre = Organisation.objects.filter(pk__in=ha.a.reach(policy.OPERATOR).org_ids).order_by("pk").first()
        scope = f"u{ha.a.user_id}"
    else:
        channel = Channel.MOBILE if payload.channel == Channel.MOBILE else Channel.WEB
        centre = None
        scope = f"u{ha.a.user_id}"
        from yiwang.identity.models import Person

        person = Person.objects.filter(pk=ha.a.person_id).first() if ha.a.person_id else None
    who = _who(request, ha, policy.OPERATOR if ha.is_operator else "")
    order, created = services.create_order(
        who=who,
        **data,
        person=person,
        centre=centre,
        channel=channel,
        source_ref=f"api:{scope}:{key}" if key else "",
    )
    return (201 if created else 200), order_data(ha, order)


@router.get("/callers", response={200: HotlineCallerOut, **ERRORS}, auth=READ, summary="Look a caller up by phone")
def caller_lookup(request: HttpRequest, phone: str):
    ha = _ha(request)
    if not ha.is_operator:
        raise PermissionDenied(_("Only 12345 operators look callers up."))
    phone = services.normalise_phone(phone)
    if (err := services.phone_problem(phone)) is not None or not phone:
        raise ProblemsError([Problem("phone", err or _("Enter the caller's number."), "invalid")])
    caller = services.find_caller(phone)
    if caller is None:
        return {"known": False, "name": "", "phone": mask_phone(phone), "orders": []}
    orders = policy.visible_orders(ha).filter(caller=caller).select_related("category").order_by("-received_at")[:20]
    return {"known": True, "name": caller.name, "phone": mask_phone(phone), "orders": [_row(o) for o in orders]}


@router.get(
    "/duplicates", response={200: list[HotlineDuplicateOut], **ERRORS}, auth=READ, summary="Similar open orders"
)
def duplicate_suggestions(
    request: HttpRequest,
    category: str,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    caller_phone: str = "",
    content: str = "",
):
    ha = _ha(request)
    if not ha.is_operator:
        raise PermissionDenied(_("Only 12345 operators merge duplicates."))
    cat = intake.category_by_code(category)
    caller = services.find_caller(caller_phone) if caller_phone else None
    found = duplicates.suggest(
        category_id=cat.pk if cat else None,
        latitude=latitude,
        longitude=longitude,
        address=address,
        caller_id=caller.pk if caller else None,
        content=content,
    )
    return [
        {
            "number": s.order.number,
            "title": s.order.title,
            "state": s.order.state,
            "received_at": s.order.received_at,
            "reason": s.reason,
            "distance": s.distance,
            "similarity": s.similarity,
        }
        for s in found
    ]


@router.post(
    "/routing/propose", response={200: HotlineProposalOut, **ERRORS}, auth=READ, summary="Propose a department"
)
def propose(request: HttpRequest, payload: HotlineProposeIn):
    ha = _ha(request)
    if not (ha.is_operator or ha.supervises):
        raise PermissionDenied(_("Only 12345 operators dispatch."))
    p = routing.propose(
        category=intake.category_by_code(payload.category),
        division=intake.division_by_code(payload.division),
        text=payload.text,
        order_type=payload.order_type,
    )
    if p.rule is None:
        return {"department": None, "department_name": None, "sub_unit": None, "rule": None, "rule_version": None}
    return {
        "department": p.rule.department.credit_code,
        "department_name": p.rule.department.name,
        "sub_unit": p.rule.sub_unit.credit_code if p.rule.sub_unit_id else None,
        "rule": p.rule.name,
        "rule_version": p.rule.version,
    }


# --- steps ----------------------------------------------------------------------------------------------------


@router.post("/orders/{number}/dispatch", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="一级派单")
def dispatch(request: HttpRequest, number: str, payload: HotlineDispatchIn):
    ha, order = _allowed(request, "dispatch", number)
    dept = _org(payload.department, "department")
    co = [_org(c, "co_departments") for c in payload.co_departments]
    sub = _org(payload.sub_unit, "sub_unit") if payload.sub_unit else None
    rule = None
    if payload.use_routing:
        p = routing.propose(
            category=order.category, division=order.division, text=order.content, order_type=order.order_type
        )
        rule = p.rule if p.department_id == dept.pk else None
    services.dispatch(
        order,
        _centre_who(request, ha, order),
        dept,
        co_departments=co,
        sub_unit=sub,
        note=payload.note,
        routing_rule=rule,
        expected_revision=payload.expected_revision,
    )
    return _fresh(ha, order)


@router.post("/orders/{number}/answer", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="直接办结")
def answer(request: HttpRequest, number: str, payload: HotlineAnswerIn):
    ha, order = _allowed(request, "conclude_direct", number)
    entry = KnowledgeEntry.objects.filter(key=payload.knowledge_key).first() if payload.knowledge_key else None
    services.conclude_direct(order, _centre_who(request, ha, order), payload.answer, entry, payload.expected_revision)
    return _fresh(ha, order)


@router.post("/orders/{number}/sign", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="签收")
def sign(request: HttpRequest, number: str):
    ha, order = _allowed(request, "sign", number)
    who, ids = _dept_who(request, ha, order)
    services.sign(order, who, ids)
    return _fresh(ha, order)


@router.post("/orders/{number}/sub-dispatch", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="二级派单")
def sub_dispatch(request: HttpRequest, number: str, payload: HotlineSubUnitIn):
    ha, order = _allowed(request, "sub_dispatch", number)
    who, ids = _dept_who(request, ha, order)
    services.sub_dispatch(order, who, _org(payload.sub_unit, "sub_unit"), ids, payload.note)
    return _fresh(ha, order)


@router.post(
    "/orders/{number}/progress", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Handling note"
)
def progress(request: HttpRequest, number: str, payload: HotlineNoteIn):
    ha, order = _allowed(request, "progress", number)
    who, ids = _dept_who(request, ha, order)
    services.progress(order, who, payload.note, ids)
    return _fresh(ha, order)


@router.post(
    "/orders/{number}/co-reply", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Co-handler result"
)
def co_reply(request: HttpRequest, number: str, payload: HotlineTextIn):
    ha, order = _allowed(request, "co_reply", number)
    who, ids = _dept_who(request, ha, order)
    services.co_reply(order, who, payload.text, ids)
    return _fresh(ha, order)


@router.post("/orders/{number}/reply", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="答复")
def reply(request: HttpRequest, number: str, payload: HotlineTextIn):
    ha, order = _allowed(request, "reply", number)
    who, ids = _dept_who(request, ha, order)
    services.reply(order, who, payload.text, ids)
    return _fresh(ha, order)


@router.post(
    "/orders/{number}/extension", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Ask for time"
)
def extension(request: HttpRequest, number: str, payload: HotlineExtensionIn):
    ha, order = _allowed(request, "request_extension", number)
    who, ids = _dept_who(request, ha, order)
    services.request_extension(order, who, payload.amount, payload.reason, ids)
    return _fresh(ha, order)


@router.post("/orders/{number}/send-back", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="退单")
def send_back(request: HttpRequest, number: str, payload: HotlineReasonIn):
    ha, order = _allowed(request, "request_send_back", number)
    who, ids = _dept_who(request, ha, order)
    services.request_send_back(order, who, payload.reason, ids)
    return _fresh(ha, order)


@router.post("/orders/{number}/decide", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Centre decides")
def decide(request: HttpRequest, number: str, payload: HotlineDecideIn):
    ha, order = _allowed(request, "decide", number)
    to = _org(payload.redispatch_to, "redispatch_to") if payload.redispatch_to else None
    services.decide(order, _centre_who(request, ha, order), payload.request_id, payload.approve, payload.note, to)
    return _fresh(ha, order)


@router.post("/orders/{number}/urge", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="督办")
def urge(request: HttpRequest, number: str, payload: HotlineNoteIn):
    ha, order = _allowed(request, "urge", number)
    services.urge(order, _centre_who(request, ha, order), payload.note)
    return _fresh(ha, order)


@router.post("/orders/{number}/callback", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="回访")
def callback(request: HttpRequest, number: str, payload: HotlineCallbackIn):
    ha, order = _allowed(request, "callback", number)
    services.callback(
        order,
        _centre_who(request, ha, order),
        reached=payload.reached,
        satisfaction=payload.satisfaction,
        note=payload.note,
    )
    return _fresh(ha, order)


@router.post("/orders/{number}/conclude", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="办结")
def conclude(request: HttpRequest, number: str, payload: HotlineNoteIn):
    ha, order = _allowed(request, "conclude", number)
    services.conclude(order, _centre_who(request, ha, order), payload.note)
    return _fresh(ha, order)


@router.post(
    "/orders/{number}/merge", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Merge a duplicate"
)
def merge(request: HttpRequest, number: str, payload: HotlineMergeIn):
    ha, order = _allowed(request, "merge", number)
    master = policy.visible_orders(ha).filter(number=payload.master.strip()).first()
    if master is None:
        raise ProblemsError([Problem("master", _("No work order has this number."), "unknown")])
    services.merge(order, _centre_who(request, ha, order), master, payload.note)
    return _fresh(ha, order)


@router.post("/orders/{number}/void", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Void")
def void(request: HttpRequest, number: str, payload: HotlineReasonIn):
    ha, order = _allowed(request, "void", number)
    services.void(order, _centre_who(request, ha, order), payload.reason)
    return _fresh(ha, order)


@router.post("/orders/{number}/case", response={200: HotlineOrderOut, **ERRORS}, auth=WRITE, summary="Link to a case")
def link_case(request: HttpRequest, number: str, payload: HotlineCaseIn):
    ha, order = _allowed(request, "link_case", number)
    services.link_case(order, _centre_who(request, ha, order), payload.case_number)
    return _fresh(ha, order)


# --- knowledge and statistics ---------------------------------------------------------------------------------


def _knowledge(entry: KnowledgeEntry) -> dict[str, Any]:
    v = entry.current
    return {
        "key": entry.key,
        "title": v.title,
        "answer": v.answer,
        "aliases": [a for a in v.aliases.splitlines() if a],
        "department": entry.organisation.name,
        "version": v.number,
        "review_due": v.review_due,
        "review_overdue": v.review_due < timezone.localdate(),
        "items": [{"item_code": i.item_code, "guide": f"/items/{i.item_code}/"} for i in v.items.all()],
    }


@router.get("/knowledge/search", response=list[HotlineKnowledgeOut], summary="Search the knowledge base")
def knowledge_search(request: HttpRequest, q: str, limit: int = Query(10, ge=1, le=50)):
    ha = _ha(request)
    hits = knowledge.search(q, public_only=not policy.reads_knowledge(ha), limit=limit)
    return [_knowledge(h.entry) for h in hits]


@router.get("/knowledge/{key}", response={200: HotlineKnowledgeOut, **ERRORS}, summary="One knowledge entry")
def knowledge_entry(request: HttpRequest, key: str):
    ha = _ha(request)
    qs = KnowledgeEntry.objects.filter(key=key, current__isnull=False).select_related("current", "organisation")
    if not policy.reads_knowledge(ha):
        qs = qs.filter(public=True)
    entry = qs.first()
    if entry is None:
        from django.http import Http404

        raise Http404
    return _knowledge(entry)


@router.get("/stats", response={200: dict, **ERRORS}, auth=READ, summary="Statistics from the rollups")
@decorate_view(reads)
def statistics(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None):
    ha = _ha(request)
    if not stats.may_read(ha):
        raise PermissionDenied(_("Statistics are for the centre's supervisors and for supervision."))
    return stats.report(ha, start, end).as_dict()
