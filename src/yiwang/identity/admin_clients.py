"""Admin for machine clients: read and adjust scopes and rate limits; secrets are never shown or edited here.

Creating, rotating and revoking go through the workbench pages, the API or `yiwang create_client`, which show
a new secret once; the admin only lets a system administrator correct a client's details.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.admin import holds
from yiwang.orgs.models import Role

from .models import MachineClient
from .scopes import scope_choices, unknown_scopes


class MachineClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=scope_choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = MachineClient
        fields = ["name", "kind", "organisation", "scopes", "rate_limit_per_minute"]

    def clean_scopes(self) -> list[str]:
        scopes = list(self.cleaned_data["scopes"])
        if unknown_scopes(scopes):
            raise forms.ValidationError(_("Unknown scope."))
        return scopes


@admin.register(MachineClient)
class MachineClientAdmin(admin.ModelAdmin):
    form = MachineClientForm
    list_display = ["name", "kind", "organisation", "rate_limit_per_minute", "created_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "application__client_id", "organisation__name", "organisation__credit_code"]
    list_select_related = ["organisation", "application"]
    readonly_fields = ["client_id", "created_at", "rotated_at", "previous_secret_expires_at", "revoked_at"]
    autocomplete_fields = ["organisation"]

    @admin.display(description=_("Client ID"))
    def client_id(self, obj: MachineClient) -> str:
        return obj.application.client_id if obj.application_id else ""

    def _sysadmin(self, request: HttpRequest) -> bool:
        return holds(request, Role.SYSADMIN)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._sysadmin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._sysadmin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._sysadmin(request) and (obj is None or obj.revoked_at is None)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new client needs a secret shown once: use the workbench, the API or create_client

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoke instead; the record stays for the audit trail
