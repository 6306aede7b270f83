from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallsConfig(AppConfig):
    name = "yiwang.halls"
    label = "halls"
    verbose_name = _("Service halls")

    def ready(self) -> None:
        from . import handlers, panels

        handlers.register()  # the outbox subscriber on case events
        panels.register()
