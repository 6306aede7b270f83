from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from . import background, checks, storage, warmups  # noqa: F401 - plugin, storage and private-storage checks

        background.register_core_jobs()
