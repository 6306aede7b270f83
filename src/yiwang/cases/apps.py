from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from yiwang.identity.scopes import API_SCOPES

        from . import handlers, panels

        API_SCOPES.add("cases:read", _("Read the cases of the client's organisation"), order=30)
        API_SCOPES.add("cases:write", _("Push case status, steps and results for the client's organisation"), order=31)
        panels.register()
        handlers.register()  # outbox subscribers (applicant messages, the old signal) and a periodic job
