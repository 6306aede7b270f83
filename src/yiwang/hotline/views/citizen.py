"""Citizens' 12345 pages: make a request online (desktop and phone), the receipt, following a request by number
and query code, and "my requests" for a signed-in person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import ProblemsError
from yiwang.identity.models import Person

from .. import intake, knowledge, policy, services
from ..models import Channel, OrderType, State, Urgency, WorkOrder
from ..states import ACTION_NAMES
from .workbench import map_settings, problem_map

RECEIPTS = "hotline_receipts"
REPORT_RATE = "20/h"
TRACK_RATE = "30/m"
CITIZEN_TYPES = tuple(OrderType.values)


def _public_events(order: WorkOrder):
    return order.events.filter(public=True).order_by("seq")


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The online request form; anyone may use it (signed-in people see it in My Space afterwards)."""
    person = None
    if request.user.is_authenticated:
        person = Person.objects.filter(user=request.user).first()
    ctx: dict[str, Any] = {
        "types": OrderType.choices,
        "tree": intake.categories_tree(),
        "data": request.POST if request.method == "POST" else {},
        "problems": {},
        "person": person,
        "map": map_settings(),
    }
    if request.method == "GET":
        q = request.GET.get("q", "").strip()
        if q:
            ctx["answers"] = knowledge.search(q, public_only=True, limit=5)
            ctx["q"] = q
        return render(request, "hotline/citizen/report.html", ctx)
    if is_ratelimited(request, group="hotline.report", key=ratelimit_key, rate=REPORT_RATE, increment=True):
        return render(request, "hotline/citizen/limited.html", status=429)
    try:
        data = intake.read(request.POST, allow_types=CITIZEN_TYPES)
        data["urgency"] = Urgency.NORMAL
        if person is not None and not data["caller_phone"]:
            data["caller_phone"] = person.phone
            data["caller_name"] = data["caller_name"] or person.name
        channel = Channel.MOBILE if request.POST.get("device") == "phone" else Channel.WEB
        who = services.Who(
            user=request.user if request.user.is_authenticated else None,
            name=person.name if person else "",
            channel=channel,
        )
        order, _created = services.create_order(
            who=who,
            **data,
            person=person,
            channel=channel,
            photos=request.FILES.getlist("photos"),
            source_ref=f"web:{request.POST.get('form_key', '')}" if request.POST.get("form_key") else "",
        )
    except ProblemsError as exc:
        ctx["problems"] = problem_map(exc.problems)
        return render(request, "hotline/citizen/report.html", ctx, status=400)
    receipts = dict(request.session.get(RECEIPTS, {}))
    if getattr(order, "query_code", None):
        receipts[order.number] = order.query_code
    request.session[RECEIPTS] = dict(list(receipts.items())[-10:])
    return redirect("hotline:receipt", number=order.number)


@require_http_methods(["GET"])
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The number and the query code, shown to the browser that made the request (404 for anyone else)."""
    code = request.session.get(RECEIPTS, {}).get(number)
    order = WorkOrder.objects.filter(number=number).select_related("category").first()
    if order is None or code is None:
        raise Http404
    return render(request, "hotline/citizen/receipt.html", {"order": order, "code": code})


@require_http_methods(["GET"])
def track(request: HttpRequest) -> HttpResponse:
    """Follow a request with its number and query code (no sign-in); the answer never says which one was wrong."""
    number = request.GET.get("number", "").strip()
    code = request.GET.get("code", "").strip()
    ctx: dict[str, Any] = {"number": number, "code": code}
    if number or code:
        if is_ratelimited(request, group="hotline.track", key=ratelimit_key, rate=TRACK_RATE, increment=True):
            return render(request, "hotline/citizen/limited.html", status=429)
        order = WorkOrder.objects.filter(number=number).select_related("category").first()
        if order is not None and services.check_query_code(order, code):
            ctx.update(order=order, events=_public_events(order), action_names=ACTION_NAMES)
        else:
            ctx["not_found"] = True
    return render(request, "hotline/citizen/track.html", ctx)


@login_required
@require_http_methods(["GET"])
def my_orders(request: HttpRequest) -> HttpResponse:
    ha = policy.hactor(request)
    orders = WorkOrder.objects.filter(policy.citizen_q(ha)).select_related("category").order_by("-received_at")[:100]
    return render(request, "hotline/citizen/mine.html", {"orders": orders})


@login_required
@require_http_methods(["GET"])
def my_order(request: HttpRequest, number: str) -> HttpResponse:
    ha = policy.hactor(request)
    order = WorkOrder.objects.filter(policy.citizen_q(ha), number=number).select_related("category").first()
    if order is None:
        raise Http404
    return render(
        request,
        "hotline/citizen/order.html",
        {
            "order": order,
            "events": _public_events(order),
            "action_names": ACTION_NAMES,
            "open": order.state not in (State.CONCLUDED, State.MERGED, State.VOIDED),
        },
    )
