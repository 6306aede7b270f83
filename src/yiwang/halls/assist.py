"""Assisted handling (帮办代办) at service points and applications at bank outlets (政银通办).

Both go through the one apply door (`cases.applying.apply`); this module opens two channels there
(`cases.applying.CHANNEL_RULES`, registered when the app loads) and keeps what the door does not know:

- **helper** — an account named a helper of a hall of kind "service point" (`HallStaff`) applies for a person with
  the person's recorded consent for that one item (`Consent`: an SMS code sent to the person's registered phone
  through the SMS slot, or a signature captured on the helper's screen). The item must belong to an organisation
  of the point's division or one above it (a village point helps with the township's, county's and city's items).
  For an enterprise's project under free agency (代办, `AgencyProject`) the assigned helper applies for the
  enterprise; the person consenting is its legal representative or an agent with "apply".
- **bank** — the staff of a bank outlet (`HallStaff` of a hall of kind "bank") or its smart teller (a machine
  client with scope `halls:bank`, registered as a `SmartTeller` of the outlet) applies for the person present, only
  for items the city opened to bank outlets (`BankItem`; smart tellers only those marked self-service). The result
  is picked up at the outlet.

Every case applied this way gets an `AssistedCase` row in the submit transaction: who helped, where, for whom, with
which consent and for which project. The person sees it in My Space (panel "Applied for me").
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases import applying
from yiwang.cases.actions import Caller, staff_name
from yiwang.cases.models import Case, Channel
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto
from yiwang.identity import services as identity
from yiwang.identity.models import Enterprise, Person
from yiwang.orgs.models import Hall

from .models import (
    AgencyProject,
    AssistedCase,
    BankItem,
    Consent,
    ConsentMethod,
    HallKind,
    HallStaff,
    SmartTeller,
    StaffKind,
)

CODE_MINUTES = 10
CONFIRMED_MINUTES = 30
MAX_TRIES = 5
MAX_SIGNATURE_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BANK_SCOPE = "halls:bank"
KIND_OF_HALL = {StaffKind.HELPER: HallKind.SERVICE_POINT, StaffKind.BANK: HallKind.BANK}


def _problem(field: str, message: Any, code: str = "invalid") -> ProblemsError:
    return ProblemsError([Problem(field, message, code)])


# --- who works where ------------------------------------------------------------------------------------------------


def staff_halls(user: Any, kind: str) -> QuerySet[Hall]:
    """The halls where the account currently works as a helper (service points) or as bank staff (bank outlets)."""
    if not getattr(user, "is_authenticated", False):
        return Hall.objects.none()
    now = timezone.now()
    ids = HallStaff.objects.filter(user=user, kind=kind, started_at__lte=now).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=now)
    )
    return Hall.objects.filter(pk__in=ids.values("hall_id"), profile__kind=KIND_OF_HALL[kind]).select_related(
        "division", "organisation"
    )


def is_staff(user: Any, kind: str) -> bool:
    return staff_halls(user, kind).exists()


def teller_hall(client: Any) -> Hall | None:
    """The bank outlet a smart teller stands in (None for any other machine client)."""
    row = SmartTeller.objects.filter(client=client, hall__profile__kind=HallKind.BANK).select_related("hall").first()
    return row.hall if row is not None else None


def _serves_division(version: Any, hall: Hall) -> bool:
    """The item belongs to an organisation of the hall's division or of one above it."""
    return hall.division.path.startswith(version.item.organisation.division.path)


# --- consent -------------------------------------------------------------------------------------------------------


def _hash(consent_id: int, code: str) -> str:
    return crypto.lookup_hash("halls-consent", f"{consent_id}:{code}")


@dataclass(frozen=True)
class ConsentStarted:
    consent: Consent
    sent_to: str = ""  # the masked phone the code went to


