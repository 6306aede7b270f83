"""The back-office catalog editor (Django admin), scoped to each catalog administrator's organisations.

Every change goes through `services`: creating an item, starting a draft, saving a draft,
publishing and retiring. Published and retired versions are shown read-only; a rule violation at
publish time comes back as one admin error message per problem, naming the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yiwang.core.errors import ProblemsError
from yiwang.orgs.admin import RoleAdmin, Scoped404Mixin, holds, in_scope, limit_to_scope, scope_of
from yiwang.orgs.models import Level, Role

from . import services
from .forms import DraftForm, ItemCreateForm, field_label
from .models import CatalogEvent, ItemVersion, Material, ProcessStep, ServiceItem, Theme, VersionStatus

ROLE = Role.CATALOG_ADMIN

admin.site.site_header = _("Yiwang · administration")
admin.site.site_title = _("Yiwang administration")
admin.site.index_title = _("Back office")


CHANNELS = {
    "web": _("web page"),
    "api": _("API"),
    "admin": _("back office"),
    "import": _("import"),
    "cli": _("command line"),
}


def report_problems(request: HttpRequest, exc: ProblemsError, prefix: str = "") -> None:
    """One admin error message per problem, each naming the field in words."""
    for p in exc.problems:
        text = gettext("%(field)s: %(message)s") % {"field": field_label(p.field), "message": str(p)}
        messages.error(request, f"{prefix}{text}")


def item_state(item: ServiceItem) -> tuple[str, bool]:
    """(status, pending draft) of an item whose versions were prefetched."""
    versions = list(item.versions.all())
    pending = any(v.status == VersionStatus.DRAFT for v in versions)
    if item.current_id:
        return VersionStatus.PUBLISHED, pending
    return (VersionStatus.DRAFT if pending else VersionStatus.RETIRED), pending


def with_versions(qs: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    """Items with their organisation, current version and a light list of versions, in three queries."""
    return qs.select_related("organisation__division", "current").prefetch_related(
        Prefetch(
            "versions",
            queryset=ItemVersion.objects.only("id", "item_id", "number", "status", "name").order_by("-number"),
        )
    )


class CatalogRoleMixin:
    """Catalog administrators (and sysadmins, superusers) reach items of their organisations only."""

    org_path = "organisation"

    def _org_id(self, obj) -> int | None:
        return obj.organisation_id

    def has_module_permission(self, request):
        return holds(request, ROLE) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        allowed = holds(request, ROLE) or super().has_view_permission(request, obj)
        return allowed and (obj is None or in_scope(request, ROLE, self._org_id(obj)))

    def get_queryset(self, request):
        return limit_to_scope(request, super().get_queryset(request), ROLE, self.org_path)


class ScopedOrganisationFilter(admin.RelatedOnlyFieldListFilter):
    """Organisation filter listing only organisations in the user's scope that have rows."""

    def field_choices(self, field, request, model_admin):
        qs = model_admin.get_queryset(request)
        pk_qs = qs.distinct().values_list(f"{self.field_path}__pk", flat=True)
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": pk_qs}, ordering=("name",))


class ItemStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("published", _("Published")),
            ("pending", _("Draft pending")),
            ("unpublished", _("Never published or withdrawn")),
        ]

    def queryset(self, request, queryset):
        drafts = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.DRAFT)
        if self.value() == "published":
            return queryset.filter(current__isnull=False)
        if self.value() == "pending":
            return queryset.filter(Exists(drafts))
        if self.value() == "unpublished":
            return queryset.filter(current__isnull=True)
        return queryset


class ItemLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [(str(v), label) for v, label in Level.choices]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(organisation__division__level=self.value())
        return queryset


# ---------------------------------------------------------------------------------------------
# Service items
# ---------------------------------------------------------------------------------------------


