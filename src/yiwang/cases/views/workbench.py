"""The staff workbench for cases: to-do lists, the case page with its actions, batch actions, and the window.

Views stay thin: lists come from cases.queries, every action is one cases.actions function (the policy check, the
`Who`, the locked write through cases.services), window submissions go through the apply command
(cases.applying, via cases.window). Every action form posts the case revision the page showed; the action runs
under a row lock and is refused as "someone changed this case" when the revision moved, so a stale page or a
double click never acts twice. A case outside the staff member's reach is 404, exactly like a missing one;
supervisors read everything in their division and every POST from them is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.calendar import workdays
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import masking, navigation
from yiwang.identity.access import Actor, actor, get_or_404
from yiwang.identity.documents import DocType
from yiwang.identity.models import Enterprise, Person
from yiwang.identity.verification import COUNTER_CHECKLIST
from yiwang.orgs.models import Role

from .. import actions, applying, policy, queries, results, services, states, uploads, window
from .. import forms as case_forms
from ..models import (
    Case,
    CaseMaterial,
    CaseStep,
    Channel,
    Decision,
    Delivery,
    MaterialSource,
    State,
    SuspensionKind,
)
from ..states import ACTION_NAMES

WINDOW_SESSION_KEY = "window_applicant"
WINDOW_ENTERPRISE_KEY = "window_enterprise"
BATCH_MAX = 50
FREE_CORRECTION_ROWS = 3


# --- who is asking ---------------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Actor:
    """The actor, who must hold a case role (window, review, approval, supervision); others are refused."""
    a = actor(request)
    if not (a.is_superuser or any(a.has_role(r) for r in policy.STAFF_ROLES)):
        raise PermissionDenied
    return a


def _staff_cases(a: Actor):
    return Case.objects.filter(policy.staff_q(a))


def _current_step(case: Case, steps: list[CaseStep]) -> CaseStep | None:
    return actions.current_step(case, steps)


# --- lists -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The to-do lists of every role the staff member holds, with filters, search and paging."""
    a = _staff(request)
    available = queries.queues_for(a)
    keys = [q.key for q in available]
    queue = request.GET.get("queue", "")
    f = queries.parse_filters(request.GET)
    counted: tuple[int, bool] | None = None
    if queue in keys:  # the tabs and the list shown counted in one statement
        counts, counted = queries.queue_counts(a, available, also=(queries.QUEUE_BY_KEY[queue], f))
    else:  # the landing queue depends on the tabs' counts
        queue, counts, counted = queries.landing(a, available, f)
    spec = queries.QUEUE_BY_KEY[queue]
    page = queries.list_page(a, queue, f, request.GET.get("page", 1), counted=counted)
    params = f.as_params()
    params["queue"] = queue
    context = {
        "queues": available,
        "queue": spec,
        "tabs": [(q, counts.get(q.key)) for q in available],
        "filters": f,
        "problems": f.problems,
        "page": page,
        "params": params,
        "states": State.choices,
        "channels": Channel.choices,
        "batch_ops": _batch_ops(a, spec),
        "warning_percent": round(queries.warning_fraction() * 100),
        "read_only": not any(a.may_write(r) for r in (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER)),
        "may_window": navigation.may_open(a, "window"),
    }
    return render(request, "cases/workbench/list.html", context)


def _batch_ops(a: Actor, queue: queries.Queue) -> list[tuple[str, str]]:
    ops = []
    if queue.key in ("accept", "answered") and any(a.may_write(r) for r in (Role.WINDOW_CLERK, Role.REVIEWER)):
        ops.append(("accept", _("Accept the selected cases")))
    if queue.key in ("reviewer", "approver"):
        ops.append(("claim", _("Claim the selected steps")))
    if queue.key == "deliver":
        ops.append(("pickup", _("Record pickup at the window for the selected cases")))
    return ops


# --- the case page ---------------------------------------------------------------------------------------------


def _field_rows(case: Case) -> list[tuple[str, Any]]:
    """The form data with the version's labels, in the form's order (unknown keys last, by name)."""
    data = dict(case.form_data or {})
    rows: list[tuple[str, Any]] = []
    try:
        fields = case_forms.fields_of(case.version)
    except Exception:  # a malformed historic definition must not hide the data
        fields = []
    for f in fields:
        if f.name in data:
            value = data.pop(f.name)
            if f.type == "checkbox":
                value = _("Yes") if value else _("No")
            elif f.type in ("choice", "multichoice"):
                names = dict(f.display_choices)
                values = value if isinstance(value, list) else [value]
                value = "、".join(str(names.get(str(v), v)) for v in values)
            rows.append((f.display_label, value))
    for key in sorted(data):
        rows.append((key, data[key]))
    return rows


