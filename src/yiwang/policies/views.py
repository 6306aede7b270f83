"""Policy pages: the public library (search, a policy, its interpretation), a person's or an enterprise's matches and
grants (My Space), applying through the policy's item with the form prefilled, and the staff workbench (figures per
policy, 免申即享 rounds under review). Every write goes through services / grants; views stay thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.identity import access, space
from yiwang.identity.models import AgentPermission, Enterprise
from yiwang.orgs.admin import holds, in_scope, limit_to_scope
from yiwang.orgs.models import Role

from . import grants, industries, matching, search
from .models import Grant, GrantRound, GrantState, Match, Policy, RoundState, Scale, Target

VIEW_ROLES = (Role.CATALOG_ADMIN, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)
REVIEW_ROLES = (Role.REVIEWER, Role.APPROVER)


def _errors(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"field": p.field, "message": render_message(p.message, p.params)} for p in problems]


# --- public library ------------------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:64]
    target = request.GET.get("target", "")
    target = target if target in Target.values else ""
    industry = request.GET.get("industry", "")
    industry = industry if industries.is_code(industry) else ""
    found = search.find(q, target=target, industry=industry, limit=100)
    context = {
        "q": q,
        "target": target,
        "industry": industry,
        "targets": Target.choices,
        "sections": industries.sections(),
        "divisions": industries.divisions(),
        "versions": found,
    }
    return render(request, "policies/index.html", context)


def _published(code: str) -> Any:
    policy = Policy.objects.select_related("current__item", "organisation").filter(code=code).first()
    if policy is None or policy.current_id is None:
        raise Http404
    return policy.current


@require_GET
def detail(request: HttpRequest, policy_code: str) -> HttpResponse:
    version = _published(policy_code)
    context = {
        "version": version,
        "policy": version.policy,
        "attachments": version.attachments.all(),
        "industry_names": [industries.name_of(c) for c in version.industries],
        "scale_names": [str(Scale(s).label) for s in version.scales if s in Scale.values],
    }
    return render(request, "policies/detail.html", context)


@require_GET
def interpretation(request: HttpRequest, policy_code: str) -> HttpResponse:
    version = _published(policy_code)
    if not version.interpretation.strip():
        raise Http404
    return render(request, "policies/interpretation.html", {"version": version, "policy": version.policy})


# --- My Space ------------------------------------------------------------------------------------------------------


def _subject(request: HttpRequest, enterprise_id: int | None) -> Any:
    if enterprise_id is not None:
        return space.enterprise_for(request, enterprise_id)
    person = space.person_of(request)
    if person is None:
        raise Http404
    return person


def _matches_page(request: HttpRequest, subject: Any) -> HttpResponse:
    found = matching.verdicts_for(subject, include_failed=request.GET.get("all") == "1")
    is_enterprise = isinstance(subject, Enterprise)
    grant_list = []
    if is_enterprise:
        grant_list = list(
            Grant.objects.filter(enterprise=subject)
            .exclude(state__in=[GrantState.PROPOSED, GrantState.REMOVED])
            .select_related("round__version", "round__policy")
            .order_by("-round__created_at", "-id")
        )
    may_apply = (not is_enterprise) or access.actor(request).acts_for(subject.pk, AgentPermission.APPLY)
    context = {
        "subject": subject,
        "is_enterprise": is_enterprise,
        "eligible": [f for f in found if f.verdict.eligible],
        "possible": [f for f in found if f.verdict.possible],
        "failed": [f for f in found if f.verdict.failed],
        "show_all": request.GET.get("all") == "1",
        "grants": grant_list,
        "may_apply": may_apply,
    }
    response = render(request, "policies/my.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def my_policies(request: HttpRequest) -> HttpResponse:
    return _matches_page(request, _subject(request, None))


@login_required
@require_GET
def enterprise_policies(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    return _matches_page(request, _subject(request, enterprise_id))


@login_required
@require_http_methods(["GET", "POST"])
def grant_page(request: HttpRequest, enterprise_id: int, pk: int) -> HttpResponse:
    """The enterprise's grant: confirm the bank account and consent, or decline; then what was received."""
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.APPLY)
    grant = (
        Grant.objects.select_related("round__version", "round__policy")
        .exclude(state__in=[GrantState.PROPOSED, GrantState.REMOVED])
        .filter(enterprise=enterprise, pk=pk)
        .first()
    )
    if grant is None:
        raise Http404
    problems: list[Problem] = []
    values = {"bank_name": "", "bank_account": "", "account_name": enterprise.name, "consent": False}
    if request.method == "POST":
        action = request.POST.get("action", "confirm")
        values = {
            "bank_name": request.POST.get("bank_name", ""),
            "bank_account": request.POST.get("bank_account", ""),
            "account_name": request.POST.get("account_name", ""),
            "consent": request.POST.get("consent") == "on",
        }
        try:
            if action == "decline":
                grants.decline(grant, user=request.user, note=request.POST.get("note", "")[:300])
                messages.success(request, _("You declined the benefit."))
            else:
                grants.confirm(grant, user=request.user, **values)
                messages.success(request, _("Confirmed. The benefit will be paid into this account."))
            return redirect(reverse("policies:grant", args=[enterprise.pk, grant.pk]))
        except ProblemsError as exc:
            problems = exc.problems
    context = {
        "enterprise": enterprise,
        "grant": grant,
        "version": grant.round.version,
        "values": values,
        "errors": _errors(problems),
        "field_errors": {p.field: render_message(p.message, p.params) for p in problems},
    }
    response = render(request, "policies/grant.html", context, status=400 if problems else 200)
    add_never_cache_headers(response)
    return response


