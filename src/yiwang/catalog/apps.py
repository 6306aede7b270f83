from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("Service item catalog")

    def ready(self) -> None:
        from yiwang.core.warmups import WARM_UPS
        from yiwang.identity.scopes import API_SCOPES

        from . import handlers, signals  # noqa: F401

        API_SCOPES.add(
            "catalog:read",
            _("Read the service catalog, and the change history of the client's organisation's items"),
            order=10,
        )
        API_SCOPES.add(
            "catalog:write",
            _("Create, edit, publish and retire the items of the client's organisation; import"),
            order=11,
        )
        WARM_UPS.add("catalog.search", _warm_up_search, order=10)


def _warm_up_search() -> None:
    """jieba's and pypinyin's dictionaries, loaded before a worker's first search rather than during it."""
    from . import searching

    searching.warm_up()
