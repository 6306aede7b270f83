"""Where e-licenses meet cases — from the licenses side only (licenses depends on cases, never the reverse).

1. Issued on approval. When a case is approved (outbox topic `cases.case_changed`, action "approve") for an item whose
   result is a license type, a task issues the license through `services.issue_from_case`: holder = the case's
   enterprise, else its person; field values = the version's mapping (`mapping.values`: form fields, facts of the
   applicant and the case, dates, fixed values; the certificate number from the type's numbering rule); issuer =
   the case's organisation, which must be one of the type's issuers. Publishing already refused a version whose
   mapping cannot be filled (`mapping.version_problems`); what is checked here guards older versions. The task runs after the approval committed, so signing never slows or breaks an approval; it locks
   the case row and looks for a license already issued for the case first, so a re-sent signal issues nothing
   twice. The result (or why there is none) is written to the case through `cases.services.record_result_license`.
2. License-free application (免证办). `find_license` is registered with `cases.uploads`: a catalog material naming
   a license type is offered as satisfied when the applicant (person, or the enterprise acted for) holds a valid
   license of that type and has not switched off license reuse in My Space. When a case material with source
   "license" is written (inside the submission's transaction), `record_material_use` checks the license again —
   it must still exist, be of the material's type, be the applicant's, be valid now — and records the use twice:
   `LicenseUse` (the license's own history) and `identity.DataUse` (My Space's "every use"). A refusal is a
   ProblemsError on `materials.<id>`, which rolls the whole submission back.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from yiwang.cases import applying, results, uploads
from yiwang.cases import services as case_services
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, MaterialSource, State
from yiwang.core import outbox
from yiwang.core.errors import Problem, ProblemsError, render
from yiwang.identity import services as identity
from yiwang.identity.models import Enterprise, Person, ReuseCategory

from . import mapping, services
from .models import HolderKind, License, LicenseType, Status

log = logging.getLogger(__name__)

# --- 1. issued on approval ---------------------------------------------------------------------------------------


def license_fields(case: Case, license_type: LicenseType, issued_on: dt.date | None = None) -> dict[str, str]:
    """The license's field values taken from the case through the version's mapping (`mapping.values`)."""
    return mapping.values(case, license_type, issued_on or approval_day(case))


def approval_day(case: Case) -> dt.date:
    """The license is issued on the day the case was approved (also when the task runs later)."""
    return timezone.localdate(case.concluded_at or timezone.now())


def _who(case: Case) -> case_services.Who:
    return case_services.Who(
        name=case.organisation.name, role="system", organisation_id=case.organisation_id, channel="system"
    )


def _reasons(problems: list[Problem], license_type: LicenseType | None = None) -> str:
    """The problems as one sentence; a field is named by its label (经营场所), never by its key."""
    labels = {s["name"]: s["label"] for s in license_type.field_specs()} if license_type is not None else {}
    out = []
    for p in problems:
        text = render(p.message, p.params)
        if p.field.startswith("fields."):
            name = p.field.removeprefix("fields.")
            label = labels.get(name, name)
            if label not in text:
                text = f"{label}：{text}"
        out.append(text)
    return "；".join(out)


def issue_for_case(case_id: int, actor: Any = None, who: case_services.Who | None = None) -> str:
    """Issues (once) the license an approved case results in; returns its identifier, or "" when none was issued.

    Every reason for not issuing is written to the case as a "license_not_issued" event (by `who`: the platform,
    or the staff member who retried).
    """
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("version", "organisation", "person", "enterprise")
            .filter(pk=case_id)
            .first()
        )
        if case is None or case.state != State.APPROVED or case.version.result_type != "license":
            return ""
        if case.result_license:
            return case.result_license
        code = case.version.result_license_type
        license_type = LicenseType.objects.filter(code=code).first()
        existing = (
            License.objects.filter(license_type=license_type, case_number=case.case_number, version=1)
            .values_list("identifier", flat=True)
            .first()
            if license_type is not None
            else None
        )
        if existing:
            case_services.record_result_license(case, existing, who or _who(case))
            return existing
        problem = _refusal(case, license_type, code) or _key_problem(case.organisation)
        if problem:
            case_services.record_result_license(case, "", who or _who(case), problem=problem)
            return ""
        holder: Person | Enterprise = case.enterprise if case.enterprise_id else case.person
        day = approval_day(case)
        try:
            lic = services.issue_from_case(
                holder=holder,
                license_type=license_type,
                fields=license_fields(case, license_type, day),
                issuer=case.organisation,
                case_number=case.case_number,
                actor=actor,
                issued_on=day,
            )
        except ProblemsError as exc:
            case_services.record_result_license(
                case, "", who or _who(case), problem=_reasons(exc.problems, license_type)
            )
            return ""
        except Exception as exc:  # the key store failing: recorded on the case, never a silent nothing
            log.exception("license issuance failed for case %s", case.case_number)
            case_services.record_result_license(
                case,
                "",
                who or _who(case),
                problem=render(
                    _("The issuing organisation's signing key could not be used (%(error)s)."),
                    {"error": type(exc).__name__},
                ),
            )
            return ""
        case_services.record_result_license(case, lic.identifier, who or _who(case))
        return lic.identifier


def _key_problem(org: Any) -> str:
    """Why `org` cannot sign now ("" when it can: its current key loads, or a first key can be made)."""
    from .keys import private_key
    from .models import SigningKey

    key = SigningKey.objects.filter(organisation=org, rotated_at__isnull=True, revoked_at__isnull=True).first()
    if key is None:
        return ""
    try:
        private_key(key)
    except Exception:
        return render(
            _("The signing key %(key)s of %(issuer)s is missing from the key store: restore it or rotate the key."),
            {"key": key.key_id, "issuer": org.name},
        )
    return ""


# --- what the case pages ask (cases.results) -----------------------------------------------------------------------


def precheck(case: Case) -> list[str]:
    """Why approving this case now would leave it without its license: the type, the issuer, the holder kind, the
    field mapping against the case's real form data, and the issuer's signing key. Nothing is written."""
    version = case.version
    if version.result_type != "license" or case.result_license:
        return []
    code = version.result_license_type
    license_type = LicenseType.objects.filter(code=code).first()
    refusal = _refusal(case, license_type, code)
    if refusal:
        return [refusal]
    out = []
    fields = license_fields(case, license_type, timezone.localdate())
    _clean, problems = services.field_problems(license_type, fields)
    if problems:
        out.append(_reasons(problems, license_type))
    if key := _key_problem(case.organisation):
        out.append(key)
    return out


def retry(case: Case, who: case_services.Who) -> str:
    """Issues the license of an approved case again (after the mapping, the key or the type was fixed), recording
    the outcome as done by `who` (the staff member who retried)."""
    if case.result_license:
        return case.result_license
    return issue_for_case(case.pk, actor=who.user, who=who)


def seal_of(org: Any) -> str:
    from .models import SigningKey

    key = SigningKey.objects.filter(organisation=org, revoked_at__isnull=True).order_by("rotated_at", "-id").first()
    return key.seal_svg if key is not None else ""


def describe(identifier: str) -> dict[str, str]:
    lic = License.objects.filter(identifier=identifier).select_related("license_type").first()
    if lic is None:
        return {}
    return {"identifier": lic.identifier, "number": lic.certificate_no, "name": lic.license_type.name}


def _refusal(case: Case, license_type: LicenseType | None, code: str) -> str:
    """Why the case's organisation cannot issue this license, in the active language; "" when it can."""
    if license_type is None:
        return render(_("License type %(code)s is not in the license type catalog."), {"code": code})
    if not license_type.issuers.filter(pk=case.organisation_id).exists():
        return render(
            _("%(issuer)s does not issue %(type)s."),
            {"issuer": case.organisation.name, "type": license_type.name},
        )
    want_enterprise = license_type.holder_kind == HolderKind.ENTERPRISE
    if want_enterprise and not case.enterprise_id:
        return render(_("This license type is issued to legal persons."))
    if not want_enterprise and case.enterprise_id:
        return render(_("This license type is issued to natural persons."))
    return ""


