from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Demo data and operations commands: the top layer, which may use every domain app and none uses."""

    name = "yiwang.ops"
    label = "ops"
    verbose_name = _("Operations and demo data")
