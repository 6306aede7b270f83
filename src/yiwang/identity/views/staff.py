"""Staff workbench for identities: find a person, verify them in person, show a full value, read the access log.

Document numbers travel in POST bodies only (never in URLs, which end up in logs and browser history); a found
person is addressed by a reference signed for the viewer (see `staff_tools`). Pages that show a full value are
sent with Cache-Control: no-store so the value is not kept by the browser or a proxy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from yiwang.core.clientip import client_ip
from yiwang.core.errors import ProblemsError

from .. import staff_tools as tools
from .. import verification
from ..access import actor
from ..documents import DocType
from ..models import Person

LOOKUP_RATE = "120/h"
PAGE_SIZE = 50


def _lookup_rate() -> str:
    return getattr(settings, "IDENTITY_RATES", {}).get("staff_lookup", LOOKUP_RATE)


def _errors(exc: ProblemsError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.field, []).append(str(p))
    return out


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    """Find a person by exact document number or mobile number."""
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    ctx: dict[str, Any] = {
        "doc_types": DocType.choices,
        "values": {"doc_type": DocType.RESIDENT_ID, "doc_number": "", "phone": ""},
        "errors": {},
        "searched": False,
        "results": [],
        "may_read_log": tools.may_read_access_log(a),
    }
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip()[:40] for k in ("doc_type", "doc_number", "phone")}
        by = request.POST.get("by", "doc")
        if by == "phone":
            values["doc_number"] = ""
        else:
            values["phone"] = ""
        ctx["values"] = values
        ctx["by"] = by
        if is_ratelimited(request, group="identity.staff_lookup", key="user", rate=_lookup_rate(), increment=True):
            response = render(request, "identity/staff/people.html", {**ctx, "limited": True}, status=429)
            response["Retry-After"] = "600"
            return response
        try:
            found = tools.lookup(**values)
        except ProblemsError as exc:
            ctx["errors"] = _errors(exc)
            return _no_store(render(request, "identity/staff/people.html", ctx, status=400))
        if len(found) == 1:
            return redirect("identity:staff_person", ref=tools.person_ref(a.user_id or 0, found[0].pk))
        ctx["searched"] = True
        ctx["results"] = [tools.person_view(a, p, with_verifications=False) for p in found]
    return _no_store(render(request, "identity/staff/people.html", ctx))


def _person_page(request: HttpRequest, person: Person, *, status: int = 200, **extra: Any) -> HttpResponse:
    a = actor(request)
    errors = extra.pop("errors", {})
    checked = extra.pop("checked", {})
    ctx: dict[str, Any] = {
        "person": tools.person_view(a, person),
        "may_reveal": tools.may_reveal(a),
        "may_verify": tools.may_verify_in_person(a),
        "counter_available": verification.provider_for("counter") is not None,
        "checklist": [
            {"key": key, "label": label, "checked": checked.get(key, False), "error": " ".join(errors.get(key, []))}
            for key, label in verification.COUNTER_CHECKLIST
        ],
        "revealable": list(tools.REVEALABLE.items()),
        "reasons": tools.REASONS,
        "errors": errors,
        "reveal_values": {"field": "doc_number", "reason": ""},
        **extra,
    }
    return _no_store(render(request, "identity/staff/person.html", ctx, status=status))


@login_required
@require_GET
def person_detail(request: HttpRequest, ref: str) -> HttpResponse:
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    return _person_page(request, tools.person_from_ref(a.user_id, ref))


@login_required
@require_POST
def person_verify(request: HttpRequest, ref: str) -> HttpResponse:
    """In-person verification by a window clerk (CounterProvider), after the checklist."""
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    person = tools.person_from_ref(a.user_id, ref)
    checks = {key: request.POST.get(key) == "on" for key, _label in verification.COUNTER_CHECKLIST}
    try:
        row = tools.verify_in_person(a, request.user, person, checks)
    except ProblemsError as exc:
        return _person_page(request, person, status=400, errors=_errors(exc), checked=checks)
    if row.passed:
        messages.success(request, _("Verified in person: the real-name level is now 3."))
    else:
        messages.error(request, verification.detail_text(row.detail))
    return redirect("identity:staff_person", ref=ref)


@login_required
@require_POST
def person_reveal(request: HttpRequest, ref: str) -> HttpResponse:
    """Shows one full value once, in this response only, after recording who saw it and why."""
    a = actor(request)
    if not tools.may_look_up(a):
        raise Http404
    person = tools.person_from_ref(a.user_id, ref)
    field = request.POST.get("field", "")
    reason = request.POST.get("reason", "").strip()[:300]
    try:
        value = tools.reveal(a, request.user, person, field, reason, ip=client_ip(request))
    except ProblemsError as exc:
        return _person_page(
            request, person, status=400, errors=_errors(exc), reveal_values={"field": field, "reason": reason}
        )
    return _person_page(
        request,
        person,
        revealed={"field": field, "label": tools.REVEALABLE[field], "value": value},
        reveal_values={"field": field, "reason": reason},
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """Every full-value view by staff in the reader's scope, newest first."""
    a = actor(request)
    if not tools.may_read_access_log(a):
        raise Http404
    date_from = _date(request.GET.get("from", ""))
    date_to = _date(request.GET.get("to", ""))
    field = request.GET.get("field", "")
    if field not in tools.REVEALABLE:
        field = ""
    rows = tools.access_log(a, date_from=date_from, date_to=date_to, field=field)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            k: v
            for k, v in (
                ("from", date_from.isoformat() if date_from else ""),
                ("to", date_to.isoformat() if date_to else ""),
                ("field", field),
            )
            if v
        }
    )
    return render(
        request,
        "identity/staff/access_log.html",
        {
            "page": page,
            "rows": [tools.access_row(r) for r in page.object_list],
            "filters": {"from": date_from, "to": date_to, "field": field},
            "fields": list(tools.REVEALABLE.items()),
            "query": query,
            "may_look_up": tools.may_look_up(a),
            "people_url": reverse("identity:staff_people"),
        },
    )


urlpatterns = [
    path("workbench/people/", people, name="staff_people"),
    path("workbench/people/access-log/", access_log, name="staff_access_log"),
    path("workbench/people/<str:ref>/", person_detail, name="staff_person"),
    path("workbench/people/<str:ref>/verify/", person_verify, name="staff_person_verify"),
    path("workbench/people/<str:ref>/reveal/", person_reveal, name="staff_person_reveal"),
]
