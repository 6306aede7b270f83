"""Editing the policy library in the Django admin (catalog administrators of the issuing department).

The version form is checked by `services.clean`, so the admin shows the same field errors, in the same words, as
the API; published versions are read-only (start a new draft with the action), and publishing runs the test cases.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.orgs.admin import Scoped404Mixin, holds, in_scope, limit_to_scope
from yiwang.orgs.models import Role

from . import services
from .models import Attachment, Policy, PolicyVersion, VersionStatus

ROLE = Role.CATALOG_ADMIN


class RoleMixin:
    org_path = "organisation"

    def _org_id(self, obj: Any) -> int | None:
        return obj.organisation_id

    def has_module_permission(self, request):
        return holds(request, ROLE) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        allowed = holds(request, ROLE) or super().has_view_permission(request, obj)
        return allowed and (obj is None or in_scope(request, ROLE, self._org_id(obj)))

    def has_add_permission(self, request, *args):
        return holds(request, ROLE) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        allowed = holds(request, ROLE) or super().has_change_permission(request, obj)
        return allowed and (obj is None or in_scope(request, ROLE, self._org_id(obj)))

    def get_queryset(self, request):
        return limit_to_scope(request, super().get_queryset(request), ROLE, self.org_path)


@admin.register(Policy)
class PolicyAdmin(RoleMixin, Scoped404Mixin, admin.ModelAdmin):
    list_display = ("code", "__str__", "organisation", "current")
    search_fields = ("code", "versions__title", "versions__doc_number")
    fields = ("code", "organisation")

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            from yiwang.orgs.admin import scope_of

            kwargs["queryset"] = scope_of(request, ROLE) if not request.user.is_superuser else None
            if kwargs["queryset"] is None:
                kwargs.pop("queryset")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class VersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ("policy", *[f for f in services.EDITABLE])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        base = self.instance if self.instance.pk else None
        _values, problems = services.clean({k: v for k, v in data.items() if k != "policy"}, base=base)
        policy = data.get("policy")
        if base is None and policy is not None and policy.versions.filter(status=VersionStatus.DRAFT).exists():
            self.add_error("policy", _("This policy has a draft already: edit that one."))
        for p in problems:
            name = p.field.split(".")[0]
            target = name if name in self.fields else None
            self.add_error(target, f"{p.field}: {render_message(p.message, p.params)}")
        return data


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 1


@admin.register(PolicyVersion)
class PolicyVersionAdmin(RoleMixin, Scoped404Mixin, admin.ModelAdmin):
    form = VersionForm
    org_path = "policy__organisation"
    list_display = ("title", "doc_number", "number", "status", "target", "auto_grant", "published_at")
    list_filter = ("status", "target", "auto_grant")
    search_fields = ("title", "doc_number", "policy__code")
    inlines = [AttachmentInline]
    actions = ["publish", "new_draft"]

    def _org_id(self, obj: Any) -> int | None:
        return obj.policy.organisation_id

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return [f.name for f in PolicyVersion._meta.fields if f.name != "id"]
        return ("status", "number") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "policy":
            kwargs["queryset"] = limit_to_scope(request, Policy.objects.all(), ROLE, "organisation")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            from django.db.models import Max

            obj.number = (PolicyVersion.objects.filter(policy=obj.policy).aggregate(n=Max("number"))["n"] or 0) + 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected drafts (their test cases must pass)"))
    def publish(self, request, queryset):
        for version in queryset.filter(status=VersionStatus.DRAFT):
            try:
                services.publish(version, user=request.user)
                messages.success(request, _("Published: %(t)s") % {"t": version.title})
            except ProblemsError as exc:
                for p in exc.problems:
                    messages.error(request, f"{version.title} · {p.field}: {render_message(p.message, p.params)}")

    @admin.action(description=_("Start a new draft of the selected policies"))
    def new_draft(self, request, queryset):
        for version in queryset:
            services.start_draft(version.policy, user=request.user)
        messages.success(request, _("Drafts started."))
