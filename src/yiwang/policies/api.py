"""Policies API (/api/v1/policies/…): the library, matches, grants — what the policy pages do.

Public: the industry code table and the published library. People (session) read the policies they or an enterprise
they act for match, with the rules met, failed and the facts missing, and confirm or decline a 免申即享 grant.
Staff (session) write the library (drafts, publishing), see the figures per policy and work the grant rounds of
their departments. Anything out of reach answers 404 exactly like a record that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.identity import access, space
from yiwang.identity.models import AgentPermission, Enterprise
from yiwang.orgs.admin import holds, in_scope
from yiwang.orgs.models import Organisation, Role

from . import grants, industries, matching, search, services, views
from .models import Grant, GrantRound, GrantState, Policy, PolicyVersion, Target, VersionStatus

router = Router(tags=["policies"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas (prefixed: names are unique across the API) -------------------------------------------------------


class PoliciesIndustryOut(Schema):
    code: str
    name: str
    section: str


class PoliciesBenefitOut(Schema):
    kind: str
    text: str
    amount: str | None = None
    rate: str | None = None


class PoliciesVersionOut(Schema):
    code: str
    number: int
    status: str
    title: str
    doc_number: str
    organisation: str
    summary: str
    target: str
    industries: list[str]
    scales: list[str]
    divisions: list[str]
    valid_from: dt.date
    valid_until: dt.date | None
    benefits: list[dict[str, Any]]
    auto_grant: bool
    grant_amount: Decimal | None
    item_code: str | None
    url: str


class PoliciesDetailOut(PoliciesVersionOut):
    text: str
    interpretation: str
    rules: list[dict[str, Any]]
    tests: list[dict[str, Any]] = Field(default_factory=list)


class PoliciesVerdictOut(Schema):
    policy: PoliciesVersionOut
    eligible: bool
    met: list[str]
    failed: list[dict[str, str]]
    unknown: list[dict[str, Any]]
    missing: list[str]


class PoliciesGrantOut(Schema):
    id: int
    policy_code: str
    title: str
    period: str
    amount: Decimal
    state: str
    state_name: str
    met: list[str]
    paid_on: dt.date | None
    payment_reference: str
    account_tail: str


class PoliciesConfirmIn(Schema):
    bank_name: str = Field(..., max_length=100)
    bank_account: str = Field(..., max_length=40)
    account_name: str = Field(..., max_length=200)
    consent: bool


class PoliciesNoteIn(Schema):
    note: str = Field("", max_length=300)


class PoliciesDraftIn(Schema):
    """Fields of a draft; on PATCH only those given change."""

    organisation_id: int | None = None
    title: str | None = Field(None, max_length=200)
    doc_number: str | None = Field(None, max_length=80)
    summary: str | None = Field(None, max_length=500)
    keywords: str | None = Field(None, max_length=300)
    text: str | None = Field(None, max_length=200_000)
    interpretation: str | None = Field(None, max_length=200_000)
    target: str | None = None
    industries: list[str] | None = Field(None, max_length=200)
    scales: list[str] | None = Field(None, max_length=4)
    divisions: list[str] | None = Field(None, max_length=500)
    valid_from: str | None = None
    valid_until: str | None = None
    benefits: list[dict[str, Any]] | None = Field(None, max_length=20)
    rules: list[dict[str, Any]] | None = Field(None, max_length=50)
    tests: list[dict[str, Any]] | None = Field(None, max_length=50)
    item: str | None = Field(None, max_length=31)
    auto_grant: bool | None = None
    grant_amount: str | None = Field(None, max_length=20)
    grant_period: str | None = None
    change_note: str | None = Field(None, max_length=300)


class PoliciesFiguresOut(Schema):
    code: str
    title: str
    matching: int
    told: int
    applied: int
    received: int


class PoliciesRoundOut(Schema):
    id: int
    policy_code: str
    period: str
    state: str
    grants: dict[str, int]


class PoliciesRoundGrantOut(Schema):
    id: int
    credit_code: str
    name: str
    amount: Decimal
    state: str


# --- helpers -------------------------------------------------------------------------------------------------------


def _version(v: PolicyVersion) -> dict[str, Any]:
    return {
        "code": v.policy.code,
        "number": v.number,
        "status": v.status,
        "title": v.title,
        "doc_number": v.doc_number,
        "organisation": v.policy.organisation.name,
        "summary": v.summary,
        "target": v.target,
        "industries": v.industries,
        "scales": v.scales,
        "divisions": v.divisions,
        "valid_from": v.valid_from,
        "valid_until": v.valid_until,
        "benefits": v.benefits,
        "auto_grant": v.auto_grant,
        "grant_amount": v.grant_amount,
        "item_code": v.item.item_code if v.item_id else None,
        "url": f"/policies/{v.policy.code}/",
    }


def _detail(v: PolicyVersion) -> dict[str, Any]:
    return {**_version(v), "text": v.text, "interpretation": v.interpretation, "rules": v.rules, "tests": v.tests}


def _grant(g: Grant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "policy_code": g.round.policy.code,
        "title": g.round.version.title,
        "period": g.round.period,
        "amount": g.amount,
        "state": g.state,
        "state_name": str(GrantState(g.state).label),
        "met": g.met,
        "paid_on": g.paid_on,
        "payment_reference": g.payment_reference,
        "account_tail": (g.bank_account or "")[-4:],
    }


def _subject(request: HttpRequest, enterprise_id: int | None) -> Any:
    if enterprise_id is not None:
        return space.enterprise_for(request, enterprise_id)
    person = space.person_of(request)
    if person is None:
        raise Http404
    return person


def _my_grant(request: HttpRequest, grant_id: int) -> Grant:
    ids = access.actor(request).enterprises(AgentPermission.APPLY)
    g = (
        Grant.objects.select_related("round__policy", "round__version")
        .exclude(state__in=[GrantState.PROPOSED, GrantState.REMOVED])
        .filter(pk=grant_id, enterprise_id__in=ids)
        .first()
    )
    if g is None:
        raise Http404
    return g


def _editable_policy(request: HttpRequest, policy_code: str) -> Policy:
    policy = Policy.objects.select_related("organisation").filter(code=policy_code).first()
    if (
        policy is None
        or not holds(request, Role.CATALOG_ADMIN)
        or not in_scope(request, Role.CATALOG_ADMIN, policy.organisation_id)
    ):
        raise Http404
    return policy


def _reviewable_round(request: HttpRequest, round_id: int, *, write: bool = True) -> GrantRound:
    """A round of a policy the staff member sees (else 404; no policy role: 403), and may review when writing."""
    visible = views._staff_policies(request)  # no policy role: 403, whether or not the round exists
    rnd = GrantRound.objects.select_related("policy").filter(pk=round_id).first()
    if rnd is None or not visible.filter(pk=rnd.policy_id).exists():
        raise Http404
    if write:
        views.check_review(request, rnd.policy)
    return rnd


def _round(r: GrantRound) -> dict[str, Any]:
    from django.db.models import Count

    counts = dict(r.grants.values_list("state").annotate(n=Count("pk")))
    return {"id": r.pk, "policy_code": r.policy.code, "period": r.period, "state": r.state, "grants": counts}


# --- public --------------------------------------------------------------------------------------------------------


@router.get(
    "/industries", response=list[PoliciesIndustryOut], auth=None, summary="GB/T 4754-2017 sections and divisions"
)
def industry_table(request: HttpRequest):
    return [{"code": i.code, "name": i.name, "section": i.section} for i in industries.table().values()]


@router.get("/library", response=list[PoliciesVersionOut], auth=None, summary="Search the policies in force")
def library(
    request: HttpRequest,
    q: str = Query("", max_length=64),
    target: str = Query("", max_length=12),
    industry: str = Query("", max_length=2),
):
    target = target if target in Target.values else ""
    industry = industry if industries.is_code(industry) else ""
    return [_version(v) for v in search.find(q, target=target, industry=industry, limit=100)]


@router.get(
    "/library/{policy_code}", response={200: PoliciesDetailOut, **ERRORS}, auth=None, summary="One policy in force"
)
def library_item(request: HttpRequest, policy_code: str):
    return _detail(views._published(policy_code))


# --- people ---------------------------------------------------------------------------------------------------------


@router.get(
    "/matches",
    response={200: list[PoliciesVerdictOut], **ERRORS},
    auth=session_auth,
    summary="Policies I (or an enterprise I act for) match, and why",
)
def matches(request: HttpRequest, enterprise_id: int | None = None, all: bool = False):
    subject = _subject(request, enterprise_id)
    return [
        {"policy": _version(f.version), **f.verdict.as_dict()}
        for f in matching.verdicts_for(subject, include_failed=all)
    ]


@router.get(
    "/grants",
    response={200: list[PoliciesGrantOut], **ERRORS},
    auth=session_auth,
    summary="免申即享 grants of an enterprise I act for",
)
def my_grants(request: HttpRequest, enterprise_id: int):
    enterprise: Enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.APPLY)
    qs = (
        Grant.objects.filter(enterprise=enterprise)
        .exclude(state__in=[GrantState.PROPOSED, GrantState.REMOVED])
        .select_related("round__policy", "round__version")
        .order_by("-round__created_at", "-id")[:200]
    )
    return [_grant(g) for g in qs]


@router.post(
    "/grants/{grant_id}/confirm",
    response={200: PoliciesGrantOut, **ERRORS},
    auth=session_auth,
    summary="Confirm the bank account and consent",
)
def confirm_grant(request: HttpRequest, grant_id: int, body: PoliciesConfirmIn):
    g = grants.confirm(_my_grant(request, grant_id), user=request.user, **body.dict())
    return _grant(g)


@router.post(
    "/grants/{grant_id}/decline", response={200: PoliciesGrantOut, **ERRORS}, auth=session_auth, summary="Decline"
)
def decline_grant(request: HttpRequest, grant_id: int, body: PoliciesNoteIn):
    return _grant(grants.decline(_my_grant(request, grant_id), user=request.user, note=body.note))


# --- staff ----------------------------------------------------------------------------------------------------------


@router.get(
    "/figures",
    response={200: list[PoliciesFiguresOut], **ERRORS},
    auth=session_auth,
    summary="Per policy: matching, told, applied, received",
)
def policy_figures(request: HttpRequest):
    policies = list(views._staff_policies(request).order_by("code")[:1000])
    nums = views.figures([p.pk for p in policies])
    return [
        {
            "code": p.code,
            "title": str(p),
            **{k: nums.get(p.pk, {}).get(k, 0) for k in ("matching", "told", "applied", "received")},
        }
        for p in policies
    ]


def _forbidden() -> dict[str, str]:
    from django.utils.translation import gettext_lazy as _

    from yiwang.core.errors import both_languages

    return {"field": "__all__", "code": "forbidden", **both_languages(_("Only policy staff may do this."))}


@router.post(
    "/library",
    response={201: PoliciesDetailOut, **ERRORS},
    auth=session_auth,
    summary="A new policy with its first draft",
)
def create_policy(request: HttpRequest, body: PoliciesDraftIn):
    if not holds(request, Role.CATALOG_ADMIN):
        return Status(403, {"detail": [_forbidden()]})
    org = Organisation.objects.filter(pk=body.organisation_id or 0).first()
    if org is None or not in_scope(request, Role.CATALOG_ADMIN, org.pk):
        from django.utils.translation import gettext_lazy as _

        from yiwang.core.errors import Problem, ProblemsError

        raise ProblemsError([Problem("organisation_id", _("Choose an issuing department you edit for."), "not_found")])
    data = body.dict(exclude_none=True, exclude={"organisation_id"})
    return Status(201, _detail(services.create_policy(org, data, user=request.user)))


@router.patch(
    "/library/{policy_code}/draft",
    response={200: PoliciesDetailOut, **ERRORS},
    auth=session_auth,
    summary="Edit the policy's draft (started from the published version when there is none)",
)
def edit_draft(request: HttpRequest, policy_code: str, body: PoliciesDraftIn):
    policy = _editable_policy(request, policy_code)
    draft = services.start_draft(policy, user=request.user)
    data = body.dict(exclude_none=True, exclude={"organisation_id"})
    return _detail(services.edit_draft(draft, data, user=request.user))


@router.post(
    "/library/{policy_code}/publish",
    response={200: PoliciesDetailOut, **ERRORS},
    auth=session_auth,
    summary="Publish the draft (its test cases must pass)",
)
def publish(request: HttpRequest, policy_code: str):
    policy = _editable_policy(request, policy_code)
    draft = policy.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        from django.utils.translation import gettext_lazy as _

        from yiwang.core.errors import Problem, ProblemsError

        raise ProblemsError([Problem("status", _("There is no draft to publish."), "not_found")])
    return _detail(services.publish(draft, user=request.user))


@router.post(
    "/library/{policy_code}/rounds",
    response={201: PoliciesRoundOut, **ERRORS},
    auth=session_auth,
    summary="Produce this period's 免申即享 list for review",
)
def produce_round(request: HttpRequest, policy_code: str):
    policy = views.staff_policy(request, policy_code)
    views.check_review(request, policy)
    return Status(201, _round(grants.produce_round(policy, user=request.user)))


@router.get(
    "/rounds/{round_id}",
    response={200: list[PoliciesRoundGrantOut], **ERRORS},
    auth=session_auth,
    summary="The enterprises on a round's list",
)
def round_grants(request: HttpRequest, round_id: int):
    rnd = _reviewable_round(request, round_id, write=False)
    return [
        {
            "id": g.pk,
            "credit_code": g.enterprise.credit_code,
            "name": g.enterprise.name,
            "amount": g.amount,
            "state": g.state,
        }
        for g in rnd.grants.select_related("enterprise").order_by("id")[:5000]
    ]


@router.post(
    "/rounds/{round_id}/grants/{grant_id}/{action}",
    response={200: PoliciesRoundGrantOut, **ERRORS},
    auth=session_auth,
    summary="Remove an entry from the list under review, or put it back (action: remove | restore)",
)
def round_entry(request: HttpRequest, round_id: int, grant_id: int, action: str, body: PoliciesNoteIn):
    rnd = _reviewable_round(request, round_id)
    g = rnd.grants.select_related("enterprise").filter(pk=grant_id).first()
    if g is None or action not in ("remove", "restore"):
        raise Http404
    g = (grants.remove if action == "remove" else grants.restore)(g, user=request.user, note=body.note)
    return {
        "id": g.pk,
        "credit_code": g.enterprise.credit_code,
        "name": g.enterprise.name,
        "amount": g.amount,
        "state": g.state,
    }


@router.post(
    "/rounds/{round_id}/approve",
    response={200: PoliciesRoundOut, **ERRORS},
    auth=session_auth,
    summary="Approve the reviewed list; the enterprises are told",
)
def approve_round(request: HttpRequest, round_id: int):
    return _round(grants.approve_round(_reviewable_round(request, round_id), user=request.user))


@router.post(
    "/rounds/{round_id}/pay",
    response={200: PoliciesRoundOut, **ERRORS},
    auth=session_auth,
    summary="Pay every confirmed grant of the round through the finance connector",
)
def pay_round(request: HttpRequest, round_id: int):
    rnd = _reviewable_round(request, round_id)
    grants.pay_confirmed(rnd, user=request.user)
    return _round(rnd)
