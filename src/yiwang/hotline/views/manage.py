"""The knowledge base pages (write, review, publish, retire), the routing rules with their test cases, statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.replica import reads
from yiwang.orgs.models import Organisation

from .. import intake, knowledge, policy, routing, stats
from ..models import KnowledgeEntry, KnowledgeStatus, KnowledgeVersion
from .workbench import gate, problem_map


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


FORM_FIELDS = ("title", "aliases", "answer", "category", "item_codes", "review_due")


def form_values(version: KnowledgeVersion | None = None, post=None, due: dt.date | None = None) -> dict[str, str]:
    """What the entry form shows: what was posted, else the version's text, else empty (the review date a year on)."""
    if post is not None:
        return {k: post.get(k, "") for k in FORM_FIELDS}
    if version is None:
        return {**dict.fromkeys(FORM_FIELDS, ""), "review_due": (due or timezone.localdate()).isoformat()}
    return {
        "title": version.title,
        "aliases": version.aliases,
        "answer": version.answer,
        "category": version.category.code if version.category_id else "",
        "item_codes": version.item_codes,
        "review_due": version.review_due.isoformat(),
    }


def _form_data(request: HttpRequest) -> dict[str, Any]:
    p = request.POST
    return {
        "title": p.get("title", ""),
        "answer": p.get("answer", ""),
        "aliases": p.get("aliases", ""),
        "review_due": _date(p.get("review_due", "")),
        "category": intake.category_by_code(p.get("category", "")),
        "item_codes": [c for c in p.get("item_codes", "").replace(",", " ").split() if c],
    }


