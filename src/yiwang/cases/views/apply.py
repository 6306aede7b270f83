"""Applying online (在线申报): the form, the materials, drafts, and the receipt — pages over `cases.applying`.

The same view serves the portal (desktop and phone, channel "portal" or "mobile") and the self-service kiosk
(channel "kiosk": large touch layout, signed out after the receipt or when left idle). Every rule lives in the apply
command (cases.applying) and the modules it uses (cases.drafts / cases.forms / cases.uploads); this module only
turns requests into calls and pages.

Before the form is shown the command's checks run (`applying.check`): item published and open online, the
person's identity and real-name level, the enterprise chosen in the My Space switcher (its "apply" permission),
the audience and the holder of the result. A refusal is a page that says what to do instead, chosen by the
refusal's code; the same codes come back from the API.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.catalog.models import ServiceItem
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.identity import access, space

from .. import actions, applying, drafts, forms, policy, services
from ..models import Channel, Delivery, Draft

CODE_SESSION_PREFIX = "case-query-code:"
KIOSK_IDLE_SECONDS = 120


def _item(item_code: str) -> Any:
    """The item for the page's title and links (the command itself decides whether it may be applied for)."""
    return (
        ServiceItem.objects.select_related("current", "organisation", "organisation__division")
        .filter(item_code=item_code)
        .first()
    )


def _errors(problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, render_message(p.message, p.params))
    return out


# The refusals that mean "there is nothing here for you" (404), the rest "not for you (yet)" (403).
NOT_FOUND_CODES = ("unknown_item", "not_online")


def _blocked(request: HttpRequest, item: Any, problems: list[Problem], kiosk: bool) -> HttpResponse:
    """The page explaining a refusal of the apply command, chosen by its code (never by rules of its own)."""
    problem = applying.first_blocking(problems) or problems[0]
    context = {
        "item": item,
        "version": item.current if item is not None else None,
        "reason": problem.code,
        "message": render_message(problem.message, problem.params),
        "kiosk": kiosk,
        "enterprise": space.acting_for(request),
        "enterprises": space.enterprises_of(request),
        "problem_codes": [p.code for p in problems],
    }
    status = 404 if problem.code in NOT_FOUND_CODES else 403
    response = render(request, "cases/apply/blocked.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _channel(request: HttpRequest, kiosk: bool) -> str:
    if kiosk:
        return Channel.KIOSK
    via = request.POST.get("via") or request.GET.get("via")
    return Channel.MOBILE if via == "m" else Channel.PORTAL


def _request(request: HttpRequest, item_code: str, kiosk: bool, **extra: Any) -> applying.ApplyRequest:
    """The apply command's request for this page: the signed-in person, for the enterprise chosen in My Space."""
    return applying.ApplyRequest(
        item_code=item_code,
        channel=_channel(request, kiosk),
        enterprise=space.acting_for(request),
        **extra,
    )


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
                applicant.subject,
                fields,
                used_by=item.organisation.name,
                purpose=version.name,
                organisation=item.organisation,
            )
            for name, value in prefilled.items():
                values.setdefault(name, value)
    errors = _errors(problems or [])
    slot_list = drafts.slots(version, applicant, draft)
    kept = []
    if problems is not None:
        # Redisplay the choices just made (not the draft's), so a fix needs only the wrong part; a new file that
        # passed its checks was kept in the draft (cases.applying) and is offered as chosen.
        for slot in slot_list:
            chosen = request.POST.get(slot.key)
            if chosen is not None:
                slot.chosen = chosen
            slot.error = errors.get(slot.field, "")
            slot.consented = bool(request.POST.get(f"{slot.key}-consent"))
            uploaded = request.FILES.get(f"{slot.key}-file") is not None and chosen in (None, "", drafts.UPLOAD)
            if uploaded and not slot.error and drafts.DRAFT in slot.options:
                slot.chosen = drafts.DRAFT
                kept.append(slot.material.name)
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
        **_delivery_context(request, item, applicant, problems is not None),
        "item": item,
        "version": version,
        "organisation": item.organisation,
        "applicant": applicant,
        "rows": _field_rows(fields, values, errors),
        "slots": slot_list,
        "draft": draft,
        "kept": kept,
        "summary": summary,
        "errors_delivery": errors.get("delivery", ""),
        "errors_delivery_address": errors.get("delivery_address", ""),
        "form_error": errors.get("item") or errors.get("state") or errors.get("__all__", ""),
        "problem_codes": [p.code for p in problems or []],
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


def _delivery_context(request: HttpRequest, item: Any, applicant: drafts.Applicant, posted: bool) -> dict[str, Any]:
    """The delivery choice: the ways, the person's address book (masked), and what is chosen — the posted choice
    when the form comes back with errors, else window pickup and the default address."""
    book = list(space.addresses(applicant.person)) if applicant.person is not None else []
    method = request.POST.get("delivery", "") if posted else ""
    address = request.POST.get("delivery_address", "") if posted else ""
    if not posted or not address:
        address = str(next((a.pk for a in book if a.is_default), ""))
    back = reverse("cases:apply", args=[item.item_code])
    return {
        "delivery_methods": Delivery.choices,
        "delivery_chosen": method or Delivery.PICKUP,
        "addresses": book,
        "address_chosen": address,
        "address_book_url": reverse("identity:my_space") + "?" + urlencode({"next": back + "#delivery"}) + "#addresses",
    }


