"""免申即享: benefits granted without an application, one round per period.

    produce_round ─► grants PROPOSED ─remove─► REMOVED ─restore─► PROPOSED
    approve_round ─► PROPOSED → APPROVED (the enterprise is told) ─confirm─► CONFIRMED ─pay─► PAID
                                                                 └decline─► DECLINED

One service function per transition: each locks the rows it changes, checks the state it starts from, writes the new
state and a `GrantEvent` (who, what, from, to) in one transaction, and refuses anything else with a field error.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from yiwang.cases.models import Message
from yiwang.core.errors import Problem, ProblemsError

from . import eligibility, finance, matching
from .models import (
    Grant,
    GrantEvent,
    GrantRound,
    GrantState,
    Match,
    Period,
    Policy,
    RoundState,
    SubjectFacts,
    Target,
)

ACCOUNT_RE = re.compile(r"^\d{8,30}$")


def period_of(period_kind: str, day: dt.date) -> str:
    """The period label a day falls in: "2026", "2026Q3", "2026-07", or "once"."""
    if period_kind == Period.YEAR:
        return f"{day.year}"
    if period_kind == Period.QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if period_kind == Period.MONTH:
        return f"{day:%Y-%m}"
    return "once"


def _refuse(field: str, message: Any, code: str = "invalid", **params: Any) -> ProblemsError:
    return ProblemsError([Problem(field, message, code, params=params or None)])


def _event(grant: Grant, action: str, before: str, user: Any, note: str = "") -> None:
    GrantEvent.objects.create(
        grant=grant,
        action=action,
        from_state=before,
        to_state=grant.state,
        actor=user if _is_user(user) else None,
        note=note[:300],
    )


def _is_user(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


@transaction.atomic
def produce_round(policy: Policy, *, day: dt.date | None = None, user: Any = None) -> GrantRound:
    """The period's list of eligible enterprises from the policy's rules (the same round if produced already)."""
    day = day or timezone.localdate()
    policy = Policy.objects.select_for_update(of=("self",)).select_related("current").get(pk=policy.pk)
    version = policy.current
    if version is None or not version.auto_grant or version.target != Target.ENTERPRISE:
        raise _refuse("policy", _("Only a published policy granted without application (免申即享) has rounds."))
    if version.valid_from > day or (version.valid_until and version.valid_until < day):
        raise _refuse("policy", _("The policy is not in force on %(day)s."), day=day.isoformat())
    period = period_of(version.grant_period, day)
    existing = GrantRound.objects.filter(policy=policy, period=period).first()
    if existing is not None:
        return existing
    matching.ensure_facts(Target.ENTERPRISE)
    rnd = GrantRound.objects.create(policy=policy, version=version, period=period)
    compiled = eligibility.compile_version(version)
    last = 0
    while True:
        rows = list(
            SubjectFacts.objects.filter(enterprise_id__gt=last)
            .order_by("enterprise_id")
            .values_list("enterprise_id", "facts")[:2000]
        )
        if not rows:
            break
        grants = []
        for eid, data in rows:
            if compiled.holds(data):
                grants.append(
                    Grant(round=rnd, enterprise_id=eid, amount=version.grant_amount, met=compiled.decide(data).met)
                )
        made = Grant.objects.bulk_create(grants)
        GrantEvent.objects.bulk_create(
            [
                GrantEvent(grant=g, action="propose", from_state="", to_state=GrantState.PROPOSED, actor=user)
                for g in Grant.objects.filter(round=rnd, enterprise_id__in=[g.enterprise_id for g in made])
            ]
        )
        last = rows[-1][0]
    return rnd


def _grant(grant: Grant | int) -> Grant:
    pk = grant.pk if isinstance(grant, Grant) else grant
    return (
        Grant.objects.select_for_update(of=("self",)).select_related("round__policy__current", "enterprise").get(pk=pk)
    )


def _require(grant: Grant, *states: str) -> None:
    if grant.state not in states:
        raise _refuse(
            "state",
            _("This grant is “%(state)s”; that cannot be done now."),
            "conflict",
            state=GrantState(grant.state).label,
        )


@transaction.atomic
def remove(grant: Grant | int, *, user: Any, note: str = "") -> Grant:
    """The department takes an entry off the list under review (with its reason)."""
    g = _grant(grant)
    _require(g, GrantState.PROPOSED)
    if g.round.state != RoundState.REVIEWING:
        raise _refuse("round", _("The list is no longer under review."), "conflict")
    if not note.strip():
        raise _refuse("note", _("Say why the enterprise is removed from the list."), "required")
    before, g.state = g.state, GrantState.REMOVED
    g.save(update_fields=["state", "updated_at"])
    _event(g, "remove", before, user, note)
    return g


@transaction.atomic
def restore(grant: Grant | int, *, user: Any, note: str = "") -> Grant:
    """Puts a removed entry back on the list under review."""
    g = _grant(grant)
    _require(g, GrantState.REMOVED)
    if g.round.state != RoundState.REVIEWING:
        raise _refuse("round", _("The list is no longer under review."), "conflict")
    before, g.state = g.state, GrantState.PROPOSED
    g.save(update_fields=["state", "updated_at"])
    _event(g, "restore", before, user, note)
    return g


def grant_message(g: Grant) -> str:
    version = g.round.version
    with translation.override("zh-hans"):
        return gettext_now(
            "Your enterprise will receive ¥%(amount)s under “%(title)s” (%(period)s) without applying. "
            "Confirm your bank account in My Space → Policies."
        ) % {"amount": g.amount, "title": version.title, "period": g.round.period}


@transaction.atomic
def approve_round(rnd: GrantRound | int, *, user: Any) -> GrantRound:
    """The department approves the reviewed list: every proposed entry is approved and its enterprise told."""
    pk = rnd.pk if isinstance(rnd, GrantRound) else rnd
    r = GrantRound.objects.select_for_update().select_related("version").get(pk=pk)
    if r.state != RoundState.REVIEWING:
        raise _refuse("state", _("Only a list under review can be approved."), "conflict")
    grants = list(
        Grant.objects.select_for_update().filter(round=r, state=GrantState.PROPOSED).select_related("round__version")
    )
    Grant.objects.filter(pk__in=[g.pk for g in grants]).update(state=GrantState.APPROVED, updated_at=timezone.now())
    GrantEvent.objects.bulk_create(
        [
            GrantEvent(
                grant=g, action="approve", from_state=GrantState.PROPOSED, to_state=GrantState.APPROVED, actor=user
            )
            for g in grants
        ]
    )
    accounts = matching.recipients([g.enterprise_id for g in grants])
    Message.objects.bulk_create(
        [
            Message(recipient_id=uid, text=grant_message(g))
            for g in grants
            for uid in sorted(accounts.get(g.enterprise_id, ()))
        ]
    )
    r.state, r.approved_at, r.approved_by = RoundState.APPROVED, timezone.now(), user if _is_user(user) else None
    r.save(update_fields=["state", "approved_at", "approved_by"])
    return r


@transaction.atomic
def confirm(
    grant: Grant | int, *, user: Any, bank_name: str, bank_account: str, account_name: str, consent: bool
) -> Grant:
    """The enterprise (its legal representative or an agent) confirms the account to be paid into and consents."""
    g = _grant(grant)
    _require(g, GrantState.APPROVED)
    problems = []
    bank_name, account_name = (bank_name or "").strip(), (account_name or "").strip()
    account = re.sub(r"[\s-]", "", bank_account or "")
    if not bank_name:
        problems.append(Problem("bank_name", _("Name the bank of the account."), "required"))
    elif len(bank_name) > 100:
        problems.append(Problem("bank_name", _("At most %(n)s characters."), "too_long", params={"n": 100}))
    if not ACCOUNT_RE.match(account):
        problems.append(Problem("bank_account", _("A bank account number is 8 to 30 digits.")))
    if account_name != g.enterprise.name:
        problems.append(
            Problem(
                "account_name",
                _("The account must be the enterprise's own, in its registered name (%(name)s)."),
                params={"name": g.enterprise.name},
            )
        )
    if consent is not True:
        problems.append(
            Problem("consent", _("Tick the box to consent to the grant and the use of these facts."), "required")
        )
    if problems:
        raise ProblemsError(problems)
    before = g.state
    g.bank_name, g.bank_account, g.account_name = bank_name, account, account_name
    g.consent_at, g.state = timezone.now(), GrantState.CONFIRMED
    g.save()
    _event(g, "confirm", before, user)
    return g


@transaction.atomic
def decline(grant: Grant | int, *, user: Any, note: str = "") -> Grant:
    """The enterprise declines the benefit."""
    g = _grant(grant)
    _require(g, GrantState.APPROVED)
    before, g.state = g.state, GrantState.DECLINED
    g.save(update_fields=["state", "updated_at"])
    _event(g, "decline", before, user, note)
    return g


@transaction.atomic
def pay(grant: Grant | int, *, user: Any, day: dt.date | None = None) -> Grant:
    """Pays a confirmed grant through the finance connector and records the reference; the match is 'received'."""
    g = _grant(grant)
    _require(g, GrantState.CONFIRMED)
    ref = finance.FINANCE.get().pay(
        finance.Payment(
            grant_id=g.pk,
            policy_code=g.round.policy.code,
            period=g.round.period,
            credit_code=g.enterprise.credit_code,
            account_name=g.account_name,
            bank_name=g.bank_name,
            bank_account=g.bank_account,
            amount=g.amount,
        )
    )
    before = g.state
    g.state, g.paid_on, g.payment_reference = GrantState.PAID, day or timezone.localdate(), ref[:80]
    g.save(update_fields=["state", "paid_on", "payment_reference", "updated_at"])
    _event(g, "pay", before, user, ref)
    Match.objects.filter(policy_id=g.round.policy_id, enterprise_id=g.enterprise_id, received_at__isnull=True).update(
        received_at=timezone.now()
    )
    return g


def pay_confirmed(rnd: GrantRound, *, user: Any) -> int:
    """Pays every confirmed grant of a round (each in its own transaction); how many were paid."""
    n = 0
    for pk in Grant.objects.filter(round=rnd, state=GrantState.CONFIRMED).values_list("pk", flat=True):
        pay(pk, user=user)
        n += 1
    return n
