from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import handlers, notify, panels  # noqa: F401 - receivers: calendar changes, applicant messages

        panels.register()