def _max_mb() -> int:
    from ..uploads import max_bytes

    return max_bytes() // (1024 * 1024)


def _apply(request: HttpRequest, item_code: str, kiosk: bool) -> HttpResponse:
    item = _item(item_code)
    caller = actions.Caller.of(request)
    action = request.POST.get("action", "submit") if request.method == "POST" else "show"
    if action not in ("show", "draft", "discard"):
        return _submit(request, caller, item, item_code, kiosk)
    # Showing the form, saving or discarding a draft: the command's checks first, so a refusal is explained before
    # anyone types anything.
    try:
        version, parties = applying.check(caller, _request(request, item_code, kiosk))
    except ProblemsError as exc:
        return _blocked(request, item, exc.problems, kiosk)
    applicant = parties.applicant
    if action == "show":
        return _page(request, item, version, applicant, kiosk=kiosk)
    url = reverse("cases:kiosk_apply" if kiosk else "cases:apply", args=[item_code])
    if action == "discard":
        # Deleting asks first (the confirmation page), then comes back to this form.
        draft = drafts.draft_for(applicant, version)
        if draft is None:
            return redirect(url)
        return redirect(reverse("cases:draft_delete", args=[draft.pk]) + "?" + urlencode({"next": url}))
    fields = forms.fields_of(version)
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
            key=services.normal_key(request.POST.get("idempotency_key")),
            status=400,
        )
    messages.success(request, _("The draft is saved. You can come back to it from this page at any time."))
    return redirect(url + (f"?via={request.POST['via']}" if request.POST.get("via") == "m" else ""))


def _submit(request: HttpRequest, caller: actions.Caller, item: Any, item_code: str, kiosk: bool) -> HttpResponse:
    """Submits through the apply command; a refusal of the whole application is its page, a form problem the form
    again with every problem listed."""
    key = services.normal_key(request.POST.get("idempotency_key"))
    req = _request(
        request,
        item_code,
        kiosk,
        form=request.POST,
        materials=applying.PortalMaterials(request.POST, request.FILES),
        idempotency_key=key,
        delivery=request.POST.get("delivery", ""),
        delivery_address_id=request.POST.get("delivery_address"),
    )
    try:
        done = applying.apply(caller, req)
    except ProblemsError as exc:
        if applying.first_blocking(exc.problems) is not None:
            return _blocked(request, item, exc.problems, kiosk)
        try:
            version, parties = applying.check(caller, req)
        except ProblemsError as again:  # refused meanwhile (the item withdrawn, a permission revoked)
            return _blocked(request, item, again.problems, kiosk)
        return _page(
            request,
            item,
            version,
            parties.applicant,
            kiosk=kiosk,
            values=forms.raw_values(forms.fields_of(version), request.POST),
            problems=exc.problems,
            key=key,
            status=400,
        )
    if done.query_code:  # created now, or a retry whose first answer was lost (the code is kept for a while)
        request.session[CODE_SESSION_PREFIX + done.case.case_number] = done.query_code
    return redirect(reverse("cases:kiosk_receipt" if kiosk else "cases:receipt", args=[done.case.case_number]))


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
    context = {
        "case": case,
        "version": case.version,
        "query_code": code,
        "kiosk": kiosk,
        "offers": [] if kiosk else applying.after_apply_offers(case),
    }
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


def _local(value: str | None, default: str) -> str:
    value = value or ""
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else default


@login_required
@require_http_methods(["GET", "POST"])
def draft_delete(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The 草稿箱's and the form's "delete the draft": a confirmation page, then the draft and its files go.
    Someone else's draft is not found."""
    person = space.person_of(request)
    draft = (
        Draft.objects.select_related("version").filter(pk=draft_id, person=person).first()
        if person is not None
        else None
    )
    if draft is None:
        raise Http404
    back = _local(request.POST.get("next") or request.GET.get("next"), reverse("identity:my_space") + "#panel-drafts")
    if request.method == "POST":
        drafts.discard_draft(draft)
        messages.info(request, _("The draft was deleted."))
        return redirect(back)
    response = render(request, "cases/apply/draft_delete.html", {"draft": draft, "back": back})
    add_never_cache_headers(response)
    return response


urlpatterns = [
    path("my/drafts/<int:draft_id>/delete/", draft_delete, name="draft_delete"),
    path("apply/<str:item_code>/", apply, name="apply"),
    path("apply/receipt/<str:case_number>/", receipt, name="receipt"),
    path("kiosk/apply/<str:item_code>/", kiosk_apply, name="kiosk_apply"),
    path("kiosk/receipt/<str:case_number>/", kiosk_receipt, name="kiosk_receipt"),
    path("kiosk/sign-out/", kiosk_sign_out, name="kiosk_sign_out"),
]
