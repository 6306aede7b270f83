from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = _("Electronic licenses")

    def ready(self) -> None:
        from yiwang.catalog import sources
        from yiwang.identity import scopes, space

        from . import cases_link, checks, keys, mapping  # noqa: F401 - the deploy check; the key store slot
        from .models import LicenseType

        scopes.API_SCOPES.add("licenses:verify", _("Verify e-licenses presented by applicants"), order=40)
        scopes.API_SCOPES.add(
            "licenses:issue", _("Issue e-licenses in the name of the client's organisation"), order=41
        )
        sources.MATERIAL_SOURCES.add(
            "license",
            sources.SourceKind(
                key="license",
                exists=lambda codes: set(LicenseType.objects.filter(code__in=codes).values_list("code", flat=True)),
                label=lambda code: LicenseType.objects.filter(code=code).values_list("name", flat=True).first(),
                labels=lambda codes: dict(LicenseType.objects.filter(code__in=codes).values_list("code", "name")),
                # A version resulting in a license must be able to fill it: refused at publishing otherwise.
                result_problems=mapping.result_problems,
            ),
        )
        cases_link.connect()  # issued on approval, license-free applications
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
