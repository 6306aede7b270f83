"""My Space pages (我的空间): the signed-in person's own space, and the spaces of the enterprises they act for.

Views are thin: the rules live in identity/space.py and identity/access.py, shared with the API. Everything out
of reach answers 404, exactly like an id that does not exist. Full values of personal data are never put in a
page by default; the person asks for one field at a time and the answer is not cached.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.core import uploads
from yiwang.core.errors import Problem, ProblemsError
from yiwang.core.errors import render as render_message

from .. import navigation, space, verification
from ..access import actor
from ..documents import DocType
from ..models import AgentPermission, Enterprise, Level, Person

USES_PAGE_SIZE = 20


def _errors(problems: list[Problem]) -> dict[str, str]:
    """field → message, the first problem per field (shown next to that field)."""
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, render_message(p.message, p.params))
    return out


def _switcher(request: HttpRequest) -> dict[str, Any]:
    return {"enterprises": space.enterprises_of(request), "acting": space.acting_for(request)}


def _common(request: HttpRequest, subject: Person | Enterprise) -> dict[str, Any]:
    uses_page = Paginator(space.uses(subject), USES_PAGE_SIZE).get_page(request.GET.get("uses_page"))
    return {
        "switcher": _switcher(request),
        "profile": space.masked_profile(subject),
        "materials": list(space.live_materials(subject)),
        "consents": space.consents(subject),
        "uses_page": uses_page,
        "panels": space.panels_for(request, subject),
        "max_mb": uploads.USES[space.UPLOAD_USE].max_bytes() // (1024 * 1024),
        "today": timezone.localdate(),
    }


def _person_page(
    request: HttpRequest,
    person: Person,
    *,
    status: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    revealed: dict[str, str] | None = None,
) -> HttpResponse:
    context = {
        **_common(request, person),
        "person": person,
        "subject_kind": "person",
        "subject": person,
        "errors": errors or {},
        "values": values or {},
        "revealed": revealed or {},
        "revealable": space.REVEALABLE,
        "can_check_library": person.level < Level.ID,
        "upload_action": reverse("identity:my_material_upload"),
        "consents_action": reverse("identity:my_consents"),
        "addresses": list(space.addresses(person)),
        "max_addresses": space.MAX_ADDRESSES,
        "next": _local_next(request.POST.get("next") or request.GET.get("next")),
    }
    response = render(request, "identity/space/person.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _require_person(request: HttpRequest) -> Person | None:
    return space.person_of(request)


@require_GET
@login_required
def my_space(request: HttpRequest) -> HttpResponse:
    """The person's own space; an account without a natural person (staff only) gets a short explanation."""
    person = _require_person(request)
    if person is None:
        home = navigation.landing(actor(request))
        if home:  # a staff account: its own to-do list, not a page saying it has no personal space
            return redirect(home)
        response = render(request, "identity/space/no_person.html", {"switcher": _switcher(request)})
        add_never_cache_headers(response)
        return response
    return _person_page(request, person)


@require_POST
@login_required
def choose_acting_for(request: HttpRequest) -> HttpResponse:
    """The switcher: act as oneself (empty) or for an enterprise one represents or is an agent of."""
    raw = request.POST.get("enterprise", "").strip()
    try:
        chosen = int(raw) if raw else None
    except ValueError:
        chosen = -1
    try:
        enterprise = space.set_acting_for(request, chosen)
    except ProblemsError as exc:
        messages.error(request, render_message(exc.problems[0].message))
        return redirect("identity:my_space")
    if enterprise is None:
        messages.success(request, _("You now act for yourself."))
        return redirect("identity:my_space")
    messages.success(request, _("You now act for %(name)s.") % {"name": enterprise.name})
    return redirect("identity:enterprise_space", enterprise_id=enterprise.pk)


@require_POST
@login_required
def reveal(request: HttpRequest) -> HttpResponse:
    """Shows the full value of one of the person's own fields, once (the page is not cached)."""
    person = _require_person(request)
    if person is None:
        raise Http404
    field = request.POST.get("field", "")
    try:
        value = space.reveal(person, field)
    except ProblemsError as exc:
        return _person_page(request, person, status=400, errors={"reveal": _errors(exc.problems)})
    return _person_page(request, person, revealed={field: value})


@require_POST
@login_required
def check_library(request: HttpRequest) -> HttpResponse:
    """Checks the person's name and document against the population library (raises the level if it matches)."""
    person = _require_person(request)
    if person is None:
        raise Http404
    result = verification.verify_person(person, level=Level.ID, method="library")
    if result.passed:
        messages.success(request, _("Your identity matched the population library: you are now at level 2."))
    else:
        messages.error(
            request,
            _("Your name and document did not match the population library. Visit a service hall window to check."),
        )
    return redirect("identity:my_space")


def _consent_switches(request: HttpRequest) -> list[str]:
    return request.POST.getlist("allowed")


@require_POST
@login_required
def my_consents(request: HttpRequest) -> HttpResponse:
    person = _require_person(request)
    if person is None:
        raise Http404
    try:
        space.set_consents(person, _consent_switches(request))
    except ProblemsError as exc:
        return _person_page(request, person, status=400, errors={"consents": _errors(exc.problems)})
    messages.success(request, _("Your reuse choices are saved."))
    return redirect(reverse("identity:my_space") + "#consents")