class VersionInline(admin.TabularInline):
    """The item's versions, read-only, each linking to its own page (drafts are edited there)."""

    model = ItemVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["number", "name", "status", "change_note", "published_at", "retired_at"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogRoleMixin, Scoped404Mixin, admin.ModelAdmin):
    list_display = ["name_display", "item_code", "organisation", "level_display", "status_display", "versions_display"]
    list_display_links = ["name_display", "item_code"]
    list_filter = [ItemStatusFilter, ItemLevelFilter, ("organisation", ScopedOrganisationFilter)]
    search_fields = ["item_code", "catalog_code", "versions__name"]
    list_per_page = 50
    actions = ["start_drafts", "publish_drafts", "retire_items"]
    inlines = [VersionInline]
    change_form_template = "admin/catalog/serviceitem/change_form.html"
    add_fieldsets = [
        (None, {"fields": ["organisation", "catalog_code", "handling_item", "item_code"]}),
        (
            _("First draft"),
            {
                "fields": [
                    "name",
                    "handling_kind",
                    ("statutory_limit", "promised_limit", "limit_unit"),
                    ("online_depth", "visits_required"),
                ],
                "description": _("The rest of the guide is filled in on the draft after the item is created."),
            },
        ),
    ]
    view_fields = ["item_code", "catalog_code", "handling_item", "organisation", "current_display", "created_at"]

    def get_queryset(self, request):
        return with_versions(super().get_queryset(request))

    # Identity is fixed once created; content changes through versions.
    def has_add_permission(self, request):
        return holds(request, ROLE) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return self.view_fields if obj else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.view_fields if obj else []

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else [(None, {"fields": self.view_fields})]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        organisations = scope_of(request, ROLE).order_by("division__code", "name")

        class Form(ItemCreateForm):
            def __init__(self, *args, **kw):
                super().__init__(*args, organisations=organisations, **kw)

        return Form

    # --- list columns ------------------------------------------------------------------------

    @admin.display(description=_("name"))
    def name_display(self, obj: ServiceItem) -> str:
        if obj.current_id:
            return obj.current.name
        versions = list(obj.versions.all())
        return versions[0].name if versions else "—"

    @admin.display(description=_("level"), ordering="organisation__division__level")
    def level_display(self, obj: ServiceItem) -> str:
        return obj.organisation.division.get_level_display()

    @admin.display(description=_("status"))
    def status_display(self, obj: ServiceItem) -> str:
        status, pending = item_state(obj)
        label = {
            VersionStatus.PUBLISHED: gettext("Published"),
            VersionStatus.DRAFT: gettext("Draft, never published"),
            VersionStatus.RETIRED: gettext("Withdrawn"),
        }[status]
        if pending and status != VersionStatus.DRAFT:
            label = gettext("%(status)s · draft pending") % {"status": label}
        return label

    @admin.display(description=_("versions"))
    def versions_display(self, obj: ServiceItem) -> str:
        return format_html_join(
            " ",
            '<a href="{}" class="version-{}">v{} {}</a>',
            (
                (reverse("admin:catalog_itemversion_change", args=[v.pk]), v.status, v.number, v.get_status_display())
                for v in obj.versions.all()
            ),
        )

    @admin.display(description=_("published version"))
    def current_display(self, obj: ServiceItem) -> str:
        if not obj.current_id:
            return gettext("None")
        url = reverse("admin:catalog_itemversion_change", args=[obj.current_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.current))

    # --- creating ------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:  # pragma: no cover - the change form is read-only
            raise PermissionDenied
        data = form.cleaned_data
        try:
            item = services.create_item(
                organisation=data["organisation"],
                catalog_code=data["catalog_code"],
                item_code=data["item_code"],
                handling_item=data.get("handling_item") or "",
                version=form.version_data(),
                actor=request.user,
                channel="admin",
            )
        except ProblemsError as exc:  # a concurrent save took the code; the form checked everything else
            report_problems(request, exc)
            raise _Refused from exc
        obj.pk = item.pk
        obj.created_at = item.created_at
        obj._state.adding = False

    def add_view(self, request, form_url="", extra_context=None):
        # After creating, the editor always continues on the new draft.
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False, "show_save_and_continue": False}
        try:
            return super().add_view(request, form_url, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.path)

    def response_add(self, request, obj, post_url_continue=None):
        draft = obj.versions.filter(status=VersionStatus.DRAFT).first()
        messages.success(
            request,
            gettext("Item %(code)s created. Fill in its guide and publish the draft.") % {"code": obj.item_code},
        )
        if draft is None:  # pragma: no cover - create_item always makes a draft
            return super().response_add(request, obj, post_url_continue)
        return HttpResponseRedirect(reverse("admin:catalog_itemversion_change", args=[draft.pk]))

    # --- start a draft, publish, retire ---------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/start-draft/", wrap(self.start_draft_view), name="catalog_serviceitem_start_draft"),
            path("<path:object_id>/publish/", wrap(self.publish_view), name="catalog_serviceitem_publish"),
            path("<path:object_id>/retire/", wrap(self.retire_view), name="catalog_serviceitem_retire"),
            *super().get_urls(),
        ]

    def _item_for_action(self, request: HttpRequest, object_id: str) -> ServiceItem:
        item = self.get_object(request, unquote(object_id))
        if item is None:
            raise Http404(gettext("Not found."))
        if not holds(request, ROLE):
            raise PermissionDenied
        return item

    def _item_url(self, item: ServiceItem) -> str:
        return reverse("admin:catalog_serviceitem_change", args=[item.pk])

    def start_draft_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._start_draft)(request, object_id)

    def _start_draft(self, request: HttpRequest, object_id: str) -> HttpResponse:
        item = self._item_for_action(request, object_id)
        draft = services.start_draft(item, actor=request.user, channel="admin")
        messages.success(request, gettext("Draft v%(n)s is ready to edit.") % {"n": draft.number})
        return HttpResponseRedirect(reverse("admin:catalog_itemversion_change", args=[draft.pk]))

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._publish)(request, object_id)

    def _publish(self, request: HttpRequest, object_id: str) -> HttpResponse:
        item = self._item_for_action(request, object_id)
        draft = item.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            messages.error(request, gettext("This item has no draft to publish."))
            return HttpResponseRedirect(self._item_url(item))
        try:
            services.publish(draft, actor=request.user, channel="admin")
        except ProblemsError as exc:
            messages.error(request, gettext("Draft v%(n)s was not published:") % {"n": draft.number})
            report_problems(request, exc)
            return HttpResponseRedirect(reverse("admin:catalog_itemversion_change", args=[draft.pk]))
        messages.success(request, gettext("Version v%(n)s is published.") % {"n": draft.number})
        return HttpResponseRedirect(self._item_url(item))

    def retire_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        item = self._item_for_action(request, object_id)
        if request.method == "POST":
            try:
                services.retire(item, actor=request.user, channel="admin", note=request.POST.get("note", "").strip())
            except ProblemsError as exc:
                report_problems(request, exc)
            else:
                messages.success(request, gettext("The item is withdrawn from the catalog."))
            return HttpResponseRedirect(self._item_url(item))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "item": item,
            "title": gettext("Withdraw %(name)s") % {"name": str(item)},
        }
        return render(request, "admin/catalog/serviceitem/retire.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        item = self.get_object(request, unquote(object_id))
        if item is not None:
            draft = next((v for v in item.versions.all() if v.status == VersionStatus.DRAFT), None)
            extra_context.update(
                draft=draft,
                events=[
                    (e, CHANNELS.get(e.channel, e.channel))
                    for e in item.events.select_related("version", "actor").order_by("-at", "-id")[:200]
                ],
                can_act=holds(request, ROLE),
                guide_url=_guide_url(item) if item.current_id else None,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- bulk actions -------------------------------------------------------------------------

    @admin.action(description=_("Start a new draft of the selected items"))
    def start_drafts(self, request, queryset):
        self._require_role(request)
        for item in queryset:
            services.start_draft(item, actor=request.user, channel="admin")
        messages.success(request, gettext("Drafts are ready for %(n)s items.") % {"n": len(queryset)})

    @admin.action(description=_("Publish the drafts of the selected items"))
    def publish_drafts(self, request, queryset):
        self._require_role(request)
        done = 0
        for item in queryset:
            draft = next((v for v in item.versions.all() if v.status == VersionStatus.DRAFT), None)
            if draft is None:
                messages.warning(request, gettext("%(code)s has no draft to publish.") % {"code": item.item_code})
                continue
            try:
                services.publish(draft, actor=request.user, channel="admin")
                done += 1
            except ProblemsError as exc:
                report_problems(request, exc, prefix=f"{item.item_code} · ")
        if done:
            messages.success(request, gettext("%(n)s drafts published.") % {"n": done})

    @admin.action(description=_("Withdraw the selected items from the catalog"))
    def retire_items(self, request, queryset):
        self._require_role(request)
        done = 0
        for item in queryset:
            try:
                services.retire(item, actor=request.user, channel="admin")
                done += 1
            except ProblemsError as exc:
                report_problems(request, exc, prefix=f"{item.item_code} · ")
        if done:
            messages.success(request, gettext("%(n)s items withdrawn.") % {"n": done})

    def _require_role(self, request):
        if not holds(request, ROLE):
            raise PermissionDenied


class _Refused(Exception):
    """Raised inside the admin's atomic add view so nothing of a refused item is written."""


def _guide_url(item: ServiceItem) -> str | None:
    try:
        return reverse("catalog:guide", args=[item.item_code])
    except NoReverseMatch:  # pragma: no cover - the guide pages are always mounted
        return None


# ---------------------------------------------------------------------------------------------
# Versions: drafts are edited here, everything else is read-only
# ---------------------------------------------------------------------------------------------


class VersionPartInline:
    """Materials and steps: editable on a draft in scope, read-only on any other version."""

    extra = 0

    def _editable(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.is_editable
            and holds(request, ROLE)
            and in_scope(request, ROLE, obj.item.organisation_id)
        )

    def has_view_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


class MaterialInline(VersionPartInline, admin.StackedInline):
    """Stacked: a material has a dozen elements, too many for one table row on a laptop."""

    model = Material
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("order", "name"),
                    ("source", "license_type_code", "data_resource_code"),
                    ("form", "copies", "requirement"),
                    "condition",
                    "notes",
                    ("blank_form", "sample"),
                ]
            },
        )
    ]