@task()
def issue_on_approval(case_id: int, event_id: int | None = None) -> str:
    """Background: issue the license of an approved case (the approver is the license event's actor)."""
    event = CaseEvent.objects.select_related("actor").filter(pk=event_id).first() if event_id is not None else None
    return issue_for_case(case_id, actor=event.actor if event is not None else None)


def on_case_changed(sender: Any, case_id: int, event_id: int | None = None, action: str = "", **kwargs: Any) -> None:
    """Receiver: an approval of an item resulting in a license queues its issuance (never inline)."""
    if action != "approve":
        return
    if not Case.objects.filter(pk=case_id, version__result_type="license").exists():
        return
    try:
        issue_on_approval.enqueue(case_id, event_id)
    except Exception:  # the queue being down must never undo or fail an approval that already committed
        log.exception("could not queue license issuance for case %s", case_id)


# --- 2. license-free application ---------------------------------------------------------------------------------


def _mask(identifier: str) -> str:
    """The license number as offered on the form: enough to recognise it, not to copy it."""
    return f"…{identifier[-10:]}" if len(identifier) > 10 else identifier


def held_license(subject: Any, license_type: LicenseType, today: dt.date | None = None) -> License | None:
    """The subject's newest license of this type that verifies as valid today, or None."""
    today = today or timezone.localdate()
    if isinstance(subject, Enterprise):
        qs = services.licenses_for(enterprise=subject)
    elif isinstance(subject, Person):
        qs = services.licenses_for(person=subject)
    else:
        return None
    candidates = (
        qs.filter(license_type=license_type, status=Status.VALID, signing_key__revoked_at__isnull=True)
        .exclude(expires_on__lt=today)
        .order_by("-issued_on", "-id")[:5]
    )
    from .verification import verdict_for

    return next((lic for lic in candidates if verdict_for(lic).ok), None)


