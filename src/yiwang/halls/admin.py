"""The static configuration of a hall in the back office: settings, weekly hours, lines, what windows call and
handle. Hall managers edit their halls' (scoped through orgs.admin helpers; out of scope answers 404); closed days,
appointments, tickets and surveys change only through the services (the manager's page), so they are read-only
here."""

from __future__ import annotations

from django.contrib import admin

from yiwang.orgs.admin import RoleAdmin, limit_to_scope
from yiwang.orgs.models import Role

from .models import (
    AgencyProject,
    Appointment,
    AssistedCase,
    BankItem,
    BusinessLine,
    HallEvent,
    HallProfile,
    HallStaff,
    HoursException,
    OpeningHours,
    SmartTeller,
    SurveyRequest,
    Ticket,
    WindowItem,
    WindowLine,
)

MANAGERS = (Role.HALL_MANAGER,)
READERS = (Role.HALL_MANAGER, Role.WINDOW_CLERK, Role.SUPERVISOR)


class HallScopedAdmin(RoleAdmin):
    """Rows of halls run by organisations in the user's hall-manager (or reading) scope."""

    view_roles = READERS
    edit_roles = MANAGERS
    hall_path = "hall__organisation"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        role = Role.HALL_MANAGER if Role.HALL_MANAGER in _roles(request) else Role.WINDOW_CLERK
        return limit_to_scope(request, qs, role, self.hall_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from yiwang.orgs.models import Hall, Window

        if db_field.related_model is Hall:
            kwargs["queryset"] = limit_to_scope(request, Hall.objects.all(), Role.HALL_MANAGER, "organisation")
        elif db_field.related_model is Window:
            kwargs["queryset"] = limit_to_scope(request, Window.objects.all(), Role.HALL_MANAGER, "hall__organisation")
        elif db_field.related_model is BusinessLine:
            kwargs["queryset"] = limit_to_scope(
                request, BusinessLine.objects.all(), Role.HALL_MANAGER, "hall__organisation"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _roles(request) -> frozenset[str]:
    from yiwang.orgs.admin import roles_of

    return roles_of(request)


class ReadOnlyAdmin(HallScopedAdmin):
    edit_roles = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HallProfile)
class HallProfileAdmin(HallScopedAdmin):
    list_display = ["hall", "kind", "is_active", "slot_minutes", "book_days_ahead", "daily_limit", "no_show_limit"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["kiosk_key"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(HallScopedAdmin):
    list_display = ["hall", "weekday", "opens", "closes"]
    list_filter = ["weekday"]


@admin.register(BusinessLine)
class BusinessLineAdmin(HallScopedAdmin):
    list_display = ["hall", "code", "name", "service_minutes", "bookable", "daily_cap", "is_active"]
    list_filter = ["bookable", "is_active"]
    search_fields = ["name", "hall__name"]


@admin.register(WindowLine)
class WindowLineAdmin(HallScopedAdmin):
    hall_path = "window__hall__organisation"
    list_display = ["window", "line"]


@admin.register(WindowItem)
class WindowItemAdmin(HallScopedAdmin):
    hall_path = "window__hall__organisation"
    list_display = ["window", "item"]
    raw_id_fields = ["item"]


@admin.register(HoursException)
class HoursExceptionAdmin(ReadOnlyAdmin):
    list_display = ["hall", "date", "is_open", "opens", "closes", "reason"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "hall", "line", "starts_at", "party_size", "state", "channel"]
    list_filter = ["state", "channel"]
    search_fields = ["code"]
    exclude = ["person", "enterprise", "user", "items", "attendees", "case", "slot"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "hall", "line", "day", "state", "source", "window", "taken_at", "called_at"]
    list_filter = ["state", "source", "day"]
    search_fields = ["number"]
    exclude = ["person", "holder", "key", "client_ref", "case", "appointment"]


@admin.register(HallEvent)
class HallEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "hall", "action", "actor_name", "channel", "from_state", "to_state"]
    list_filter = ["action", "channel"]


@admin.register(SurveyRequest)
class SurveyRequestAdmin(ReadOnlyAdmin):
    hall_path = "organisation"
    view_roles = (Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)
    list_display = ["case_number", "item_name", "state", "conclusion", "proposed_at", "recorded_at"]
    list_filter = ["state", "conclusion"]
    exclude = ["case", "step", "chosen"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return limit_to_scope(request, qs, Role.REVIEWER, "organisation")


@admin.register(HallStaff)
class HallStaffAdmin(HallScopedAdmin):
    """Helpers of service points and staff of bank outlets, named by the hall's manager."""

    list_display = ["hall", "user", "kind", "started_at", "ended_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]


@admin.register(AgencyProject)
class AgencyProjectAdmin(HallScopedAdmin):
    """Free agency (代办): the manager assigns an enterprise's project to a helper of the point."""

    list_display = ["name", "enterprise", "hall", "helper", "created_at", "closed_at"]
    raw_id_fields = ["enterprise", "helper"]


@admin.register(SmartTeller)
class SmartTellerAdmin(HallScopedAdmin):
    list_display = ["client", "hall"]


@admin.register(AssistedCase)
class AssistedCaseAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "hall", "helper_name", "created_at"]
    list_filter = ["kind"]


@admin.register(BankItem)
class BankItemAdmin(RoleAdmin):
    """The items the city opened to bank outlets (catalog administrators decide; hall managers read)."""

    view_roles = (Role.CATALOG_ADMIN, Role.HALL_MANAGER)
    edit_roles = (Role.CATALOG_ADMIN,)
    list_display = ["item", "self_service", "opened_at"]
    list_filter = ["self_service"]
    raw_id_fields = ["item"]
