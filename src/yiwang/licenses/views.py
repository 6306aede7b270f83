"""License pages: the holder's list and license page, its PDF, the public verification page, staff issuing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from yiwang.core import keyset, uploads
from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.replica import reads
from yiwang.identity.access import actor
from yiwang.identity.documents import DocType

from . import access, importer, rendering, services
from .models import License, LicenseType, Status
from .verification import verify_identifier

VERIFY_RATE = "60/m"


def _problem_map(problems: list[Problem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.field, []).append(str(p))
    return out


@require_http_methods(["GET"])
@reads
def verify(request: HttpRequest, identifier: str = "") -> HttpResponse:
    """Public: is this license genuine and in force? Shows only what the printed license shows."""
    identifier = identifier or request.GET.get("identifier", "").strip()
    if is_ratelimited(request, group="licenses.verify", key=ratelimit_key, rate=VERIFY_RATE, increment=True):
        return render(request, "licenses/verify.html", {"limited": True}, status=429)
    verdict = verify_identifier(identifier, request.GET.get("s")) if identifier else None
    ctx: dict[str, Any] = {"identifier": identifier, "verdict": verdict}
    if verdict is not None and verdict.license is not None and verdict.outcome != "forged":
        ctx.update(rendering.context(verdict.license))
    return render(request, "licenses/verify.html", ctx)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in holder's licenses (their own and their enterprises'), with each one's uses."""
    a = actor(request)
    licenses = (
        License.objects.filter(access.holder_q(a))
        .exclude(status=Status.SUPERSEDED)
        .select_related("license_type", "issuer")
        .prefetch_related("uses")
        .order_by("holder_kind", "license_type__code", "-issued_on")
    )
    return render(request, "licenses/mine.html", {"licenses": licenses})


@login_required
def detail(request: HttpRequest, identifier: str) -> HttpResponse:
    a = actor(request)
    lic = access.get_visible(a, identifier)
    holder = access.is_holder(a, lic)
    ctx = rendering.context(lic, full_number=holder)
    ctx.update(
        {
            "is_holder": holder,
            "may_issue": access.may_issue(a, lic.issuer),
            "events": lic.events.select_related("actor", "client").order_by("-at", "-id")[:50],
            "uses": lic.uses.select_related("organisation").all()[:50],
            "versions": _versions(lic),
            "field_specs": lic.license_type.field_specs(),
            "problems": {},
        }
    )
    return render(request, "licenses/detail.html", ctx)


def _versions(lic: License) -> list[License]:
    return list(
        License.objects.filter(license_type_id=lic.license_type_id, issuer_id=lic.issuer_id, serial=lic.serial)
        .only("identifier", "version", "status", "issued_on", "expires_on")
        .order_by("-version")
    )


