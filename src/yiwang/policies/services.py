"""The policy library's write path: create a policy, edit its draft, publish (tests must pass), retire.

Every door (the admin, the API, the seed command) calls these functions; each checks everything at once and
raises `ProblemsError` with one problem per field, in Chinese and English, before anything is written.
Publishing re-indexes the version for search and, after the commit, asks the worker to match it against every
enterprise or person (matching.match_versions).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import division_code_error
from yiwang.core.errors import Problem, ProblemsError

from . import eligibility, industries, search
from .models import Period, Policy, PolicyVersion, Scale, Target, VersionStatus

EDITABLE = (
    "title",
    "doc_number",
    "summary",
    "keywords",
    "text",
    "interpretation",
    "target",
    "industries",
    "scales",
    "divisions",
    "valid_from",
    "valid_until",
    "benefits",
    "rules",
    "tests",
    "item",
    "auto_grant",
    "grant_amount",
    "grant_period",
    "change_note",
)
BENEFIT_KINDS = ("amount", "rate", "service")
LIMITS = {"title": 200, "doc_number": 80, "summary": 500, "keywords": 300, "change_note": 300}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def clean(data: dict[str, Any], *, base: PolicyVersion | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """The version's fields from `data` (over `base`'s), checked whole: (values, every problem by field)."""
    from yiwang.catalog.models import ServiceItem

    values: dict[str, Any] = {name: getattr(base, name) for name in EDITABLE} if base is not None else {}
    if base is not None:
        values["item"] = base.item
    values.update({k: v for k, v in data.items() if k in EDITABLE})
    out: list[Problem] = []
    for name in ("title", "doc_number", "text"):
        values[name] = str(values.get(name) or "").strip()
        if not values[name]:
            out.append(Problem(name, _("This field is required."), "required"))
    for name, limit in LIMITS.items():
        values[name] = str(values.get(name) or "").strip()
        if len(values[name]) > limit:
            out.append(Problem(name, _("At most %(n)s characters."), "too_long", {"n": limit}))
    values["interpretation"] = str(values.get("interpretation") or "")
    values["target"] = values.get("target") or Target.ENTERPRISE
    if values["target"] not in Target.values:
        out.append(Problem("target", _("A policy is for enterprises or for persons."), "invalid_choice"))
    for name, check, message in (
        ("industries", industries.is_code, _("“%(code)s” is not a GB/T 4754 section (A–T) or division (01–97).")),
        (
            "scales",
            lambda s: s in Scale.values,
            _("“%(code)s” is not an enterprise scale (large, medium, small, micro)."),
        ),
        (
            "divisions",
            lambda d: isinstance(d, str) and len(d) == 6 and division_code_error(d) is None,
            _("“%(code)s” is not a six-digit division code (GB/T 2260)."),
        ),
    ):
        raw = values.get(name) or []
        if isinstance(raw, str):
            raw = [x.strip() for x in raw.replace("，", ",").split(",") if x.strip()]
        if not isinstance(raw, list):
            out.append(Problem(name, _("Give a list of codes.")))
            raw = []
        for i, code in enumerate(raw, 1):
            if not isinstance(code, str) or not check(code):
                out.append(Problem(f"{name}.{i}", message, "invalid", {"code": str(code)[:20]}))
        values[name] = list(dict.fromkeys(raw))
    if values["target"] == Target.PERSON and (values["industries"] or values["scales"]):
        out.append(Problem("industries", _("Industries and scales describe enterprises; this policy is for persons.")))
    values["valid_from"] = _date(values.get("valid_from"))
    if values["valid_from"] is None:
        out.append(Problem("valid_from", _("Give the date the policy takes effect (YYYY-MM-DD)."), "required"))
    raw_until = values.get("valid_until")
    values["valid_until"] = _date(raw_until)
    if raw_until not in (None, "") and values["valid_until"] is None:
        out.append(Problem("valid_until", _("Give a date (YYYY-MM-DD), or leave it empty for no end.")))
    elif values["valid_until"] and values["valid_from"] and values["valid_until"] < values["valid_from"]:
        out.append(Problem("valid_until", _("The policy cannot end before it takes effect.")))
    benefits = values.get("benefits") or []
    if not isinstance(benefits, list):
        out.append(Problem("benefits", _("The benefits are a list.")))
        benefits = []
    for i, b in enumerate(benefits, 1):
        f = f"benefits.{i}"
        if not isinstance(b, dict) or b.get("kind") not in BENEFIT_KINDS:
            out.append(Problem(f"{f}.kind", _("Each benefit is an amount, a rate or a service.")))
            continue
        if not str(b.get("text") or "").strip():
            out.append(Problem(f"{f}.text", _("Say what the benefit is."), "required"))
        if b["kind"] == "amount" and (_decimal(b.get("amount")) is None or _decimal(b.get("amount")) < 0):
            out.append(Problem(f"{f}.amount", _("Give the amount in yuan (a number, not negative).")))
        if b["kind"] == "rate" and not (0 <= (_decimal(b.get("rate")) or Decimal(-1)) <= 100):
            out.append(Problem(f"{f}.rate", _("Give the rate as a percentage between 0 and 100.")))
    values["benefits"] = benefits
    values["rules"] = values.get("rules") or []
    out += eligibility.rule_problems(values["rules"])
    values["tests"] = values.get("tests") or []
    out += eligibility.test_problems(values["tests"])
    item = values.get("item")
    if item not in (None, "") and not isinstance(item, ServiceItem):
        found = ServiceItem.objects.filter(item_code=str(item)).first()
        if found is None:
            out.append(
                Problem(
                    "item",
                    _("No catalog item has the implementation code “%(code)s”."),
                    "not_found",
                    {"code": str(item)[:31]},
                )
            )
        item = found
    values["item"] = item or None
    if values["item"] is not None and values["item"].current_id is None:
        out.append(Problem("item", _("The item has no published version to apply through.")))
    values["auto_grant"] = bool(values.get("auto_grant"))
    values["grant_period"] = values.get("grant_period") or Period.YEAR
    if values["grant_period"] not in Period.values:
        out.append(Problem("grant_period", _("The period is once, every year, every quarter or every month.")))
    raw_amount = values.get("grant_amount")
    values["grant_amount"] = _decimal(raw_amount)
    if raw_amount not in (None, "") and (values["grant_amount"] is None or values["grant_amount"] < 0):
        out.append(Problem("grant_amount", _("Give the amount in yuan (a number, not negative).")))
    if values["auto_grant"]:
        if values["target"] != Target.ENTERPRISE:
            out.append(Problem("auto_grant", _("Benefits without application are granted to enterprises.")))
        if not values["grant_amount"]:
            out.append(
                Problem("grant_amount", _("A benefit granted without application states its amount."), "required")
            )
    return values, out


def _write(version: PolicyVersion, values: dict[str, Any]) -> None:
    for name in EDITABLE:
        setattr(version, name, values[name])


@transaction.atomic
def create_policy(organisation: Any, data: dict[str, Any], *, user: Any = None, code: str = "") -> PolicyVersion:
    """A new policy of `organisation` with its first draft."""
    values, problems = clean(data)
    code = (code or "").strip()
    if code and Policy.objects.filter(code=code).exists():
        problems.append(Problem("code", _("Another policy has this code."), "unique"))
    if problems:
        raise ProblemsError(problems)
    policy = Policy.objects.create(code=code or _next_code(organisation), organisation=organisation)
    version = PolicyVersion(policy=policy, number=1, created_by=user)
    _write(version, values)
    version.save()
    return version


def _next_code(organisation: Any) -> str:
    year = timezone.localdate().year
    prefix = f"P{organisation.division.code[:6]}{year}"
    n = Policy.objects.filter(code__startswith=prefix).count() + 1
    while Policy.objects.filter(code=f"{prefix}{n:05d}").exists():
        n += 1
    return f"{prefix}{n:05d}"


@transaction.atomic
def edit_draft(version: PolicyVersion, data: dict[str, Any], *, user: Any = None) -> PolicyVersion:
    """Changes a draft (a published version never changes: start a draft first)."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ProblemsError([Problem("status", _("Only a draft can be edited; start a new draft."), "frozen")])
    values, problems = clean(data, base=version)
    if problems:
        raise ProblemsError(problems)
    _write(version, values)
    version.save()
    return version


