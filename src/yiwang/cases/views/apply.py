"""Applying online (在线申报): the form, the materials, drafts, submission once per key, and the receipt.

The same view serves the portal (desktop and phone, channel "portal" or "mobile") and the self-service kiosk
(channel "kiosk": large touch layout, signed out after the receipt or when left idle). The rules live in
cases.drafts / cases.forms / cases.uploads; this module only turns requests into calls and pages.

Before the form is shown: the item must be published with online depth II or more; the person must reach the
item's minimum real-name level; when acting for an enterprise (the My Space switcher) they need the "apply"
permission and the item must serve legal persons. Each refusal is a page that says what to do instead.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.catalog.models import OnlineDepth, ServiceItem
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.identity import access, space
from yiwang.identity.models import AgentPermission

from .. import drafts, forms, policy
from ..models import Channel
from ..services import Who

CODE_SESSION_PREFIX = "case-query-code:"
KIOSK_IDLE_SECONDS = 120


def _item_and_version(item_code: str) -> tuple[Any, Any]:
    item = (
        ServiceItem.objects.select_related("current", "organisation", "organisation__division")
        .filter(item_code=item_code, current__isnull=False)
        .first()
    )
    if item is None:
        raise Http404
    return item, item.current


def _errors(problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, render_message(p.message, p.params))
    return out


def _blocked(request: HttpRequest, item: Any, version: Any, reason: str, kiosk: bool, **extra: Any) -> HttpResponse:
    context = {"item": item, "version": version, "reason": reason, "kiosk": kiosk, **extra}
    response = render(request, "cases/apply/blocked.html", context, status=403 if reason != "not_online" else 404)
    add_never_cache_headers(response)
    return response


def _applicant(request: HttpRequest, item: Any, version: Any, kiosk: bool) -> drafts.Applicant | HttpResponse:
    """The applicant, or the page that says why this person cannot apply (yet) and what to do."""
    from yiwang.identity.verification import level_problem

    if version.online_depth < OnlineDepth.INTERACTION:
        return _blocked(request, item, version, "not_online", kiosk)
    person = space.person_of(request)
    if person is None:
        return _blocked(request, item, version, "no_person", kiosk)
    enterprise = space.acting_for(request)
    if enterprise is not None:
        if not access.actor(request).acts_for(enterprise.pk, AgentPermission.APPLY):
            return _blocked(request, item, version, "no_apply_permission", kiosk, enterprise=enterprise)
        if not version.for_enterprises:
            return _blocked(request, item, version, "not_for_enterprises", kiosk, enterprise=enterprise)
    elif not version.for_persons:
        return _blocked(request, item, version, "not_for_persons", kiosk, enterprises=space.enterprises_of(request))
    problem = level_problem(person, version)
    if problem is not None:
        return _blocked(
            request,
            item,
            version,
            "level",
            kiosk,
            message=render_message(problem.message, problem.params),
            person=person,
        )
    return drafts.Applicant(person=person, enterprise=enterprise)


def _channel(request: HttpRequest, kiosk: bool) -> str:
    if kiosk:
        return Channel.KIOSK
    via = request.POST.get("via") or request.GET.get("via")
    return Channel.MOBILE if via == "m" else Channel.PORTAL


def _field_rows(fields: list[forms.Field], values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for f in fields:
        value = values.get(f.name)
        if f.type == "multichoice":
            value = [str(v) for v in value] if isinstance(value, list) else []
        elif f.type == "checkbox":
            value = bool(value) and value not in ("false", "off", "0")
        elif value is None:
            value = ""
        rows.append(
            {
                "field": f,
                "value": value,
                "error": errors.get(f.name, ""),
                "show_if_json": json.dumps(f.show_if, ensure_ascii=False) if f.show_if else "",
                "hidden": not forms.visible(f, values),
            }
        )
    return rows


def _page(
    request: HttpRequest,
    item: Any,
    version: Any,
    applicant: drafts.Applicant,
    *,
    kiosk: bool,
    values: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    key: str | None = None,
    status: int = 200,
) -> HttpResponse:
    fields = forms.fields_of(version)
    draft = drafts.draft_for(applicant, version)
    if values is None:
        if draft is not None:
            values = dict(draft.form_data)
        else:
            older = drafts.latest_draft(applicant, item)
            values = dict(older.form_data) if older is not None else {}
            prefilled = forms.prefill_values(
                applicant.subject, fields, used_by=item.organisation.name, purpose=version.name
            )
            for name, value in prefilled.items():
                values.setdefault(name, value)
    errors = _errors(problems or [])
    slot_list = drafts.slots(version, applicant, draft)
    if problems is not None:
        # Redisplay the choices just made (not the draft's), so a fix needs only the wrong part.
        for slot in slot_list:
            chosen = request.POST.get(slot.key)
            if chosen is not None:
                slot.chosen = chosen
            slot.error = errors.get(slot.field, "")
    field_names = {f.name for f in fields}
    summary = [
        {
            "anchor": f"f-{p.field}" if p.field in field_names else f"mat-{p.field.split('.')[-1]}",
            "message": render_message(p.message, p.params),
            "label": p.extra.get("label", ""),
        }
        for p in problems or []
    ]
    context = {
        "item": item,
        "version": version,
        "organisation": item.organisation,
        "applicant": applicant,
        "rows": _field_rows(fields, values, errors),
        "slots": slot_list,
        "draft": draft,
        "summary": summary,
        "form_error": errors.get("item") or errors.get("state") or errors.get("__all__", ""),
        "key": key or uuid.uuid4().hex,
        "kiosk": kiosk,
        "via": request.GET.get("via") or request.POST.get("via") or "",
        "max_mb": _max_mb(),
        "idle_seconds": KIOSK_IDLE_SECONDS,
        "action": reverse("cases:kiosk_apply" if kiosk else "cases:apply", args=[item.item_code]),
    }
    response = render(request, "cases/apply/form.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _max_mb() -> int:
    from ..uploads import max_bytes

    return max_bytes() // (1024 * 1024)


def _apply(request: HttpRequest, item_code: str, kiosk: bool) -> HttpResponse:
    item, version = _item_and_version(item_code)
    applicant = _applicant(request, item, version, kiosk)
    if isinstance(applicant, HttpResponse):
        return applicant
    if request.method != "POST":
        return _page(request, item, version, applicant, kiosk=kiosk)

    action = request.POST.get("action", "submit")
    fields = forms.fields_of(version)
    key = (request.POST.get("idempotency_key") or "").strip()[:80]
    if action == "discard":
        draft = drafts.draft_for(applicant, version)
        if draft is not None:
            drafts.discard_draft(draft)
        messages.info(request, _("The draft was deleted."))
        return redirect(reverse("cases:kiosk_apply" if kiosk else "cases:apply", args=[item.item_code]))
    if action == "draft":
        _draft, problems = drafts.save_draft(applicant, version, fields, request.POST, request.FILES)
        if problems:
            messages.warning(request, _("The draft is saved, except the files listed below."))
            return _page(
                request,
                item,
                version,
                applicant,
                kiosk=kiosk,
                values=forms.raw_values(fields, request.POST),
                problems=problems,
                key=key,
                status=400,
            )
        messages.success(request, _("The draft is saved. You can come back to it from this page at any time."))
        url = reverse("cases:kiosk_apply" if kiosk else "cases:apply", args=[item.item_code])
        return redirect(url + (f"?via={request.POST['via']}" if request.POST.get("via") == "m" else ""))

    person = applicant.person
    who = Who(
        user=request.user,
        name=person.name,
        role="applicant",
        channel=_channel(request, kiosk),
        on_behalf_of=applicant.enterprise.name if applicant.enterprise is not None else "",
    )
    try:
        case, created = drafts.submit_application(
            applicant=applicant,
            version=version,
            post=request.POST,
            files=request.FILES,
            who=who,
            idempotency_key=key,
        )
    except ProblemsError as exc:
        return _page(
            request,
            item,
            version,
            applicant,
            kiosk=kiosk,
            values=forms.raw_values(fields, request.POST),
            problems=exc.problems,
            key=key,
            status=400,
        )
    if created:
        request.session[CODE_SESSION_PREFIX + case.case_number] = case.query_code
    return redirect(reverse("cases:kiosk_receipt" if kiosk else "cases:receipt", args=[case.case_number]))


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, item_code: str) -> HttpResponse:
    return _apply(request, item_code, kiosk=False)


@login_required
@require_http_methods(["GET", "POST"])
def kiosk_apply(request: HttpRequest, item_code: str) -> HttpResponse:
    return _apply(request, item_code, kiosk=True)


def _receipt(request: HttpRequest, case_number: str, kiosk: bool) -> HttpResponse:
    a = access.actor(request)
    case = access.get_or_404(policy.receipt_cases(a).select_related("version", "organisation"), case_number=case_number)
    code = request.session.pop(CODE_SESSION_PREFIX + case.case_number, None)
    context = {"case": case, "version": case.version, "query_code": code, "kiosk": kiosk}
    response = render(request, "cases/apply/receipt.html", context)
    if kiosk:
        # The kiosk is shared: the receipt is the last page shown to this person.
        logout(request)
    add_never_cache_headers(response)
    return response


@login_required
def receipt(request: HttpRequest, case_number: str) -> HttpResponse:
    return _receipt(request, case_number, kiosk=False)


@login_required
def kiosk_receipt(request: HttpRequest, case_number: str) -> HttpResponse:
    return _receipt(request, case_number, kiosk=True)


@require_POST
def kiosk_sign_out(request: HttpRequest) -> HttpResponse:
    """The kiosk's idle timer (and its "finish" button) end the session and go back to the start."""
    logout(request)
    nxt = request.POST.get("next", "")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    return redirect(nxt)


urlpatterns = [
    path("apply/<str:item_code>/", apply, name="apply"),
    path("apply/receipt/<str:case_number>/", receipt, name="receipt"),
    path("kiosk/apply/<str:item_code>/", kiosk_apply, name="kiosk_apply"),
    path("kiosk/receipt/<str:case_number>/", kiosk_receipt, name="kiosk_receipt"),
    path("kiosk/sign-out/", kiosk_sign_out, name="kiosk_sign_out"),
]
