"""The 12345 workbench: the operator's intake page, the to-do lists, an order's page and its steps, grid events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.masking import mask_name, mask_phone
from yiwang.orgs.models import Organisation, OrgKind

from .. import deadlines, duplicates, intake, knowledge, policy, queries, routing, services
from ..models import (
    Channel,
    DecisionRequest,
    KnowledgeEntry,
    OrderType,
    Satisfaction,
    State,
    Urgency,
    WorkOrder,
)
from ..states import ACTION_NAMES


def problem_map(problems: list[Problem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.field.split(".")[0], []).append(str(p))
    return out


def gate(request: HttpRequest) -> policy.HotlineActor:
    """The workbench is for hotline staff (operators, handlers, supervisors); others are refused (403)."""
    ha = policy.hactor(request)
    if not (ha.staff or ha.a.is_superuser):
        raise PermissionDenied(_("The 12345 workbench is for hotline operators, department handlers and supervisors."))
    return ha


def who_for(request: HttpRequest, role: str, org_id: int | None, channel: str = "workbench") -> services.Who:
    user = request.user
    return services.Who(
        user=user,
        name=user.get_full_name() or user.get_username(),
        role=role,
        organisation_id=org_id,
        channel=channel,
    )


def centre_of(ha: policy.HotlineActor) -> Organisation | None:
    """The centre an operator works at (their first operator membership)."""
    ids = sorted(ha.a.reach(policy.OPERATOR).org_ids)
    if ids:
        return Organisation.objects.filter(pk=ids[0]).first()
    found = services.centre_for()
    return found.organisation if found else None


def departments(centre: Organisation | None) -> list[Organisation]:
    """Departments an operator dispatches to: the active ones of the centre's division and below, by name."""
    qs = Organisation.objects.filter(is_active=True).exclude(kind=OrgKind.SERVICE_CENTER).select_related("division")
    if centre is not None:
        qs = qs.filter(division__path__startswith=centre.division.path, division__level__lte=centre.division.level + 1)
    return list(qs.order_by("division__code", "name")[:400])


def _common(ha) -> dict[str, Any]:
    return {
        "types": OrderType.choices,
        "urgencies": Urgency.choices,
        "tree": intake.categories_tree(),
        "ha": ha,
        "warning_percent": round(deadlines.warning_fraction() * 100),
    }


# --- lists ----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def workbench(request: HttpRequest) -> HttpResponse:
    ha = gate(request)
    qs = queries.queues_for(ha)
    key = request.GET.get("queue") or (qs[0].key if qs else "all")
    queue = queries.BY_KEY.get(key) or queries.BY_KEY["all"]
    if queue not in qs:
        queue = queries.BY_KEY["all"]
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    counts = queries.counts(ha, qs)
    pg = queries.page(ha, queue.key, request.GET.get("q", ""), number)
    for o in pg["rows"]:
        o.clock = deadlines.urgency_of(o)
    return render(
        request,
        "hotline/workbench/list.html",
        {
            **_common(ha),
            "queues": [(q, counts.get(q.key)) for q in qs],
            "queue": queue,
            "page": pg,
            "q": request.GET.get("q", ""),
        },
    )


# --- an order -------------------------------------------------------------------------------------------------