def _notice_links(notice) -> dict[str, str]:
    """The applicant-side notice page and PDF (cases:notice / cases:notice_pdf), when those pages exist."""
    out = {}
    for key, name in (("page_url", "notice"), ("pdf_url", "notice_pdf")):
        try:
            out[key] = reverse(f"cases:{name}", args=[notice.number])
        except NoReverseMatch:
            out[key] = ""
    return out


def _event_rows(case: Case) -> list[dict[str, Any]]:
    rows = []
    for ev in case.events.select_related("organisation").order_by("seq"):
        data = ev.data or {}
        details = []
        for key in ("note", "reason", "opinion", "result", "remedies", "method", "tracking_number", "kind"):
            if data.get(key):
                details.append(states.detail_label(key, data[key]))
        if data.get("decision"):
            details.insert(0, str(Decision(data["decision"]).label) if data["decision"] in Decision.values else "")
        if data.get("name"):
            details.insert(0, str(data["name"]))
        for it in data.get("items", []) or []:
            if isinstance(it, dict):
                details.append(f"{it.get('material', '')}: {it.get('note', '')}")
        rows.append(
            {
                "seq": ev.seq,
                "at": ev.at,
                "action": str(ACTION_NAMES.get(ev.action, ev.action)),
                "state": str(State(ev.to_state).label) if ev.to_state in State.values else "",
                "actor": states.actor_label(ev.actor_name, ev.role),
                "role": states.role_label(ev.role),
                "organisation": ev.organisation.name if ev.organisation_id else "",
                "channel": states.channel_label(ev.channel),
                "on_behalf_of": ev.on_behalf_of,
                "details": [d for d in details if d],
            }
        )
    return rows


def _deadlines(case: Case, steps: list[CaseStep], suspensions: list) -> dict[str, Any]:
    cal = workdays.snapshot()
    intervals = [(s.started_on, s.ended_on) for s in suspensions]
    now = timezone.now()
    step = _current_step(case, steps)
    step_clock = None
    if step is not None and step.due:
        step_clock = queries.clock(
            cal,
            timezone.localdate(step.started_at) if step.started_at else None,
            step.due,
            stopped=case.state == State.SUSPENDED,
            stopped_reason=_("Special procedure"),
            now=now,
            suspensions=intervals,
        )
    dates = [case.acceptance_due, case.statutory_due, case.promised_due, step.due if step else None]
    return {
        "case_clock": queries.case_clock(cal, case, now, intervals),
        "step": step,
        "step_clock": step_clock,
        "warnings": workdays.calendar_warnings(*[d for d in dates if d]),
    }