def _upload_values(request: HttpRequest) -> dict[str, Any]:
    return {
        "title": request.POST.get("title", ""),
        "valid_until": request.POST.get("valid_until", ""),
        "reusable": request.POST.get("reusable") == "on",
    }


def _store(request: HttpRequest, subject: Person | Enterprise) -> tuple[bool, dict[str, str], dict[str, Any]]:
    values = _upload_values(request)
    try:
        space.store_material(
            subject,
            upload=request.FILES.get("file"),
            title=values["title"],
            valid_until=values["valid_until"],
            reusable=values["reusable"],
            uploaded_by=request.user,
        )
    except ProblemsError as exc:
        return False, _errors(exc.problems), values
    return True, {}, values


@require_POST
@login_required
def my_material_upload(request: HttpRequest) -> HttpResponse:
    person = _require_person(request)
    if person is None:
        raise Http404
    ok, errors, values = _store(request, person)
    if not ok:
        return _person_page(request, person, status=400, errors={"upload": errors}, values={"upload": values})
    messages.success(request, _("The material is stored."))
    return redirect(reverse("identity:my_space") + "#materials")


# ---------------------------------------------------------------------------------------------------------------
# Address book
# ---------------------------------------------------------------------------------------------------------------


def _address_values(request: HttpRequest) -> dict[str, Any]:
    return {
        "label": request.POST.get("label", ""),
        "recipient": request.POST.get("recipient", ""),
        "phone": request.POST.get("phone", ""),
        "address": request.POST.get("address", ""),
        "is_default": request.POST.get("is_default") == "on",
    }


def _local_next(value: str | None) -> str:
    """A page of this site to go back to (the application form that sent the person here), else ""."""
    value = value or ""
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else ""


def _addresses_url() -> str:
    return reverse("identity:my_space") + "#addresses"


@require_POST
@login_required
def address_add(request: HttpRequest) -> HttpResponse:
    """Adds an entry to the person's address book (results sent by post go to one of them)."""
    person = _require_person(request)
    if person is None:
        raise Http404
    values = _address_values(request)
    try:
        space.add_address(person, **values)
    except ProblemsError as exc:
        return _person_page(
            request, person, status=400, errors={"address": _errors(exc.problems)}, values={"address": values}
        )
    messages.success(request, _("The address is added to your address book."))
    return redirect(_local_next(request.POST.get("next")) or _addresses_url())


@require_POST
@login_required
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    person = _require_person(request)
    if person is None:
        raise Http404
    space.delete_address(person, address_id)
    messages.success(request, _("The address is deleted."))
    return redirect(_addresses_url())


@require_POST
@login_required
def address_default(request: HttpRequest, address_id: int) -> HttpResponse:
    person = _require_person(request)
    if person is None:
        raise Http404
    space.set_default_address(person, address_id)
    messages.success(request, _("The default address is changed."))
    return redirect(_addresses_url())


def _back_to(material) -> str:
    if material.enterprise_id:
        return reverse("identity:enterprise_space", args=[material.enterprise_id]) + "#materials"
    return reverse("identity:my_space") + "#materials"


@require_GET
@login_required
def material_file(request: HttpRequest, material_id: int) -> FileResponse:
    """Downloads a stored material: only its owner, or an agent holding the materials permission."""
    material = space.material_for(request, material_id)
    response = FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=space.download_name(material),
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@require_POST
@login_required
def material_edit(request: HttpRequest, material_id: int) -> HttpResponse:
    """Marks a material reusable or not and sets its validity date."""
    material = space.material_for(request, material_id)
    try:
        space.update_material(
            material,
            {"reusable": request.POST.get("reusable") == "on", "valid_until": request.POST.get("valid_until", "")},
        )
    except ProblemsError as exc:
        for message in _errors(exc.problems).values():
            messages.error(request, f"{material.title}: {message}")
        return redirect(_back_to(material))
    messages.success(request, _("“%(title)s” is updated.") % {"title": material.title})
    return redirect(_back_to(material))


@require_POST
@login_required
def material_delete(request: HttpRequest, material_id: int) -> HttpResponse:
    material = space.material_for(request, material_id)
    space.delete_material(material)
    messages.success(request, _("“%(title)s” is deleted.") % {"title": material.title})
    return redirect(_back_to(material))


# ---------------------------------------------------------------------------------------------------------------
# Enterprise space
# ---------------------------------------------------------------------------------------------------------------


