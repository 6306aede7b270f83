"""Bundle pages: find a bundle, fill its one form, follow the application; and the staff page that defines one.

Every rule lives in bundles.services (which applies through cases.applying); these views turn requests into calls.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.cases import applying, forms
from yiwang.cases.actions import Caller
from yiwang.cases.models import Channel
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.identity import access, space
from yiwang.orgs.admin import holds, limit_to_scope, scope_of
from yiwang.orgs.models import Role

from . import queries, services
from .models import Bundle, BundleStatus

ROLE = Role.CATALOG_ADMIN


def _published(code: str) -> Bundle:
    bundle = Bundle.objects.filter(code=code, status=BundleStatus.PUBLISHED).select_related("organisation").first()
    if bundle is None:
        raise Http404
    return bundle


@require_GET
def bundle_list(request: HttpRequest) -> HttpResponse:
    """Published bundles, found by their name or the everyday words people use (开饭店 → 我要开餐馆)."""
    q = request.GET.get("q", "").strip()[:50]
    bundles = Bundle.objects.filter(status=BundleStatus.PUBLISHED)
    if q:
        bundles = bundles.filter(Q(name__icontains=q) | Q(keywords__icontains=q) | Q(description__icontains=q))
    return render(request, "bundles/list.html", {"bundles": bundles.order_by("name")[:100], "q": q})


def _rows(fields: list[Any], values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
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
    bundle: Bundle,
    *,
    values: dict | None = None,
    problems: list[Problem] | None = None,
    key: str = "",
    status: int = 200,
) -> HttpResponse:
    items = list(bundle.items.select_related("item__current", "item__organisation"))
    qfields = services.question_fields(bundle)
    qnames = {f.name for f in qfields}
    fields = [f for f in services.merged_fields(bundle, items) if f.name not in qnames]
    if values is None:
        person = space.acting_for(request)
        caller = Caller.of(request)
        subject = person
        if subject is None and caller.person_id is not None:
            from yiwang.identity.models import Person

            subject = Person.objects.filter(pk=caller.person_id).first()
        values = (
            forms.prefill_values(subject, fields, used_by=bundle.organisation.name, purpose=bundle.name)
            if subject is not None
            else {}
        )
    errors: dict[str, str] = {}
    for p in problems or []:
        errors.setdefault(p.field, render_message(p.message, p.params))
    summary = [
        {
            "anchor": f"f-{p.field}",
            "message": render_message(p.message, p.params),
            "label": p.extra.get("item") or p.extra.get("label", ""),
        }
        for p in problems or []
    ]
    context = {
        "bundle": bundle,
        "items": items,
        "sum_days": services.promised_sum(items),
        "question_rows": _rows(qfields, values, errors),
        "rows": _rows(fields, values, errors),
        "summary": summary,
        "key": key or uuid.uuid4().hex,
        "enterprise": space.acting_for(request),
    }
    response = render(request, "bundles/apply.html", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def bundle_apply(request: HttpRequest, code: str) -> HttpResponse:
    """The bundle's one form; submitting opens one case per applicable item through the apply door."""
    bundle = _published(code)
    if request.method == "GET":
        return _page(request, bundle)
    key = request.POST.get("idempotency_key", "")
    try:
        done = services.submit(
            Caller.of(request),
            bundle,
            form=request.POST,
            channel=Channel.PORTAL,
            enterprise=space.acting_for(request),
            idempotency_key=key,
        )
    except ProblemsError as exc:
        fields = services.merged_fields(bundle)
        return _page(
            request,
            bundle,
            values=forms.raw_values(fields, request.POST),
            problems=exc.problems,
            key=key,
            status=403 if applying.first_blocking(exc.problems) else 400,
        )
    if done.created:
        messages.success(request, _("Submitted: one application number for every department's case."))
    return redirect(reverse("bundles:mine_one", args=[done.application.number]))


@login_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    apps = list(queries.visible_applications(access.actor(request)).order_by("-submitted_at", "-id")[:50])
    return render(request, "bundles/mine.html", {"applications": queries.with_progress(apps)})


@login_required
@require_GET
def my_application(request: HttpRequest, number: str) -> HttpResponse:
    app = access.get_or_404(queries.visible_applications(access.actor(request)), number=number)
    cases = services.cases_of(app)
    items = list(app.bundle.items.select_related("item__current"))
    context = {
        "application": app,
        "cases": cases,
        "progress": services.progress(cases),
        "sum_days": services.promised_sum(items),
    }
    return render(request, "bundles/application.html", context)


# --- the workbench: defining bundles -----------------------------------------------------------------------------


