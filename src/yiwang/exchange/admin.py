"""Information resource catalog (信息资源目录) in the back office."""

from django.contrib import admin

from yiwang.orgs.admin import RoleAdmin, in_scope, scope_of
from yiwang.orgs.models import Role

from .models import DataResource


@admin.register(DataResource)
class DataResourceAdmin(RoleAdmin):
    """Data officers keep the resources their organisations provide; catalog administrators read them all."""

    view_roles = (Role.CATALOG_ADMIN,)
    edit_roles = (Role.DATA_OFFICER,)
    list_display = ["code", "name", "provider", "sharing"]
    list_filter = ["sharing"]
    search_fields = ["code", "name", "provider__name"]
    list_select_related = ["provider"]
    autocomplete_fields = ["provider"]

    def _writes(self, request, obj) -> bool:
        return obj is None or in_scope(request, Role.DATA_OFFICER, obj.provider_id)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._writes(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._writes(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "provider":
            kwargs["queryset"] = scope_of(request, Role.DATA_OFFICER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
