"""My Space (我的空间): what a person or an enterprise keeps on the platform, and what it lets others reuse.

The pages (views/space.py) and the API (api_space.py) stay thin: every query and action behind them is here,
so both doors apply the same rules. Other modules use three things from this file:

- `acting_for(request)`: the enterprise the signed-in person currently acts for (validated on every call);
- `prefill(subject, fields, ...)` and `reusable_materials(subject)` / `use_material(...)`: reuse of the subject's
  profile and stored materials, each use recorded where the subject can see it;
- `register_panel(...)`: a section on the My Space pages (cases, e-licenses, ratings) owned by another module,
  contributed to the `PANELS` hook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import uploads
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.plugins import Hook

from . import access, masking, services
from .models import (
    Address,
    Agent,
    AgentPermission,
    DataUse,
    Enterprise,
    Level,
    Person,
    ReusableMaterial,
    ReuseCategory,
    ReuseConsent,
)

Subject = Person | Enterprise

SESSION_KEY = "acting_for"
# Stored materials are checked as core.uploads' "stored_material": PDF, JPEG, PNG or OFD, by content, the name
# agreeing, at most SPACE_UPLOAD_MAX_BYTES (MAX_MATERIAL_BYTES, 10 MB, by default).
UPLOAD_USE = "stored_material"
MAX_MATERIAL_BYTES = uploads.USES[UPLOAD_USE].default_max
TITLE_MAX = 120

# ---------------------------------------------------------------------------------------------------------------
# Acting for an enterprise
# ---------------------------------------------------------------------------------------------------------------


def enterprises_of(request: HttpRequest) -> list[Enterprise]:
    """The enterprises the signed-in person may act for (legal representative, or an active agent)."""
    ids = list(access.actor(request).agencies)
    if not ids:
        return []
    return list(Enterprise.objects.filter(pk__in=ids).order_by("name"))


def acting_for(request: HttpRequest) -> Enterprise | None:
    """The enterprise chosen in the switcher, re-checked against the current agencies on every request.

    An agent revoked or expired since the choice loses it at once: the session entry is dropped.
    """
    chosen = request.session.get(SESSION_KEY)
    if chosen is None:
        return None
    a = access.actor(request)
    try:
        eid = int(chosen)
    except (TypeError, ValueError):
        eid = None
    if eid is None or eid not in a.agencies:
        request.session.pop(SESSION_KEY, None)
        return None
    enterprise = Enterprise.objects.filter(pk=eid).first()
    if enterprise is None:
        request.session.pop(SESSION_KEY, None)
    return enterprise


def set_acting_for(request: HttpRequest, enterprise_id: int | None) -> Enterprise | None:
    """Chooses whom the person acts for; None (or an enterprise out of reach) means themself."""
    if enterprise_id is None:
        request.session.pop(SESSION_KEY, None)
        return None
    if enterprise_id not in access.actor(request).agencies:
        raise ProblemsError([Problem("enterprise", _("You cannot act for this legal person."), "not_found")])
    request.session[SESSION_KEY] = enterprise_id
    return Enterprise.objects.get(pk=enterprise_id)


def person_of(request: HttpRequest) -> Person | None:
    """The signed-in account's natural person, or None (a staff-only account has none)."""
    pid = access.actor(request).person_id
    return Person.objects.filter(pk=pid).first() if pid is not None else None


def enterprise_for(request: HttpRequest, enterprise_id: int, permission: str | None = None) -> Enterprise:
    """The enterprise when the person acts for it (with `permission`, if given); otherwise 404, as if missing."""
    a = access.actor(request)
    perms = a.agencies.get(enterprise_id)
    if perms is None or (permission is not None and permission not in perms):
        raise Http404
    return access.get_or_404(Enterprise.objects.all(), pk=enterprise_id)


def permissions_in(request: HttpRequest, enterprise: Enterprise) -> frozenset[str]:
    return access.actor(request).agencies.get(enterprise.pk, frozenset())


