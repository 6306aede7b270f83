"""Information resource catalog (信息资源目录): the shared data that items may use instead of paper."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Organisation


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Shared without conditions")
    CONDITIONAL = "conditional", _("Shared on conditions")
    NOT_SHARED = "none", _("Not shared")


class DataResource(models.Model):
    code = models.CharField(_("resource code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="data_resources", verbose_name=_("provider")
    )
    sharing = models.CharField(_("sharing type"), max_length=16, choices=SharingType.choices, default="conditional")
    fields = models.JSONField(_("fields"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
