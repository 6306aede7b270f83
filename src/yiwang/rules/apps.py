from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "yiwang.rules"
    label = "rules"
    verbose_name = _("Instant-approval rules")

    def ready(self) -> None:
        from . import handlers

        handlers.register()  # the outbox subscriber: a submitted case is decided by its item's rules