@login_required
def pdf(request: HttpRequest, identifier: str) -> HttpResponse:
    lic = access.get_visible(actor(request), identifier)
    response = HttpResponse(rendering.pdf_bytes(lic), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{lic.identifier}.pdf"'
    return response


@login_required
@require_http_methods(["POST"])
def act(request: HttpRequest, identifier: str) -> HttpResponse:
    """Staff actions on a license: change, renew, suspend, reinstate, revoke."""
    a = actor(request)
    lic = access.get_visible(a, identifier)
    if not access.may_issue(a, lic.issuer):
        raise Http404
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "change":
            fields = {s["name"]: request.POST.get(f"field_{s['name']}", "") for s in lic.license_type.field_specs()}
            lic = services.change(
                lic, fields=fields, holder_name=request.POST.get("holder_name"), reason=reason, actor=request.user
            )
        elif action == "renew":
            lic = services.renew(lic, reason=reason, actor=request.user)
        elif action in ("suspend", "reinstate", "revoke"):
            lic = getattr(services, action)(lic, reason=reason, actor=request.user)
        else:
            raise Http404
    except ProblemsError as exc:
        ctx = rendering.context(lic)
        ctx.update(
            {
                "is_holder": False,
                "may_issue": True,
                "events": lic.events.order_by("-at", "-id")[:50],
                "uses": lic.uses.all()[:50],
                "versions": _versions(lic),
                "field_specs": lic.license_type.field_specs(),
                "problems": _problem_map(exc.problems),
                "failed_action": action,
            }
        )
        return render(request, "licenses/detail.html", ctx, status=400)
    return redirect("licenses:detail", identifier=lic.identifier)


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    a = actor(request)
    if not a.is_staff_member:
        raise Http404
    staff = access.staff_q(a)
    qs = License.objects.all() if staff is None else License.objects.filter(staff)
    qs = qs.select_related("license_type", "issuer")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(identifier__startswith=q.upper()) | Q(holder_code=q.upper()) | Q(holder_name=q))
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    # Newest first by id, paged by keyset (core.keyset): a city has millions of licenses, no page is deep.
    page = keyset.page(qs, "pk", 50, older=request.GET.get("older"), newer=request.GET.get("newer"))
    return render(
        request,
        "licenses/staff_list.html",
        {"page": page, "q": q, "status": status, "statuses": Status.choices, "may_issue": a.may_write("approver")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_issue(request: HttpRequest) -> HttpResponse:
    """Issue one license: pick the type, then fill in holder and fields."""
    a = actor(request)
    orgs = access.issuing_orgs(a)
    if not orgs.exists():
        raise Http404
    types = LicenseType.objects.filter(Q(issuers__in=orgs) | Q(issuers__isnull=True)).distinct().order_by("code")
    code = request.POST.get("license_type") or request.GET.get("type", "")
    lt = types.filter(code=code).first()
    problems: dict[str, list[str]] = {}
    values = request.POST
    if request.method == "POST" and lt is not None:
        issuer = orgs.filter(pk=request.POST.get("issuer") or 0).first()
        if issuer is None:
            problems = {"issuer": [_("Choose an organisation you issue for.")]}
        else:
            try:
                lic = services.issue(
                    license_type=lt,
                    issuer=issuer,
                    holder_number=request.POST.get("holder_number", ""),
                    holder_name=request.POST.get("holder_name", ""),
                    holder_doc_type=request.POST.get("holder_doc_type") or DocType.RESIDENT_ID,
                    fields={s["name"]: request.POST.get(f"field_{s['name']}", "") for s in lt.field_specs()},
                    issued_on=request.POST.get("issued_on") or None,
                    expires_on=request.POST.get("expires_on") or None,
                    actor=request.user,
                )
                return redirect("licenses:detail", identifier=lic.identifier)
            except ProblemsError as exc:
                problems = _problem_map(exc.problems)
    issuers = orgs.filter(license_types=lt) if lt is not None and lt.issuers.exists() else orgs
    return render(
        request,
        "licenses/staff_issue.html",
        {
            "types": types,
            "license_type": lt,
            "issuers": issuers.order_by("name")[:200],
            "doc_types": DocType.choices,
            "values": values,
            "problems": problems,
            "field_specs": lt.field_specs() if lt else [],
        },
        status=400 if problems else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV/xlsx of licenses: all rows issued, or none and every problem listed."""
    a = actor(request)
    if not access.issuing_orgs(a).exists():
        raise Http404
    result = None
    problems: list[Problem] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = [Problem("file", _("Choose a CSV or xlsx file."), "required")]
        else:
            try:
                checked = uploads.check_or_raise(upload, "file", "license_import")
                allowed = set(access.issuing_orgs(a).values_list("credit_code", flat=True))
                result = importer.import_licenses(
                    checked.content, checked.original_name, actor=request.user, allowed=allowed
                )
                problems = result.problems
            except ProblemsError as exc:
                problems = exc.problems
    return render(
        request,
        "licenses/staff_import.html",
        {"result": result, "problems": problems[:1000], "problem_count": len(problems)},
        status=400 if problems else 200,
    )


@login_required
@reads
def stats(request: HttpRequest) -> HttpResponse:
    """Staff: how many submissions e-licenses saved, per license type, item and month (免证办 statistics)."""
    from . import stats as savings

    a = actor(request)
    if not savings.may_see(a):
        raise Http404
    errors: dict[str, list[str]] = {}
    try:
        since, until = savings.parse_period(request.GET.get("since"), request.GET.get("until"))
    except ProblemsError as exc:
        errors, since, until = _problem_map(exc.problems), None, None
    ctx = {
        "savings": savings.savings(a, since, until),
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
        "errors": errors,
    }
    return render(request, "licenses/stats.html", ctx, status=400 if errors else 200)
