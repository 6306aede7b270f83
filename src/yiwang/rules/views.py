"""The rule editor in the workbench (catalog administrators): write a rule set, test it on a sample, activate it;
and the count of instantly approved cases per item for supervisors."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.catalog.models import ServiceItem
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.orgs.admin import holds, in_scope, limit_to_scope
from yiwang.orgs.models import Role

from . import services
from .models import RuleDecision, RuleSet

ROLE = Role.CATALOG_ADMIN


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Items with rules in the user's scope, and how many of their cases the rules approved or passed on."""
    if not holds(request, ROLE, Role.SUPERVISOR):
        raise Http404
    sets = RuleSet.objects.select_related("version__item")
    sets = limit_to_scope(
        request, sets, ROLE if holds(request, ROLE) else Role.SUPERVISOR, "version__item__organisation"
    )
    report = (
        RuleDecision.objects.filter(rule_set__in=sets)
        .values("rule_set__version__item__item_code", "rule_set__version__name")
        .annotate(n_approved=Count("pk", filter=Q(approved=True)), n_referred=Count("pk", filter=Q(approved=False)))
        .order_by("rule_set__version__name")
    )
    return render(
        request, "rules/index.html", {"sets": sets.order_by("version__name", "-number")[:200], "report": list(report)}
    )


def _item(request: HttpRequest, item_code: str) -> ServiceItem:
    item = ServiceItem.objects.select_related("current", "organisation").filter(item_code=item_code).first()
    if (
        item is None
        or item.current_id is None
        or not holds(request, ROLE)
        or not in_scope(request, ROLE, item.organisation_id)
    ):
        raise Http404
    return item


def _json(raw: str, name: str) -> tuple[Any, list[Problem]]:
    try:
        return json.loads(raw or "null"), []
    except ValueError:
        return None, [Problem(name, _("This must be valid JSON."))]


@login_required
@require_http_methods(["GET", "POST"])
def editor(request: HttpRequest, item_code: str) -> HttpResponse:
    item = _item(request, item_code)
    version = item.current
    problems: list[Problem] = []
    verdict: dict[str, Any] | None = None
    sets = list(RuleSet.objects.filter(version=version).order_by("-number"))
    latest = sets[0] if sets else None
    values = {
        "rules": json.dumps(latest.rules if latest else [], ensure_ascii=False, indent=1),
        "tests": json.dumps(latest.tests if latest else [], ensure_ascii=False, indent=1),
        "sample": request.POST.get("sample", '{"form": {}, "applicant": {"kind": "person", "level": 2}}'),
    }
    if request.method == "POST":
        action = request.POST.get("action", "save")
        values["rules"], values["tests"] = request.POST.get("rules", ""), request.POST.get("tests", "")
        rules, p1 = _json(values["rules"], "rules")
        tests, p2 = _json(values["tests"], "tests")
        problems = p1 + p2
        if action == "activate":
            rs = RuleSet.objects.filter(version=version, pk=request.POST.get("rule_set") or 0).first()
            if rs is None:
                raise Http404
            try:
                services.activate(rs)
                messages.success(request, _("Rule set v%(n)s is active.") % {"n": rs.number})
                return redirect(reverse("rules:editor", args=[item_code]))
            except ProblemsError as exc:
                problems = exc.problems
        elif not problems:
            problems = services.rule_problems(rules, tests, version)
            if not problems and action == "try":
                sample, p3 = _json(values["sample"], "sample")
                problems = p3 or (
                    [] if isinstance(sample, dict) else [Problem("sample", _("The sample is an object."))]
                )
                if not problems:
                    approved, failed = services.run(rules, sample)
                    verdict = {"approved": approved, "failed": failed}
            elif not problems:
                rs = services.save_rule_set(version, rules=rules, tests=tests, user=request.user)
                messages.success(
                    request,
                    _("Saved as rule set v%(n)s (a draft: activate it when its tests pass).") % {"n": rs.number},
                )
                return redirect(reverse("rules:editor", args=[item_code]))
    context = {
        "item": item,
        "version": version,
        "sets": sets,
        "values": values,
        "variables": services.variables_for(version),
        "errors": [{"field": p.field, "message": render_message(p.message, p.params)} for p in problems],
        "verdict": verdict,
    }
    return render(request, "rules/editor.html", context, status=400 if problems else 200)