def _owner(subject: Subject) -> dict[str, Any]:
    if isinstance(subject, Person):
        return {"person": subject, "enterprise": None}
    return {"person": None, "enterprise": subject}


# ---------------------------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "doc_type", "doc_number", "nationality", "phone", "email", "address")
ENTERPRISE_FIELDS = ("name", "credit_code", "kind", "legal_rep_name", "address", "phone")
# Fields a person may reveal on their own page (the others are never masked).
REVEALABLE = ("name", "doc_number", "phone", "email", "address")

LEVEL_ALLOWS = {
    Level.NONE: _("Read guides and track what you have applied for at a window; online applications need level 1."),
    Level.PHONE: _("Apply online for items that ask for a verified phone (level 1)."),
    Level.ID: _("Apply online for most items: those that ask for level 2 or below."),
    Level.STRONG: _("Apply online for every item, including those that ask for face or in-person verification."),
}
LEVEL_NEXT = {
    Level.NONE: _("Verify your mobile phone by SMS code, then check your ID against the population library."),
    Level.PHONE: _("Check your name and ID number against the population library to reach level 2."),
    Level.ID: _("Bring your original document to any service hall window to be verified in person (level 3)."),
    Level.STRONG: _("This is the highest level."),
}


def masked_profile(subject: Subject) -> dict[str, Any]:
    """The profile as anyone but the subject's own "show full value" sees it."""
    if isinstance(subject, Person):
        return {
            "kind": "person",
            "name": subject.masked_name,
            "doc_type": subject.doc_type,
            "doc_type_label": str(subject.get_doc_type_display()),
            "doc_number": subject.masked_doc_number,
            "nationality": subject.nationality,
            "phone": subject.masked_phone,
            "email": masking.mask_email(subject.email),
            "address": subject.masked_address,
            "level": int(subject.level),
            "level_label": str(Level(subject.level).label),
            "level_allows": str(LEVEL_ALLOWS[Level(subject.level)]),
            "level_next": str(LEVEL_NEXT[Level(subject.level)]),
        }
    return {
        "kind": "enterprise",
        "name": subject.name,
        "credit_code": subject.credit_code,
        "enterprise_kind": subject.kind,
        "enterprise_kind_label": str(subject.get_kind_display()),
        # The legal representative is public registration data (国家企业信用信息公示系统), shown as registered.
        "legal_rep_name": subject.legal_rep_name,
        "address": subject.address,
        "phone": masking.mask_phone(subject.phone),
        "level": int(subject.level),
        "level_label": str(Level(subject.level).label),
    }


def reveal(person: Person, field: str) -> str:
    """The full value of one of the person's own fields, for the person themself (not a staff view: no reason)."""
    if field not in REVEALABLE:
        raise ProblemsError([Problem("field", _("This field cannot be shown."), "invalid")])
    return getattr(person, field) or ""


# ---------------------------------------------------------------------------------------------------------------
# Consents
# ---------------------------------------------------------------------------------------------------------------


def consents(subject: Subject) -> list[dict[str, Any]]:
    """Every reuse category with its switch; a category never switched off is allowed."""
    rows = {c.category: c for c in ReuseConsent.objects.filter(**_owner(subject))}
    out = []
    for value, label in ReuseCategory.choices:
        row = rows.get(value)
        out.append(
            {
                "category": value,
                "label": str(label),
                "allowed": True if row is None else row.allowed,
                "changed_at": row.changed_at if row else None,
            }
        )
    return out


def set_consents(subject: Subject, allowed: Iterable[str]) -> None:
    """Sets every category at once from the switches that are on (the page's form)."""
    on = set(allowed)
    unknown = on - set(ReuseCategory.values)
    if unknown:
        raise ProblemsError([Problem("category", _("Unknown reuse category."), "invalid")])
    with transaction.atomic():
        for category in ReuseCategory.values:
            services.set_reuse(category, category in on, **_owner(subject))