def _enterprise_page(
    request: HttpRequest,
    enterprise: Enterprise,
    *,
    status: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
) -> HttpResponse:
    perms = space.permissions_in(request, enterprise)
    manage = AgentPermission.MANAGE_AGENTS in perms
    context = {
        **_common(request, enterprise),
        "enterprise": enterprise,
        "subject_kind": "enterprise",
        "subject": enterprise,
        "is_legal_rep": enterprise.legal_rep_id is not None
        and enterprise.legal_rep_id == space.access.actor(request).person_id,
        "my_permissions": [(p, label) for p, label in AgentPermission.choices if p in perms],
        "can_materials": AgentPermission.MATERIALS in perms,
        "can_manage": manage,
        "agents": _with_labels(space.agents_of(enterprise)) if manage else [],
        "grantable": [(p, label) for p, label in AgentPermission.choices if p in perms],
        "doc_types": DocType.choices,
        "errors": errors or {},
        "values": values or {},
        "upload_action": reverse("identity:enterprise_material_upload", args=[enterprise.pk]),
        "consents_action": reverse("identity:enterprise_consents", args=[enterprise.pk]),
    }
    if not manage:
        # Who used the enterprise's data, and what it allows, is for those who manage it.
        context["consents"] = []
        context["uses_page"] = None
    if not context["can_materials"]:
        context["materials"] = []
    response = render(request, "identity/space/enterprise.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _with_labels(agents) -> list:
    labels = dict(AgentPermission.choices)
    out = list(agents)
    for a in out:
        a.perm_labels = [labels.get(p, p) for p in a.permissions]
    return out


@require_GET
@login_required
def enterprise_space(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise's space, for its legal representative and its active agents; anyone else gets 404."""
    enterprise = space.enterprise_for(request, enterprise_id)
    return _enterprise_page(request, enterprise)


@require_POST
@login_required
def enterprise_material_upload(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MATERIALS)
    ok, errors, values = _store(request, enterprise)
    if not ok:
        return _enterprise_page(request, enterprise, status=400, errors={"upload": errors}, values={"upload": values})
    messages.success(request, _("The material is stored."))
    return redirect(reverse("identity:enterprise_space", args=[enterprise.pk]) + "#materials")


@require_POST
@login_required
def enterprise_consents(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MANAGE_AGENTS)
    try:
        space.set_consents(enterprise, _consent_switches(request))
    except ProblemsError as exc:
        return _enterprise_page(request, enterprise, status=400, errors={"consents": _errors(exc.problems)})
    messages.success(request, _("The reuse choices are saved."))
    return redirect(reverse("identity:enterprise_space", args=[enterprise.pk]) + "#consents")


@require_POST
@login_required
def agent_grant(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Authorises a person found by exact document type and number (never a list of candidates)."""
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MANAGE_AGENTS)
    values = {
        "doc_type": request.POST.get("doc_type", ""),
        "doc_number": request.POST.get("doc_number", ""),
        "permissions": request.POST.getlist("permissions"),
        "valid_until": request.POST.get("valid_until", ""),
    }
    try:
        agent = space.grant(
            request,
            enterprise,
            doc_type=values["doc_type"],
            doc_number=values["doc_number"],
            permissions=values["permissions"],
            valid_until=values["valid_until"],
        )
    except ProblemsError as exc:
        return _enterprise_page(
            request, enterprise, status=400, errors={"grant": _errors(exc.problems)}, values={"grant": values}
        )
    messages.success(request, _("%(name)s is now an agent.") % {"name": agent.person.masked_name})
    return redirect(reverse("identity:enterprise_space", args=[enterprise.pk]) + "#agents")


@require_POST
@login_required
def agent_revoke(request: HttpRequest, enterprise_id: int, agent_id: int) -> HttpResponse:
    enterprise = space.enterprise_for(request, enterprise_id, AgentPermission.MANAGE_AGENTS)
    agent = space.revoke(request, enterprise, agent_id)
    messages.success(request, _("The authorisation of %(name)s is revoked.") % {"name": agent.person.masked_name})
    return redirect(reverse("identity:enterprise_space", args=[enterprise.pk]) + "#agents")


urlpatterns = [
    path("my/", my_space, name="my_space"),
    path("my/acting-for/", choose_acting_for, name="acting_for"),
    path("my/reveal/", reveal, name="my_reveal"),
    path("my/check-library/", check_library, name="my_check_library"),
    path("my/consents/", my_consents, name="my_consents"),
    path("my/materials/", my_material_upload, name="my_material_upload"),
    path("my/addresses/", address_add, name="address_add"),
    path("my/addresses/<int:address_id>/delete/", address_delete, name="address_delete"),
    path("my/addresses/<int:address_id>/default/", address_default, name="address_default"),
    path("my/materials/<int:material_id>/file/", material_file, name="material_file"),
    path("my/materials/<int:material_id>/edit/", material_edit, name="material_edit"),
    path("my/materials/<int:material_id>/delete/", material_delete, name="material_delete"),
    path("my/enterprise/<int:enterprise_id>/", enterprise_space, name="enterprise_space"),
    path(
        "my/enterprise/<int:enterprise_id>/materials/",
        enterprise_material_upload,
        name="enterprise_material_upload",
    ),
    path("my/enterprise/<int:enterprise_id>/consents/", enterprise_consents, name="enterprise_consents"),
    path("my/enterprise/<int:enterprise_id>/agents/", agent_grant, name="agent_grant"),
    path(
        "my/enterprise/<int:enterprise_id>/agents/<int:agent_id>/revoke/",
        agent_revoke,
        name="agent_revoke",
    ),
]
