"""Administration of what the centre configures: centres, the category tree, routing rules and their test cases,
deadline policies (a change is always a new version), Open311 keys. Orders and events are read-only here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import deadlines, open311, routing
from .models import ApiKey, Category, Centre, DeadlinePolicy, RoutingCase, RoutingRule, WorkOrder


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("organisation", "division", "is_default")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "keywords")
    ordering = ("path",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("position", "name", "category", "division", "keywords", "department", "is_active", "version")
    list_editable = ("is_active",)
    autocomplete_fields = ("department", "sub_unit")
    readonly_fields = ("version",)

    def save_model(self, request, obj, form, change):
        routing.save_rule(obj)


@admin.register(RoutingCase)
class RoutingCaseAdmin(admin.ModelAdmin):
    list_display = ("description", "category", "division", "expected_department")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """Saving always writes a new version; orders keep the version they were received under."""

    list_display = ("version", "effective_from", "note", "created_by", "created_at")
    readonly_fields = ("version", "created_by", "created_at")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        problems = deadlines.limits_problems(obj.limits)
        if problems:
            messages.error(request, "; ".join(problems))
            return
        last = DeadlinePolicy.objects.order_by("-version").values_list("version", flat=True).first() or 0
        DeadlinePolicy.objects.create(
            version=last + 1,
            effective_from=obj.effective_from,
            limits=obj.limits,
            note=obj.note,
            created_by=request.user,
        )
        messages.info(request, _("Saved as a new version; earlier orders keep theirs."))


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "centre", "is_active", "created_at")
    readonly_fields = ("prefix", "key_hash")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        _key, raw = open311.new_key(obj.name, obj.centre)
        messages.warning(request, _("The new key (shown once): %(key)s") % {"key": raw})


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "order_type", "category", "state", "channel", "received_at")
    list_filter = ("state", "order_type", "channel")
    search_fields = ("number",)
    exclude = ("caller", "caller_email", "query_code_hash")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
