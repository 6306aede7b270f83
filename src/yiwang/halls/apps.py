from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallsConfig(AppConfig):
    name = "yiwang.halls"
    label = "halls"
    verbose_name = _("Service halls")

    def ready(self) -> None:
        from . import handlers, panels  # noqa: F401 - receivers: case changes

        panels.register()
