from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("Service item catalog")

    def ready(self) -> None:
        from . import handlers, signals  # noqa: F401

    def warm_up(self) -> None:
        """Called in each server worker after it starts (core's `serve`): loads the search dictionaries."""
        from . import searching

        searching.warm_up()