def set_consent(subject: Subject, category: str, allowed: bool) -> None:
    services.set_reuse(category, allowed, **_owner(subject))


def allowed(subject: Subject, category: str) -> bool:
    return services.reuse_allowed(category, **_owner(subject))


# ---------------------------------------------------------------------------------------------------------------
# Prefill and reuse (for the cases module)
# ---------------------------------------------------------------------------------------------------------------


def _prefill_problems(subject: Subject, field_names: list[str], used_by: str, purpose: str) -> list[Problem]:
    known = PERSON_FIELDS if isinstance(subject, Person) else ENTERPRISE_FIELDS
    problems = []
    unknown = [f for f in field_names if f not in known]
    if unknown:
        problems.append(
            Problem(
                "fields",
                _("Unknown profile field: %(names)s. Known fields: %(known)s."),
                "invalid",
                params={"names": ", ".join(unknown), "known": ", ".join(known)},
            )
        )
    if not used_by.strip():
        problems.append(Problem("used_by", _("Say who uses the data."), "required"))
    if not purpose.strip():
        problems.append(Problem("purpose", _("Say what the data is used for."), "required"))
    return problems


def prefill(
    subject: Subject,
    field_names: Iterable[str],
    *,
    used_by: str,
    purpose: str,
    case_number: str = "",
) -> dict[str, str]:
    """Full profile values for a form the subject fills, only when the subject allows profile reuse.

    Returns {} and records nothing when the PROFILE category is switched off; otherwise records one DataUse row
    naming the fields, who used them and why, so the subject sees every use in My Space.
    """
    names = list(dict.fromkeys(field_names))
    problems = _prefill_problems(subject, names, used_by, purpose)
    if problems:
        raise ProblemsError(problems)
    if not names or not allowed(subject, ReuseCategory.PROFILE):
        return {}
    values = {name: str(getattr(subject, name) or "") for name in names}
    services.record_use(
        category=ReuseCategory.PROFILE,
        what=", ".join(names),
        used_by=used_by,
        purpose=purpose,
        case_number=case_number,
        **_owner(subject),
    )
    return values


def live_materials(subject: Subject) -> QuerySet[ReusableMaterial]:
    """The subject's stored materials that are not deleted, newest first."""
    return ReusableMaterial.objects.filter(deleted_at__isnull=True, **_owner(subject))


def reusable_materials(subject: Subject, today: dt.date | None = None) -> QuerySet[ReusableMaterial]:
    """Materials an application may offer for reuse: marked reusable, still valid, and MATERIALS allowed."""
    if not allowed(subject, ReuseCategory.MATERIALS):
        return ReusableMaterial.objects.none()
    today = today or timezone.localdate()
    return live_materials(subject).filter(reusable=True).exclude(valid_until__lt=today)


def use_material(
    subject: Subject, material_id: int, *, used_by: str, purpose: str, case_number: str = ""
) -> ReusableMaterial:
    """Takes one reusable material for an application and records the use; refused when not reusable now."""
    problems = _prefill_problems(subject, [], used_by, purpose)
    if problems:
        raise ProblemsError(problems)
    material = reusable_materials(subject).filter(pk=material_id).first()
    if material is None:
        raise ProblemsError([Problem("material", _("This material is not available for reuse."), "not_reusable")])
    services.record_use(
        category=ReuseCategory.MATERIALS,
        what=material.title,
        used_by=used_by,
        purpose=purpose,
        case_number=case_number,
        **_owner(subject),
    )
    return material


def uses(subject: Subject) -> QuerySet[DataUse]:
    """Every recorded use of the subject's data, newest first."""
    return DataUse.objects.filter(**_owner(subject)).order_by("-at", "-pk")