def _order_context(request: HttpRequest, ha: policy.HotlineActor, order: WorkOrder) -> dict[str, Any]:
    allowed = policy.actions_for(ha, order)
    shown = policy.sees_caller(ha, order)
    ctx: dict[str, Any] = {
        **_common(ha),
        "order": order,
        "allowed": allowed,
        "clock": deadlines.urgency_of(order),
        "limit": deadlines.limit_label(order.limit_amount + order.extension_amount, order.limit_unit),
        "events": order.events.select_related("organisation").order_by("seq"),
        "action_names": ACTION_NAMES,
        "assignments": order.assignments.select_related("organisation", "sub_unit"),
        "decisions": DecisionRequest.objects.filter(order=order).select_related("assignment__organisation"),
        "attachments": order.attachments.all(),
        "callbacks": order.callbacks.all(),
        "caller_shown": shown,
        "caller_name": (order.caller_name if policy.is_centre_staff(ha, order) else mask_name(order.caller_name))
        if shown
        else "",
        "caller_phone": mask_phone(order.caller.phone) if shown and order.caller_id else "",
        "satisfactions": Satisfaction.choices,
        "problems": {},
        "duplicates_of": list(order.duplicates.only("number", "title")),
    }
    if {"dispatch", "decide"} & allowed:
        proposal = routing.propose(
            category=order.category, division=order.division, text=order.content, order_type=order.order_type
        )
        ctx["proposal"] = proposal
        ctx["departments"] = departments(order.centre)
    if "merge" in allowed and order.is_open:
        ctx["duplicates"] = duplicates.suggest(
            category_id=order.category_id,
            latitude=order.latitude,
            longitude=order.longitude,
            address=order.address,
            caller_id=order.caller_id,
            content=order.content,
            exclude_id=order.pk,
        )
    if "sub_dispatch" in allowed:
        lead = next((a for a in ctx["assignments"] if a.lead and a.state in ("dispatched", "signed")), None)
        if lead is not None:
            ctx["sub_units"] = list(Organisation.objects.filter(parent=lead.organisation, is_active=True))
    if "conclude_direct" in allowed:
        ctx["knowledge_hits"] = knowledge.search(order.title + " " + order.content[:40], limit=5)
    return ctx


@login_required
@require_http_methods(["GET"])
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    ha = gate(request)
    order = policy.get_order(ha, number)
    return render(request, "hotline/workbench/order.html", _order_context(request, ha, order))


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ProblemsError([Problem(name, _("Enter a whole number."), "invalid")]) from None


def _org_from(raw: str, name: str) -> Organisation:
    org = Organisation.objects.filter(pk=_int(raw, name) if raw else 0, is_active=True).first()
    if org is None:
        raise ProblemsError([Problem(name, _("Choose a department."), "required")])
    return org


ACTIONS = {
    "dispatch",
    "conclude_direct",
    "sign",
    "sub_dispatch",
    "progress",
    "co_reply",
    "reply",
    "request_extension",
    "request_send_back",
    "decide",
    "urge",
    "callback",
    "conclude",
    "merge",
    "void",
    "link_case",
    "reveal",
}


