"""The outbox in the back office: what waits, and each subscriber's retries and dead letters (with "try again")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxEvent, OutboxRetry, RetryStatus


class ReadOnly(admin.ModelAdmin):
    """Rows the platform writes; people read them (and act through the actions only)."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnly):
    list_display = ["id", "topic", "key", "created_at", "done_at"]
    list_filter = ["topic", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["key"]
    date_hierarchy = "created_at"


@admin.register(OutboxRetry)
class OutboxRetryAdmin(ReadOnly):
    list_display = ["subscriber", "event", "key", "status", "attempts", "next_attempt_at", "short_error"]
    list_filter = ["status", "subscriber"]
    search_fields = ["key", "subscriber"]
    list_select_related = ["event"]
    actions = ["try_again"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxRetry) -> str:
        return obj.last_error[:120]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return request.user.is_superuser

    @admin.action(description=_("Try the selected ones again now"))
    def try_again(self, request: Any, queryset: Any) -> None:
        now = timezone.now()
        n = queryset.update(status=RetryStatus.RETRYING, attempts=0, next_attempt_at=now, updated_at=now)
        self.message_user(
            request,
            ngettext("%(n)d retry will run shortly.", "%(n)d retries will run shortly.", n) % {"n": n},
            messages.SUCCESS,
        )
