"""One function per case action, for every page and endpoint: who is calling, may they, then the locked write.

The API (cases.api), the staff workbench (views.workbench), the window (cases.window) and the applicant's pages
(views.track) all call these functions; none of them checks cases.policy or builds a `Who` on its own. Each
function, in one transaction:

1. locks the case row (so a check and the write see the same state) — for a case named by its number
   (`ByNumber`) within what the caller may see, in the same statement (404 when out of reach);
2. refuses a stale view: `expected_revision` given and different from the case's → ProblemsError `stale`;
3. asks cases.policy whether the caller may do this to this case → `NotAllowed` (a PermissionDenied: 403);
4. builds the `Who` (`who()`, the one place) in the role the caller acts in;
5. calls cases.services, the locked, evented write path, which judges the state machine and the data;
6. writes the case, its steps, its events and their outbox rows once (`services.finish`).

A case the caller cannot see at all is the caller's business to turn into 404 before calling (pages and the API
look cases up within `policy.visible_cases` / `staff_q` / `applicant_cases`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access
from yiwang.identity.access import Actor
from yiwang.orgs.models import Role

from . import policy, results, services
from .models import Case, CaseStep, Channel, State, StepState
from .services import Locked, Who

APPLICANT = "applicant"
CLIENT = "client"
SYSTEM = "system"  # the platform deciding by declared rules (秒批), never a person
WORKBENCH = "workbench"  # the channel recorded for back-office work done on the workbench or through the API


class NotAllowed(PermissionDenied):
    """The caller's role or permissions do not allow this action on this case (403; the case itself is in reach)."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("Your role does not allow this action on this case."))


@dataclass(frozen=True)
class Caller:
    """Who is calling: the access actor (roles, reach, agencies, scopes) and the account or machine client."""

    actor: Actor
    user: Any = None
    client: Any = None
    # The platform itself deciding by declared rules (秒批): the name recorded on events, e.g. "秒批规则 v3".
    system: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> Caller:
        """The caller behind a page or API request (a machine client's actor is set by its authentication)."""
        a = access.actor(request)
        client = getattr(request, "machine_client", None)
        if client is not None:
            return cls(actor=a, client=client)
        user = getattr(request, "user", None)
        return cls(actor=a, user=user if getattr(user, "is_authenticated", False) else None)

    @classmethod
    def for_user(cls, user: Any) -> Caller:
        return cls(actor=access.actor_for_user(user), user=user)

    @classmethod
    def for_client(cls, client: Any, scopes: list[str] | frozenset[str]) -> Caller:
        return cls(actor=access.actor_for_client(client, scopes), client=client)

    @classmethod
    def for_system(cls, name: str) -> Caller:
        """The platform acting on its own, by declared rules (no account, no client); only `decide_by_rules`
        accepts it, and it is recorded as role "system", channel "system"."""
        return cls(actor=access.ANONYMOUS, system=(name or "system")[:200])

    @property
    def is_client(self) -> bool:
        return self.client is not None

    @property
    def is_system(self) -> bool:
        return bool(self.system) and self.user is None and self.client is None

    @property
    def person_id(self) -> int | None:
        return self.actor.person_id


