from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = _("Electronic licenses")

    def ready(self) -> None:
        from yiwang.catalog import sources

        from . import cases_link, checks  # noqa: F401 - registers the deploy check
        from .models import LicenseType

        sources.register(
            sources.SourceKind(
                key="license",
                exists=lambda codes: set(LicenseType.objects.filter(code__in=codes).values_list("code", flat=True)),
                label=lambda code: LicenseType.objects.filter(code=code).values_list("name", flat=True).first(),
                labels=lambda codes: dict(LicenseType.objects.filter(code__in=codes).values_list("code", "name")),
            )
        )
        cases_link.connect()  # issued on approval, license-free applications
        try:
            from yiwang.identity import space
        except ImportError:  # My Space not installed: the /licenses/ page still lists a holder's licenses
            return
        space.register_panel(
            "licenses",
            title=_("My e-licenses"),
            template="licenses/_panel.html",
            context=_panel_context,
            order=30,
            # On an enterprise's page, only agents granted its e-licenses see them.
            permission="licenses",
        )


def _panel_context(request, subject):
    """The subject's current licenses with their uses (My Space has already checked the subject is in reach)."""
    from yiwang.identity.models import Enterprise

    from .services import licenses_for

    qs = licenses_for(enterprise=subject) if isinstance(subject, Enterprise) else licenses_for(person=subject)
    return {"licenses": list(qs.prefetch_related("uses")[:50])}