def find_person(name: str, doc_type: str, doc_number: str) -> Person:
    """The registered person the helper names (the name must match the record); helpers register nobody."""
    person, problems = applying._named_person(
        applying.PersonRef(name=name, doc_type=doc_type, doc_number=doc_number), may_register=False
    )
    if problems:
        raise ProblemsError(problems)
    return person


def start_consent(
    helper: Any,
    hall: Hall,
    *,
    person: Person,
    item_code: str,
    method: str,
    enterprise: Enterprise | None = None,
    signature: bytes | None = None,
) -> ConsentStarted:
    """Records the person's consent for one item: sends an SMS code (confirmed with `confirm_consent`) or keeps the
    signature drawn on the helper's screen (confirmed at once). The item and the parties are checked first, the
    way the apply door will check them, so nobody is asked to consent to what cannot be applied for."""
    if method not in ConsentMethod.values:
        raise _problem("method", _("Choose SMS confirmation or signature."))
    caller = Caller.for_user(helper)
    applying.check(caller, _request(item_code, Channel.HELPER, person, enterprise, hall, {"precheck": True}))
    now = timezone.now()
    if method == ConsentMethod.SIGNATURE:
        sig = signature or b""
        if not sig.startswith(PNG_MAGIC) or len(sig) > MAX_SIGNATURE_BYTES:
            raise _problem("signature", _("Have the person sign in the box (a PNG image up to 200 KB)."), "required")
        consent = Consent.objects.create(
            hall=hall,
            helper=helper,
            person=person,
            enterprise=enterprise,
            item_code=item_code.strip(),
            method=method,
            signature=sig,
            confirmed_at=now,
            expires_at=now + dt.timedelta(minutes=CONFIRMED_MINUTES),
        )
        return ConsentStarted(consent)
    if not person.phone:
        raise _problem("method", _("This person has no registered mobile phone: capture a signature instead."))
    from yiwang.identity import masking, providers

    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        consent = Consent.objects.create(
            hall=hall,
            helper=helper,
            person=person,
            enterprise=enterprise,
            item_code=item_code.strip(),
            method=method,
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        consent.code_hash = _hash(consent.pk, code)
        consent.save(update_fields=["code_hash"])
    text = str(
        _(
            "[Yiwang] %(helper)s, a helper at %(hall)s, will apply for “%(item)s” on your behalf. If you agree, "
            "tell the helper the code %(code)s (valid %(minutes)s minutes)."
        )
    ) % {"hall": hall.name, "helper": staff_name(helper), "item": item_code, "code": code, "minutes": CODE_MINUTES}
    try:
        providers.sms_sender().send(person.phone, text)
    except providers.DeliveryError as exc:
        consent.delete()
        raise _problem("method", _("The SMS could not be sent: capture a signature instead."), "not_sent") from exc
    return ConsentStarted(consent, sent_to=masking.mask_phone(person.phone))


def confirm_consent(helper: Any, consent_id: int, code: str) -> Consent:
    """The code the person read out: right within 10 minutes and 5 tries confirms the consent."""
    now = timezone.now()
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(pk=consent_id, helper=helper).first()
        if consent is None:
            raise _problem("consent", _("No consent request of yours has this number."), "not_found")
        if consent.confirmed_at is not None:
            return consent
        if consent.expires_at <= now or consent.tries >= MAX_TRIES:
            raise _problem("code", _("This code has expired: send a new one."), "expired")
        consent.tries += 1
        if not hmac.compare_digest(consent.code_hash, _hash(consent.pk, (code or "").strip())):
            consent.save(update_fields=["tries"])
            problem = _problem("code", _("The code is not right: ask the person to read it again."), "wrong_code")
        else:
            consent.confirmed_at = now
            consent.expires_at = now + dt.timedelta(minutes=CONFIRMED_MINUTES)
            consent.save(update_fields=["tries", "confirmed_at", "expires_at"])
            return consent
    raise problem


# --- the two channels' rules (registered in CHANNEL_RULES) --------------------------------------------------------


def _request(
    item_code: str, channel: str, person: Any, enterprise: Any, hall: Hall | None, data: dict[str, Any]
) -> applying.ApplyRequest:
    return applying.ApplyRequest(
        item_code=item_code, channel=channel, person=person, enterprise=enterprise, hall=hall, channel_data=data
    )


def _same_person(given: Any, person_id: int) -> bool:
    if isinstance(given, Person):
        return given.pk == person_id
    if isinstance(given, applying.PersonRef):
        found = identity.find_person(given.doc_type, given.doc_number)
        return found is not None and found.pk == person_id
    return False


def _enterprise_id(given: Any) -> int | None:
    if given is None:
        return None
    if isinstance(given, Enterprise):
        return given.pk
    if given.pk is not None:
        return given.pk
    return (
        Enterprise.objects.filter(credit_code=(given.credit_code or "").strip().upper())
        .values_list("pk", flat=True)
        .first()
    )


def _consent_problem(caller: Caller, req: applying.ApplyRequest) -> Problem | None:
    consent = Consent.objects.filter(pk=req.channel_data.get("consent") or 0, helper=caller.user).first()
    if (
        consent is None
        or consent.confirmed_at is None
        or consent.case_id is not None
        or consent.expires_at <= timezone.now()
        or consent.hall_id != getattr(req.hall, "pk", None)
        or consent.item_code != req.item_code.strip()
        or not _same_person(req.person, consent.person_id)
        or consent.enterprise_id != _enterprise_id(req.enterprise)
    ):
        return Problem(
            "consent",
            _("Record the person's consent to this application first (SMS code or signature)."),
            "consent_required",
        )
    return None


def _project_problem(caller: Caller, req: applying.ApplyRequest) -> Problem | None:
    project_id = req.channel_data.get("project")
    if not project_id:
        return None
    ok = AgencyProject.objects.filter(
        pk=project_id,
        helper=caller.user,
        closed_at__isnull=True,
        enterprise_id=_enterprise_id(req.enterprise) or 0,
    ).exists()
    if not ok:
        return Problem("project", _("Choose an open project of this enterprise assigned to you."), "invalid")
    return None


def _helper_check(caller: Caller, req: applying.ApplyRequest, version: Any) -> Problem | None:
    hall = req.hall
    if hall is None or not staff_halls(caller.user, StaffKind.HELPER).filter(pk=hall.pk).exists():
        return applying.refusal("channel", "invalid_channel")
    if not _serves_division(version, hall):
        return applying.refusal("item_code", "not_in_reach")
    if req.channel_data.get("precheck"):
        return None
    return _consent_problem(caller, req) or _project_problem(caller, req)


def _bank_hall(caller: Caller, req: applying.ApplyRequest) -> Hall | None:
    if caller.is_client:
        if BANK_SCOPE not in caller.actor.scopes:
            return None
        hall = teller_hall(caller.client)
        return hall if hall is not None and req.hall is not None and req.hall.pk == hall.pk else None
    hall = req.hall
    if hall is None or not staff_halls(caller.user, StaffKind.BANK).filter(pk=hall.pk).exists():
        return None
    return hall


def _bank_check(caller: Caller, req: applying.ApplyRequest, version: Any) -> Problem | None:
    hall = _bank_hall(caller, req)
    if hall is None:
        return applying.refusal("channel", "invalid_channel")
    opened = BankItem.objects.filter(item_id=version.item.pk)
    if caller.is_client:
        opened = opened.filter(self_service=True)
    if not opened.exists() or not _serves_division(version, hall):
        return Problem(
            "item_code",
            _("This item is not open at bank outlets (or not on smart tellers): apply at a service hall."),
            "not_at_bank",
        )
    return None


def _org_id(caller: Caller, req: applying.ApplyRequest) -> int | None:
    return req.hall.organisation_id if req.hall is not None else None


def _record(kind: str):
    def record(caller: Caller, req: applying.ApplyRequest, case: Case) -> None:
        hall = req.hall  # the rule's check made sure it is the helper's point or the outlet of staff or teller
        consent_id = None
        if kind == StaffKind.HELPER:
            consent_id = req.channel_data.get("consent")
            used = Consent.objects.filter(pk=consent_id, case__isnull=True).update(case=case)
            if used != 1:
                raise _problem("consent", _("This consent was already used for another application."), "consent_used")
        AssistedCase.objects.create(
            case=case,
            kind=kind,
            hall=hall,
            helper=caller.user if not caller.is_client else None,
            client=caller.client,
            helper_name=(caller.client.name if caller.is_client else staff_name(caller.user))[:150],
            person_id=case.person_id,
            enterprise_id=case.enterprise_id,
            consent_id=consent_id,
            project_id=req.channel_data.get("project") or None,
            pickup_here=kind == StaffKind.BANK,
        )

    return record


def register() -> None:
    """Opens the two channels in the apply door (called from HallsConfig.ready)."""
    applying.CHANNEL_RULES.add(
        Channel.HELPER,
        applying.ChannelRule(role="helper", check=_helper_check, organisation_id=_org_id, record=_record("helper")),
    )
    applying.CHANNEL_RULES.add(
        Channel.BANK,
        applying.ChannelRule(
            role="bank", check=_bank_check, organisation_id=_org_id, record=_record("bank"), clients=True
        ),
    )


# --- applying ------------------------------------------------------------------------------------------------------


def apply_assisted(
    caller: Caller,
    *,
    channel: str,
    hall: Hall | None,
    item_code: str,
    person: Any,
    enterprise: Any = None,
    form: dict[str, Any] | None = None,
    material_ids: tuple[int, ...] = (),
    consent_id: int | None = None,
    project_id: int | None = None,
    idempotency_key: str = "",
) -> applying.Applied:
    """Applies through the one door with channel "helper" or "bank"; refusals come back as one ProblemsError."""
    if channel not in (Channel.HELPER, Channel.BANK):
        raise _problem("channel", applying.REFUSALS["invalid_channel"], "invalid_channel")
    data: dict[str, Any] = {}
    if consent_id:
        data["consent"] = consent_id
    if project_id:
        data["project"] = project_id
    return applying.apply(
        caller,
        applying.ApplyRequest(
            item_code=item_code,
            channel=channel,
            form=form or {},
            person=person,
            enterprise=enterprise,
            materials=applying.PaperMaterials(tuple(material_ids)),
            idempotency_key=idempotency_key,
            hall=hall,
            channel_data=data,
        ),
    )


# --- reading -------------------------------------------------------------------------------------------------------


def projects_of(user: Any) -> QuerySet[AgencyProject]:
    """The enterprise projects assigned to this helper, open first."""
    return (
        AgencyProject.objects.filter(helper=user)
        .select_related("enterprise", "hall")
        .prefetch_related("cases__case")
        .order_by("closed_at", "-created_at")
    )


def assisted_for(person_id: int) -> QuerySet[AssistedCase]:
    """What helpers and bank outlets applied for this person (My Space)."""
    return AssistedCase.objects.filter(person_id=person_id).select_related("case", "hall").order_by("-created_at")


def bank_items(hall: Hall | None = None) -> QuerySet[BankItem]:
    qs = BankItem.objects.filter(item__current__isnull=False).select_related("item", "item__current")
    if hall is not None:
        qs = qs.filter(Q(item__organisation__division__path__in=_ancestor_paths(hall)))
    return qs.order_by("item__item_code")


def _ancestor_paths(hall: Hall) -> list[str]:
    parts = [p for p in hall.division.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def pickups_at(hall: Hall) -> QuerySet[AssistedCase]:
    """Concluded cases whose result waits at this bank outlet."""
    from yiwang.cases.models import State

    return (
        AssistedCase.objects.filter(hall=hall, pickup_here=True, case__state__in=(State.APPROVED, State.REFUSED))
        .filter(case__delivered_at__isnull=True)
        .select_related("case")
        .order_by("-created_at")
    )
