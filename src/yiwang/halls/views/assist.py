"""Helpers (帮办代办) and bank outlet staff (政银通办): start an application for a person, record the person's
consent (helpers: SMS code or signature), fill in the form, submit through the one apply door. Accounts that are
neither a helper nor bank staff anywhere are refused (403); a consent or case of someone else is not found (404)."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.cases import actions, applying
from yiwang.cases import forms as case_forms
from yiwang.cases.models import Channel
from yiwang.catalog.models import Material
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import masking
from yiwang.identity.documents import DocType
from yiwang.identity.models import Enterprise, Person
from yiwang.orgs.models import Hall

from .. import assist
from ..models import AgencyProject, AssistedCase, Consent, ConsentMethod, HallKind, StaffKind
from . import problem_map

BANK_SESSION = "halls_bank_pending"
CODE_SESSION = "halls_assist_code:"


def _halls(request: HttpRequest) -> tuple[list[Hall], list[Hall]]:
    """(service points where the account helps, bank outlets where it works); 403 when both are empty."""
    helper = list(assist.staff_halls(request.user, StaffKind.HELPER).order_by("name"))
    bank = list(assist.staff_halls(request.user, StaffKind.BANK).order_by("name"))
    if not helper and not bank:
        raise PermissionDenied(_("These pages are for helpers of service points and staff of bank outlets."))
    return helper, bank


def _signature(data_url: str) -> bytes | None:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        return None
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return None


def _enterprise(credit_code: str) -> Enterprise | None:
    code = (credit_code or "").strip()
    return applying.enterprise_by_code(code, "credit_code") if code else None


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """Start an application for a person: who, which item, where; helpers also record the consent."""
    helper_halls, bank_halls = _halls(request)
    halls = {h.pk: h for h in [*helper_halls, *bank_halls]}
    problems: list[Problem] = []
    values: dict[str, Any] = {"method": ConsentMethod.SMS}
    if request.method == "POST":
        P = request.POST
        values = {k: P.get(k, "").strip() for k in ("hall", "name", "doc_type", "doc_number", "item_code")}
        values.update(credit_code=P.get("credit_code", "").strip(), project=P.get("project", ""))
        values["method"] = P.get("method", ConsentMethod.SMS)
        hall = halls.get(int(values["hall"])) if values["hall"].isdigit() else None
        try:
            if hall is None:
                raise ProblemsError([Problem("hall", _("Choose where you work today."), "required")])
            person = assist.find_person(values["name"], values["doc_type"], values["doc_number"])
            enterprise = _enterprise(values["credit_code"])
            if hall.profile.kind == HallKind.BANK:
                caller = actions.Caller.of(request)
                req = applying.ApplyRequest(
                    item_code=values["item_code"], channel=Channel.BANK, person=person, enterprise=enterprise, hall=hall
                )
                applying.check(caller, req)
                request.session[BANK_SESSION] = {
                    "hall": hall.pk,
                    "person": person.pk,
                    "enterprise": enterprise.pk if enterprise else None,
                    "item_code": values["item_code"],
                }
                return redirect("halls:assist_bank_apply")
            started = assist.start_consent(
                request.user,
                hall,
                person=person,
                enterprise=enterprise,
                item_code=values["item_code"],
                method=values["method"],
                signature=_signature(P.get("signature", "")),
            )
            if values["project"].isdigit():
                request.session[f"halls_project:{started.consent.pk}"] = int(values["project"])
            if started.consent.confirmed_at is None:
                return redirect("halls:assist_consent", started.consent.pk)
            return redirect("halls:assist_apply", started.consent.pk)
        except ProblemsError as exc:
            problems = exc.problems
    context = {
        "helper_halls": helper_halls,
        "bank_halls": bank_halls,
        "doc_types": DocType.choices,
        "methods": ConsentMethod.choices,
        "values": values,
        "errors": problem_map(problems),
        "problem_list": [str(p) for p in problems],
        "projects": list(assist.projects_of(request.user)[:50]) if helper_halls else [],
        "recent": list(
            AssistedCase.objects.filter(helper=request.user).select_related("case", "hall").order_by("-created_at")[:20]
        ),
        "bank_items": list(assist.bank_items(bank_halls[0])[:100]) if bank_halls else [],
        "pickups": [(h, list(assist.pickups_at(h)[:50])) for h in bank_halls],
    }
    return render(request, "halls/workbench/assist.html", context, status=400 if problems else 200)


def _consent(request: HttpRequest, consent_id: int) -> Consent:
    consent = (
        Consent.objects.select_related("person", "enterprise", "hall")
        .filter(pk=consent_id, helper=request.user, case__isnull=True)
        .first()
    )
    if consent is None:
        raise Http404
    return consent


@login_required
@require_http_methods(["GET", "POST"])
def consent_page(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The SMS code the person reads out confirms the consent."""
    _halls(request)
    consent = _consent(request, consent_id)
    if consent.confirmed_at is not None:
        return redirect("halls:assist_apply", consent.pk)
    problems: list[Problem] = []
    if request.method == "POST":
        try:
            assist.confirm_consent(request.user, consent.pk, request.POST.get("code", ""))
            return redirect("halls:assist_apply", consent.pk)
        except ProblemsError as exc:
            problems = exc.problems
    context = {
        "consent": consent,
        "phone": masking.mask_phone(consent.person.phone),
        "errors": problem_map(problems),
    }
    return render(request, "halls/workbench/assist_consent.html", context, status=400 if problems else 200)


