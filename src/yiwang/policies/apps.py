from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "yiwang.policies"
    label = "policies"
    verbose_name = _("Policies")

    def ready(self) -> None:
        from . import finance, handlers, panels  # noqa: F401 -- the finance slot's providers

        panels.register()
        handlers.register()