class StepInline(VersionPartInline, admin.TabularInline):
    model = ProcessStep
    fields = ["order", "kind", "name", "days", "description", "countersign_org"]
    autocomplete_fields = ["countersign_org"]
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 14})},
        models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"style": "width: 4em"})},
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("countersign_org")


class VersionLevelFilter(admin.SimpleListFilter):
    title = _("exercise level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [(str(v), label) for v, label in Level.choices]

    def queryset(self, request, queryset):
        return queryset.filter(level=self.value()) if self.value() else queryset


@admin.register(ItemVersion)
class ItemVersionAdmin(CatalogRoleMixin, Scoped404Mixin, admin.ModelAdmin):
    org_path = "item__organisation"
    form = DraftForm
    inlines = [MaterialInline, StepInline]
    list_display = ["name", "item_code", "number", "status", "organisation", "published_at"]
    list_filter = ["status", VersionLevelFilter, ("item__organisation", ScopedOrganisationFilter)]
    search_fields = ["name", "item__item_code", "item__catalog_code"]
    list_select_related = ["item__organisation"]
    list_per_page = 50
    actions = ["publish_selected"]
    change_form_template = "admin/catalog/itemversion/change_form.html"
    fieldsets = [
        (None, {"fields": ["name", "aliases", ("item_type", "level"), "competent_department", "themes"]}),
        (
            _("Legal basis and who it serves"),
            {"fields": ["legal_basis", ("for_persons", "for_enterprises"), "acceptance_conditions"]},
        ),
        (
            _("Time limits and handling"),
            {
                "fields": [
                    ("statutory_limit", "statutory_unit"),
                    ("promised_limit", "promised_unit"),
                    "handling_kind",
                    ("online_depth", "visits_required"),
                    "min_identity_level",
                ]
            },
        ),
        (
            _("Application form"),
            {
                "fields": ["form_fields"],
                "description": _(
                    "A JSON list of fields: name, label, type (text, textarea, number, date, choice, multichoice, "
                    "checkbox, phone, id_number, credit_code, email), required, choices, show_if, prefill. Empty: "
                    "contact phone, address and a description. See docs/application-forms.md."
                ),
            },
        ),
        (_("Fees"), {"fields": ["fee_required", "fees"]}),
        (_("Where and when"), {"fields": ["place", "hours", ("phone", "complaint_phone")]}),
        (
            _("Result"),
            {
                "fields": [("result_type", "result_name"), "result_license_type", "result_fields", "result_sample"],
                "description": _(
                    "Result license fields: a JSON object {license field: source}; sources are form:<field>, "
                    "applicant:name|number|credit_code|legal_rep|address|phone, case:number|item|issuer, "
                    "date:issued, date:expires, const:<text> and number (the type's numbering rule). Fields left "
                    "out are matched by name. Publishing checks that every required field has a source. See "
                    "docs/licenses.md."
                ),
            },
        ),
        (_("This version"), {"fields": ["change_note"]}),
    ]

    def _org_id(self, obj) -> int | None:
        return obj.item.organisation_id

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item__organisation__division")

    def has_add_permission(self, request):
        return False  # drafts are started from their item

    def has_delete_permission(self, request, obj=None):
        return False  # versions are history; retire instead

    def has_change_permission(self, request, obj=None):
        if not holds(request, ROLE):
            return False
        return obj is None or (obj.is_editable and in_scope(request, ROLE, obj.item.organisation_id))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A draft may be saved half-finished; publishing checks completeness field by field.
        for name, field in form.base_fields.items():
            if name in ("name",):
                continue
            if field.__class__.__name__ in ("CharField", "FileField", "LinesField", "FeesField"):
                field.required = False
        return form

    @admin.display(description=_("implementation code"), ordering="item__item_code")
    def item_code(self, obj: ItemVersion) -> str:
        return obj.item.item_code

    @admin.display(description=_("implementing body"))
    def organisation(self, obj: ItemVersion) -> str:
        return obj.item.organisation.name

    # --- saving a draft through the service ------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Nothing here: save_related writes the whole draft at once through services.update_draft."""

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        version: dict[str, Any] = {k: data[k] for k in services.VERSION_FIELDS if k in data}
        if "result_sample" in data:
            version["result_sample"] = data["result_sample"] or ""
        materials = steps = None
        for formset in formsets:
            if formset.model is Material:
                materials = _rows(formset, services.MATERIAL_FIELDS, files=services.MATERIAL_FILES)
            elif formset.model is ProcessStep:
                steps = _rows(formset, [f for f in services.STEP_FIELDS if f != "countersign_org_id"])
                for row, src in zip(steps, _kept_forms(formset), strict=True):
                    org = src.cleaned_data.get("countersign_org")
                    row["countersign_org_id"] = org.pk if org else None
        try:
            services.update_draft(
                form.instance,
                version=version,
                materials=materials,
                steps=steps,
                themes=list(data["themes"]) if "themes" in data else None,
                actor=request.user,
                channel="admin",
            )
        except ProblemsError as exc:
            report_problems(request, exc)
            request._draft_refused = True

    def construct_change_message(self, request, form, formsets, add=False):
        # The inline formsets are never saved themselves (update_draft rewrites the parts).
        return super().construct_change_message(request, form, None, add)

    def response_change(self, request, obj):
        here = reverse("admin:catalog_itemversion_change", args=[obj.pk])
        if getattr(request, "_draft_refused", False):
            return HttpResponseRedirect(here)
        if "_publish" in request.POST:
            try:
                services.publish(obj, actor=request.user, channel="admin")
            except ProblemsError as exc:
                messages.warning(request, gettext("The draft is saved but not published:"))
                report_problems(request, exc)
                return HttpResponseRedirect(here)
            messages.success(request, gettext("Version v%(n)s is published.") % {"n": obj.number})
            return HttpResponseRedirect(reverse("admin:catalog_serviceitem_change", args=[obj.item_id]))
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        version = self.get_object(request, unquote(object_id))
        if version is not None:
            extra_context.update(
                version=version,
                item_url=reverse("admin:catalog_serviceitem_change", args=[version.item_id]),
                can_publish=self.has_change_permission(request, version),
                can_start_draft=not version.is_editable and holds(request, ROLE),
                guide_url=_guide_url(version.item) if version.item.current_id else None,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Publish the selected drafts"))
    def publish_selected(self, request, queryset):
        if not holds(request, ROLE):
            raise PermissionDenied
        done = 0
        for version in queryset.select_related("item"):
            if version.status != VersionStatus.DRAFT:
                messages.warning(request, gettext("%(version)s is not a draft.") % {"version": str(version)})
                continue
            try:
                services.publish(version, actor=request.user, channel="admin")
                done += 1
            except ProblemsError as exc:
                report_problems(request, exc, prefix=f"{version.item.item_code} · ")
        if done:
            messages.success(request, gettext("%(n)s drafts published.") % {"n": done})


def _kept_forms(formset) -> list:
    """Inline forms that stay: filled in, not marked for deletion, in their order on the page."""
    kept = []
    for f in formset.forms:
        cd = getattr(f, "cleaned_data", None)
        if not cd or cd.get("DELETE"):
            continue
        if f.instance.pk is None and not f.has_changed():
            continue
        kept.append(f)
    return kept


def _rows(formset, fields: list[str], files: list[str] = ()) -> list[dict[str, Any]]:
    rows = []
    for f in _kept_forms(formset):
        cd = f.cleaned_data
        row = {k: cd[k] for k in fields if k in cd}
        for k in files:
            value = cd.get(k)
            row[k] = value or ""
        if row.get("order") is None:
            row["order"] = 0
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# History and themes
# ---------------------------------------------------------------------------------------------


@admin.register(CatalogEvent)
class CatalogEventAdmin(CatalogRoleMixin, Scoped404Mixin, admin.ModelAdmin):
    """The catalog's append-only history, read-only."""

    org_path = "item__organisation"
    list_display = ["at", "item", "action", "version", "actor", "channel", "note"]
    list_filter = ["action", "channel"]
    search_fields = ["item__item_code", "note", "actor__username"]
    list_select_related = ["item__current", "version", "actor"]
    date_hierarchy = "at"

    def _org_id(self, obj) -> int | None:
        return obj.item.organisation_id

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(RoleAdmin):
    """Life events and business stages are city-wide: catalog administrators read, sysadmins edit."""

    view_roles = (ROLE,)
    list_display = ["name", "code", "audience", "order"]
    list_filter = ["audience"]
    list_editable = ["order"]
    search_fields = ["name", "code"]
