from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from . import storage  # noqa: F401  (the private-storage start-up check)
