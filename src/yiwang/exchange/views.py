"""The exchange workbench (staff pages): the catalog, a resource with its requests and grants, and call statistics.

Every staff member reads the public catalog; the provider's data officer decides the access requests for the
resources they keep; a data officer asks for access for their own department; data officers and supervisors read
the call statistics of the organisations they reach. A resource out of reach is not found (404), like a missing one.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import ProblemsError
from yiwang.identity import access as id_access

from . import catalog, fielddefs, grants, policy, stats
from .models import RequestStatus, SharingType


def _reader(request: HttpRequest) -> id_access.Actor:
    a = id_access.actor(request)
    if not policy.reads_catalog(a):
        raise PermissionDenied(_("The data sharing workbench is for staff members."))
    return a


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The catalog: search by words, pinyin or initials; filter by sharing type."""
    a = _reader(request)
    q = request.GET.get("q", "")[:100]
    sharing = request.GET.get("sharing", "")
    qs = catalog.filter_catalog(policy.visible_resources(a), sharing=sharing)
    pending = policy.visible_requests(a).filter(status=RequestStatus.PENDING)
    return render(
        request,
        "exchange/index.html",
        {
            "resources": catalog.search(qs, q, limit=100),
            "q": q,
            "sharing": sharing,
            "sharing_choices": SharingType.choices,
            "pending": pending.count() if policy.uses_exchange(a) else 0,
            "reads_stats": policy.uses_exchange(a),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource(request: HttpRequest, code: str) -> HttpResponse:
    """One resource: its fields, services and health; for its keeper the requests to decide and the grants; for a
    data officer of another department, the form asking for access."""
    a = _reader(request)
    r = policy.resource_or_404(a, code)
    keeps = policy.keeps(a, r)
    orgs = list(policy.acting_orgs(a).exclude(pk=r.provider_id)[:50]) if policy.is_officer(a) else []
    errors: dict[str, str] = {}
    if request.method == "POST":
        org = next((o for o in orgs if str(o.pk) == request.POST.get("consumer")), None)
        if org is None:
            raise Http404
        try:
            grants.request_access(
                resource=r,
                consumer=org,
                fields=request.POST.getlist("fields"),
                purpose=request.POST.get("purpose", ""),
                legal_basis=request.POST.get("legal_basis", ""),
                valid_until=request.POST.get("valid_until", ""),
                user=request.user,
            )
        except ProblemsError as exc:
            errors = {p.field: str(p) for p in exc.problems}
        else:
            messages.success(request, _("Your request was recorded."))
            return redirect(reverse("exchange:resource", args=[r.code]))
    requests_qs = policy.visible_requests(a).filter(resource=r).select_related("consumer")[:100]
    grants_qs = policy.visible_grants(a).filter(resource=r).select_related("consumer")[:100]
    return render(
        request,
        "exchange/resource.html",
        {
            "r": r,
            "fields": fielddefs.normalise(r.fields),
            "services": r.services.filter(active=True),
            "keeps": keeps,
            "requests": requests_qs,
            "grants": grants_qs,
            "orgs": orgs,
            "errors": errors,
            "post": request.POST if request.method == "POST" else {},
        },
        status=response_status(errors),
    )


def response_status(errors: dict[str, str]) -> int:
    return 400 if errors else 200


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The provider's decision on a pending request: approve (the fields asked, sensitive ones masked) or refuse
    with grounds."""
    a = _reader(request)
    req = policy.visible_requests(a).select_related("resource__provider__division").filter(pk=pk).first()
    if req is None or not policy.keeps(a, req.resource):
        raise Http404
    try:
        grants.decide(
            req, approve=request.POST.get("decision") == "approve", user=request.user, note=request.POST.get("note", "")
        )
    except ProblemsError as exc:
        for p in exc.problems:
            messages.error(request, str(p))
    else:
        messages.success(request, _("The decision was recorded."))
    return redirect(reverse("exchange:resource", args=[req.resource.code]))


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Calls per resource, consumer and day for the organisations the caller reaches (from the daily rollups)."""
    a = _reader(request)
    if not policy.uses_exchange(a):
        raise PermissionDenied(_("Call statistics are for data officers and supervisors."))
    since, until = stats.default_range()
    try:
        since = dt.date.fromisoformat(request.GET["since"]) if request.GET.get("since") else since
        until = dt.date.fromisoformat(request.GET["until"]) if request.GET.get("until") else until
    except ValueError:
        pass
    f = stats.Filter(since=since, until=until)
    orgs = policy.stats_orgs(a)
    days = stats.by_day(orgs, f)
    peak = max((d["calls"] for d in days), default=0) or 1
    return render(
        request,
        "exchange/statistics.html",
        {
            "f": f,
            "totals": stats.totals(orgs, f),
            "resources": stats.by_resource(orgs, f)[:50],
            "consumers": stats.by_consumer(orgs, f)[:50],
            "days": [{**d, "pct": round(100 * d["calls"] / peak)} for d in days],
        },
    )
