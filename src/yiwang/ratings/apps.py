from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Declared at import (before any app's ready() runs), so a module that cannot import ratings — halls — finds the
# hook by name from its own ready(): plugins.lookup("ratings.visit_sources").
from . import visits  # noqa: F401


class RatingsConfig(AppConfig):
    name = "yiwang.ratings"
    label = "ratings"
    verbose_name = _("Ratings")

    def ready(self) -> None:
        from yiwang.cases import panels as case_panels
        from yiwang.identity import space
        from yiwang.identity.scopes import API_SCOPES

        from . import export, panels, subscriber  # noqa: F401 - the export slot, the case-event receiver

        subscriber.connect()
        API_SCOPES.add(
            "ratings:read", _("Read the ratings figures and bad reviews of the client's organisation"), order=50
        )
        API_SCOPES.add(
            "ratings:write", _("Send on-site ratings from the windows serving the client's organisation"), order=51
        )
        space.register_panel(
            "ratings",
            title=_("Rate the service"),
            template="ratings/_space_panel.html",
            context=panels.space_context,
            order=25,
            permission="view_cases",
        )
        case_panels.CASE_SECTIONS.add(
            "ratings",
            case_panels.CaseSection(template="ratings/_case_section.html", context=panels.case_context),
            order=20,
        )