def run_action(request: HttpRequest, ha: policy.HotlineActor, order: WorkOrder, action: str) -> str:
    """Runs one step from a posted form; returns the message to show. ProblemsError on bad input."""
    p = request.POST
    centre = who_for(request, policy.OPERATOR, order.centre_id)
    ids = None if ha.a.is_superuser else policy.handler_org_ids(ha)
    dept = who_for(request, policy.HANDLER, ids[0] if ids else None)
    rev = _int(p["revision"], "revision") if p.get("revision") else None
    if action == "dispatch":
        co = [_org_from(x, "co_departments") for x in p.getlist("co_departments") if x]
        dep = _org_from(p.get("department", ""), "department")
        proposal = routing.propose(
            category=order.category, division=order.division, text=order.content, order_type=order.order_type
        )
        services.dispatch(
            order,
            centre,
            dep,
            co_departments=co,
            note=p.get("note", ""),
            routing_rule=proposal.rule if proposal.department_id == dep.pk else None,
            expected_revision=rev,
        )
    elif action == "conclude_direct":
        entry = KnowledgeEntry.objects.filter(key=p.get("knowledge", "")).first() if p.get("knowledge") else None
        services.conclude_direct(order, centre, p.get("answer", ""), entry, rev)
    elif action == "sign":
        services.sign(order, dept, ids)
    elif action == "sub_dispatch":
        services.sub_dispatch(order, dept, _org_from(p.get("sub_unit", ""), "sub_unit"), ids, p.get("note", ""))
    elif action == "progress":
        services.progress(order, dept, p.get("note", ""), ids)
    elif action == "co_reply":
        services.co_reply(order, dept, p.get("text", ""), ids)
    elif action == "reply":
        services.reply(order, dept, p.get("text", ""), ids, rev)
    elif action == "request_extension":
        services.request_extension(order, dept, _int(p.get("amount", ""), "amount"), p.get("reason", ""), ids)
    elif action == "request_send_back":
        services.request_send_back(order, dept, p.get("reason", ""), ids)
    elif action == "decide":
        to = _org_from(p["redispatch_to"], "redispatch_to") if p.get("redispatch_to") else None
        services.decide(
            order, centre, _int(p.get("request", ""), "request"), p.get("approve") == "1", p.get("note", ""), to
        )
    elif action == "urge":
        services.urge(order, centre, p.get("note", ""))
    elif action == "callback":
        services.callback(
            order,
            centre,
            reached=p.get("reached") == "1",
            satisfaction=p.get("satisfaction", ""),
            note=p.get("note", ""),
        )
    elif action == "conclude":
        services.conclude(order, centre, p.get("note", ""))
    elif action == "merge":
        master = policy.visible_orders(ha).filter(number=p.get("master", "").strip()).first()
        if master is None:
            raise ProblemsError([Problem("master", _("No work order has this number."), "unknown")])
        services.merge(order, centre, master, p.get("note", ""))
    elif action == "void":
        services.void(order, centre, p.get("reason", ""))
    elif action == "link_case":
        services.link_case(order, centre, p.get("case_number", ""))
    elif action == "reveal":
        phone = services.reveal_phone(order, centre, p.get("reason", ""))
        return _("Caller's number: %(phone)s (this view is recorded).") % {"phone": phone}
    return str(ACTION_NAMES.get(action, action))


@login_required
@require_POST
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    ha = gate(request)
    order = policy.get_order(ha, number)
    if action not in ACTIONS:
        raise Http404
    if not policy.may(ha, action, order):
        raise PermissionDenied(_("Your role does not allow this step on this work order."))
    try:
        done = run_action(request, ha, order, action)
    except ProblemsError as exc:
        ctx = _order_context(request, ha, order)
        ctx["problems"] = problem_map(exc.problems)
        ctx["failed_action"] = action
        return render(request, "hotline/workbench/order.html", ctx, status=400)
    messages.success(request, done)
    try:
        policy.get_order(ha, number, related=False)
    except Http404:  # handed back: the department no longer sees it
        return redirect("hotline:workbench")
    return redirect("hotline:order", number=number)


