"""License types (证照目录). Licenses themselves, seals and signatures build on this."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Organisation


class HolderKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ENTERPRISE = "enterprise", _("Legal person")


class LicenseType(models.Model):
    """A kind of certificate the platform knows (e.g. 营业执照), with the bodies that issue it."""

    code = models.CharField(_("type code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    issuers = models.ManyToManyField(Organisation, blank=True, related_name="license_types", verbose_name=_("issuers"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("license type")
        verbose_name_plural = _("license types")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
