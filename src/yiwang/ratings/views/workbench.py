"""The staff side of ratings: the department's and the supervisor's to-do lists, a rectification and a complaint with
their actions, statistics, one's own figures, the windows' rating pads, and the 12345 operator's form.

Only accounts holding a staff role get in (403 for the rest); inside, a record out of reach is 404 like a missing
one. Every action is one `services` function, which checks the role again; its refusals come back as field
messages on the same page (400), a role that may not act as 403.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.calendar import workdays
from yiwang.cases.actions import Caller
from yiwang.core.clientip import client_ip
from yiwang.core.errors import ProblemsError
from yiwang.identity import access, staff_tools
from yiwang.identity.access import Actor
from yiwang.orgs.models import Window

from .. import policy, services, stats
from ..models import (
    OPEN_COMPLAINT_STATES,
    OPEN_RECT_STATES,
    Appeal,
    AppealKind,
    Complaint,
    ComplaintState,
    Dim,
    Pad,
    Rating,
    RatingStaff,
    Rectification,
    RectState,
)
from ..standard import REASON_NAMES, CallbackChannel, CallbackOutcome, Category, Mode
from .common import answer_from, clock_of, errors_of, form_context, no_cache

PAGE_SIZE = 25


def _staff(request: HttpRequest) -> Actor:
    a = access.actor(request)
    if not policy.is_workbench_user(a):
        raise PermissionDenied
    return a


def _rows(qs, kind: str, now=None) -> list[dict[str, Any]]:
    cal = workdays.snapshot()
    now = now or timezone.now()
    out = []
    for r in qs:
        start = r.opened_at if kind == "rect" else r.filed_at
        out.append({"obj": r, "clock": clock_of(start, r.due, now=now, cal=cal) if r.is_open else None})
    return out


# --- lists -------------------------------------------------------------------------------------------------------

QUEUES = ("todo", "open", "closed", "complaints")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What waits for me: the department's callbacks and rectifications, the supervisor's reviews and appeals."""
    a = _staff(request)
    queue = request.GET.get("queue", "todo")
    if queue not in QUEUES:
        queue = "todo"
    rects = policy.rectifications(a).select_related("rating", "organisation")
    complaints = policy.complaints_handled(a).select_related("organisation")
    handler, supervisor = policy.is_handler(a), policy.is_supervisor(a)
    if queue == "todo":
        wanted = Q(pk__in=[])
        if handler:
            wanted |= Q(state__in=(RectState.OPEN, RectState.VERIFIED, RectState.CLASSIFIED))
        if supervisor:
            wanted |= Q(state__in=(RectState.SUBMITTED, RectState.APPEALED))
        rect_qs = rects.filter(wanted).order_by("due", "id")
        cwanted = Q(pk__in=[])
        if handler:
            cwanted |= Q(state__in=(ComplaintState.SUBMITTED, ComplaintState.VERIFIED, ComplaintState.HANDLED))
        if supervisor:
            cwanted |= Q(state=ComplaintState.REPLIED)
        complaint_qs = complaints.filter(cwanted).order_by("due", "id")
    elif queue == "open":
        rect_qs = rects.filter(state__in=OPEN_RECT_STATES).order_by("due", "id")
        complaint_qs = complaints.filter(state__in=OPEN_COMPLAINT_STATES).order_by("due", "id")
    elif queue == "closed":
        rect_qs = rects.exclude(state__in=OPEN_RECT_STATES).order_by("-closed_at", "-id")
        complaint_qs = complaints.none()
    else:
        rect_qs = rects.none()
        complaint_qs = complaints.order_by("-filed_at", "-id")
    rect_page = Paginator(rect_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    complaint_page = Paginator(complaint_qs, PAGE_SIZE).get_page(request.GET.get("cpage"))
    context = {
        "queue": queue,
        "queues": [
            ("todo", _("Waiting for me")),
            ("open", _("All open")),
            ("closed", _("Closed")),
            ("complaints", _("Complaints and suggestions")),
        ],
        "rect_page": rect_page,
        "rect_rows": _rows(rect_page.object_list, "rect"),
        "complaint_page": complaint_page,
        "complaint_rows": _rows(complaint_page.object_list, "complaint"),
        "handler": handler,
        "supervisor": supervisor,
        "clerk": policy.is_clerk(a),
        "operator": policy.is_operator(a),
    }
    return no_cache(render(request, "ratings/wb/home.html", context))


# --- a rectification ---------------------------------------------------------------------------------------------


def _rect(request: HttpRequest, pk: int) -> Rectification:
    return access.get_or_404(
        policy.rectifications(access.actor(request)).select_related(
            "rating__person", "rating__window__hall", "rating__hall", "organisation__division"
        ),
        pk=pk,
    )


def _rect_page(
    request: HttpRequest,
    rect: Rectification,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    revealed: str = "",
) -> HttpResponse:
    a = access.actor(request)
    rating = rect.rating
    appeal = Appeal.objects.filter(rectification=rect).select_related("filed_by", "decided_by").first()
    may_handle = policy.handles(a, rect.organisation)
    may_supervise = policy.supervises(a, rect.organisation)
    context = {
        "rect": rect,
        "rating": rating,
        "staff": list(RatingStaff.objects.filter(rating=rating)),
        "reasons": [REASON_NAMES.get(code, code) for code in rating.reasons],
        "callbacks": list(rect.callbacks.all()),
        "files": list(rect.files.all()),
        "appeal": appeal,
        "events": list(rect.events.order_by("at", "id")),
        "clock": clock_of(rect.opened_at, rect.due) if rect.is_open else None,
        "may_handle": may_handle,
        "may_supervise": may_supervise,
        "may_reveal": may_handle and staff_tools.may_reveal(a) and rating.person_id is not None,
        "revealed": revealed,
        "can": {
            "callback": may_handle and rect.state in (RectState.OPEN, RectState.VERIFIED, RectState.CLASSIFIED),
            "classify": may_handle and rect.state in (RectState.VERIFIED, RectState.CLASSIFIED),
            "files": may_handle and rect.state in (RectState.VERIFIED, RectState.CLASSIFIED),
            "submit": may_handle and rect.state == RectState.CLASSIFIED,
            "appeal": may_handle
            and appeal is None
            and rect.state in (RectState.OPEN, RectState.VERIFIED, RectState.CLASSIFIED),
            "review": may_supervise and rect.state == RectState.SUBMITTED,
            "decide": may_supervise and rect.state == RectState.APPEALED,
        },
        "channels": CallbackChannel.choices,
        "outcomes": CallbackOutcome.choices,
        "categories": Category.choices,
        "appeal_kinds": AppealKind.choices,
        "errors": errors or {},
        "post": request.POST if request.method == "POST" else {},
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    return no_cache(render(request, "ratings/wb/rect.html", context, status=status))


@login_required
@require_GET
def rect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    return _rect_page(request, _rect(request, pk))


def _revision(request: HttpRequest) -> int | None:
    raw = str(request.POST.get("revision", ""))
    return int(raw) if raw.isdigit() else None


RECT_ACTIONS = ("callback", "classify", "files", "submit", "review", "appeal", "decide", "reveal")


@login_required
@require_POST
def rect_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _staff(request)
    if action not in RECT_ACTIONS:
        raise Http404
    rect = _rect(request, pk)
    caller = Caller.of(request)
    p = request.POST
    rev = _revision(request)
    try:
        if action == "reveal":
            a = access.actor(request)
            if not policy.handles(a, rect.organisation) or rect.rating.person_id is None:
                raise PermissionDenied
            phone = staff_tools.reveal(
                a, request.user, rect.rating.person, "phone", _("Calling back about a bad review"), client_ip(request)
            )
            return _rect_page(request, rect, revealed=phone)
        if action == "callback":
            services.record_callback(
                caller,
                rect,
                channel=str(p.get("channel", "")),
                outcome=str(p.get("outcome", "")),
                note=str(p.get("note", "")),
                at=p.get("at") or None,
                expected_revision=rev,
            )
        elif action == "classify":
            services.classify(
                caller,
                rect,
                category=str(p.get("category", "")),
                finding=str(p.get("finding", "")),
                expected_revision=rev,
            )
        elif action == "files":
            services.add_files(caller, rect, request.FILES.getlist("files"))
        elif action == "submit":
            services.submit(
                caller,
                rect,
                measures=str(p.get("measures", "")),
                files=request.FILES.getlist("files"),
                expected_revision=rev,
            )
        elif action == "review":
            services.review(
                caller,
                rect,
                approve=p.get("decision") == "close",
                opinion=str(p.get("opinion", "")),
                expected_revision=rev,
            )
        elif action == "appeal":
            services.appeal(
                caller, rect, kind=str(p.get("kind", "")), reason=str(p.get("reason", "")), expected_revision=rev
            )
        elif action == "decide":
            services.decide_appeal(
                caller, rect, uphold=p.get("decision") == "uphold", note=str(p.get("note", "")), expected_revision=rev
            )
    except ProblemsError as exc:
        rect.refresh_from_db()
        return _rect_page(request, rect, errors=errors_of(exc.problems), status=400)
    messages.success(request, _("Saved."))
    return redirect("ratings:wb_rect", pk=rect.pk)


@login_required
@require_GET
def rect_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    _staff(request)
    rect = _rect(request, pk)
    f = access.get_or_404(rect.files.all(), pk=file_id)
    response = FileResponse(f.file.open("rb"), content_type=f.content_type, as_attachment=True, filename=f.name)
    return no_cache(response)


# --- a complaint -------------------------------------------------------------------------------------------------


def _complaint(request: HttpRequest, number: str) -> Complaint:
    return access.get_or_404(
        policy.complaints_handled(access.actor(request)).select_related(
            "person", "organisation__division", "window__hall", "hall"
        ),
        number=number,
    )


def _complaint_page(
    request: HttpRequest, c: Complaint, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    a = access.actor(request)
    may_handle, may_supervise = policy.handles(a, c.organisation), policy.supervises(a, c.organisation)
    context = {
        "c": c,
        "events": list(c.events.order_by("at", "id")),
        "clock": clock_of(c.filed_at, c.due) if c.is_open else None,
        "can": {
            "verify": may_handle and c.state == ComplaintState.SUBMITTED,
            "handle": may_handle and c.state == ComplaintState.VERIFIED,
            "reply": may_handle and c.state == ComplaintState.HANDLED,
            "review": may_supervise and c.state == ComplaintState.REPLIED,
        },
        "errors": errors or {},
        "post": request.POST if request.method == "POST" else {},
    }
    return no_cache(render(request, "ratings/wb/complaint.html", context, status=status))


@login_required
@require_GET
def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    _staff(request)
    return _complaint_page(request, _complaint(request, number))


COMPLAINT_ACTIONS = ("verify", "handle", "reply", "review")


@login_required
@require_POST
def complaint_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    _staff(request)
    if action not in COMPLAINT_ACTIONS:
        raise Http404
    c = _complaint(request, number)
    caller, p, rev = Caller.of(request), request.POST, _revision(request)
    try:
        if action == "verify":
            services.verify_complaint(caller, c, note=str(p.get("note", "")), expected_revision=rev)
        elif action == "handle":
            services.handle_complaint(caller, c, handling=str(p.get("handling", "")), expected_revision=rev)
        elif action == "reply":
            services.reply_complaint(caller, c, reply=str(p.get("reply", "")), expected_revision=rev)
        else:
            services.review_complaint(
                caller, c, approve=p.get("decision") == "close", note=str(p.get("note", "")), expected_revision=rev
            )
    except ProblemsError as exc:
        c.refresh_from_db()
        return _complaint_page(request, c, errors=errors_of(exc.problems), status=400)
    messages.success(request, _("Saved."))
    return redirect("ratings:wb_complaint", number=c.number)


# --- statistics ----------------------------------------------------------------------------------------------------

DIM_KEYS = {
    Dim.DEPARTMENT: policy.department_keys,
    Dim.ITEM: None,
    Dim.HALL: policy.hall_keys,
    Dim.WINDOW: policy.window_keys,
    Dim.STAFF: policy.staff_keys,
}


def keys_for(a: Actor, dim: str) -> list[int] | None:
    """The keys of `dim` the actor may read (None: all)."""
    if dim == Dim.ITEM:
        from yiwang.catalog.models import ServiceItem

        orgs = policy.department_keys(a)
        if orgs is None:
            return None
        return list(ServiceItem.objects.filter(organisation_id__in=orgs).values_list("pk", flat=True))
    return DIM_KEYS[dim](a)


@login_required
@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    """Figures by department, item, hall, window or staff member, for a period, within the actor's reach."""
    a = _staff(request)
    dim = request.GET.get("dim", Dim.DEPARTMENT)
    if dim not in Dim.values:
        dim = Dim.DEPARTMENT
    span, problems = stats.parse_span(request.GET)
    sort = request.GET.get("sort", "ratings")
    if sort not in stats.SORTS:
        sort = "ratings"
    keys = keys_for(a, dim)
    rows = stats.table(dim, keys, span, sort=sort)
    context = {
        "dim": dim,
        "dims": Dim.choices,
        "span": span,
        "problems": problems,
        "presets": stats.PRESETS,
        "rows": rows,
        "total": stats.overall(dim, keys, span) if dim == Dim.DEPARTMENT else None,
        "sort": sort,
        "sorts": list(stats.SORT_LABELS.items()),
    }
    return no_cache(render(request, "ratings/wb/stats.html", context))


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """A staff member's own figures and the latest ratings of their work (the raters are not shown)."""
    a = _staff(request)
    span, problems = stats.parse_span(request.GET)
    keys = [a.user_id] if a.user_id else []
    recent = list(
        Rating.objects.filter(staff__user_id=a.user_id)
        .only("level", "stage", "channel", "comment", "reasons", "rated_at", "case_number", "item_name", "excluded")
        .order_by("-rated_at", "-id")[:20]
    )
    context = {
        "span": span,
        "problems": problems,
        "presets": stats.PRESETS,
        "f": stats.overall(Dim.STAFF, keys, span),
        "months": stats.monthly(Dim.STAFF, keys, span),
        "recent": recent,
    }
    return no_cache(render(request, "ratings/wb/mine.html", context))


# --- rating pads ---------------------------------------------------------------------------------------------------


def _pad_key() -> str:
    return secrets.token_urlsafe(24)


@login_required
@require_http_methods(["GET", "POST"])
def pads(request: HttpRequest) -> HttpResponse:
    """Clerks set up a tablet as a window's rating pad (a secret link shown once) and switch pads off."""
    a = _staff(request)
    if not policy.is_clerk(a):
        raise Http404
    windows = policy.pad_windows(a).select_related("hall").order_by("hall__name", "number")
    q = str(request.GET.get("q", "") or "").strip()[:40]
    if q:
        windows = windows.filter(Q(hall__name__contains=q) | Q(name__contains=q) | Q(number=q))
    new_link = ""
    if request.method == "POST":
        op = request.POST.get("op")
        raw = str(request.POST.get("window", ""))
        window = Window.objects.select_related("hall").filter(pk=int(raw)).first() if raw.isdigit() else None
        if window is None or not policy.may_set_up_pad(a, window):
            raise Http404
        if op == "create":
            key = _pad_key()
            Pad.objects.create(
                window=window,
                key_hash=services.pad_key_hash(key),
                label=str(request.POST.get("label", ""))[:60],
                staff=request.user,
                created_by=request.user,
            )
            new_link = request.build_absolute_uri(reverse("ratings:pad", args=[key]))
        elif op == "revoke":
            raw_pad = str(request.POST.get("pad", ""))
            Pad.objects.filter(
                window=window, pk=int(raw_pad) if raw_pad.isdigit() else 0, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            messages.success(request, _("The pad is switched off."))
            return redirect(reverse("ratings:wb_pads") + (f"?q={q}" if q else ""))
        else:
            raise Http404
    page = Paginator(windows, PAGE_SIZE).get_page(request.GET.get("page"))
    active = {}
    for p in Pad.objects.filter(window__in=list(page.object_list), revoked_at__isnull=True).select_related("staff"):
        active.setdefault(p.window_id, []).append(p)
    rows = [{"window": w, "pads": active.get(w.pk, [])} for w in page.object_list]
    context = {"page": page, "rows": rows, "q": q, "new_link": new_link}
    return no_cache(render(request, "ratings/wb/pads.html", context))


def _all_reasons(chosen: list[str] | None = None) -> list[dict[str, Any]]:
    """Every reason of both indicator sets: on the phone the operator hears whatever the caller says."""
    chosen_set = set(chosen or [])
    return [{"code": c, "label": label, "chosen": c in chosen_set} for c, label in REASON_NAMES.items()]


# --- 12345 -----------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    """A 12345 operator records the rating a caller gives about their case."""
    a = _staff(request)
    if not policy.is_operator(a):
        raise Http404
    context: dict[str, Any] = {"post": {}, **form_context(Mode.ONLINE), "reasons": _all_reasons()}
    if request.method == "POST":
        p = request.POST
        context["post"] = p
        try:
            rating = services.rate_for_caller(
                Caller.of(request),
                case_number=str(p.get("case_number", "")),
                query_code=str(p.get("query_code", "")),
                caller_phone=str(p.get("caller_phone", "")),
                work_order=str(p.get("work_order", "")),
                answer=answer_from(p, Mode.ONLINE),
            )
        except ProblemsError as exc:
            context.update(form_context(Mode.ONLINE, p, errors_of(exc.problems)))
            context["reasons"] = _all_reasons(p.getlist("reasons"))
            context["post"] = p
            return no_cache(render(request, "ratings/wb/hotline.html", context, status=400))
        messages.success(
            request,
            _("Recorded: %(level)s for case %(number)s.")
            % {"level": rating.get_level_display(), "number": rating.case_number},
        )
        return redirect("ratings:wb_hotline")
    return no_cache(render(request, "ratings/wb/hotline.html", context))