@login_required
@require_http_methods(["GET"])
def photo(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ha = gate(request)
    order = policy.get_order(ha, number)
    att = order.attachments.filter(pk=pk).first()
    if att is None:
        raise Http404
    response = FileResponse(att.file.open("rb"), content_type=att.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- intake ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def intake_page(request: HttpRequest) -> HttpResponse:
    """The operator's page built for speed: one form, keyboard only; caller history, knowledge and duplicates
    beside it (the static script fills them as the operator types; without it the buttons do the same)."""
    ha = gate(request)
    if not ha.is_operator:
        raise PermissionDenied(_("Taking calls is for 12345 operators."))
    centre = centre_of(ha)
    ctx: dict[str, Any] = {
        **_common(ha),
        "centre": centre,
        "departments": departments(centre),
        "data": request.POST if request.method == "POST" else {},
        "problems": {},
        "caller_known": None,
        "proposal": None,
    }
    if request.method == "GET":
        return render(request, "hotline/workbench/intake.html", ctx)
    op = request.POST.get("op", "save")
    phone = request.POST.get("caller_phone", "")
    caller = services.find_caller(phone) if phone else None
    if caller is not None:
        ctx["history"] = (
            policy.visible_orders(ha).filter(caller=caller).select_related("category").order_by("-received_at")[:10]
        )
        ctx["caller_known"] = caller
    if op in ("lookup", "search"):
        if request.POST.get("kb_q"):
            ctx["knowledge_hits"] = knowledge.search(request.POST["kb_q"], limit=8)
        cat = intake.category_by_code(request.POST.get("category", ""))
        if cat is not None:
            ctx["proposal"] = routing.propose(
                category=cat,
                division=intake.division_by_code(request.POST.get("division", "")),
                text=request.POST.get("content", ""),
                order_type=request.POST.get("order_type", ""),
            )
        return render(request, "hotline/workbench/intake.html", ctx)
    try:
        data = intake.read(request.POST)
        dept = None
        if op == "dispatch":
            dept = _org_from(request.POST.get("department", ""), "department")
        if op == "answer" and len(request.POST.get("answer", "").strip()) < 2:
            raise ProblemsError([Problem("answer", _("Write down the answer given to the caller."), "required")])
        order, _created = services.create_order(
            who=who_for(request, policy.OPERATOR, centre.pk if centre else None, Channel.PHONE),
            **data,
            centre=centre,
            channel=Channel.PHONE,
            source_ref=f"intake:{request.user.pk}:{request.POST.get('intake_key', '')}"
            if request.POST.get("intake_key")
            else "",
        )
    except ProblemsError as exc:
        ctx["problems"] = problem_map(exc.problems)
        return render(request, "hotline/workbench/intake.html", ctx, status=400)
    try:
        who = who_for(request, policy.OPERATOR, order.centre_id)
        if op == "dispatch" and order.state == State.RECEIVED:
            proposal = routing.propose(
                category=order.category, division=order.division, text=order.content, order_type=order.order_type
            )
            services.dispatch(
                order, who, dept, routing_rule=proposal.rule if proposal.department_id == dept.pk else None
            )
        elif op == "answer" and order.state == State.RECEIVED:
            entry = KnowledgeEntry.objects.filter(key=request.POST.get("knowledge", "")).first()
            services.conclude_direct(order, who, request.POST.get("answer", ""), entry)
    except ProblemsError as exc:
        messages.error(request, "；".join(str(p) for p in exc.problems))
        return redirect("hotline:order", number=order.number)
    messages.success(request, _("Work order %(number)s recorded.") % {"number": order.number})
    return redirect(reverse("hotline:intake") + f"?last={order.number}")


# --- grid inspectors' city events -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grid_report(request: HttpRequest) -> HttpResponse:
    """A grid inspector (网格员) reports a city event from the street: place on the map, photos, category."""
    ha = gate(request)
    if not (ha.is_operator or ha.is_handler):
        raise PermissionDenied(_("City events are reported by grid inspectors and operators."))
    ctx: dict[str, Any] = {
        **_common(ha),
        "data": request.POST if request.method == "POST" else {},
        "problems": {},
        "map": map_settings(),
    }
    if request.method == "GET":
        return render(request, "hotline/grid/report.html", ctx)
    try:
        data = intake.read(request.POST)
        data["order_type"] = data["order_type"] or OrderType.HELP
        order, _c = services.create_order(
            who=who_for(request, "grid", None, Channel.GRID),
            **data,
            channel=Channel.GRID,
            photos=request.FILES.getlist("photos"),
        )
    except ProblemsError as exc:
        ctx["problems"] = problem_map(exc.problems)
        return render(request, "hotline/grid/report.html", ctx, status=400)
    messages.success(request, _("City event %(number)s reported.") % {"number": order.number})
    return redirect("hotline:grid")


def map_settings() -> dict[str, float]:
    lat, lon = getattr(settings, "HOTLINE_MAP_CENTER", (32.9165, 117.3890))
    return {"lat": lat, "lon": lon, "span": getattr(settings, "HOTLINE_MAP_SPAN", 0.25)}