def _context(request: HttpRequest, a: Actor, case: Case, **extra: Any) -> dict[str, Any]:
    steps = list(case.steps.select_related("organisation", "assignee").order_by("order"))
    suspensions = list(case.suspensions.all())
    step = _current_step(case, steps)
    allowed = actions.available(actions.Caller.of(request), case, step)
    # A material the applicant provided as an e-license is never asked for again (免证办).
    by_license = set(case.materials.filter(source=MaterialSource.LICENSE).values_list("catalog_material_id", flat=True))
    catalog_materials = [m for m in case.version.materials.order_by("order", "id") if m.pk not in by_license]
    notices = list(case.notices.order_by("issued_at", "id"))
    posted = extra.get("posted") or {}
    errors = extra.get("errors") or {}
    correction_rows = [
        {
            "material": m,
            "checked": bool(posted.get(f"material_{m.pk}")),
            "note": posted.get(f"note_{m.pk}", ""),
            "errors": errors.get(f"note_{m.pk}", []),
        }
        for m in catalog_materials
    ]
    free_rows = [
        {
            "i": i,
            "name": posted.get(f"extra_name_{i}", ""),
            "note": posted.get(f"extra_note_{i}", ""),
            "errors": errors.get(f"extra_name_{i}", []) + errors.get(f"extra_note_{i}", []),
        }
        for i in range(FREE_CORRECTION_ROWS)
    ]
    context = {
        "case": case,
        "correction_rows": correction_rows,
        "free_rows": free_rows,
        "fields": _field_rows(case),
        "materials": list(case.materials.order_by("id")),
        "previewable": uploads.PREVIEWABLE,
        "events": _event_rows(case),
        "notices": [{"notice": n, **_notice_links(n)} for n in notices],
        "steps": steps,
        "suspensions": suspensions,
        "open_suspension": next((s for s in suspensions if s.ended_on is None), None),
        "current_step": step,
        "current_step_has_next": step is not None and any(s.order > step.order for s in steps),
        "items_errors": errors.get("items", []),
        "problem_list": [m for msgs in errors.values() for m in msgs],
        "earlier_steps": [s for s in steps if step is not None and s.order < step.order],
        "actions": allowed,
        "any_action": any(allowed.values()),
        "deadlines": _deadlines(case, steps, suspensions),
        "decisions": Decision.choices,
        "suspension_kinds": SuspensionKind.choices,
        "delivery_methods": Delivery.choices,
        "today": timezone.localdate(),
        "errors": {},
        "posted": {},
        "action": "",
        "masked_applicant": masking.mask_name(case.applicant_name) if case.enterprise_id is None else "",
        # Before the last step is completed: would the e-license be issued? After approval: why it was not.
        "result_problems": results.problems(case)
        if allowed.get("complete") and step is not None and not any(s.order > step.order for s in steps)
        else [],
        "license_failure": results.not_issued_reason(case) if case.state == State.APPROVED else "",
    }
    context.update(extra)
    return context


def _load_case(a: Actor, case_number: str) -> Case:
    qs = _staff_cases(a).select_related("version", "organisation", "item")
    return get_or_404(qs, case_number=case_number)


@login_required
@require_http_methods(["GET"])
def case_page(request: HttpRequest, case_number: str) -> HttpResponse:
    a = _staff(request)
    case = _load_case(a, case_number)
    return render(request, "cases/workbench/case.html", _context(request, a, case))


@login_required
@require_http_methods(["GET"])
def material_file(request: HttpRequest, case_number: str, pk: int) -> FileResponse:
    """A case material for staff in reach: downloaded as 申办流水号-材料名.ext, or previewed in the browser (?inline=1)
    when it is a PDF or an image (checked by content on upload; other kinds are always downloaded)."""
    a = _staff(request)
    case = _load_case(a, case_number)
    m = get_or_404(CaseMaterial.objects.filter(case=case).exclude(file=""), pk=pk)
    return uploads.file_response(m, case.case_number, inline=request.GET.get("inline") == "1")


# --- actions ---------------------------------------------------------------------------------------------------


def _revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


def _step_id(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("step", ""))
    except ValueError:
        return None


def _attachments(request: HttpRequest) -> list[dict]:
    """Uploaded opinion attachments, checked by content (cases.uploads) and stored through Django storage.

    Files are stored only when every one passed; the caller's transaction decides whether they become materials
    (files of a refused action are removed again by `_discard_on_rollback`).
    """
    checked, problems = [], []
    for upload in request.FILES.getlist("attachments"):
        item, problem = uploads.check(upload, "attachments")
        if problem is not None:
            problems.append(problem)
        else:
            checked.append(item)
    if problems:
        raise ProblemsError(problems)
    rows = []
    for item in checked:
        name = uploads.store(item)
        _stored(request).append(name)
        rows.append(
            uploads.material_row(
                name=_("Attachment to the opinion: %(name)s") % {"name": item.original_name[:120]},
                catalog_material_id=None,
                source=MaterialSource.UPLOAD,
                file=name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
            )
        )
    return rows


def _stored(request: HttpRequest) -> list[str]:
    if not hasattr(request, "_workbench_stored"):
        request._workbench_stored = []  # type: ignore[attr-defined]
    return request._workbench_stored  # type: ignore[attr-defined]