def staff_name(user: Any) -> str:
    """How a staff member is named on events and pages: full name, else the account name."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def who(
    caller: Caller,
    *,
    role: str = "",
    case: Case | None = None,
    organisation: Any = None,
    channel: str | None = None,
    on_behalf_of: str = "",
    person: Any = None,
    organisation_id: int | None = None,
    client_channel: str | None = None,
) -> Who:
    """The one place a `Who` is built: from the caller, the role acted in, the case (or the organisation handling
    the matter) and the channel.

    - a machine client acts as itself (role "client", its organisation, channel "api");
    - staff act in `role` for the organisation of theirs that reaches the case; channel "window" for the window
      clerk, "workbench" otherwise, unless the caller names the channel;
    - anyone else acts as the applicant (role "applicant"), named by their person record, channel "portal" unless
      named (mobile, kiosk, api).
    `on_behalf_of` names whom the actor acts for when that is not themself. `organisation_id` names the acting
    organisation where no role reach decides it (a helper at a service point, a bank outlet's staff: the hall's
    operator, see cases.applying.CHANNEL_RULES); `client_channel` the channel a machine client acts through when it
    is not the API (a bank outlet's smart teller).
    """
    if caller.is_system:
        return Who(name=caller.system, role=SYSTEM, channel=SYSTEM)
    if caller.client is not None:
        c = caller.client
        return Who(
            name=c.name,
            role=CLIENT,
            organisation_id=c.organisation_id,
            channel=client_channel or Channel.API,
            client_id=c.pk,
            on_behalf_of=on_behalf_of[:200],
        )
    user = caller.user
    if role and role != APPLICANT:
        org_id = organisation_id
        if org_id is not None:
            pass
        elif case is not None:
            org_id = policy.acting_org(caller.actor, role, case)
        elif organisation is not None:
            org_id = policy.acting_org_for(caller.actor, role, organisation.pk, organisation.parent_id)
        return Who(
            user=user,
            name=staff_name(user),
            role=role,
            organisation_id=org_id,
            channel=channel or (Channel.WINDOW if role == Role.WINDOW_CLERK else WORKBENCH),
            on_behalf_of=on_behalf_of[:200],
        )
    name = person.name if person is not None else caller.actor.person_name
    if not name and person is None and caller.person_id is not None:
        from yiwang.identity.models import Person

        found = Person.objects.filter(pk=caller.person_id).only("name").first()
        name = found.name if found is not None else ""
    return Who(
        user=user,
        name=name or staff_name(user),
        role=APPLICANT,
        channel=channel or Channel.PORTAL,
        on_behalf_of=on_behalf_of[:200],
    )


# --- what the caller may do now (buttons), and the checks each action makes -------------------------------------


def current_step(case: Case, steps: list[CaseStep] | None = None) -> CaseStep | None:
    steps = steps if steps is not None else services.steps_of(case)
    return next((s for s in steps if s.state in (StepState.ACTIVE, StepState.CLAIMED)), None)


def available(caller: Caller, case: Case, step: CaseStep | None) -> dict[str, bool]:
    """Which back-office actions the caller may take on this case now (policy and state together): the buttons a
    page shows, and the batch's pre-check. Each action checks the policy again when it runs."""
    a, s = caller.actor, case.state
    user_id = getattr(caller.user, "pk", None)
    person_or_client = user_id is not None or caller.is_client
    accept_ok = person_or_client and policy.may_accept(a, case)
    work_ok = person_or_client and step is not None and s == State.IN_PROGRESS and policy.may_work_step(a, case, step)
    mine = work_ok and step.state == StepState.CLAIMED and step.assignee_id == user_id
    return {
        "accept": accept_ok and s == State.SUBMITTED,
        "correction": accept_ok and s == State.SUBMITTED,
        "not_accept": accept_ok and s in (State.SUBMITTED, State.CORRECTION),
        "claim": work_ok and step.state == StepState.ACTIVE,
        "release": mine,
        "complete": mine,
        "return": mine and step.order > 1,
        "suspend": person_or_client and policy.may_suspend(a, case) and s == State.IN_PROGRESS,
        "resume": person_or_client and policy.may_suspend(a, case) and s == State.SUSPENDED,
        "void": person_or_client
        and policy.may_void(a, case)
        and s in (State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED),
        "deliver": person_or_client
        and policy.may_deliver(a, case)
        and s in (State.APPROVED, State.REFUSED)
        and case.delivered_at is None,
        "retry_license": person_or_client and _result_missing(case) and policy.may_conclude(a, case),
    }


def _result_missing(case: Case) -> bool:
    return case.state == State.APPROVED and not case.result_license and case.version.result_type == "license"


def retry_license(caller: Caller, case: Case | int, *, expected_revision: int | None = None) -> str:
    """Issues the e-license of an approved case again, after its cause was fixed (cases.results; the licenses
    module locks the case and records the outcome as an event by this staff member). Returns the identifier, or ""
    when it failed again (the new reason is on the case)."""
    pk = case.pk if isinstance(case, Case) else case
    current = Case.objects.select_related("version", "organisation").get(pk=pk)
    if expected_revision is not None and expected_revision != current.revision:
        raise ProblemsError(
            [Problem("revision", _("Someone else changed this case a moment ago; reload it and try again."), "stale")]
        )
    _require(_signed(caller) and policy.may_conclude(caller.actor, current) and _result_missing(current))
    return results.retry(current, who(caller, role=Role.APPROVER, case=current))


@dataclass(frozen=True)
class ByNumber:
    """A case named by its number: looked up within what the caller may see and locked, in one statement."""

    number: str


CaseRef = Case | int | ByNumber | Locked


def _locked(caller: Caller, case: CaseRef, expected_revision: int | None) -> Locked:
    if isinstance(case, ByNumber):
        try:
            locked = Locked(services.locking(policy.visible_cases(caller.actor)).get(case_number=case.number))
        except Case.DoesNotExist:
            raise Http404 from None
    else:
        locked = services.lock(case)
    if expected_revision is not None and expected_revision != locked.case.revision:
        raise ProblemsError(
            [
                Problem(
                    "revision",
                    _("Someone else changed this case a moment ago; reload it and try again."),
                    "stale",
                )
            ]
        )
    return locked


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed


def _signed(caller: Caller) -> bool:
    """Back-office actions are taken by a person's account or a machine client, never anonymously."""
    return caller.user is not None or caller.is_client


def _accepting(caller: Caller, case: Case) -> Who:
    _require(_signed(caller) and policy.may_accept(caller.actor, case))
    return who(caller, role=policy.accepting_role(caller.actor, case), case=case)


def _concluding_role(caller: Caller, case: Case) -> str:
    return Role.APPROVER if policy.may_conclude(caller.actor, case) else Role.REVIEWER


# --- acceptance ----------------------------------------------------------------------------------------------------


@transaction.atomic
def accept(caller: Caller, case: CaseRef, *, note: str = "", expected_revision: int | None = None) -> Case:
    locked = _locked(caller, case, expected_revision)
    services.accept(locked, _accepting(caller, locked.case), note)
    return services.finish(locked)


@transaction.atomic
def request_correction(
    caller: Caller, case: CaseRef, items: list[dict], *, note: str = "", expected_revision: int | None = None
) -> Case:
    locked = _locked(caller, case, expected_revision)
    services.request_correction(locked, _accepting(caller, locked.case), items, note)
    return services.finish(locked)


@transaction.atomic
def not_accept(
    caller: Caller,
    case: CaseRef,
    *,
    reason: str,
    remedies: str = "",
    expected_revision: int | None = None,
) -> Case:
    locked = _locked(caller, case, expected_revision)
    services.not_accept(locked, _accepting(caller, locked.case), reason, remedies)
    return services.finish(locked)


# --- back-office steps ---------------------------------------------------------------------------------------------


def _step(caller: Caller, case: Case, step_id: int | None) -> tuple[CaseStep, Who]:
    """The step waiting to be done (the one named, if any) and the caller acting in its role.

    No such step: refused by policy when the caller has no power over the case at all, else "not_current" (400).
    """
    step = current_step(case)
    if step is None or (step_id is not None and step.pk != step_id):
        a = caller.actor
        _require(_signed(caller) and (policy.may_accept(a, case) or policy.may_suspend(a, case)))
        raise ProblemsError([Problem("step", _("This step is not the one waiting to be done."), "not_current")])
    _require(_signed(caller) and policy.may_work_step(caller.actor, case, step))
    return step, who(caller, role=step.role, case=case)


@transaction.atomic
def claim(caller: Caller, case: CaseRef, *, step_id: int | None = None, expected_revision: int | None = None):
    locked = _locked(caller, case, expected_revision)
    step, w = _step(caller, locked.case, step_id)
    claimed = services.claim(locked, w, step.pk)
    services.finish(locked)
    return claimed


@transaction.atomic
def release(caller: Caller, case: CaseRef, *, step_id: int | None = None, expected_revision: int | None = None):
    locked = _locked(caller, case, expected_revision)
    step, w = _step(caller, locked.case, step_id)
    released = services.release(locked, w, step.pk)
    services.finish(locked)
    return released


@transaction.atomic
def complete_step(
    caller: Caller,
    case: CaseRef,
    *,
    decision: str,
    opinion: str,
    step_id: int | None = None,
    attachments: list[dict] | None = None,
    result: str = "",
    expected_revision: int | None = None,
) -> Case:
    """Records the opinion and decision. A department system claims and completes in one call."""
    locked = _locked(caller, case, expected_revision)
    step, w = _step(caller, locked.case, step_id)
    if caller.is_client and step.state == StepState.ACTIVE:
        services.claim(locked, w, step.pk)
    services.complete_step(
        locked, w, decision=decision, opinion=opinion, step_id=step.pk, attachments=attachments, result=result
    )
    return services.finish(locked)


@transaction.atomic
def return_step(
    caller: Caller,
    case: CaseRef,
    *,
    to_order: int,
    reason: str,
    step_id: int | None = None,
    expected_revision: int | None = None,
) -> Case:
    locked = _locked(caller, case, expected_revision)
    step, w = _step(caller, locked.case, step_id)
    services.return_step(locked, w, to_order=to_order, reason=reason, step_id=step.pk)
    return services.finish(locked)


# --- special procedure, conclusion, delivery -----------------------------------------------------------------------


@transaction.atomic
def suspend(
    caller: Caller,
    case: CaseRef,
    *,
    kind: str,
    reason: str,
    expected_end: dt.date | None,
    expected_revision: int | None = None,
):
    locked = _locked(caller, case, expected_revision)
    case = locked.case
    _require(_signed(caller) and policy.may_suspend(caller.actor, case))
    w = who(caller, role=_concluding_role(caller, case), case=case)
    suspension = services.suspend(locked, w, kind=kind, reason=reason, expected_end=expected_end)
    services.finish(locked)
    return suspension


@transaction.atomic
def resume(caller: Caller, case: CaseRef, *, result: str, expected_revision: int | None = None) -> Case:
    locked = _locked(caller, case, expected_revision)
    case = locked.case
    _require(_signed(caller) and policy.may_suspend(caller.actor, case))
    services.resume(locked, who(caller, role=_concluding_role(caller, case), case=case), result=result)
    return services.finish(locked)


@transaction.atomic
def void(caller: Caller, case: CaseRef, *, reason: str, expected_revision: int | None = None) -> Case:
    locked = _locked(caller, case, expected_revision)
    case = locked.case
    _require(_signed(caller) and policy.may_void(caller.actor, case))
    services.void(locked, who(caller, role=Role.APPROVER, case=case), reason)
    return services.finish(locked)


@transaction.atomic
def deliver(
    caller: Caller,
    case: CaseRef,
    *,
    method: str,
    address: str = "",
    tracking_number: str = "",
    expected_revision: int | None = None,
) -> Case:
    locked = _locked(caller, case, expected_revision)
    case = locked.case
    a = caller.actor
    _require(_signed(caller) and policy.may_deliver(a, case))
    role = policy.accepting_role(a, case) if policy.may_accept(a, case) else Role.APPROVER
    w = who(caller, role=role, case=case)
    services.deliver(locked, w, method=method, address=address, tracking_number=tracking_number)
    return services.finish(locked)


# --- the applicant's actions ---------------------------------------------------------------------------------------


def _as_applicant(caller: Caller, case: Case, channel: str | None) -> Who:
    _require(caller.user is not None and policy.is_applicant(caller.actor, case))
    return who(caller, role=APPLICANT, channel=channel, on_behalf_of=case.applicant_name if case.enterprise_id else "")


@transaction.atomic
def withdraw(caller: Caller, case: CaseRef, *, reason: str = "", channel: str | None = None) -> Case:
    """The applicant (or an agent with the apply permission) withdraws the application."""
    locked = _locked(caller, case, None)
    services.withdraw(locked, _as_applicant(caller, locked.case, channel), reason)
    return services.finish(locked)


@transaction.atomic
def supplement(
    caller: Caller,
    case: CaseRef,
    *,
    materials: list[dict],
    form_data: dict | None = None,
    channel: str | None = None,
) -> Case:
    """The applicant answers the one-time correction notice with the materials (already checked and stored)."""
    locked = _locked(caller, case, None)
    services.supplement(locked, _as_applicant(caller, locked.case, channel), materials, form_data)
    return services.finish(locked)


# --- decisions by declared rules (秒批) -------------------------------------------------------------------------------


@transaction.atomic
def decide_by_rules(caller: Caller, case: CaseRef, *, approved: bool, reason: str, record: dict) -> Case:
    """The platform's decision on a submitted case by its item's declared rules (the rules module calls it).

    Only the system caller may; the case must still await acceptance (a clerk who acted first wins). `record` (the
    rule set, its version, the inputs and the failed rules) is kept on a "rule_check" event so the decision can be
    replayed. Approved: accepted and concluded at once, no human step. Not approved: the case stays with the
    window, the failed rules listed on its history for the reviewer.
    """
    _require(caller.is_system)
    locked = _locked(caller, case, None)
    services.decide_by_rules(locked, who(caller), approved=approved, reason=reason, record=record)
    return services.finish(locked)
