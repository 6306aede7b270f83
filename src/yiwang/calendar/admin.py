"""Admin for the calendar: every save and delete goes through `calendar.services` (checks, version, signal)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import ProblemsError
from yiwang.core.errors import render as render_message

from . import services
from .models import HolidayYear, SpecialDay


class SpecialDayForm(forms.ModelForm):
    """The year follows from the date; the calendar's rules are checked before anything is saved."""

    class Meta:
        model = SpecialDay
        fields = ["date", "kind", "name"]

    def clean(self):
        data = super().clean()
        d, kind = data.get("date"), data.get("kind")
        if d is None or not kind:
            return data
        if not HolidayYear.objects.filter(year=d.year).exists():
            raise forms.ValidationError(
                _("The arrangement for %(year)s is not loaded: load or import the year first."),
                params={"year": d.year},
            )
        problems = services.day_problems(d.year, [services.DayRow(d, kind, data.get("name") or "")], require_rows=False)
        for p in problems:
            self.add_error(p.field if p.field in self.fields else None, render_message(p.message, p.params))
        return data


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    form = SpecialDayForm
    list_display = ["date", "weekday", "kind", "name", "year"]
    list_filter = ["kind", "year"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description=_("weekday"))
    def weekday(self, obj: SpecialDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            services.delete_days([form.initial["date"]], user=request.user)
        try:
            saved = services.set_day(obj.date, obj.kind, obj.name, user=request.user)
        except ProblemsError as exc:  # checked in the form already; a concurrent change may still refuse
            messages.error(request, "; ".join(str(p) for p in exc.problems))
            return
        obj.pk, obj.year_id = saved.pk, saved.year_id

    def delete_model(self, request, obj):
        services.delete_days([obj.date], user=request.user)

    def delete_queryset(self, request, queryset):
        services.delete_days(list(queryset.values_list("date", flat=True)), user=request.user)


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "notice", "loaded_at", "loaded_by", "edited_at", "day_count"]
    fields = ["year", "source", "notice", "notice_url", "loaded_at", "loaded_by", "edited_at", "edited_by"]
    readonly_fields = ["year", "loaded_at", "loaded_by", "edited_at", "edited_by"]
    actions = ["reload_from_package"]

    @admin.display(description=_("special days"))
    def day_count(self, obj: HolidayYear) -> int:
        return obj.days.count()

    def has_add_permission(self, request) -> bool:
        # A year arrives whole: `load_holidays`, or an import on the calendar page, the command or the API.
        return False

    def delete_model(self, request, obj):
        services.unload_year(obj.year)

    def delete_queryset(self, request, queryset):
        for year in list(queryset.values_list("year", flat=True)):
            services.unload_year(year)

    @admin.action(description=_("Reload from the chinesecalendar package (replaces imports and edits)"))
    def reload_from_package(self, request, queryset):
        try:
            results = services.load_from_package(
                list(queryset.values_list("year", flat=True)), user=request.user, replace=True
            )
        except ProblemsError as exc:
            messages.error(request, "; ".join(str(p) for p in exc.problems))
            return
        messages.success(request, _("%(n)s year(s) reloaded.") % {"n": len(results)})
