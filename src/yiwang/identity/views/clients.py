"""Machine-client management for system administrators (/workbench/clients/): list, create, rotate, revoke.

A secret is shown exactly once, on the page that answers the create or rotate request (sent with
Cache-Control: no-store), and is kept only as a hash afterwards. Only system administrators and superusers
reach these pages; everyone else is refused.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import ProblemsError
from yiwang.orgs.models import Organisation, Role

from .. import clients as service
from ..access import actor
from ..models import ClientKind, MachineClient
from ..scopes import scope_choices

PAGE_SIZE = 50


def _require_sysadmin(request: HttpRequest) -> None:
    if not actor(request).has_role(Role.SYSADMIN):
        raise PermissionDenied(_("Only system administrators manage machine clients."))


def _client(pk: int) -> MachineClient:
    client = MachineClient.objects.select_related("application", "organisation").filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def _errors(exc: ProblemsError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.field, []).append(str(p))
    return out


def _organisations() -> list[Organisation]:
    return list(
        Organisation.objects.select_related("division")
        .order_by("division__path", "name")
        .only("pk", "name", "credit_code", "division__path")
    )


def _secret_page(request: HttpRequest, client: MachineClient, secret: str, rotated: bool) -> HttpResponse:
    response = render(
        request,
        "identity/clients/secret.html",
        {"client": client, "client_id": client.application.client_id, "secret": secret, "rotated": rotated},
        status=201 if not rotated else 200,
    )
    add_never_cache_headers(response)
    return response


@require_GET
@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    _require_sysadmin(request)
    show = request.GET.get("show", "active")
    qs = MachineClient.objects.select_related("organisation", "application").order_by("-created_at", "-pk")
    if show == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    elif show != "all":
        show = "active"
        qs = qs.filter(revoked_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "identity/clients/list.html", {"page": page, "show": show})


@require_http_methods(["GET", "POST"])
@login_required
def client_new(request: HttpRequest) -> HttpResponse:
    _require_sysadmin(request)
    values: dict[str, Any] = {"name": "", "kind": ClientKind.DEPARTMENT, "organisation": "", "scopes": [], "rate": 600}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", "").strip()[:200],
            "kind": request.POST.get("kind", ""),
            "organisation": request.POST.get("organisation", ""),
            "scopes": request.POST.getlist("scopes"),
            "rate": request.POST.get("rate_limit", "").strip()[:12],
        }
        org = None
        if values["organisation"].isdigit():
            org = Organisation.objects.filter(pk=int(values["organisation"])).first()
        try:
            client, secret = service.create_client(
                values["name"], values["kind"], org, values["scopes"], values["rate"]
            )
        except ProblemsError as exc:
            errors = _errors(exc)
        else:
            return _secret_page(request, client, secret, rotated=False)
    context = {
        "values": values,
        "errors": errors,
        "kinds": ClientKind.choices,
        "organisations": _organisations(),
        "scopes": scope_choices(),
    }
    return render(request, "identity/clients/new.html", context, status=400 if errors else 200)


@require_GET
@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sysadmin(request)
    client = _client(pk)
    descriptions = dict(scope_choices())
    context = {
        "client": client,
        "scopes": [(s, descriptions.get(s, "")) for s in client.scopes],
        "grace_default": service.DEFAULT_GRACE_HOURS,
        "grace_max": service.MAX_GRACE_HOURS,
        "errors": {},
    }
    return render(request, "identity/clients/detail.html", context)


@require_POST
@login_required
def client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sysadmin(request)
    client = _client(pk)
    raw = request.POST.get("grace_hours", "").strip()
    try:
        grace: Any = int(raw)
    except ValueError:
        grace = -1
    try:
        secret = service.rotate_secret(client, grace)
    except ProblemsError as exc:
        descriptions = dict(scope_choices())
        context = {
            "client": client,
            "scopes": [(s, descriptions.get(s, "")) for s in client.scopes],
            "grace_default": service.DEFAULT_GRACE_HOURS,
            "grace_max": service.MAX_GRACE_HOURS,
            "errors": _errors(exc),
        }
        return render(request, "identity/clients/detail.html", context, status=400)
    client.refresh_from_db()
    return _secret_page(request, client, secret, rotated=True)


@require_POST
@login_required
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sysadmin(request)
    client = _client(pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the revocation; nothing was changed."))
        return redirect(reverse("identity:client_detail", args=[client.pk]))
    service.revoke(client)
    messages.success(request, _("The client is revoked; its tokens no longer work."))
    return redirect(reverse("identity:client_detail", args=[client.pk]))


urlpatterns = [
    path("workbench/clients/", client_list, name="clients"),
    path("workbench/clients/new/", client_new, name="client_new"),
    path("workbench/clients/<int:pk>/", client_detail, name="client_detail"),
    path("workbench/clients/<int:pk>/rotate/", client_rotate, name="client_rotate"),
    path("workbench/clients/<int:pk>/revoke/", client_revoke, name="client_revoke"),
]