def prefill_values(fields: list[Any], facts_: dict[str, Any], version: Any) -> dict[str, str]:
    """Form values from the facts that matched: a field named like a fact (its last part, or parts joined by _)."""
    flat: dict[str, Any] = {"policy": version.title, "policy_doc_number": version.doc_number}
    stack: list[tuple[str, Any]] = list(facts_.items())
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack += [(f"{key}_{k}", v) for k, v in value.items()]
            stack += [(k, v) for k, v in value.items() if k not in flat]
        elif not isinstance(value, list) and value not in (None, ""):
            flat.setdefault(key, value)
    return {f.name: str(flat[f.name]) for f in fields if f.name in flat}


@login_required
@require_POST
def apply(request: HttpRequest, policy_code: str) -> HttpResponse:
    """政策兑现 through the ordinary door: a draft of the policy's item prefilled from the facts, then its form."""
    from yiwang.cases import drafts, forms

    from . import facts

    version = _published(policy_code)
    if version.item_id is None or version.item.current_id is None:
        raise Http404
    person = space.person_of(request)
    if person is None:
        raise Http404
    raw = request.POST.get("enterprise", "")
    enterprise = None
    if raw:
        try:
            enterprise = space.enterprise_for(request, int(raw), AgentPermission.APPLY)
        except ValueError as exc:
            raise Http404 from exc
    if (enterprise is None) != (version.target == Target.PERSON):
        raise Http404
    space.set_acting_for(request, enterprise.pk if enterprise else None)
    item_version = version.item.current
    applicant = drafts.Applicant(person=person, enterprise=enterprise)
    if drafts.draft_for(applicant, item_version) is None:
        fields = forms.fields_of(item_version)
        values = prefill_values(fields, facts.gather(enterprise or person), version)
        post = QueryDict(mutable=True)
        for name, value in values.items():
            post[name] = value
        drafts.save_draft(applicant, item_version, fields, post, {})
    return redirect(reverse("cases:apply", args=[version.item.item_code]))


# --- workbench -----------------------------------------------------------------------------------------------------


def _staff_policies(request: HttpRequest):
    """The policies of the departments the staff member reaches in a policy role; no such role: 403."""
    if not holds(request, *VIEW_ROLES):
        raise PermissionDenied
    qs = Policy.objects.select_related("current", "organisation")
    if holds(request, Role.SUPERVISOR) and not holds(request, Role.CATALOG_ADMIN, *REVIEW_ROLES):
        return limit_to_scope(request, qs, Role.SUPERVISOR, "organisation")
    scoped = Policy.objects.none()
    for role in VIEW_ROLES:
        if holds(request, role):
            scoped = scoped | limit_to_scope(request, qs, role, "organisation")
    return scoped.distinct()