# ---------------------------------------------------------------------------------------------------------------
# Stored materials
# ---------------------------------------------------------------------------------------------------------------


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a file from its bytes (core.uploads: PDF, JPEG, PNG or OFD), or None."""
    kind = uploads.sniff(head, uploads.USES[UPLOAD_USE].kinds)
    return (kind.content_type, kind.extension) if kind else None


def _date_problem(value: Any, field: str = "valid_until") -> tuple[dt.date | None, Problem | None]:
    if value in (None, ""):
        return None, None
    if isinstance(value, dt.date):
        return value, None
    try:
        return dt.date.fromisoformat(str(value)), None
    except ValueError:
        return None, Problem(field, _("Enter a date as YYYY-MM-DD."), "invalid")


def _title_problems(title: str) -> list[Problem]:
    if not title.strip():
        return [Problem("title", _("Enter a title for the material."), "required")]
    if len(title.strip()) > TITLE_MAX:
        return [Problem("title", _("The title is longer than 120 characters."), "too_long")]
    return []


def read_upload(upload: Any) -> tuple[bytes, str, str]:
    """Reads and checks an uploaded file with the platform's one upload check; (content, type, extension)."""
    checked = uploads.check_or_raise(upload, "file", UPLOAD_USE)
    return checked.content, checked.content_type, checked.extension


def store_material(
    subject: Subject,
    *,
    upload: Any,
    title: str,
    uploaded_by: Any,
    valid_until: Any = None,
    reusable: bool = True,
) -> ReusableMaterial:
    """Checks everything first, then stores the file through Django storage and writes one row."""
    problems = _title_problems(title)
    until, date_problem = _date_problem(valid_until)
    if date_problem:
        problems.append(date_problem)
    try:
        content, ctype, ext = read_upload(upload)
    except ProblemsError as exc:
        problems.extend(exc.problems)
        content, ctype, ext = b"", "", ""
    if problems:
        raise ProblemsError(problems)
    digest = hashlib.sha256(content).hexdigest()
    material = ReusableMaterial(
        title=title.strip(),
        content_type=ctype,
        size=len(content),
        sha256=digest,
        reusable=bool(reusable),
        valid_until=until,
        uploaded_by=uploaded_by,
        **_owner(subject),
    )
    material.file.save(f"{digest[:16]}.{ext}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            material.save()
    except Exception:
        material.file.delete(save=False)
        raise
    return material


def update_material(material: ReusableMaterial, changes: dict[str, Any]) -> ReusableMaterial:
    """Title, reusable switch and validity date; nothing else about a stored file changes."""
    problems: list[Problem] = []
    fields = []
    if "title" in changes and changes["title"] is not None:
        problems += _title_problems(str(changes["title"]))
        material.title = str(changes["title"]).strip()
        fields.append("title")
    if "reusable" in changes and changes["reusable"] is not None:
        material.reusable = bool(changes["reusable"])
        fields.append("reusable")
    if "valid_until" in changes:
        until, problem = _date_problem(changes["valid_until"])
        if problem:
            problems.append(problem)
        material.valid_until = until
        fields.append("valid_until")
    if problems:
        material.refresh_from_db()
        raise ProblemsError(problems)
    if fields:
        material.save(update_fields=fields)
    return material


def delete_material(material: ReusableMaterial) -> None:
    """Soft delete: the row stays (past uses still name it) but it is gone from lists, downloads and reuse."""
    if material.deleted_at is None:
        material.deleted_at = timezone.now()
        material.save(update_fields=["deleted_at"])


def reachable_materials(request: HttpRequest) -> QuerySet[ReusableMaterial]:
    """Materials the signed-in person may open: their own, and their enterprises' with the materials permission."""
    a = access.actor(request)
    return ReusableMaterial.objects.filter(access.owner_q(a, AgentPermission.MATERIALS), deleted_at__isnull=True)


def material_for(request: HttpRequest, material_id: int) -> ReusableMaterial:
    """One material in reach, or 404 exactly like a missing id."""
    return access.get_or_404(reachable_materials(request), pk=material_id)


def download_name(material: ReusableMaterial) -> str:
    kind = uploads.BY_CONTENT_TYPE.get(material.content_type)
    ext = kind.extension if kind else "bin"
    return f"{material.title}.{ext}"


# ---------------------------------------------------------------------------------------------------------------
# Address book (results sent by post)
# ---------------------------------------------------------------------------------------------------------------

MAX_ADDRESSES = 20
ADDRESS_MAX = 200
_PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}")


