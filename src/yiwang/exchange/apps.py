from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "yiwang.exchange"
    label = "exchange"
    verbose_name = _("Data sharing and exchange")

    def ready(self) -> None:
        from yiwang.catalog import sources
        from yiwang.identity.scopes import API_SCOPES

        from . import casehook, checks, connectors, dataconnectors, handlers  # noqa: F401  (slots, hooks, feeds)
        from .models import DataResource

        handlers.register()
        sources.MATERIAL_SOURCES.add(
            "data",
            sources.SourceKind(
                key="data",
                exists=lambda codes: set(DataResource.objects.filter(code__in=codes).values_list("code", flat=True)),
                label=lambda code: DataResource.objects.filter(code=code).values_list("name", flat=True).first(),
                labels=lambda codes: dict(DataResource.objects.filter(code__in=codes).values_list("code", "name")),
            ),
        )
        casehook.install()
        API_SCOPES.add(
            "exchange:catalog",
            _("Read the shared data catalog and request access for the client's organisation"),
            order=70,
        )
        API_SCOPES.add(
            "exchange:query", _("Call the shared data services the client's organisation was granted"), order=71
        )
