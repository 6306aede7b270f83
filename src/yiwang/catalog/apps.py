from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("Service item catalog")

    def ready(self) -> None:
        from . import handlers, signals  # noqa: F401
