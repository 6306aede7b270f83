"""License type catalog (证照目录) in the back office: the codes materials and results may name."""

from django.contrib import admin

from yiwang.orgs.admin import RoleAdmin
from yiwang.orgs.models import Role

from .models import LicenseType


@admin.register(LicenseType)
class LicenseTypeAdmin(RoleAdmin):
    """Catalog administrators read the codes they may cite; system administrators keep the list."""

    view_roles = (Role.CATALOG_ADMIN, Role.DATA_OFFICER)
    list_display = ["code", "name", "holder_kind"]
    list_filter = ["holder_kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["issuers"]
