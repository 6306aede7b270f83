from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "yiwang.identity"
    label = "identity"
    verbose_name = _("Identity")

    def ready(self) -> None:
        # System checks, signal receivers, and the modules declaring identity's plugin slots (SMS and email,
        # library lookups, real-name verification, the provincial identity platform).
        from . import checks, handlers, lookups, oidc, providers, verification  # noqa: F401
