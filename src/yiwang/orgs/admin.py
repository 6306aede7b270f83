"""Back office for divisions, organisations, halls and memberships, plus the scope helpers every admin shares.

Who may see and change what follows `orgs.scope` (roles held through memberships), not Django's
per-model permissions alone, so a catalog administrator of one bureau never reaches another's
records by guessing an id. The helpers cache the user's roles on the request so a changelist asks
the database once, however many permission checks the admin runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Division, Hall, Membership, Organisation, Role, Window
from .scope import organisations_for

# ---------------------------------------------------------------------------------------------
# Scope helpers (cached per request)
# ---------------------------------------------------------------------------------------------


def roles_of(request: HttpRequest) -> frozenset[str]:
    """The roles the signed-in user holds anywhere (one query per request)."""
    cached = getattr(request, "_yiwang_roles", None)
    if cached is None:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            cached = frozenset()
        else:
            cached = frozenset(Membership.objects.filter(user=user).values_list("role", flat=True))
        request._yiwang_roles = cached
    return cached


def reaches_all(request: HttpRequest) -> bool:
    """Superusers and system administrators act on every organisation."""
    user = request.user
    return bool(getattr(user, "is_superuser", False)) or Role.SYSADMIN in roles_of(request)


def holds(request: HttpRequest, *roles: str) -> bool:
    """Whether the user is staff and holds one of `roles` (or reaches everything)."""
    if not getattr(request.user, "is_staff", False):
        return False
    return reaches_all(request) or bool(roles_of(request) & set(roles))


def scope_of(request: HttpRequest, role: str) -> QuerySet[Organisation]:
    """Organisations the user reaches in `role`, cached on the request."""
    cache = request.__dict__.setdefault("_yiwang_scope", {})
    if role not in cache:
        cache[role] = organisations_for(request.user, role)
    return cache[role]


def in_scope(request: HttpRequest, role: str, organisation_id: int | None) -> bool:
    """Whether one organisation is in the user's scope for `role` (cached per organisation)."""
    if organisation_id is None:
        return False
    if reaches_all(request):
        return True
    cache = request.__dict__.setdefault("_yiwang_in_scope", {})
    key = (role, organisation_id)
    if key not in cache:
        cache[key] = scope_of(request, role).filter(pk=organisation_id).exists()
    return cache[key]


def limit_to_scope(request: HttpRequest, qs: QuerySet, role: str, path: str) -> QuerySet:
    """Filters `qs` to rows whose organisation (reached through `path`) is in scope."""
    if reaches_all(request):
        return qs
    return qs.filter(**{f"{path}__in": scope_of(request, role)})


class Scoped404Mixin:
    """Out-of-scope and missing objects answer 404 alike, instead of the admin's redirect."""

    def _require_object(self, request: HttpRequest, object_id: str | None) -> None:
        if object_id is not None and self.get_object(request, admin.utils.unquote(object_id)) is None:
            raise Http404(_("Not found."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._require_object(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._require_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._require_object(request, object_id)
        return super().delete_view(request, object_id, extra_context)


class RoleAdmin(Scoped404Mixin, admin.ModelAdmin):
    """Read access for staff holding `view_roles`, write access for `edit_roles` (sysadmins always).

    Django's own model permissions still grant access too, so a superuser can delegate through
    groups in the usual way.
    """

    view_roles: Iterable[str] = ()
    edit_roles: Iterable[str] = ()

    def _can_view(self, request: HttpRequest) -> bool:
        return holds(request, *self.view_roles, *self.edit_roles)

    def _can_edit(self, request: HttpRequest) -> bool:
        return holds(request, *self.edit_roles)

    def has_module_permission(self, request):
        return self._can_view(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._can_view(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._can_edit(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._can_edit(request) or super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self._can_edit(request) or super().has_delete_permission(request, obj)


STAFF_ROLES = tuple(Role.values)


# ---------------------------------------------------------------------------------------------
# Model admins
# ---------------------------------------------------------------------------------------------


@admin.register(Division)
class DivisionAdmin(RoleAdmin):
    """Divisions are shared reference data (GB/T 2260): every staff member reads, sysadmins edit."""

    view_roles = STAFF_ROLES
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["level", "path"]
    fields = ["code", "name", "parent", "level", "path"]

    def has_delete_permission(self, request, obj=None):
        # Divisions are referenced by organisations, halls and the catalog's search index.
        return bool(getattr(request.user, "is_superuser", False))


@admin.register(Organisation)
class OrganisationAdmin(RoleAdmin):
    """Organisations with their credit code checked by the model's clean (GB 32100)."""

    view_roles = STAFF_ROLES
    list_display = ["name", "credit_code", "kind", "division", "level_display", "is_active"]
    list_filter = ["kind", "division__level", "is_active"]
    search_fields = ["name", "short_name", "credit_code", "division__name"]
    list_select_related = ["division"]
    autocomplete_fields = ["division", "parent"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "credit_code", "kind", "is_active"]}),
        (_("Place in the hierarchy"), {"fields": ["division", "parent"]}),
        (_("Contact"), {"fields": ["address", "phone"]}),
    ]

    @admin.display(description=_("level"), ordering="division__level")
    def level_display(self, obj: Organisation) -> str:
        return obj.division.get_level_display()

    def has_delete_permission(self, request, obj=None):
        return bool(getattr(request.user, "is_superuser", False))


class WindowInline(admin.TabularInline):
    model = Window
    extra = 1
    fields = ["number", "name", "kind", "organisations"]
    autocomplete_fields = ["organisations"]

    def _edit(self, request) -> bool:
        return holds(request, Role.SYSADMIN) or request.user.has_perm("orgs.change_hall")

    def has_view_permission(self, request, obj=None):
        return holds(request, *STAFF_ROLES) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._edit(request)

    def has_add_permission(self, request, obj=None):
        return self._edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._edit(request)


@admin.register(Hall)
class HallAdmin(RoleAdmin):
    view_roles = STAFF_ROLES
    list_display = ["name", "organisation", "division", "address", "window_count"]
    list_filter = ["division__level"]
    search_fields = ["name", "address", "organisation__name"]
    list_select_related = ["organisation", "division"]
    autocomplete_fields = ["organisation", "division"]
    inlines = [WindowInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_windows=Count("windows"))

    @admin.display(description=_("windows"), ordering="_windows")
    def window_count(self, obj: Hall) -> int:
        """Annotated in get_queryset, so the list asks no query per row."""
        return getattr(obj, "_windows", 0)


@admin.register(Membership)
class MembershipAdmin(RoleAdmin):
    """Granting roles is a system administrator's job: a catalog admin must not widen their own scope."""

    list_display = ["user", "organisation", "role", "covers_division"]
    list_filter = ["role", "covers_division"]
    search_fields = ["user__username", "organisation__name", "organisation__credit_code"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
