"""Admin for persons, enterprises, agents, verifications, the reference libraries and the personal-data logs.

The admin never shows a full document number, phone number or address: lists and forms show masked values,
encrypted fields are not editable here (changes go through `services`), and the logs are read-only. Staff who
need a full value use the workbench (/workbench/people/), which asks for a reason and records it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import masking
from .models import (
    Agent,
    DataUse,
    Enterprise,
    LegalPersonRecord,
    Person,
    PiiAccess,
    PopulationRecord,
    ReusableMaterial,
    Verification,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are written by the platform only: no add, change or delete here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VerificationInline(admin.TabularInline):
    model = Verification
    fk_name = "person"
    extra = 0
    can_delete = False
    fields = ("at", "level", "provider", "method", "passed", "detail", "performed_by")
    readonly_fields = fields
    ordering = ("-at",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("masked_name_col", "doc_type", "masked_doc_col", "masked_phone_col", "level", "verified_at")
    list_filter = ("level", "doc_type", "nationality")
    # Encrypted values cannot be searched with LIKE; staff find people by exact number on the workbench.
    search_fields: tuple[str, ...] = ()
    fields = (
        "name",
        "doc_type",
        "masked_doc_col",
        "nationality",
        "masked_phone_col",
        "email",
        "masked_address_col",
        "level",
        "verified_at",
        "user",
        "created_at",
    )
    readonly_fields = (
        "doc_type",
        "masked_doc_col",
        "masked_phone_col",
        "masked_address_col",
        "level",
        "verified_at",
        "user",
        "created_at",
    )
    inlines = [VerificationInline]
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Persons are registered through identity.services (numbers checked, hashes kept, duplicates refused).
        return False

    @admin.display(description=_("name"))
    def masked_name_col(self, obj: Person) -> str:
        return masking.mask_name(obj.name)

    @admin.display(description=_("document number"))
    def masked_doc_col(self, obj: Person) -> str:
        return obj.masked_doc_number

    @admin.display(description=_("mobile phone"))
    def masked_phone_col(self, obj: Person) -> str:
        return obj.masked_phone

    @admin.display(description=_("address"))
    def masked_address_col(self, obj: Person) -> str:
        return obj.masked_address


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "legal_rep_name", "level", "verified_at")
    list_filter = ("kind", "level")
    search_fields = ("name", "credit_code")
    readonly_fields = ("credit_code", "legal_rep", "level", "verified_at", "created_at")
    fields = ("credit_code", "name", "kind", "legal_rep_name", "legal_rep", "address", "phone", "level", "verified_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "person", "permissions", "granted_at", "valid_until", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("enterprise__name", "enterprise__credit_code")
    list_select_related = ("enterprise", "person")
    readonly_fields = (
        "enterprise",
        "person",
        "permissions",
        "granted_by",
        "granted_at",
        "valid_until",
        "revoked_at",
        "revoked_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Grants and revocations go through My Space / identity.services so they are checked and recorded.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ("at", "person", "enterprise", "level", "provider", "method", "passed", "performed_by")
    list_filter = ("passed", "provider", "method", "level")
    list_select_related = ("person", "enterprise", "performed_by")
    date_hierarchy = "at"


@admin.register(PopulationRecord)
class PopulationRecordAdmin(admin.ModelAdmin):
    """The library holds hashes only; rows come from `yiwang import_population`."""

    list_display = ("masked_name_col", "doc_type", "status", "source", "updated_at")
    list_filter = ("status", "doc_type", "source")
    fields = ("doc_type", "name", "status", "source", "updated_at")
    readonly_fields = ("doc_type", "name", "source", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("name"))
    def masked_name_col(self, obj: PopulationRecord) -> str:
        return masking.mask_name(obj.name)


@admin.register(LegalPersonRecord)
class LegalPersonRecordAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "legal_rep_name", "status", "registered_on", "source")
    list_filter = ("status", "kind", "source")
    search_fields = ("name", "credit_code")
    exclude = ("legal_rep_doc_hash",)
    readonly_fields = ("credit_code", "source", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PiiAccess)
class PiiAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "viewer", "person", "enterprise", "field", "reason", "ip")
    list_filter = ("field",)
    list_select_related = ("viewer", "person", "enterprise")
    date_hierarchy = "at"


@admin.register(ReusableMaterial)
class ReusableMaterialAdmin(admin.ModelAdmin):
    list_display = ("title", "person", "enterprise", "content_type", "size", "reusable", "uploaded_at", "deleted_at")
    list_filter = ("reusable", "content_type")
    list_select_related = ("person", "enterprise")
    # The file's name only: private files have no public link (core.storage); owners download them from My Space.
    exclude = ("file",)
    readonly_fields = (
        "person",
        "enterprise",
        "stored_file",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "deleted_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("file"))
    def stored_file(self, obj: ReusableMaterial) -> str:
        return obj.file.name


@admin.register(DataUse)
class DataUseAdmin(ReadOnlyAdmin):
    list_display = ("at", "person", "enterprise", "category", "what", "used_by", "purpose", "case_number")
    list_filter = ("category",)
    list_select_related = ("person", "enterprise")
    date_hierarchy = "at"