def _form_page(
    request: HttpRequest,
    *,
    channel: str,
    hall: Hall,
    person: Person,
    enterprise: Enterprise | None,
    item_code: str,
    consent: Consent | None = None,
    project: AgencyProject | None = None,
) -> HttpResponse:
    item_version = applying.published_version(item_code)
    fields = case_forms.fields_of(item_version)
    materials = list(Material.objects.filter(version=item_version).order_by("order", "id"))
    context: dict[str, Any] = {
        "channel": channel,
        "hall": hall,
        "person": person,
        "enterprise": enterprise,
        "masked_doc": masking.mask_id_number(person.doc_number),
        "version": item_version,
        "item_code": item_code,
        "consent": consent,
        "project": project,
        "fields": fields,
        "materials": materials,
        "values": {},
        "checked": set(),
        "errors": {},
        "problem_list": [],
        "key": uuid.uuid4().hex,
    }
    if request.method == "POST":
        P = request.POST
        checked = tuple(int(v) for v in P.getlist("materials") if v.isdigit())
        try:
            done = assist.apply_assisted(
                actions.Caller.of(request),
                channel=channel,
                hall=hall,
                item_code=item_code,
                person=person,
                enterprise=enterprise,
                form=P,
                material_ids=checked,
                consent_id=consent.pk if consent else None,
                project_id=project.pk if project else None,
                idempotency_key=P.get("key", ""),
            )
        except ProblemsError as exc:
            context.update(
                values=case_forms.raw_values(fields, P),
                checked=set(checked),
                errors=problem_map(exc.problems),
                problem_list=[str(p) for p in exc.problems],
                key=P.get("key", "") or context["key"],
            )
            return render(request, "halls/workbench/assist_apply.html", context, status=400)
        if done.query_code:
            request.session[CODE_SESSION + done.case.case_number] = done.query_code
        request.session.pop(BANK_SESSION, None)
        return redirect("halls:assist_done", done.case.case_number)
    return render(request, "halls/workbench/assist_apply.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def apply_helper(request: HttpRequest, consent_id: int) -> HttpResponse:
    """A helper fills in the form for the person who consented, ticks the materials seen, and submits."""
    _halls(request)
    consent = _consent(request, consent_id)
    if consent.confirmed_at is None:
        return redirect("halls:assist_consent", consent.pk)
    if consent.expires_at <= timezone.now():
        raise Http404
    project_id = request.session.get(f"halls_project:{consent.pk}")
    project = AgencyProject.objects.filter(pk=project_id or 0, helper=request.user).first()
    return _form_page(
        request,
        channel=Channel.HELPER,
        hall=consent.hall,
        person=consent.person,
        enterprise=consent.enterprise,
        item_code=consent.item_code,
        consent=consent,
        project=project,
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply_bank(request: HttpRequest) -> HttpResponse:
    """Bank outlet staff fill in the form for the person at their counter and submit with channel "bank"."""
    _helper, bank_halls = _halls(request)
    pending = request.session.get(BANK_SESSION) or {}
    hall = next((h for h in bank_halls if h.pk == pending.get("hall")), None)
    person = Person.objects.filter(pk=pending.get("person") or 0).first()
    if hall is None or person is None:
        return redirect("halls:assist")
    enterprise = Enterprise.objects.filter(pk=pending.get("enterprise") or 0).first()
    return _form_page(
        request,
        channel=Channel.BANK,
        hall=hall,
        person=person,
        enterprise=enterprise,
        item_code=pending.get("item_code", ""),
    )


@login_required
@require_GET
def done(request: HttpRequest, case_number: str) -> HttpResponse:
    """The receipt: case number and query code (shown once) to hand to the person, who helped, where, for whom."""
    _halls(request)
    row = (
        AssistedCase.objects.select_related("case", "hall", "person", "enterprise")
        .filter(case__case_number=case_number, helper=request.user)
        .first()
    )
    if row is None:
        raise Http404
    code = request.session.pop(CODE_SESSION + case_number, None)
    return render(request, "halls/workbench/assist_done.html", {"row": row, "query_code": code})