def addresses(person: Person) -> QuerySet[Address]:
    """The person's address book, the default first."""
    return Address.objects.filter(person=person)


def address_for(person: Person, address_id: Any) -> Address | None:
    """One of the person's own addresses, or None (someone else's id reveals nothing)."""
    try:
        pk = int(address_id)
    except (TypeError, ValueError):
        return None
    return Address.objects.filter(person=person, pk=pk).first()


def address_problems(recipient: str, phone: str, address: str, prefix: str = "") -> list[Problem]:
    """What is wrong with an address entry, one problem per field (field names with `prefix`)."""
    problems = []
    if not recipient.strip():
        problems.append(Problem(f"{prefix}recipient", _("Enter the recipient's name."), "required"))
    elif len(recipient.strip()) > 50:
        problems.append(Problem(f"{prefix}recipient", _("The name is longer than 50 characters."), "too_long"))
    digits = re.sub(r"[\s]", "", phone or "")
    if not digits:
        problems.append(Problem(f"{prefix}phone", _("Enter the recipient's phone number."), "required"))
    elif not _PHONE.fullmatch(digits):
        problems.append(
            Problem(
                f"{prefix}phone",
                _("Enter an 11-digit mobile number starting with 1, or a landline with its area code."),
                "invalid",
            )
        )
    text = " ".join((address or "").split())
    if len(text) < 6:
        problems.append(
            Problem(
                f"{prefix}address",
                _("Enter the full address: province, city, district, street and number."),
                "required",
            )
        )
    elif len(text) > ADDRESS_MAX:
        problems.append(Problem(f"{prefix}address", _("The address is longer than 200 characters."), "too_long"))
    return problems


def add_address(
    person: Person, *, recipient: str, phone: str, address: str, label: str = "", is_default: bool = False
) -> Address:
    """Adds an entry (checked first; at most MAX_ADDRESSES); the first one, or one marked so, is the default."""
    problems = address_problems(recipient, phone, address)
    if len(label.strip()) > 20:
        problems.append(Problem("label", _("The label is longer than 20 characters."), "too_long"))
    if addresses(person).count() >= MAX_ADDRESSES:
        problems.append(Problem("address", _("The address book is full (20 entries): delete one first."), "too_many"))
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        first = not addresses(person).exists()
        if is_default and not first:
            addresses(person).update(is_default=False)
        return Address.objects.create(
            person=person,
            label=label.strip(),
            recipient=recipient.strip(),
            phone=re.sub(r"\s", "", phone),
            address=" ".join(address.split()),
            is_default=is_default or first,
        )


def delete_address(person: Person, address_id: Any) -> Address:
    """Deletes one entry (cases keep their own copy of the address they were sent to); 404 when not the person's."""
    found = address_for(person, address_id)
    if found is None:
        raise Http404
    with transaction.atomic():
        found.delete()
        if found.is_default:
            nxt = addresses(person).order_by("-created_at", "-id").first()
            if nxt is not None:
                Address.objects.filter(pk=nxt.pk).update(is_default=True)
    return found


def set_default_address(person: Person, address_id: Any) -> Address:
    found = address_for(person, address_id)
    if found is None:
        raise Http404
    with transaction.atomic():
        addresses(person).exclude(pk=found.pk).update(is_default=False)
        Address.objects.filter(pk=found.pk).update(is_default=True)
    found.is_default = True
    return found


# ---------------------------------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------------------------------


def agents_of(enterprise: Enterprise) -> QuerySet[Agent]:
    """Every authorisation the enterprise gave, active first, newest first."""
    return enterprise.agents.select_related("person").order_by("revoked_at", "-granted_at")


