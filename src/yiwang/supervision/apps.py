from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "yiwang.supervision"
    label = "supervision"
    verbose_name = _("Electronic supervision")

    def ready(self) -> None:
        from . import handlers

        handlers.register()
