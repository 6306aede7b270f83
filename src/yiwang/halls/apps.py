from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallsConfig(AppConfig):
    name = "yiwang.halls"
    label = "halls"
    verbose_name = _("Service halls")

    def ready(self) -> None:
        from yiwang.identity.scopes import API_SCOPES

        from . import assist, handlers, panels

        handlers.register()  # the outbox subscriber on case events
        panels.register()
        assist.register()
        API_SCOPES.add("halls:bank", _("Apply at a bank outlet's smart teller (政银通办)"), order=50)
        API_SCOPES.add(
            "halls:kiosk", _("Issue queue numbers and read the calling screen of halls (kiosks, screens)"), order=51
        )
