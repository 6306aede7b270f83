"""The official working-day calendar: which years are loaded, and the days that differ from Monday–Friday.

A date is a working day when it is a make-up working day (调休上班); otherwise not when it is a holiday;
otherwise when it falls Monday to Friday. Only the exceptions are stored, a few dozen rows a year.
Every change goes through `calendar.services`, which bumps `CalendarState` so every process drops its
cached copy (see `calendar.workdays`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up working day")


class HolidayYear(models.Model):
    """A year whose official arrangement is loaded, and where it came from (package, notice, import)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("Where the arrangement came from, e.g. “chinesecalendar 1.11.0” or “import by zhang”."),
    )
    notice = models.CharField(
        _("notice"), max_length=200, blank=True, help_text=_("The State Council notice, e.g. 国办发明电〔2025〕7号.")
    )
    notice_url = models.URLField(_("notice address"), max_length=500, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )
    edited_at = models.DateTimeField(_("last day edited at"), null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last day edited by"),
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")

    def __str__(self) -> str:
        return str(self.year)


class SpecialDay(models.Model):
    """One date that is not an ordinary day: a holiday, or a weekend day worked in exchange (调休)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 国庆节, 春节"))
    year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("year"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()


class CalendarState(models.Model):
    """One row: the calendar's version, changed with every edit so every process knows its cache is stale.

    `token` is new on every change, so a cache can never confuse two states that share a version number
    (a rolled-back transaction, or a database restored from a backup).
    """

    version = models.PositiveBigIntegerField(default=0)
    token = models.UUIDField(default=uuid.uuid4)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar version")

    def __str__(self) -> str:
        return f"v{self.version}"