def _date_field(raw: str, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ProblemsError([Problem(name, _("Enter a date as YYYY-MM-DD."), "invalid")]) from None


def _correction_items(request: HttpRequest, case: Case) -> list[dict]:
    items = []
    problems = []
    for m in case.version.materials.order_by("order", "id"):
        if request.POST.get(f"material_{m.pk}"):
            note = request.POST.get(f"note_{m.pk}", "").strip()[:300]
            if not note:
                problems.append(
                    Problem(f"note_{m.pk}", _("Say what is wrong with this material and how to fix it."), "required")
                )
            items.append({"material": m.name, "note": note, "catalog_material_id": m.pk})
    for i in range(FREE_CORRECTION_ROWS):
        name = request.POST.get(f"extra_name_{i}", "").strip()[:200]
        note = request.POST.get(f"extra_note_{i}", "").strip()[:300]
        if name or note:
            if not name:
                problems.append(Problem(f"extra_name_{i}", _("Name the material."), "required"))
            if not note:
                problems.append(
                    Problem(f"extra_note_{i}", _("Say what is wrong with this material and how to fix it."), "required")
                )
            items.append({"material": name, "note": note})
    if problems:
        raise ProblemsError(problems)
    if not items:
        raise ProblemsError(
            [Problem("items", _("List every material that is missing or must be corrected, at once."), "required")]
        )
    return items


def _run(request: HttpRequest, case: Case, action: str) -> str:
    """Performs one action through cases.actions (which checks the policy and the revision under the row lock)
    and returns the success message."""
    P = request.POST
    caller = actions.Caller.of(request)
    rev = _revision(request)
    rev = -1 if rev is None else rev  # a form without the revision it showed is stale by definition
    if action == "accept":
        actions.accept(caller, case, note=P.get("note", "").strip()[:500], expected_revision=rev)
        return _("The case was accepted; the acceptance notice was issued.")
    if action == "correction":
        items = _correction_items(request, case)
        actions.request_correction(caller, case, items, note=P.get("note", "").strip()[:500], expected_revision=rev)
        return _("The one-time correction notice was issued.")
    if action == "not_accept":
        actions.not_accept(
            caller,
            case,
            reason=P.get("reason", "").strip()[:1000],
            remedies=P.get("remedies", "").strip()[:1000],
            expected_revision=rev,
        )
        return _("The notice of non-acceptance was issued.")
    if action in ("claim", "release", "complete", "return"):
        step = get_or_404(CaseStep.objects.filter(case=case), pk=_step_id(request) or 0)
        if action == "claim":
            actions.claim(caller, case, step_id=step.pk, expected_revision=rev)
            return _("The step is now in your hands.")
        if action == "release":
            actions.release(caller, case, step_id=step.pk, expected_revision=rev)
            return _("The step was released for a colleague to claim.")
        if action == "complete":
            actions.complete_step(
                caller,
                case,
                decision=P.get("decision", ""),
                opinion=P.get("opinion", "").strip()[:2000],
                step_id=step.pk,
                attachments=_attachments(request),
                expected_revision=rev,
            )
            return _("Your opinion was recorded.")
        try:
            to_order = int(P.get("to_order", ""))
        except ValueError:
            raise ProblemsError([Problem("to_order", _("Choose an earlier step of this case."), "invalid")]) from None
        actions.return_step(
            caller,
            case,
            to_order=to_order,
            reason=P.get("reason", "").strip()[:1000],
            step_id=step.pk,
            expected_revision=rev,
        )
        return _("The case went back to the earlier step.")
    if action == "suspend":
        raw_end = P.get("expected_end", "")
        expected_end = _date_field(raw_end, "expected_end") if raw_end.strip() else None
        actions.suspend(
            caller,
            case,
            kind=P.get("kind", ""),
            reason=P.get("reason", "").strip()[:1000],
            expected_end=expected_end,
            expected_revision=rev,
        )
        return _("The special procedure started; the clock is stopped.")
    if action == "resume":
        actions.resume(caller, case, result=P.get("result", "").strip()[:1000], expected_revision=rev)
        return _("The special procedure ended; the deadlines were moved.")
    if action == "void":
        actions.void(caller, case, reason=P.get("reason", "").strip()[:1000], expected_revision=rev)
        return _("The case was voided.")
    if action == "retry_license":
        if actions.retry_license(caller, case, expected_revision=rev):
            return _("The e-license was issued.")
        messages.error(request, _("The e-license could not be issued again; the reason is shown on the case."))
        return ""
    if action == "deliver":
        actions.deliver(
            caller,
            case,
            method=P.get("method", ""),
            address=P.get("address", "").strip()[:500],
            tracking_number=P.get("tracking_number", "").strip()[:40],
            expected_revision=rev,
        )
        return _("The delivery of the result was recorded.")
    raise Http404


ACTIONS = ("accept", "correction", "not_accept", "claim", "release", "complete", "return", "suspend", "resume")
ACTIONS += ("void", "deliver", "retry_license")


@login_required
@require_POST
def act(request: HttpRequest, case_number: str, action: str) -> HttpResponse:
    """One action on one case; refused by policy → 403, by the rules → the page again with the messages."""
    if action not in ACTIONS:
        raise Http404
    a = _staff(request)
    case = _load_case(a, case_number)
    try:
        with transaction.atomic():
            done = _run(request, case, action)
    except actions.NotAllowed:
        uploads.discard(_stored(request))
        raise
    except ProblemsError as exc:
        uploads.discard(_stored(request))
        case = _load_case(a, case_number)
        errors: dict[str, list[str]] = {}
        for p in exc.problems:
            errors.setdefault(p.field, []).append(str(p))
        context = _context(
            request,
            a,
            case,
            errors=errors,
            posted=request.POST,
            action=action,
            stale=any(p.code == "stale" for p in exc.problems),
        )
        return render(request, "cases/workbench/case.html", context, status=400)
    if done:
        messages.success(request, done)
    return redirect("cases:workbench_case", case_number=case_number)


# --- batch -----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    """Claims, acceptances or pickups for several cases; each checked by the policy and reported on its own."""
    a = _staff(request)
    op = request.POST.get("op", "")
    if op not in ("accept", "claim", "pickup"):
        raise Http404
    picked: dict[str, int | None] = {}
    for raw in request.POST.getlist("cases")[:BATCH_MAX]:
        number, _sep, rev = raw.partition(":")
        picked[number.strip()] = int(rev) if rev.isdigit() else None
    found = {
        c.case_number: c
        for c in _staff_cases(a).filter(case_number__in=list(picked)).select_related("version", "organisation")
    }
    caller = actions.Caller.of(request)
    results = []
    for number, rev in picked.items():
        case = found.get(number)
        if case is None:
            results.append({"case_number": number, "ok": False, "message": _("No such case within your reach.")})
            continue
        try:
            with transaction.atomic():
                locked = services.lock(case.pk)
                step = _current_step(locked.case, services.steps_of(locked.case))
                acts = actions.available(caller, locked.case, step)
                expected = -1 if rev is None else rev
                if op == "accept":
                    if not acts["accept"]:
                        raise ProblemsError([Problem("state", _("You may not accept this case now."), "not_allowed")])
                    actions.accept(caller, locked, expected_revision=expected)
                    message = _("Accepted")
                elif op == "claim":
                    if not acts["claim"]:
                        raise ProblemsError([Problem("state", _("You may not claim this step now."), "not_allowed")])
                    actions.claim(caller, locked, step_id=step.pk, expected_revision=expected)
                    message = _("Claimed")
                else:
                    if not acts["deliver"]:
                        raise ProblemsError(
                            [Problem("state", _("You may not record the delivery of this case."), "not_allowed")]
                        )
                    actions.deliver(caller, locked, method=Delivery.PICKUP, expected_revision=expected)
                    message = _("Pickup recorded")
            results.append({"case_number": number, "ok": True, "message": message})
        except ProblemsError as exc:
            results.append({"case_number": number, "ok": False, "message": "；".join(str(p) for p in exc.problems)})
        except actions.NotAllowed as exc:
            results.append({"case_number": number, "ok": False, "message": str(exc)})
    ok = sum(1 for r in results if r["ok"])
    return render(
        request,
        "cases/workbench/batch.html",
        {"results": results, "ok": ok, "failed": len(results) - ok, "back": request.POST.get("back", "")},
    )


# --- the window (一窗受理) --------------------------------------------------------------------------------------


def _clerk(request: HttpRequest) -> Actor:
    a = actor(request)
    if not a.may_write(Role.WINDOW_CLERK):
        raise PermissionDenied
    return a


def _window_person(request: HttpRequest) -> Person | None:
    pk = request.session.get(WINDOW_SESSION_KEY)
    return Person.objects.filter(pk=pk).first() if pk else None


def _window_enterprise(request: HttpRequest) -> Enterprise | None:
    pk = request.session.get(WINDOW_ENTERPRISE_KEY)
    return Enterprise.objects.filter(pk=pk).first() if pk else None


def _forget_applicant(request: HttpRequest) -> None:
    request.session.pop(WINDOW_SESSION_KEY, None)
    request.session.pop(WINDOW_ENTERPRISE_KEY, None)


def _errors(exc: ProblemsError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.field, []).append(str(p))
    return out


def _capacity_label(person: Person | None, enterprise: Enterprise | None) -> str:
    if person is None or enterprise is None:
        return ""
    capacity = applying.capacity_of(person, enterprise)
    if capacity == applying.Capacity.LEGAL_REP:
        return _("legal representative")
    if capacity == applying.Capacity.AGENT:
        return _("authorised agent")
    return _("no longer authorised to apply")


@login_required
@require_http_methods(["GET", "POST"])
def window_start(request: HttpRequest) -> HttpResponse:
    """Step 1: find (or register) the applicant, and the enterprise they represent if any; step 2: pick the item."""
    a = _clerk(request)
    context: dict[str, Any] = {
        "doc_types": DocType.choices,
        "checklist": COUNTER_CHECKLIST,
        "errors": {},
        "posted": {},
        "register": False,
    }
    if request.method == "POST":
        op = request.POST.get("op", "")
        P = request.POST
        context["posted"] = P
        if op == "clear":
            _forget_applicant(request)
            return redirect("cases:window_start")
        if op == "find":
            try:
                person = window.find_applicant(P.get("doc_type", ""), P.get("doc_number", ""))
            except ProblemsError as exc:
                context["errors"] = _errors(exc)
                return render(request, "cases/workbench/window_start.html", context, status=400)
            if person is None:
                context["register"] = True
                messages.info(request, _("No record holds this document yet: register the applicant below."))
                return render(request, "cases/workbench/window_start.html", context)
            _forget_applicant(request)
            request.session[WINDOW_SESSION_KEY] = person.pk
            return redirect("cases:window_start")
        if op == "register":
            try:
                person = window.register_walk_in(
                    request.user,
                    name=P.get("name", ""),
                    doc_type=P.get("doc_type", ""),
                    doc_number=P.get("doc_number", ""),
                    phone=P.get("phone", "").strip(),
                    address=P.get("address", "").strip(),
                    checklist={key: True for key, _label in COUNTER_CHECKLIST if P.get(key)},
                )
            except ProblemsError as exc:
                context["errors"] = _errors(exc)
                context["register"] = True
                return render(request, "cases/workbench/window_start.html", context, status=400)
            _forget_applicant(request)
            request.session[WINDOW_SESSION_KEY] = person.pk
            messages.success(request, _("The applicant was registered after the counter check."))
            return redirect("cases:window_start")
        person = _window_person(request)
        if op == "enterprise" and person is not None:
            try:
                enterprise, _capacity = window.find_enterprise(person, P.get("credit_code", ""), P.get("name", ""))
            except ProblemsError as exc:
                context.update(_start_context(request, a, person))
                context["errors"] = _errors(exc)
                return render(request, "cases/workbench/window_start.html", context, status=400)
            request.session[WINDOW_ENTERPRISE_KEY] = enterprise.pk
            return redirect("cases:window_start")
        if op == "no_enterprise":
            request.session.pop(WINDOW_ENTERPRISE_KEY, None)
            return redirect("cases:window_start")
        raise Http404
    context.update(_start_context(request, a, _window_person(request)))
    return render(request, "cases/workbench/window_start.html", context)


def _start_context(request: HttpRequest, a: Actor, person: Person | None) -> dict[str, Any]:
    enterprise = _window_enterprise(request) if person is not None else None
    G = request.GET
    q = G.get("q", "").strip()[:100]
    org = G.get("org", "").strip()
    org = org if org.isdigit() and len(org) <= 9 else ""  # an id, never an overflow in the database
    area = G.get("area", "").strip()
    area = area if area.isdigit() and len(area) in (6, 12) else ""
    search = window.ItemSearch(text=q, organisation_id=int(org) if org else None, area=area, page=G.get("page", 1))
    page = window.items_for(a, search, for_enterprise=enterprise is not None) if person is not None else None
    params = {k: v for k, v in (("q", q), ("org", org), ("area", area)) if v}
    return {
        "person": person,
        "enterprise": enterprise,
        "capacity": _capacity_label(person, enterprise),
        "masked_doc": masking.mask_id_number(person.doc_number) if person else "",
        "q": q,
        "org": search.organisation_id,
        "area": area,
        "item_params": params,
        "items": list(page.object_list) if page is not None else [],
        "item_page": page,
        "choices": window.search_choices(a, area) if person is not None else {},
    }


@login_required
@require_http_methods(["GET", "POST"])
def window_apply(request: HttpRequest, item_code: str) -> HttpResponse:
    """Step 3: the form filled in for the applicant, the paper materials checked, submit (and accept at once)."""
    a = _clerk(request)
    person = _window_person(request)
    if person is None:
        messages.info(request, _("Find the applicant first."))
        return redirect("cases:window_start")
    enterprise = _window_enterprise(request)
    item = window.item_for(a, item_code)
    if item is None:
        raise Http404
    version = item.current
    fields = case_forms.fields_of(version)
    materials = window.material_checklist(version)
    caller = actions.Caller.of(request)
    context: dict[str, Any] = {
        "person": person,
        "enterprise": enterprise,
        "capacity": _capacity_label(person, enterprise),
        "masked_doc": masking.mask_id_number(person.doc_number),
        "item": item,
        "version": version,
        "fields": fields,
        "materials": materials,
        "values": {},
        "checked": set(),
        "errors": {},
        "key": uuid.uuid4().hex,
        "accept_now": True,
        "needs_level": version.min_identity_level > person.level,
        "blockers": [],
    }
    if request.method == "POST":
        P = request.POST
        checked = [int(v) for v in P.getlist("materials") if v.isdigit()]
        try:
            result = window.apply_at_window(
                caller,
                item_code=item.item_code,
                person=person,
                enterprise=enterprise,
                form=P,
                checked_material_ids=checked,
                idempotency_key=P.get("key", ""),
                accept_now=bool(P.get("accept_now")),
                document_checked=bool(P.get("document_checked")),
            )
        except ProblemsError as exc:
            context.update(
                {
                    "values": case_forms.raw_values(fields, P),
                    "checked": set(checked),
                    "errors": _errors(exc),
                    "problem_list": [str(p) for p in exc.problems],
                    "problem_codes": [p.code for p in exc.problems],
                    "key": services.normal_key(P.get("key")) or context["key"],
                    "accept_now": bool(P.get("accept_now")),
                }
            )
            return render(request, "cases/workbench/window_apply.html", context, status=400)
        case = result.case
        if result.created:
            _forget_applicant(request)
            name = enterprise.name if enterprise is not None else person.name
            text = _("Case %(number)s submitted for %(name)s.") % {"number": case.case_number, "name": name}
            if result.accepted:
                text += " " + _("It was accepted on the spot.")
            if result.query_code:
                text += " " + _("Query code for the applicant (shown once): %(code)s") % {"code": result.query_code}
            messages.success(request, text)
        else:
            text = _("This application was already submitted; here is the case.")
            if result.query_code:
                text += " " + _("Query code for the applicant: %(code)s") % {"code": result.query_code}
            messages.info(request, text)
        return redirect("cases:workbench_case", case_number=case.case_number)
    # Before the clerk types anything: would the command refuse this applicant for this item? (A counter check of
    # the document can still establish the real-name level, so that one is offered on the form instead.)
    preview = window.request_for(
        item_code=item.item_code,
        person=person,
        enterprise=enterprise,
        form={},
        checked_material_ids=[],
        document_checked=True,
    )
    try:
        applying.check(caller, preview)
    except ProblemsError as exc:
        context["blockers"] = [str(p) for p in exc.problems]
        context["problem_codes"] = [p.code for p in exc.problems]
    return render(request, "cases/workbench/window_apply.html", context)


urlpatterns = [
    path("workbench/cases/", case_list, name="workbench"),
    path("workbench/cases/batch/", batch, name="workbench_batch"),
    path("workbench/cases/<str:case_number>/", case_page, name="workbench_case"),
    path("workbench/cases/<str:case_number>/materials/<int:pk>/", material_file, name="workbench_material"),
    path("workbench/cases/<str:case_number>/<str:action>/", act, name="workbench_act"),
    path("workbench/window/apply/", window_start, name="window_start"),
    path("workbench/window/apply/<str:item_code>/", window_apply, name="window_apply"),
]
