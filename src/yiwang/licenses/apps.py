from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = _("Electronic licenses")

    def ready(self) -> None:
        from yiwang.catalog import sources

        from .models import LicenseType

        sources.register(
            sources.SourceKind(
                key="license",
                exists=lambda codes: set(LicenseType.objects.filter(code__in=codes).values_list("code", flat=True)),
                label=lambda code: LicenseType.objects.filter(code=code).values_list("name", flat=True).first(),
                labels=lambda codes: dict(LicenseType.objects.filter(code__in=codes).values_list("code", "name")),
            )
        )