def _staff_bundles(request: HttpRequest):
    if not holds(request, ROLE):
        return Bundle.objects.none()
    return limit_to_scope(request, Bundle.objects.all(), ROLE, "organisation")


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    if not holds(request, ROLE):
        raise Http404
    return render(request, "bundles/workbench/list.html", {"bundles": _staff_bundles(request).order_by("name")})


def _specs(raw: str) -> tuple[list[services.ItemSpec], list[Problem]]:
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        return [], [Problem("items", _("The items must be valid JSON (a list)."))]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        return [], [Problem("items", _("The items must be a list of objects with an item_code."))]
    return [
        services.ItemSpec(
            item_code=str(d.get("item_code", "")),
            field_map=d.get("field_map") or {},
            applies_if=d.get("applies_if") or {},
        )
        for d in data
    ], []


def _json_field(raw: str, name: str) -> tuple[Any, list[Problem]]:
    try:
        return json.loads(raw or "[]"), []
    except ValueError:
        return [], [Problem(name, _("This must be valid JSON."))]


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Defines a bundle: its name and everyday words, its questions, its items with their field mapping and the
    condition under which each applies; every problem is shown on its field, nothing is saved half."""
    if not holds(request, ROLE):
        raise Http404
    bundle = access.get_or_404(_staff_bundles(request), code=code) if code else None
    orgs = list(scope_of(request, ROLE)[:200]) if not request.user.is_superuser else []
    problems: list[Problem] = []
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if bundle is not None and action in ("publish", "retire"):
            try:
                services.set_status(bundle, BundleStatus.PUBLISHED if action == "publish" else BundleStatus.RETIRED)
                messages.success(request, _("The bundle's status is now: %(s)s.") % {"s": bundle.get_status_display()})
                return redirect(reverse("bundles:edit", args=[bundle.code]))
            except ProblemsError as exc:
                problems = exc.problems
        else:
            specs, problems = _specs(request.POST.get("items", ""))
            questions, qp = _json_field(request.POST.get("questions", ""), "questions")
            problems += qp
            days_raw = request.POST.get("promised_days", "").strip()
            days = int(days_raw) if days_raw.isdigit() else None
            if days_raw and days is None:
                problems.append(Problem("promised_days", _("A whole number of working days from 1 to 365.")))
            org = bundle.organisation if bundle is not None else _organisation(request, orgs)
            if org is None:
                problems.append(Problem("organisation", _("Choose the lead organisation."), "required"))
            if not problems:
                try:
                    bundle = services.save_bundle(
                        organisation=org,
                        code=request.POST.get("code", ""),
                        name=request.POST.get("name", ""),
                        name_en=request.POST.get("name_en", ""),
                        keywords=request.POST.get("keywords", ""),
                        description=request.POST.get("description", ""),
                        questions=questions,
                        promised_days=days,
                        items=specs,
                        bundle=bundle,
                    )
                    messages.success(request, _("The bundle is saved."))
                    return redirect(reverse("bundles:edit", args=[bundle.code]))
                except ProblemsError as exc:
                    problems = exc.problems
    values = _values(request, bundle)
    errors = [{"field": p.field, "message": render_message(p.message, p.params)} for p in problems]
    context = {"bundle": bundle, "values": values, "errors": errors, "orgs": orgs}
    return render(request, "bundles/workbench/edit.html", context, status=400 if problems else 200)


def _organisation(request: HttpRequest, orgs: list[Any]) -> Any:
    from yiwang.orgs.models import Organisation

    raw = request.POST.get("organisation", "")
    if not raw.isdigit():
        return orgs[0] if len(orgs) == 1 else None
    qs = Organisation.objects.all() if request.user.is_superuser else scope_of(request, ROLE)
    return qs.filter(pk=int(raw)).first()


def _values(request: HttpRequest, bundle: Bundle | None) -> dict[str, Any]:
    if request.method == "POST":
        return {
            k: request.POST.get(k, "")
            for k in (
                "code",
                "name",
                "name_en",
                "keywords",
                "description",
                "promised_days",
                "questions",
                "items",
                "organisation",
            )
        }
    if bundle is None:
        return {"questions": "[]", "items": "[]"}
    items = [
        {"item_code": bi.item.item_code, "field_map": bi.field_map, "applies_if": bi.applies_if}
        for bi in bundle.items.select_related("item")
    ]
    return {
        "code": bundle.code,
        "name": bundle.name,
        "name_en": bundle.name_en,
        "keywords": bundle.keywords,
        "description": bundle.description,
        "promised_days": bundle.promised_days or "",
        "questions": json.dumps(bundle.questions, ensure_ascii=False, indent=1),
        "items": json.dumps(items, ensure_ascii=False, indent=1),
    }
