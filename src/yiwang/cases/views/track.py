"""Following a case: my cases, the applicant's case page and its actions, anonymous lookup, notices, messages.

- /my/cases/ lists the person's own cases, or the enterprise's they act for (view_cases permission), newest first.
- /my/cases/<number>/ shows the timeline in the applicant's words, materials, notices, deadlines and result, with
  the actions open to the applicant: supplement (after a one-time correction notice) and withdraw.
- /track/ answers anyone holding the case number and its query code: state and timeline, the applicant's name
  masked. A wrong code and a missing case get the same answer; the number's check character is tested first, and
  lookups are rate limited per address.
- Notices (cases:notice / cases:notice_pdf) open for whoever may see the case: the applicant and the staff.
A case out of reach is 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from yiwang.core import keyset
from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.identity import access, masking, space
from yiwang.identity.models import AgentPermission

from .. import actions, notices, notify, panels, policy, services, uploads
from ..models import Case, CaseMaterial, MaterialSource, Notice, NoticeKind, State
from ..states import TRANSITIONS

PAGE_SIZE = 20
TRACK_RATE = "20/m"
WITHDRAWABLE = TRANSITIONS["withdraw"][0]


def _errors(problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, render_message(p.message, p.params))
    return out


def _no_cache(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def subject_cases(request: HttpRequest):
    """The cases of whoever the person currently acts as: the enterprise (with view_cases) or themself."""
    a = access.actor(request)
    enterprise = space.acting_for(request)
    if enterprise is not None and a.acts_for(enterprise.pk, AgentPermission.VIEW_CASES):
        return Case.objects.filter(enterprise_id=enterprise.pk), enterprise
    if a.person_id is None:
        return Case.objects.none(), None
    return Case.objects.filter(person_id=a.person_id, enterprise__isnull=True), None


def _my_case(request: HttpRequest, case_number: str) -> Case:
    a = access.actor(request)
    return access.get_or_404(
        policy.applicant_cases(a).select_related("version", "organisation", "person"), case_number=case_number
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    qs, enterprise = subject_cases(request)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(state__in=[State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED])
    elif state == "closed":
        qs = qs.exclude(state__in=[State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED])
    qs = qs.only("case_number", "item_name", "state", "submitted_at", "acceptance_due", "promised_due", "concluded_at")
    # Keyset paging (core.keyset): "older" and "newer" links from the rows shown, never an offset.
    page = keyset.page(qs, "submitted_at", PAGE_SIZE, older=request.GET.get("older"), newer=request.GET.get("newer"))
    context = {"page": page, "enterprise": enterprise, "state": state, "today": timezone.localdate()}
    return _no_cache(render(request, "cases/track/my_cases.html", context))


def _correction_items(case: Case) -> list[dict[str, Any]]:
    notice = case.notices.filter(kind=NoticeKind.CORRECTION).order_by("-issued_at", "-id").first()
    return list((notice.content or {}).get("items", [])) if notice else []


def _case_page(
    request: HttpRequest, case: Case, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    a = access.actor(request)
    applicant = policy.is_applicant(a, case)
    materials = list(case.materials.order_by("id"))
    context = {
        "case": case,
        "entries": notices.timeline(case),
        "materials": materials,
        "previewable": uploads.PREVIEWABLE,
        "notices": list(case.notices.order_by("issued_at", "id")),
        "suspension": case.suspensions.filter(ended_on__isnull=True).first(),
        "can_supplement": applicant and case.state == State.CORRECTION,
        "can_withdraw": applicant and case.state in WITHDRAWABLE,
        "correction_items": _correction_items(case) if case.state == State.CORRECTION else [],
        "errors": errors or {},
        "form_error": (errors or {}).get("__all__", ""),
        "today": timezone.localdate(),
        "max_mb": uploads.max_bytes() // (1024 * 1024),
        "sections": panels.case_sections(request, case),
    }
    return _no_cache(render(request, "cases/track/case.html", context, status=status))


@login_required
def case_page(request: HttpRequest, case_number: str) -> HttpResponse:
    case = _my_case(request, case_number)
    notify.mark_read(request.user, case=case)  # opening the case reads its messages
    return _case_page(request, case)


@login_required
@require_POST
def supplement(request: HttpRequest, case_number: str) -> HttpResponse:
    """One form answers the whole correction notice: a file for each listed material."""
    case = _my_case(request, case_number)
    items = _correction_items(case)
    catalog_ids = dict(case.version.materials.values_list("name", "pk"))
    checked, problems = [], []
    for i, it in enumerate(items):
        upload = request.FILES.get(f"item-{i}")
        if upload is None:
            continue
        c, problem = uploads.check(upload, f"item-{i}")
        if problem is not None:
            problems.append(problem)
        else:
            checked.append((str(it.get("material", "")), c))
    if not checked and not problems:
        problems.append(Problem("__all__", _("Upload the corrected materials listed in the notice."), "required"))
    if problems or case.state != State.CORRECTION:
        if case.state != State.CORRECTION:
            problems.append(Problem("__all__", _("This case is no longer waiting for corrections."), "state"))
        return _case_page(request, case, status=400, errors=_errors(problems))
    stored: list[str] = []
    rows = []
    for name, c in checked:
        file_name = uploads.store(c)
        stored.append(file_name)
        rows.append(
            uploads.material_row(
                name=name,
                catalog_material_id=catalog_ids.get(name),
                source=MaterialSource.UPLOAD,
                file=file_name,
                content_type=c.content_type,
                size=c.size,
                sha256=c.sha256,
                reference=c.original_name,
            )
        )
    try:
        actions.supplement(actions.Caller.of(request), case, materials=rows)
    except actions.NotAllowed:
        uploads.discard(stored)
        raise Http404 from None  # sees the case (view_cases) but may not act for the applicant: as if missing
    except ProblemsError as exc:
        uploads.discard(stored)
        return _case_page(request, case, status=400, errors=_errors(exc.problems))
    messages.success(request, _("The corrected materials were sent; the department checks them again."))
    return redirect("cases:case", case.case_number)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, case_number: str) -> HttpResponse:
    case = _my_case(request, case_number)
    if not policy.is_applicant(access.actor(request), case):
        raise Http404  # the confirmation page is offered only to whom the action is open (checked again below)
    errors: dict[str, str] = {}
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()[:500]
        try:
            actions.withdraw(actions.Caller.of(request), case, reason=reason)
        except actions.NotAllowed:
            raise Http404 from None
        except ProblemsError as exc:
            errors = _errors(exc.problems)
        else:
            messages.success(request, _("The application was withdrawn."))
            return redirect("cases:case", case.case_number)
    context = {"case": case, "errors": errors, "can_withdraw": case.state in WITHDRAWABLE}
    return _no_cache(render(request, "cases/track/withdraw.html", context, status=400 if errors else 200))


@login_required
def material_file(request: HttpRequest, case_number: str, pk: int) -> HttpResponse:
    case = _my_case(request, case_number)
    m = access.get_or_404(CaseMaterial.objects.filter(case=case).exclude(file=""), pk=pk)
    return _no_cache(uploads.file_response(m, case.case_number, inline=request.GET.get("inline") == "1"))


@login_required
def progress_pdf(request: HttpRequest, case_number: str) -> HttpResponse:
    case = _my_case(request, case_number)
    pdf = notices.progress_pdf(case, masked_name=masking.mask_name(case.applicant_name))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = notices.disposition(f"{case.case_number}-{_('progress')}.pdf")
    return _no_cache(response)


# --- anonymous lookup ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"errors": {}, "values": {}, "case": None}
    status = 200
    if request.method == "POST":
        if is_ratelimited(request, group="cases.track", key=ratelimit_key, rate=TRACK_RATE, increment=True):
            from yiwang.identity.views import rate_limited

            return rate_limited(request)
        number = request.POST.get("case_number", "").strip().upper().replace(" ", "")
        code = request.POST.get("query_code", "").strip().upper().replace(" ", "")
        context["values"] = {"case_number": number}
        problem = services.case_number_problem(number)
        if problem is not None:
            context["errors"]["case_number"] = str(problem)
            status = 400
        elif not code:
            context["errors"]["query_code"] = _("Enter the query code from your receipt.")
            status = 400
        else:
            case = Case.objects.select_related("organisation").filter(case_number=number).first()
            if case is None or not services.check_query_code(case, code):
                context["errors"]["__all__"] = _(
                    "No case matches this number and query code. Check both against your receipt."
                )
                status = 404
            else:
                context["case"] = case
                context["applicant"] = masking.mask_name(case.applicant_name)
                context["entries"] = notices.timeline(case)
    context["form_error"] = context["errors"].get("__all__", "")
    return _no_cache(render(request, "cases/track/track.html", context, status=status))


# --- notices ---------------------------------------------------------------------------------------------------


def _notice(request: HttpRequest, number: str) -> Notice:
    a = access.actor(request)
    if not a.is_authenticated:
        raise Http404
    return access.get_or_404(
        Notice.objects.select_related("case", "case__organisation").filter(case__in=policy.visible_cases(a)),
        number=number,
    )


@login_required
def notice(request: HttpRequest, number: str) -> HttpResponse:
    n = _notice(request, number)
    context = notices.notice_context(n)
    context["applicant_view"] = policy.is_applicant(access.actor(request), n.case, AgentPermission.VIEW_CASES)
    return _no_cache(render(request, "cases/notices/notice.html", context))


@login_required
def notice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    n = _notice(request, number)
    response = HttpResponse(notices.notice_pdf(n), content_type="application/pdf")
    title = notices.TITLES.get(n.kind, n.get_kind_display())
    response["Content-Disposition"] = notices.disposition(f"{n.number}-{title}.pdf")
    return _no_cache(response)


# --- messages --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notify.mark_read(request.user)
        return redirect("cases:messages")
    page = keyset.page(
        notify.inbox(request.user),
        "created_at",
        PAGE_SIZE,
        older=request.GET.get("older"),
        newer=request.GET.get("newer"),
    )
    # The messages shown are read now (they still carry "new" on this page); the header's count drops with them.
    notify.mark_read(request.user, [m.pk for m in page if m.read_at is None])
    context = {"page": page, "unread": notify.unread_count(request.user)}
    return _no_cache(render(request, "cases/track/messages.html", context))


urlpatterns = [
    path("my/cases/", my_cases, name="my_cases"),
    path("my/cases/<str:case_number>/", case_page, name="case"),
    path("my/cases/<str:case_number>/supplement/", supplement, name="supplement"),
    path("my/cases/<str:case_number>/withdraw/", withdraw, name="withdraw"),
    path("my/cases/<str:case_number>/progress.pdf", progress_pdf, name="progress_pdf"),
    path("my/cases/<str:case_number>/materials/<int:pk>/", material_file, name="material_file"),
    path("my/messages/", inbox, name="messages"),
    path("track/", track, name="track"),
    path("notices/<str:number>/", notice, name="notice"),
    path("notices/<str:number>/pdf/", notice_pdf, name="notice_pdf"),
]
