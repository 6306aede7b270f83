"""Administrative divisions, organisations, service halls and windows (四级机构, 部门, 政务大厅, 窗口)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import credit_code_error, division_code_error, division_level, division_parent_error


class Level(models.IntegerChoices):
    """行使层级 as used by the catalog standard."""

    NATION = 1, _("National")
    PROVINCE = 2, _("Province")
    CITY = 3, _("City")
    COUNTY = 4, _("County")
    TOWNSHIP = 5, _("Township")
    VILLAGE = 6, _("Village")


class Division(models.Model):
    """An administrative division (GB/T 2260; 12 digits below county level)."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, editable=False)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    # Materialised path of codes ("/340000/340300/340302/") so subtree filters are one indexed LIKE.
    path = models.CharField(max_length=120, editable=False, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        err = division_code_error(self.code)
        if err:
            raise ValidationError({"code": err})
        err = division_parent_error(self.code, self.parent.code if self.parent_id else None)
        if err:
            raise ValidationError({"parent": err})

    def save(self, *args, **kwargs) -> None:
        self.level = division_level(self.code)
        self.path = (self.parent.path if self.parent_id else "/") + self.code + "/"
        super().save(*args, **kwargs)

    def full_name(self) -> str:
        names = []
        node: Division | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class OrgKind(models.TextChoices):
    DEPARTMENT = "department", _("Government department")
    SERVICE_CENTER = "center", _("Government service center")
    CONVENIENCE_CENTER = "convenience", _("Convenience service center")
    PUBLIC_INSTITUTION = "institution", _("Public institution")


class Organisation(models.Model):
    """A body that implements service items or runs a hall."""

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices, default=OrgKind.DEPARTMENT)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("division")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["division", "name"], name="org_unique_name_in_division")]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return self.division.level

    def clean(self) -> None:
        err = credit_code_error(self.credit_code or "")
        if err:
            raise ValidationError({"credit_code": err})


class Hall(models.Model):
    """A service hall (政务服务大厅 / 便民服务中心) where people come in person."""

    name = models.CharField(_("name"), max_length=100)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="halls", verbose_name=_("operated by")
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="halls", verbose_name=_("division"))
    address = models.CharField(_("address"), max_length=200)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("service hall")
        verbose_name_plural = _("service halls")

    def __str__(self) -> str:
        return self.name


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive window (any item)")
    DEDICATED = "dedicated", _("Dedicated window")
    DELIVERY = "delivery", _("Result pickup window")
    HELP = "help", _("Help and agency desk")


class Window(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="windows", verbose_name=_("hall"))
    number = models.CharField(_("window number"), max_length=10)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=16, choices=WindowKind.choices, default=WindowKind.COMPREHENSIVE)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="windows", verbose_name=_("departments served")
    )

    class Meta:
        ordering = ["hall", "number"]
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        constraints = [models.UniqueConstraint(fields=["hall", "number"], name="window_unique_number")]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number}"


class Role(models.TextChoices):
    WINDOW_CLERK = "clerk", _("Window clerk")
    REVIEWER = "reviewer", _("Department reviewer")
    APPROVER = "approver", _("Department approver")
    SUPERVISOR = "supervisor", _("Supervisor")
    HOTLINE_OPERATOR = "hotline_operator", _("12345 operator")
    HOTLINE_HANDLER = "hotline_handler", _("12345 handler")
    DATA_OFFICER = "data_officer", _("Data officer")
    CATALOG_ADMIN = "catalog_admin", _("Catalog administrator")
    HALL_MANAGER = "hall_manager", _("Service hall manager")
    SYSADMIN = "sysadmin", _("System administrator")


class Membership(models.Model):
    """A staff member's role in an organisation; scope decides which records the role reaches."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    covers_division = models.BooleanField(
        _("covers the whole division"),
        default=False,
        help_text=_("The role reaches every organisation in this organisation's division and below it."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"
