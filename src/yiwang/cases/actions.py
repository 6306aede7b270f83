"""One function per case action, for every page and endpoint: who is calling, may they, then the locked write.

The API (cases.api), the staff workbench (views.workbench), the window (cases.window) and the applicant's pages
(views.track) all call these functions; none of them checks cases.policy or builds a `Who` on its own. Each
function, in one transaction:

1. locks the case row (so a check and the write see the same state);
2. refuses a stale view: `expected_revision` given and different from the case's → ProblemsError `stale`;
3. asks cases.policy whether the caller may do this to this case → `NotAllowed` (a PermissionDenied: 403);
4. builds the `Who` (`who()`, the one place) in the role the caller acts in;
5. calls cases.services, the locked, evented write path, which judges the state machine and the data.

A case the caller cannot see at all is the caller's business to turn into 404 before calling (pages and the API
look cases up within `policy.visible_cases` / `staff_q` / `applicant_cases`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import access
from yiwang.identity.access import Actor
from yiwang.orgs.models import Role

from . import policy, services
from .models import Case, CaseStep, Channel, State, StepState
from .services import Who

APPLICANT = "applicant"
CLIENT = "client"
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

    @property
    def is_client(self) -> bool:
        return self.client is not None

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
    if person is None and caller.person_id is not None:
        from yiwang.identity.models import Person

        person = Person.objects.filter(pk=caller.person_id).only("name").first()
    return Who(
        user=user,
        name=person.name if person is not None else staff_name(user),
        role=APPLICANT,
        channel=channel or Channel.PORTAL,
        on_behalf_of=on_behalf_of[:200],
    )


# --- what the caller may do now (buttons), and the checks each action makes -------------------------------------


def current_step(case: Case, steps: list[CaseStep] | None = None) -> CaseStep | None:
    steps = steps if steps is not None else list(case.steps.order_by("order"))
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
    }


def _locked(case: Case | int, expected_revision: int | None) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update().select_related("version", "organisation").get(pk=pk)
    if expected_revision is not None and expected_revision != locked.revision:
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
def accept(caller: Caller, case: Case | int, *, note: str = "", expected_revision: int | None = None) -> Case:
    case = _locked(case, expected_revision)
    return services.accept(case, _accepting(caller, case), note)


@transaction.atomic
def request_correction(
    caller: Caller, case: Case | int, items: list[dict], *, note: str = "", expected_revision: int | None = None
) -> Case:
    case = _locked(case, expected_revision)
    return services.request_correction(case, _accepting(caller, case), items, note)


@transaction.atomic
def not_accept(
    caller: Caller,
    case: Case | int,
    *,
    reason: str,
    remedies: str = "",
    expected_revision: int | None = None,
) -> Case:
    case = _locked(case, expected_revision)
    return services.not_accept(case, _accepting(caller, case), reason, remedies)


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
def claim(caller: Caller, case: Case | int, *, step_id: int | None = None, expected_revision: int | None = None):
    case = _locked(case, expected_revision)
    step, w = _step(caller, case, step_id)
    return services.claim(case, w, step.pk)


@transaction.atomic
def release(caller: Caller, case: Case | int, *, step_id: int | None = None, expected_revision: int | None = None):
    case = _locked(case, expected_revision)
    step, w = _step(caller, case, step_id)
    return services.release(case, w, step.pk)


@transaction.atomic
def complete_step(
    caller: Caller,
    case: Case | int,
    *,
    decision: str,
    opinion: str,
    step_id: int | None = None,
    attachments: list[dict] | None = None,
    result: str = "",
    expected_revision: int | None = None,
) -> Case:
    """Records the opinion and decision. A department system claims and completes in one call."""
    case = _locked(case, expected_revision)
    step, w = _step(caller, case, step_id)
    if caller.is_client and step.state == StepState.ACTIVE:
        services.claim(case, w, step.pk)
    return services.complete_step(
        case, w, decision=decision, opinion=opinion, step_id=step.pk, attachments=attachments, result=result
    )


@transaction.atomic
def return_step(
    caller: Caller,
    case: Case | int,
    *,
    to_order: int,
    reason: str,
    step_id: int | None = None,
    expected_revision: int | None = None,
) -> Case:
    case = _locked(case, expected_revision)
    step, w = _step(caller, case, step_id)
    return services.return_step(case, w, to_order=to_order, reason=reason, step_id=step.pk)


# --- special procedure, conclusion, delivery -----------------------------------------------------------------------


@transaction.atomic
def suspend(
    caller: Caller,
    case: Case | int,
    *,
    kind: str,
    reason: str,
    expected_end: dt.date | None,
    expected_revision: int | None = None,
):
    case = _locked(case, expected_revision)
    _require(_signed(caller) and policy.may_suspend(caller.actor, case))
    w = who(caller, role=_concluding_role(caller, case), case=case)
    return services.suspend(case, w, kind=kind, reason=reason, expected_end=expected_end)


@transaction.atomic
def resume(caller: Caller, case: Case | int, *, result: str, expected_revision: int | None = None) -> Case:
    case = _locked(case, expected_revision)
    _require(_signed(caller) and policy.may_suspend(caller.actor, case))
    return services.resume(case, who(caller, role=_concluding_role(caller, case), case=case), result=result)


@transaction.atomic
def void(caller: Caller, case: Case | int, *, reason: str, expected_revision: int | None = None) -> Case:
    case = _locked(case, expected_revision)
    _require(_signed(caller) and policy.may_void(caller.actor, case))
    return services.void(case, who(caller, role=Role.APPROVER, case=case), reason)


@transaction.atomic
def deliver(
    caller: Caller,
    case: Case | int,
    *,
    method: str,
    address: str = "",
    tracking_number: str = "",
    expected_revision: int | None = None,
) -> Case:
    case = _locked(case, expected_revision)
    a = caller.actor
    _require(_signed(caller) and policy.may_deliver(a, case))
    role = policy.accepting_role(a, case) if policy.may_accept(a, case) else Role.APPROVER
    w = who(caller, role=role, case=case)
    return services.deliver(case, w, method=method, address=address, tracking_number=tracking_number)


# --- the applicant's actions ---------------------------------------------------------------------------------------


def _as_applicant(caller: Caller, case: Case, channel: str | None) -> Who:
    _require(caller.user is not None and policy.is_applicant(caller.actor, case))
    return who(caller, role=APPLICANT, channel=channel, on_behalf_of=case.applicant_name if case.enterprise_id else "")


@transaction.atomic
def withdraw(caller: Caller, case: Case | int, *, reason: str = "", channel: str | None = None) -> Case:
    """The applicant (or an agent with the apply permission) withdraws the application."""
    case = _locked(case, None)
    return services.withdraw(case, _as_applicant(caller, case, channel), reason)


@transaction.atomic
def supplement(
    caller: Caller,
    case: Case | int,
    *,
    materials: list[dict],
    form_data: dict | None = None,
    channel: str | None = None,
) -> Case:
    """The applicant answers the one-time correction notice with the materials (already checked and stored)."""
    case = _locked(case, None)
    return services.supplement(case, _as_applicant(caller, case, channel), materials, form_data)