def figures(policy_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per policy: enterprises (and persons) matching now, told, applied, received — one grouped query."""
    rows = (
        Match.objects.filter(policy_id__in=policy_ids)
        .values("policy_id")
        .annotate(
            matching=Count("pk", filter=Q(eligible=True)),
            told=Count("pk", filter=Q(told_at__isnull=False)),
            applied=Count("pk", filter=Q(applied_at__isnull=False)),
            received=Count("pk", filter=Q(received_at__isnull=False)),
        )
    )
    return {r.pop("policy_id"): r for r in rows}


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    policies = list(_staff_policies(request).order_by("code")[:500])
    nums = figures([p.pk for p in policies])
    rows = [{"policy": p, "figures": nums.get(p.pk, {})} for p in policies]
    return render(request, "policies/wb/index.html", {"rows": rows})


def staff_policy(request: HttpRequest, code: str) -> Policy:
    policy = _staff_policies(request).filter(code=code).first()
    if policy is None:
        raise Http404
    return policy


def _may_review(request: HttpRequest, policy: Policy) -> bool:
    return any(holds(request, r) and in_scope(request, r, policy.organisation_id) for r in REVIEW_ROLES)


def check_review(request: HttpRequest, policy: Policy) -> None:
    """Reviewing a policy's rounds: its department's reviewers and approvers (who may only see it: 403)."""
    if not _may_review(request, policy):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def workbench_policy(request: HttpRequest, policy_code: str) -> HttpResponse:
    policy = staff_policy(request, policy_code)
    may_review = _may_review(request, policy)
    problems: list[Problem] = []
    if request.method == "POST":
        check_review(request, policy)
        try:
            rnd = grants.produce_round(policy, user=request.user)
            messages.success(request, _("The list for %(period)s is ready for review.") % {"period": rnd.period})
            return redirect(reverse("policies:wb_round", args=[rnd.pk]))
        except ProblemsError as exc:
            problems = exc.problems
    context = {
        "policy": policy,
        "version": policy.current,
        "figures": figures([policy.pk]).get(policy.pk, {}),
        "rounds": policy.rounds.annotate(
            n=Count("grants"),
            n_paid=Count("grants", filter=Q(grants__state=GrantState.PAID)),
        ),
        "may_review": may_review,
        "errors": _errors(problems),
    }
    return render(request, "policies/wb/policy.html", context, status=400 if problems else 200)


@login_required
@require_http_methods(["GET", "POST"])
def workbench_round(request: HttpRequest, pk: int) -> HttpResponse:
    visible = _staff_policies(request)
    rnd = GrantRound.objects.select_related("policy", "version").filter(pk=pk).first()
    if rnd is None or not visible.filter(pk=rnd.policy_id).exists():
        raise Http404
    may_review = _may_review(request, rnd.policy)
    problems: list[Problem] = []
    if request.method == "POST":
        check_review(request, rnd.policy)
        action = request.POST.get("action", "")
        try:
            if action in ("remove", "restore"):
                grant = rnd.grants.filter(pk=request.POST.get("grant") or 0).first()
                if grant is None:
                    raise Http404
                note = request.POST.get("note", "")[:300]
                (grants.remove if action == "remove" else grants.restore)(grant, user=request.user, note=note)
            elif action == "approve":
                grants.approve_round(rnd, user=request.user)
                messages.success(request, _("The list is approved; the enterprises are told."))
            elif action == "pay":
                n = grants.pay_confirmed(rnd, user=request.user)
                messages.success(request, _("%(n)s confirmed grants paid.") % {"n": n})
            else:
                raise Http404
            return redirect(reverse("policies:wb_round", args=[rnd.pk]))
        except ProblemsError as exc:
            problems = exc.problems
    context = {
        "round": rnd,
        "grants": rnd.grants.select_related("enterprise").order_by("state", "id")[:1000],
        "may_review": may_review,
        "reviewing": rnd.state == RoundState.REVIEWING,
        "errors": _errors(problems),
        "counts": dict(rnd.grants.values_list("state").annotate(n=Count("pk"))),
    }
    return render(request, "policies/wb/round.html", context, status=400 if problems else 200)