def find_license(subject: Any, license_type_code: str) -> uploads.LicenseRef | None:
    """The license finder `cases.uploads` asks: a valid license of the type, offered with its number masked."""
    person = subject if isinstance(subject, Person) else None
    enterprise = subject if isinstance(subject, Enterprise) else None
    if person is None and enterprise is None:
        return None
    license_type = LicenseType.objects.filter(code=license_type_code).first()
    if license_type is None:
        return None
    if not identity.reuse_allowed(ReuseCategory.LICENSES, person=person, enterprise=enterprise):
        return None
    lic = held_license(subject, license_type)
    if lic is None:
        return None
    if lic.expires_on:
        label = render(
            _("%(name)s, No. %(number)s, valid until %(date)s"),
            {"name": license_type.name, "number": _mask(lic.identifier), "date": lic.expires_on.isoformat()},
        )
    else:
        label = render(
            _("%(name)s, No. %(number)s, valid indefinitely"),
            {"name": license_type.name, "number": _mask(lic.identifier)},
        )
    return uploads.LicenseRef(identifier=lic.identifier, name=label)


def _refuse(field: str, name: str, reason: Any, code: str, params: dict | None = None) -> ProblemsError:
    return ProblemsError(
        [
            Problem(
                field,
                _("Your e-license “%(name)s” cannot be used for this application: %(reason)s"),
                code,
                params={"name": name, "reason": render(reason, params)},
            )
        ]
    )


def record_material_use(material: CaseMaterial) -> None:
    """Checks a license presented as a case material and records its use (license history and My Space)."""
    from yiwang.catalog.models import Material

    case = Case.objects.select_related("person", "enterprise", "organisation").get(pk=material.case_id)
    field = f"materials.{material.catalog_material_id}" if material.catalog_material_id else "materials"
    lic = (
        License.objects.select_related("license_type", "issuer", "signing_key")
        .filter(identifier=(material.reference or "").strip().upper())
        .first()
    )
    name = material.material_name
    if lic is None:
        raise _refuse(field, name, _("no e-license has this number."), "unknown_license")
    wanted = (
        Material.objects.filter(pk=material.catalog_material_id).values_list("license_type_code", flat=True).first()
        if material.catalog_material_id
        else None
    )
    if wanted and wanted != lic.license_type.code:
        raise _refuse(field, name, _("it is not a %(type)s."), "wrong_type", {"type": wanted})
    if case.enterprise_id:
        yours = lic.holder_kind == HolderKind.ENTERPRISE and lic.holder_code == case.enterprise.credit_code
    else:
        yours = lic.holder_kind == HolderKind.PERSON and (
            lic.person_id == case.person_id
            or (bool(lic.holder_number_hash) and lic.holder_number_hash == case.person.doc_number_hash)
        )
    if not yours:
        raise _refuse(field, name, _("it is not held by the applicant."), "not_holder")
    purpose = f"{name} · {case.item_name}"[:200]
    try:
        services.use_license(
            lic,
            presenter=case.person,
            purpose=purpose,
            case_number=case.case_number,
            used_by=case.submitted_by,
            organisation=case.organisation,
        )
    except ProblemsError as exc:
        p = exc.problems[0]
        raise _refuse(field, name, p.message, p.code or "not_valid", p.params) from exc
    identity.record_use(
        category=ReuseCategory.LICENSES,
        what=f"{lic.license_type.name} {lic.identifier}",
        used_by=case.organisation.name,
        purpose=purpose,
        case_number=case.case_number,
        person=None if case.enterprise_id else case.person,
        enterprise=case.enterprise if case.enterprise_id else None,
    )


def on_material_saved(sender: Any, instance: CaseMaterial, created: bool = False, raw: bool = False, **kw: Any) -> None:
    if created and not raw and instance.source == MaterialSource.LICENSE:
        record_material_use(instance)


def result_holder_kind(license_type_code: str) -> str | None:
    """Who may hold licenses of this type ("person" or "enterprise"), for the apply command's eligibility check:
    a natural person may not apply for an item whose result only a legal person can hold, and vice versa."""
    return LicenseType.objects.filter(code=license_type_code).values_list("holder_kind", flat=True).first()


def on_outbox_event(event: outbox.Event) -> None:
    """Outbox subscriber "licenses.issue_on_approval" (at least once per case event, in the worker)."""
    on_case_changed(sender=Case, **event.payload)


def connect() -> None:
    """Called from LicensesConfig.ready()."""
    outbox.subscribe("licenses.issue_on_approval", {case_services.TOPIC}, on_outbox_event, order=30)
    post_save.connect(on_material_saved, sender=CaseMaterial, dispatch_uid="licenses.case_material_use")
    uploads.LICENSE_FINDERS.add("licenses.held", find_license, order=10)
    applying.RESULT_HOLDERS.add("licenses.holder_kind", result_holder_kind)
    results.PROVIDERS.add(
        "licenses", results.ResultProvider(problems=precheck, retry=retry, seal=seal_of, describe=describe)
    )
