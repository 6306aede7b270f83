"""System check: warn when this year's or next year's holiday arrangement is not loaded."""

from __future__ import annotations

from django.core.checks import Warning, register
from django.utils import timezone


@register("calendar")
def arrangement_loaded(app_configs=None, **kwargs) -> list[Warning]:
    """Deadlines in a year without an arrangement count weekends only; say so wherever checks run."""
    from .models import HolidayYear

    this_year = timezone.localdate().year
    try:
        loaded = set(HolidayYear.objects.filter(year__in=[this_year, this_year + 1]).values_list("year", flat=True))
    except Exception:
        return []
    return [
        Warning(
            f"The holiday arrangement for {year} is not loaded: deadlines in {year} count weekends only.",
            hint="Run `yiwang load_holidays --all`, or import the State Council notice on /workbench/calendar/.",
            id="yiwang.calendar.W001" if year == this_year else "yiwang.calendar.W002",
        )
        for year in (this_year, this_year + 1)
        if year not in loaded
    ]
