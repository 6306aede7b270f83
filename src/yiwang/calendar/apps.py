from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    name = "yiwang.calendar"
    label = "calendar"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from . import checks, workdays  # noqa: F401 - registers the system check

        request_started.connect(workdays.request_started, dispatch_uid="calendar.request_started")
        request_finished.connect(workdays.request_finished, dispatch_uid="calendar.request_finished")