@login_required
@require_http_methods(["GET"])
def knowledge_list(request: HttpRequest) -> HttpResponse:
    ha = gate(request)
    q = request.GET.get("q", "").strip()
    ctx: dict[str, Any] = {"q": q, "ha": ha}
    if q:
        ctx["hits"] = knowledge.search(q, limit=20)
    org_ids = policy.knowledge_orgs(ha)
    if org_ids != []:
        mine = KnowledgeEntry.objects.select_related("current", "organisation").prefetch_related("versions")
        if org_ids is not None:
            mine = mine.filter(organisation_id__in=org_ids)
        ctx["mine"] = mine.order_by("-created_at")[:100]
        ctx["due"] = knowledge.due_for_review(org_ids)[:50]
    if ha.supervises or org_ids != []:
        waiting = KnowledgeVersion.objects.filter(status=KnowledgeStatus.REVIEW).select_related("entry__organisation")
        if org_ids is not None and not ha.supervises:
            waiting = waiting.filter(entry__organisation_id__in=org_ids)
        ctx["waiting"] = [v for v in waiting[:50] if policy.may_review(ha, v)]
    return render(request, "hotline/knowledge/list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_new(request: HttpRequest) -> HttpResponse:
    ha = gate(request)
    org_ids = policy.knowledge_orgs(ha)
    if org_ids == []:
        raise PermissionDenied(_("Knowledge entries are written by departments' 12345 handlers."))
    orgs = Organisation.objects.filter(pk__in=org_ids) if org_ids is not None else Organisation.objects.all()
    orgs = list(orgs.order_by("name")[:200])
    ctx: dict[str, Any] = {
        "orgs": orgs,
        "tree": intake.categories_tree(),
        "data": request.POST,
        "problems": {},
        "default_due": timezone.localdate() + dt.timedelta(days=365),
    }
    if request.method == "POST":
        org = next((o for o in orgs if str(o.pk) == request.POST.get("organisation")), None)
        try:
            if org is None:
                raise ProblemsError([Problem("organisation", _("Choose your department."), "required")])
            entry = knowledge.create_entry(
                organisation=org, user=request.user, public=request.POST.get("public") == "1", **_form_data(request)
            )
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            return render(request, "hotline/knowledge/edit.html", ctx, status=400)
        messages.success(request, _("Draft saved; send it for review when it is ready."))
        return redirect("hotline:knowledge_entry", key=entry.key)
    return render(request, "hotline/knowledge/edit.html", ctx)


def _entry(ha: policy.HotlineActor, key: str) -> KnowledgeEntry:
    entry = policy.visible_entries(ha).filter(key=key).select_related("current", "organisation").first()
    if entry is None:
        raise Http404
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_entry(request: HttpRequest, key: str) -> HttpResponse:
    ha = gate(request)
    entry = _entry(ha, key)
    writes = policy.may_write_knowledge(ha, entry)
    open_version = entry.versions.filter(status__in=(KnowledgeStatus.DRAFT, KnowledgeStatus.REVIEW)).first()
    ctx: dict[str, Any] = {
        "entry": entry,
        "writes": writes,
        "open_version": open_version,
        "versions": entry.versions.select_related("written_by", "reviewed_by").prefetch_related("items"),
        "reviews": open_version is not None and policy.may_review(ha, open_version),
        "tree": intake.categories_tree(),
        "problems": {},
        "form": form_values(open_version or entry.current),
    }
    if request.method == "POST":
        if not writes:
            raise PermissionDenied(_("Only the department's handlers edit its entries."))
        try:
            knowledge.draft(entry, request.user, **_form_data(request))
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            ctx["form"] = form_values(post=request.POST)
            return render(request, "hotline/knowledge/entry.html", ctx, status=400)
        messages.success(request, _("Draft saved."))
        return redirect("hotline:knowledge_entry", key=entry.key)
    return render(request, "hotline/knowledge/entry.html", ctx)


@login_required
@require_POST
def knowledge_act(request: HttpRequest, key: str, action: str) -> HttpResponse:
    ha = gate(request)
    entry = _entry(ha, key)
    version = entry.versions.filter(status__in=(KnowledgeStatus.DRAFT, KnowledgeStatus.REVIEW)).first()
    try:
        if action == "submit":
            if not policy.may_write_knowledge(ha, entry) or version is None:
                raise PermissionDenied(_("Only the department's handlers send its drafts for review."))
            knowledge.submit(version, request.user)
            messages.success(request, _("Sent for review."))
        elif action in ("approve", "reject"):
            if version is None or not policy.may_review(ha, version):
                raise PermissionDenied(_("A second handler of the department reviews the entry."))
            knowledge.review(version, request.user, action == "approve", request.POST.get("note", ""))
            messages.success(request, _("Published.") if action == "approve" else _("Sent back to the author."))
        elif action == "retire":
            if not policy.may_write_knowledge(ha, entry):
                raise PermissionDenied(_("Only the department's handlers retire its entries."))
            knowledge.retire(entry, request.user)
            messages.success(request, _("Retired."))
        else:
            raise Http404
    except ProblemsError as exc:
        messages.error(request, "；".join(str(p) for p in exc.problems))
    return redirect("hotline:knowledge_entry", key=entry.key)


@login_required
@require_http_methods(["GET"])
def rules(request: HttpRequest) -> HttpResponse:
    """The routing rules in order, and every test case run against them now."""
    ha = gate(request)
    if not (ha.supervises or ha.a.is_superuser):
        raise PermissionDenied(_("Routing rules are kept by the centre's supervisors."))
    results = routing.check_cases()
    return render(
        request,
        "hotline/workbench/rules.html",
        {"rules": routing.active_rules(), "results": results, "failing": sum(not r.ok for r in results)},
    )


@login_required
@require_http_methods(["GET"])
@reads  # a dashboard: the read replica when there is one (core.replica)
def statistics(request: HttpRequest) -> HttpResponse:
    ha = gate(request)
    if not stats.may_read(ha):
        raise PermissionDenied(_("Statistics are for the centre's supervisors and for supervision."))
    start, end = _date(request.GET.get("start", "")), _date(request.GET.get("end", ""))
    problems = []
    if start and end and start > end:
        problems.append(_("The start date is after the end date."))
        start = end = None
    r = stats.report(ha, start, end)
    top = max([d["received"] for d in r.by_category] or [1]) or 1
    return render(request, "hotline/workbench/stats.html", {"r": r, "top": top, "problems": problems})