@transaction.atomic
def start_draft(policy: Policy, *, user: Any = None) -> PolicyVersion:
    """The policy's draft: the existing one, or a copy of the newest version numbered next."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    draft = policy.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    source = policy.versions.order_by("-number").first()
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(policy=policy, number=number, created_by=user)
    if source is not None:
        for name in EDITABLE:
            setattr(version, name, getattr(source, name))
    version.change_note = ""
    version.save()
    return version


def publish_problems(version: PolicyVersion) -> list[Problem]:
    """Why a draft cannot be published: its fields, a missing test case, a failing test case."""
    _values, problems = clean({}, base=version)
    if problems:
        return problems
    if not version.tests:
        return [Problem("tests", _("Add at least one test case before publishing."), "required")]
    return eligibility.test_failures(eligibility.rules_of(version), version.tests)


@transaction.atomic
def publish(version: PolicyVersion, *, user: Any = None, match: bool = True) -> PolicyVersion:
    """Publishes a draft whose test cases pass; the version published before retires. Matching follows the commit
    (the worker's task), unless `match` is False (a bulk load that matches everything once itself)."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ProblemsError([Problem("status", _("Only a draft can be published."), "frozen")])
    problems = publish_problems(version)
    if problems:
        raise ProblemsError(problems)
    now = timezone.now()
    PolicyVersion.objects.filter(policy_id=version.policy_id, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED, retired_at=now
    )
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    version._stored_status = VersionStatus.PUBLISHED
    version.tokens = search.tokens_of(version)
    PolicyVersion.objects.filter(pk=version.pk).update(status=version.status, published_at=now, tokens=version.tokens)
    Policy.objects.filter(pk=version.policy_id).update(current=version)
    version_id = version.pk
    if match:
        transaction.on_commit(lambda: _enqueue_matching(version_id))
    return version


def _enqueue_matching(version_id: int) -> None:
    from . import tasks

    tasks.match_published.enqueue(version_ids=[version_id])


@transaction.atomic
def retire(policy: Policy, *, user: Any = None) -> Policy:
    """Withdraws the published version: the policy leaves search and matching (past grants stay)."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    PolicyVersion.objects.filter(policy=policy, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED, retired_at=timezone.now()
    )
    Policy.objects.filter(pk=policy.pk).update(current=None)
    policy.current = None
    return policy