def grant(
    request: HttpRequest,
    enterprise: Enterprise,
    *,
    doc_type: str,
    doc_number: str,
    permissions: list[str],
    valid_until: Any = None,
) -> Agent:
    """Authorises the person with exactly this document; nobody may grant a permission they do not hold."""
    problems: list[Problem] = []
    until, date_problem = _date_problem(valid_until)
    if date_problem:
        problems.append(date_problem)
    held = permissions_in(request, enterprise)
    beyond = sorted(set(permissions) - held - {p for p in permissions if p not in AgentPermission.values})
    if beyond:
        problems.append(
            Problem(
                "permissions",
                _("You cannot grant permissions you do not hold: %(names)s."),
                "not_held",
                params={"names": ", ".join(beyond)},
            )
        )
    person = None
    person_problems = [p for p in services.person_problems("-", doc_type, doc_number) if p.field != "name"]
    if person_problems:
        problems.extend(person_problems)
    else:
        person = services.find_person(doc_type, doc_number)
        if person is None:
            problems.append(
                Problem(
                    "doc_number",
                    _("No one is registered with this document; ask them to register first."),
                    "not_found",
                )
            )
    if problems:
        raise ProblemsError(problems)
    assert person is not None
    return services.grant_agent(
        enterprise=enterprise, person=person, permissions=permissions, granted_by=request.user, valid_until=until
    )


def revoke(request: HttpRequest, enterprise: Enterprise, agent_id: int) -> Agent:
    agent = access.get_or_404(enterprise.agents.all(), pk=agent_id)
    return services.revoke_agent(agent, request.user)


# ---------------------------------------------------------------------------------------------------------------
# Panels other modules add to My Space
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A section of My Space owned by another module (cases, e-licenses, ratings).

    `context(request, subject)` returns what the template sees as `panel` (and `subject`), or None when there is
    nothing to show (then the section is left out entirely). `subjects` says whether it belongs on the person's
    page, the enterprise's, or both; on an enterprise's page, `permission` (an AgentPermission) limits it to the
    legal representative and the agents holding that permission.
    """

    key: str
    title: Any
    template: str
    context: Callable[[HttpRequest, Subject], dict[str, Any] | None]
    order: int = 100
    subjects: frozenset[str] = frozenset({"person", "enterprise"})
    permission: str | None = None


PANELS: Hook[Panel] = Hook(
    "identity.space_panels",
    entry_type=Panel,
    doc="Sections of the My Space pages owned by other modules (cases, e-licenses, ratings), by `order`.",
)


def register_panel(
    key: str,
    *,
    title: Any,
    template: str,
    context: Callable[[HttpRequest, Subject], dict[str, Any] | None],
    order: int = 100,
    subjects: Iterable[str] = ("person", "enterprise"),
    permission: str | None = None,
) -> Panel:
    """Adds (or replaces, by key) a section; call it from the owning app's AppConfig.ready()."""
    return PANELS.add(key, Panel(key, title, template, context, order, frozenset(subjects), permission), order=order)


def unregister_panel(key: str) -> None:
    PANELS.remove(key)


def panels() -> list[Panel]:
    return PANELS.entries()


def panels_for(request: HttpRequest, subject: Subject) -> list[dict[str, Any]]:
    """The registered sections with something to show for this subject, ready for {% include %}."""
    kind = "person" if isinstance(subject, Person) else "enterprise"
    held = access.actor(request).agencies.get(subject.pk, frozenset()) if kind == "enterprise" else frozenset()
    out = []
    for panel in panels():
        if kind not in panel.subjects:
            continue
        if kind == "enterprise" and panel.permission is not None and panel.permission not in held:
            continue
        context = panel.context(request, subject)
        if context is None:
            continue
        out.append({"key": panel.key, "title": panel.title, "template": panel.template, "context": context})
    return out
