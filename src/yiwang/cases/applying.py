"""Applying (申请): the one command every channel calls to turn an application into a case.

The portal (desktop and phone), the kiosk, the comprehensive window, the API for a signed-in person and a
department system's machine client all build an `ApplyRequest` and call `apply(caller, request)`; bundles, bank
outlets and helpers will do the same. The command decides, in this order, and writes nothing until every check
passed:

1. idempotency — one scope rule (`services.idempotency_scope`): the machine client's keys ("c:<id>"), else the
   submitting account's ("u:<id>"), whatever page or endpoint it used; a key seen before returns that case;
2. the item — published and current (`unknown_item`), and open to the channel: the online channels (portal,
   mobile, kiosk, api) need online depth Ⅱ or more (`not_online`); assisted channels (the window) take any
   published item of the organisations the staff member's role reaches (`not_in_reach`);
3. who applies and for whom — a signed-in person for themself or for an enterprise; a staff member at an
   assisted channel for a person who is present (recorded as `on_behalf_of`); a machine client for a person
   named by document and name (found, or registered on submission); for an enterprise (by the object, its id,
   or its unified social credit code) the person must be its legal representative or an agent holding the
   "apply" permission today (`not_agent`, `unknown_enterprise`);
4. eligibility — the audience (`not_for_persons`, `not_for_enterprises`), the holder kind of the item's result
   when it is a license type (`result_for_enterprises`, `result_for_persons`; the rule is the catalog's
   (catalog.audience), the one the guide shows, and the licenses app tells the holder kind through its hook), and
   the minimum real-name level
   (`level_too_low`; at an assisted channel a counter check of the original document may establish it);
5. the form (cases.forms), the materials (the apply page's choices through cases.drafts, or the originals
   a clerk checked on paper) and the result's delivery (window, free EMS to an entry of the person's address
   book, or electronic), every problem at once; then the shared-data materials the applicant consented to and a
   source can serve are fetched (cases.uploads.SHARED_DATA) — one that cannot be fetched asks for an upload instead;
6. the write: files stored, a person named by a machine client registered, a counter check recorded, and the
   case submitted through `services.submit` with who acted, in which capacity and through which channel.

Every refusal is a `ProblemsError` whose problems carry a stable code (listed in `REFUSALS` and in docs/api.md)
and a Chinese and English message. Pages map the codes to their own friendly pages; no rule lives in a view.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from yiwang.calendar import workdays
from yiwang.catalog import audience
from yiwang.catalog.models import OnlineDepth, ServiceItem, VersionStatus
from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.plugins import Hook
from yiwang.identity import access, verification
from yiwang.identity import services as identity
from yiwang.identity.models import AgentPermission, Enterprise, Level, Person
from yiwang.orgs.models import Role

from . import actions, drafts, forms, services, uploads
from .actions import Caller
from .models import Case, Channel, Delivery, MaterialSource

# Channels where the applicant applies by themself, online: the item must be open online (depth Ⅱ or more).
ONLINE_CHANNELS = (Channel.PORTAL, Channel.MOBILE, Channel.KIOSK, Channel.API)
# Channels where a staff member applies for a person who is present, and the role whose reach must cover the
# item's organisation. Channels opened by other modules (helpers, bank outlets) are rules in CHANNEL_RULES below.
ASSISTED_CHANNELS: dict[str, str] = {Channel.WINDOW: Role.WINDOW_CLERK}

HOLDER_PERSON, HOLDER_ENTERPRISE = audience.HOLDER_PERSON, audience.HOLDER_ENTERPRISE


class Capacity:
    """In which capacity the person applies: for themself, or for an enterprise as its legal representative or
    as an authorised agent (recorded on the submit event)."""

    SELF = "self"
    LEGAL_REP = "legal_rep"
    AGENT = "agent"


# Every refusal of the command, by code (docs/api.md lists them; the apply page maps them to its pages).
REFUSALS: dict[str, Any] = {
    "unknown_item": _("No published item has this code (it may have been withdrawn)."),
    "not_online": _("This item cannot be applied for online: apply at a service hall window, as its guide says."),
    "not_in_reach": _("This item is not handled by the departments your role serves."),
    "invalid_channel": _("You cannot apply through this channel."),
    "no_identity": _("Complete your real-name registration before applying."),
    "not_self": _("Online you apply for yourself, or for an enterprise you act for, never for another person."),
    "applicant_required": _("Say who applies: name, document type and number."),
    "unknown_person": _("No person holds this document yet: register the applicant first."),
    "mismatch": _("The name does not match this document number's record."),
    "unknown_enterprise": _("No legal person is registered with this unified social credit code."),
    "not_agent": _(
        "Only the legal representative of this legal person, or an agent it granted the “apply” permission, may "
        "apply in its name."
    ),
    "not_for_persons": _("This item serves legal persons only: apply for the enterprise you act for."),
    "not_for_enterprises": _("This item serves natural persons only: apply as yourself."),
    "result_for_enterprises": _(
        "This item results in a license issued to legal persons: apply for the enterprise, as its legal "
        "representative or authorised agent."
    ),
    "result_for_persons": _("This item results in a license issued to natural persons: apply as yourself."),
    # The message with its figures comes from identity.verification.level_problem.
    "level_too_low": _(
        "This service requires real-name level %(required)s (%(required_label)s); your identity is at level "
        "%(current)s. Complete real-name verification first."
    ),
    "incomplete": _("Accept on the spot only when every required material was checked (missing: %(names)s)."),
}
# The refusals that concern the application as a whole (not a field the applicant can correct on the form).
BLOCKING = frozenset(REFUSALS) - {"incomplete"}


def _refusal(field_name: str, code: str, params: dict | None = None) -> Problem:
    return Problem(field_name, REFUSALS[code], code, params=params)


def _refuse(field_name: str, code: str, params: dict | None = None) -> ProblemsError:
    return ProblemsError([_refusal(field_name, code, params)])


# --- the result's holder kind (the catalog's rule; the licenses app contributes the license types' holders) -------

RESULT_HOLDERS = audience.RESULT_HOLDERS
result_holder = audience.result_holder


# --- what the receipt offers next (registered by other modules: the halls app offers booking the one visit) ------

AfterApply = Callable[[Case], tuple[str, str] | None]
AFTER_APPLY: Hook[AfterApply] = Hook(
    "cases.after_apply",
    doc="`offer(case)` → (label, url) the applicant's receipt offers as the next step (book the visit), or None.",
)


def after_apply_offers(case: Case) -> list[tuple[str, str]]:
    """The next steps other modules offer on the receipt of a case just applied for (label, url)."""
    out = []
    for offer in AFTER_APPLY:
        found = offer(case)
        if found:
            out.append(found)
    return out


# --- channels other modules open (帮办代办 at service points, 政银通办 at bank outlets) ------------------------


@dataclass(frozen=True)
class ChannelRule:
    """An assisted channel another module opens (the halls module: helpers, bank outlets), so that module's rules
    (who may use it, for which items, the person's consent) run inside the one door without cases importing it.

    - `check(caller, request, version)` → a Problem refusing the channel or the item for this caller, or None;
    - `organisation_id(caller, request)` → the acting organisation recorded on the events (the hall's operator);
    - `record(caller, request, case)` runs in the submit transaction once the case exists (who helped, where, for
      whom; the consent used); raising ProblemsError there undoes the whole submission;
    - `role` is the role named on the events; `clients` whether a machine client may use the channel.
    The person applied for is present or has consented: such channels are assisted (paper materials, a named
    person), never online.
    """

    role: str
    check: Callable[[Caller, ApplyRequest, Any], Problem | None]
    organisation_id: Callable[[Caller, ApplyRequest], int | None]
    record: Callable[[Caller, ApplyRequest, Case], None]
    clients: bool = False


CHANNEL_RULES: Hook[ChannelRule] = Hook(
    "cases.channel_rules", doc="channel → ChannelRule: assisted channels other modules open (helper, bank)."
)


def is_assisted(channel: str) -> bool:
    """Whether a staff member (or a machine at an outlet) applies for a named person through this channel."""
    return channel in ASSISTED_CHANNELS or channel in CHANNEL_RULES


def refusal(field_name: str, code: str, params: dict | None = None) -> Problem:
    """One of the command's refusals (REFUSALS), for channel rules to return."""
    return _refusal(field_name, code, params)


# --- the request -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    """A person named by a machine client or a window system: found by document (the name must match the record),
    or, for a machine client, registered when the application is submitted."""

    name: str
    doc_type: str
    doc_number: str
    phone: str = ""


@dataclass(frozen=True)
class EnterpriseRef:
    """An enterprise named by its unified social credit code, or by its id (the id of one the caller acts for)."""

    credit_code: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class PortalMaterials:
    """The apply page's material choices (the radio values and uploaded files, see cases.drafts)."""

    post: Mapping[str, Any]
    files: Any = None


@dataclass(frozen=True)
class PaperMaterials:
    """The catalog materials whose originals the staff member checked at the counter (assisted channels)."""

    material_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ApplyRequest:
    """One application, from any channel.

    `person` is who applies — or, for an enterprise, who represents it; None means the signed-in caller's own
    person. `form` is the raw form data (a page's POST or the API's JSON object). `document_checked` and
    `accept_now` have a meaning at assisted channels only: the original document was checked in person (which
    establishes real-name level 3), and the case is accepted on the spot when every required material is there.
    """

    item_code: str
    channel: str
    form: Mapping[str, Any] = field(default_factory=dict)
    person: Person | PersonRef | None = None
    enterprise: Enterprise | EnterpriseRef | None = None
    materials: PortalMaterials | PaperMaterials | None = None
    idempotency_key: str = ""
    hall: Any = None
    document_checked: bool = False
    accept_now: bool = False
    delivery: str = ""
    delivery_address_id: Any = None
    channel_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Parties:
    """Who applies, for whom, and in which capacity (person is None for a person a machine client names and the
    platform does not know yet: registered on submission)."""

    person: Person | None
    enterprise: Enterprise | None = None
    capacity: str = Capacity.SELF
    person_ref: PersonRef | None = None

    @property
    def name(self) -> str:
        return self.person.name if self.person is not None else self.person_ref.name if self.person_ref else ""

    @property
    def applicant(self) -> drafts.Applicant:
        return drafts.Applicant(person=self.person, enterprise=self.enterprise)


@dataclass
class Applied:
    """What the command did: the case, whether it was created now (False: the key was seen before), whether it
    was accepted on the spot, and the query code (when created, and to a retry of the same submission while the
    code is kept: CASE_QUERY_CODE_RETRY_SECONDS)."""

    case: Case
    created: bool
    accepted: bool = False
    query_code: str = ""


@dataclass
class _Plan:
    version: Any
    parties: Parties
    form_data: dict
    pending: list[drafts.Pending] = field(default_factory=list)
    paper: list[Any] = field(default_factory=list)
    counter_check: bool = False
    draft: Any = None
    delivery: str = ""
    delivery_address: str = ""


# --- the checks ------------------------------------------------------------------------------------------------


def _version(item_code: str) -> Any:
    item = (
        ServiceItem.objects.select_related("current", "organisation", "organisation__division")
        .annotate(**workdays.state_annotations())  # the calendar's version: the deadlines need no query of their own
        .filter(item_code=(item_code or "").strip())
        .first()
    )
    version = item.current if item is not None else None
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise _refuse("item_code", "unknown_item")
    version.item = item  # one object: the item with its organisation and division, as services.submit reads them
    return version


def published_version(item_code: str) -> Any:
    """The item's current published version (with its item, organisation and division), or `unknown_item`."""
    return _version(item_code)


def _channel_problem(caller: Caller, req: ApplyRequest, version: Any) -> Problem | None:
    """Whether the caller may apply through this channel for this item (the channel's own rule)."""
    channel = req.channel
    rule = CHANNEL_RULES.get(channel)
    if rule is not None:
        if (caller.is_client and not rule.clients) or (not caller.is_client and caller.user is None):
            return _refusal("channel", "invalid_channel")
        return rule.check(caller, req, version)
    if caller.is_client:
        if channel != Channel.API:
            return _refusal("channel", "invalid_channel")
    elif channel in ASSISTED_CHANNELS:
        role = ASSISTED_CHANNELS[channel]
        org = version.item.organisation
        if caller.user is None or not caller.actor.may_write(role):
            return _refusal("channel", "invalid_channel")
        if not caller.actor.reach(role).covers(org.pk, org.parent_id, org.division.path):
            return _refusal("item_code", "not_in_reach")
        return None
    elif channel not in ONLINE_CHANNELS or caller.user is None:
        return _refusal("channel", "invalid_channel")
    if version.online_depth < OnlineDepth.INTERACTION:
        return _refusal("item_code", "not_online")
    return None


def same_name(a: str, b: str) -> bool:
    """Two spellings of one name (spaces, width and middle dots aside), as identity compares them."""
    return verification.normalise_name(a) == verification.normalise_name(b)


def _named_person(ref: PersonRef, *, may_register: bool) -> tuple[Person | None, list[Problem]]:
    """The person a reference names (its name checked against the record), or the problems with registering it."""
    problems = identity.person_problems(ref.name, ref.doc_type, ref.doc_number, ref.phone)
    if any(p.field in ("doc_type", "doc_number") for p in problems):
        return None, [Problem(f"applicant.{p.field}", p.message, p.code, params=p.params) for p in problems]
    found = identity.find_person(ref.doc_type, ref.doc_number)
    if found is not None:
        if not same_name(found.name, ref.name):
            return None, [_refusal("applicant.name", "mismatch")]
        return found, []
    if not may_register:
        return None, [_refusal("applicant", "unknown_person")]
    return None, [Problem(f"applicant.{p.field}", p.message, p.code, params=p.params) for p in problems]


def _person(caller: Caller, req: ApplyRequest) -> tuple[Person | None, PersonRef | None]:
    given = req.person
    if caller.is_client or is_assisted(req.channel):
        if given is None:
            raise _refuse("applicant", "applicant_required")
        if isinstance(given, Person):
            return given, None
        person, problems = _named_person(given, may_register=caller.is_client)
        if problems:
            raise ProblemsError(problems)
        return person, (given if person is None else None)
    # Online: the signed-in person applies, for themself or for an enterprise they act for.
    if caller.person_id is None:
        raise _refuse("applicant", "no_identity")
    me = Person.objects.get(pk=caller.person_id)
    if given is None:
        return me, None
    if isinstance(given, Person):
        same = given.pk == me.pk
    else:
        same = identity.find_person(given.doc_type, given.doc_number) == me and same_name(me.name, given.name)
    if not same:
        raise _refuse("applicant", "not_self")
    return me, None


def _enterprise(ref: Enterprise | EnterpriseRef | None) -> Enterprise | None:
    if ref is None or isinstance(ref, Enterprise):
        return ref
    if ref.pk is not None:
        found = Enterprise.objects.filter(pk=ref.pk).first()
        if found is None:
            raise _refuse("enterprise", "not_agent")  # an id nobody may apply for reveals nothing
        return found
    return enterprise_by_code(ref.credit_code)


def enterprise_by_code(credit_code: str, field_name: str = "enterprise") -> Enterprise:
    """The registered legal person with this unified social credit code (checked for typing mistakes first)."""
    code = (credit_code or "").strip().upper()
    if err := credit_code_error(code):
        raise ProblemsError([Problem(field_name, err, "invalid")])
    found = Enterprise.objects.filter(credit_code=code).first()
    if found is None:
        raise _refuse(field_name, "unknown_enterprise")
    return found


def capacity_of(person: Person | None, enterprise: Enterprise) -> str | None:
    """How `person` may apply for `enterprise` today: as legal representative, as an agent holding "apply", or
    None (not at all). The same rule whether the person is signed in or present at a counter."""
    if person is None:
        return None
    if enterprise.legal_rep_id == person.pk:
        return Capacity.LEGAL_REP
    if AgentPermission.APPLY in access.agencies_of(person.pk).get(enterprise.pk, frozenset()):
        return Capacity.AGENT
    return None


def parties(caller: Caller, req: ApplyRequest) -> Parties:
    """Who applies and for whom, or the refusal (`ProblemsError`)."""
    person, ref = _person(caller, req)
    enterprise = _enterprise(req.enterprise)
    if enterprise is None:
        return Parties(person=person, person_ref=ref)
    capacity = capacity_of(person, enterprise)
    if capacity is None:
        raise _refuse("enterprise", "not_agent")
    return Parties(person=person, enterprise=enterprise, capacity=capacity)


def eligibility_problems(version: Any, p: Parties, *, counter_check_allowed: bool = False) -> list[Problem]:
    """Whether the item is open to this applicant: audience, the result's holder kind, the real-name level."""
    problems: list[Problem] = []
    if p.enterprise is not None and not version.for_enterprises:
        problems.append(_refusal("enterprise", "not_for_enterprises"))
    if p.enterprise is None and not version.for_persons:
        problems.append(_refusal("applicant", "not_for_persons"))
    holder = result_holder(version)
    if holder == HOLDER_ENTERPRISE and p.enterprise is None:
        problems.append(_refusal("applicant", "result_for_enterprises"))
    if holder == HOLDER_PERSON and p.enterprise is not None:
        problems.append(_refusal("enterprise", "result_for_persons"))
    level = verification.level_problem(p.person, version)
    if level is not None and not counter_check_allowed:
        problems.append(level)
    return problems


def _counter_check(req: ApplyRequest, version: Any, p: Parties) -> bool:
    """An assisted channel's counter check of the original document establishes the level the item needs."""
    return (
        req.channel in ASSISTED_CHANNELS
        and req.document_checked
        and p.person is not None
        and verification.level_problem(p.person, version) is not None
        and int(version.min_identity_level or 0) <= Level.STRONG
    )


def check(caller: Caller, req: ApplyRequest) -> tuple[Any, Parties]:
    """Steps 2–4: the item, the channel, who applies for whom, eligibility. Raises ProblemsError; writes nothing.

    Pages call it before showing a form, so a refusal is explained before anyone types anything.
    """
    version = _version(req.item_code)
    if (problem := _channel_problem(caller, req, version)) is not None:
        raise ProblemsError([problem])
    p = parties(caller, req)
    problems = eligibility_problems(version, p, counter_check_allowed=_counter_check(req, version, p))
    if problems:
        raise ProblemsError(problems)
    return version, p


def _materials(req: ApplyRequest, version: Any, p: Parties, plan: _Plan) -> list[Problem]:
    m = req.materials
    if m is None:
        return []
    if isinstance(m, PaperMaterials):
        if not is_assisted(req.channel):
            return [Problem("materials", _("Only a window can check original materials on paper."), "invalid")]
        by_id = {x.pk: x for x in version.materials.all().order_by("order", "id")}
        if any(i not in by_id for i in m.material_ids):
            return [Problem("materials", _("Tick only materials of this item."), "invalid")]
        plan.paper = [by_id[i] for i in dict.fromkeys(m.material_ids)]
        return []
    applicant = p.applicant
    plan.draft = drafts.draft_for(applicant, version)
    slot_list = drafts.slots(version, applicant, plan.draft)
    plan.pending, problems = drafts.resolve(slot_list, m.post, m.files, applicant)
    return problems


def _delivery(req: ApplyRequest, p: Parties, plan: _Plan) -> list[Problem]:
    """The delivery the applicant chose: free EMS needs an entry of the person's own address book (copied into
    the case); no choice (an API client, the window) leaves it to the clerk."""
    from yiwang.identity import space

    method = (req.delivery or "").strip()
    if not method:
        return []
    if method not in Delivery.values:
        return [Problem("delivery", _("Choose window pickup, free EMS or electronic delivery."), "invalid")]
    plan.delivery = method
    if method != Delivery.POST:
        return []
    found = space.address_for(p.person, req.delivery_address_id) if p.person is not None else None
    if found is None:
        return [
            Problem(
                "delivery_address",
                _("Choose the address the result is sent to, or add one to your address book."),
                "required",
            )
        ]
    plan.delivery_address = found.postal_text()
    return []


def _incomplete(req: ApplyRequest, version: Any, plan: _Plan) -> list[Problem]:
    if not (req.accept_now and is_assisted(req.channel)):
        return []
    checked = {m.pk for m in plan.paper}
    missing = [
        m.name for m in version.materials.order_by("order", "id") if m.requirement == "required" and m.pk not in checked
    ]
    if not missing:
        return []
    return [_refusal("accept_now", "incomplete", {"names": "、".join(missing)})]


def _plan(caller: Caller, req: ApplyRequest) -> _Plan:
    version, p = check(caller, req)
    data, problems = forms.clean(forms.fields_of(version), req.form)
    plan = _Plan(version=version, parties=p, form_data=data, counter_check=_counter_check(req, version, p))
    problems += _materials(req, version, p, plan)
    problems += _delivery(req, p, plan)
    problems += _incomplete(req, version, plan)
    if problems:
        _keep_checked_files(req, plan, problems)
        raise ProblemsError(problems)
    return plan


def _keep_checked_files(req: ApplyRequest, plan: _Plan, problems: list[Problem]) -> None:
    """A refused page submission keeps the files that passed their checks in the applicant's draft (never a case),
    so one bad file does not cost the others: the page offers them again, already chosen."""
    if isinstance(req.materials, PortalMaterials):
        drafts.keep_checked(
            plan.parties.applicant,
            plan.version,
            forms.fields_of(plan.version),
            req.materials.post,
            plan.pending,
            problems,
        )


# --- the command -----------------------------------------------------------------------------------------------


def _who(caller: Caller, req: ApplyRequest, plan: _Plan) -> services.Who:
    p, version = plan.parties, plan.version
    rule = CHANNEL_RULES.get(req.channel)
    if rule is not None:
        return actions.who(
            caller,
            role=rule.role,
            organisation_id=rule.organisation_id(caller, req),
            channel=req.channel,
            client_channel=req.channel,
            on_behalf_of=p.name,
        )
    if caller.is_client:
        return actions.who(caller, on_behalf_of=p.name)
    if req.channel in ASSISTED_CHANNELS:
        return actions.who(
            caller,
            role=ASSISTED_CHANNELS[req.channel],
            organisation=version.item.organisation,
            channel=req.channel,
            on_behalf_of=p.name,
        )
    return actions.who(
        caller,
        role=actions.APPLICANT,
        channel=req.channel,
        person=p.person,
        on_behalf_of=p.enterprise.name if p.enterprise is not None else "",
    )


def _paper_rows(plan: _Plan, who: services.Who) -> list[dict]:
    return [
        uploads.material_row(
            name=m.name,
            catalog_material_id=m.pk,
            source=MaterialSource.PAPER,
            reference=str(_("Original checked at the window by %(clerk)s")) % {"clerk": who.name},
        )
        for m in plan.paper
    ]


def _write(caller: Caller, req: ApplyRequest, plan: _Plan, stored_now: list[str]) -> tuple[Case, bool]:
    p, version = plan.parties, plan.version
    # One transaction around everything when a person is registered or verified on the way; otherwise the case's
    # own (services.submit takes the case number like a sequence value before it begins).
    registering = (p.person is None and p.person_ref is not None) or plan.counter_check
    with transaction.atomic() if registering else contextlib.nullcontext():
        if p.person is None and p.person_ref is not None:
            ref = p.person_ref
            p.person = identity.register_person(
                name=ref.name, doc_type=ref.doc_type, doc_number=ref.doc_number, phone=ref.phone
            )
        if plan.counter_check:
            verification.verify_person(
                p.person,
                level=Level.STRONG,
                method="counter",
                performed_by=caller.user,
                evidence={"document_checked": True},
            )
            p.person.refresh_from_db()
            if (lp := verification.level_problem(p.person, version)) is not None:
                raise ProblemsError([Problem("document_checked", lp.message, lp.code, params=lp.params)])
        who = _who(caller, req, plan)
        rows = drafts.store_rows(plan.pending, stored_now) + _paper_rows(plan, who)
        event_data: dict[str, Any] = {"capacity": p.capacity}
        if plan.delivery:
            event_data["delivery"] = plan.delivery
        if p.enterprise is not None:
            event_data["enterprise"] = p.enterprise.credit_code
        case, created = services.submit(
            version=version,
            person=p.person,
            enterprise=p.enterprise,
            who=who,
            form_data=plan.form_data,
            materials=rows,
            idempotency_key=req.idempotency_key,
            hall=req.hall,
            event_data=event_data,
            delivery_choice=plan.delivery,
            delivery_choice_address=plan.delivery_address,
            key_checked=True,  # apply() looked the key up a moment ago
        )
        if created and (rule := CHANNEL_RULES.get(req.channel)) is not None:
            rule.record(caller, req, case)
        return case, created


def _record_uses(plan: _Plan, case: Case) -> None:
    from yiwang.identity import space
    from yiwang.identity.models import ReuseCategory

    org_name = plan.version.item.organisation.name
    applicant = plan.parties.applicant
    subject = applicant.subject
    for pending in plan.pending:
        if pending.source == MaterialSource.SHARED and pending.row is not None:
            continue  # fetched through cases.uploads.SHARED_DATA: its source recorded the use (settle_shared)
        if pending.source == MaterialSource.SHARED:
            # The applicant agreed on the form that the department obtains it: the use is shown in My Space.
            m = pending.slot.material
            identity.record_use(
                category=ReuseCategory.SHARED_DATA if m.source == "shared" else ReuseCategory.LICENSES,
                what=pending.slot.source_name or m.name,
                used_by=org_name,
                purpose=plan.version.name,
                case_number=case.case_number,
                person=None if applicant.enterprise is not None else applicant.person,
                enterprise=applicant.enterprise,
            )
        elif pending.stored_material is not None:
            # A material withdrawn from reuse a moment ago is skipped: the case already holds its copy.
            with contextlib.suppress(ProblemsError):
                space.use_material(
                    subject,
                    pending.stored_material.pk,
                    used_by=org_name,
                    purpose=plan.version.name,
                    case_number=case.case_number,
                )


def _fetch_shared(plan: _Plan) -> list[uploads.SharedDataFetch]:
    """Fetches, with the applicant's consent given on the form, every shared-data material chosen (cases.uploads
    SHARED_DATA); one that cannot be fetched is a problem asking for an upload instead (nothing is written)."""
    fetches: list[uploads.SharedDataFetch] = []
    problems: list[Problem] = []
    org = plan.version.item.organisation
    for p in plan.pending:
        if p.source != MaterialSource.SHARED or p.slot.shared is None or not p.slot.shared.available:
            continue  # no source serves it: the department obtains it itself (the row names the resource)
        m = p.slot.material
        fetched = uploads.fetch_shared(
            plan.parties.applicant.subject,
            m.data_resource_code,
            organisation=org,
            purpose=plan.version.name,
            material_name=m.name,
            material_id=m.pk,
        )
        fetches.append(fetched)
        if fetched.row is None:
            problems.append(
                Problem(
                    p.slot.field,
                    _("%(label)s could not be fetched from shared data (%(reason)s): choose “Upload a file” instead."),
                    "shared_unavailable",
                    params={"label": m.name, "reason": fetched.reason},
                )
            )
        p.row = fetched.row
    if problems:
        uploads.settle_shared(fetches, "")
        raise ProblemsError(problems)
    return fetches


def apply(caller: Caller, req: ApplyRequest) -> Applied:
    """Checks everything, then submits the application once per idempotency key; raises ProblemsError with every
    problem, having written nothing (no case, no person, no verification) — except that the apply page's files that
    passed their checks are kept in the applicant's own draft when the form or another file was wrong."""
    scope = services.idempotency_scope(getattr(caller.user, "pk", None), getattr(caller.client, "pk", None))
    earlier = services.submitted_case(scope, req.idempotency_key)
    if earlier is not None:
        # A retry whose first answer was lost: the same case, with its query code while it is kept.
        return Applied(case=earlier, created=False, query_code=services.kept_query_code(earlier))
    plan = _plan(caller, req)
    fetched = _fetch_shared(plan)
    stored_now: list[str] = []
    try:
        case, created = _write(caller, req, plan, stored_now)
    except Exception:
        uploads.discard(stored_now)
        uploads.settle_shared(fetched, "")
        raise
    if not created:  # the same key won a race a moment ago: that case stands, nothing new is kept
        uploads.discard(stored_now)
        uploads.settle_shared(fetched, "")
        return Applied(case=case, created=False, query_code=services.kept_query_code(case))
    uploads.settle_shared(fetched, case.case_number)
    query_code = getattr(case, "query_code", "")
    _record_uses(plan, case)
    if plan.draft is not None:
        plan.draft.delete()  # its files now belong to the case
    accepted = False
    if req.accept_now and is_assisted(req.channel):
        # Accepting is its own action, with its own permission: a staff member who may submit but not accept
        # leaves the case awaiting acceptance.
        with contextlib.suppress(actions.NotAllowed):
            case = actions.accept(caller, case)
            accepted = True
    return Applied(case=case, created=True, accepted=accepted, query_code=query_code)


def first_blocking(problems: list[Problem]) -> Problem | None:
    """The first refusal of the application as a whole (for a page that explains it), if any."""
    return next((p for p in problems if p.code in BLOCKING), None)
