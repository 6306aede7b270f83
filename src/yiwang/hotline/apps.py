from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from yiwang.identity.scopes import API_SCOPES

        from . import handlers, mailbox, panels  # noqa: F401 - calendar changes, the mailbox slot, My Space

        API_SCOPES.add(
            "hotline:read", _("Read 12345 work orders the client created or its organisation handles"), order=60
        )
        API_SCOPES.add(
            "hotline:write",
            _("Create 12345 work orders (WeChat, apps) and push handling steps for the client's organisation"),
            order=61,
        )
        panels.register()
