"""Workbench pages to import a catalog file (with a full problem report) and to export the catalog.

A large file is imported by the worker: the page stores it, queues the job and shows the job's page, which
follows its progress (reloading itself every few seconds while it runs) and then shows its counts or problems.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from yiwang.core.errors import ProblemsError
from yiwang.core.errors import render as render_message
from yiwang.orgs.models import Division, Organisation, Role
from yiwang.orgs.scope import has_role

from ..api_io import ExportNotReady, export_filters, export_response
from ..io import import_catalog
from ..io.formats import FEES, ITEMS, MATERIALS, STEPS
from ..io.jobs import runs_in_background, start_job, visible_jobs
from ..models import ImportJob

# A page lists this many problems; the API and `yiwang import_catalog` always list every one.
PAGE_PROBLEMS = 2000


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalog file"),
        help_text=_("An Excel workbook (.xlsx) with the sheets 事项, 材料 and 流程 (and 收费 if any), or a JSON file."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, write nothing"),
        required=False,
        help_text=_("Every problem is listed either way; a file with problems is never written."),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File format"),
        choices=[("xlsx", _("Excel workbook (.xlsx)")), ("json", _("JSON"))],
        initial="xlsx",
        widget=forms.RadioSelect,
    )
    organisation = forms.CharField(
        label=_("Implementing body"),
        required=False,
        max_length=18,
        help_text=_("Unified social credit code; leave empty for every organisation."),
    )
    division = forms.ChoiceField(label=_("Division"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        divisions = Division.objects.filter(level__lte=4).order_by("code").only("code", "name", "level")
        self.fields["division"].choices = [("", _("All divisions"))] + [
            (d.code, ("\u3000" * max(d.level - 2, 0)) + d.name) for d in divisions
        ]


def _require_catalog_admin(request: HttpRequest) -> None:
    if not has_role(request.user, Role.CATALOG_ADMIN):
        raise PermissionDenied(_("Only catalog administrators may import or export the catalog here."))


def _problem_rows(exc: ProblemsError) -> list[dict]:
    rows = []
    for p in exc.problems[:PAGE_PROBLEMS]:
        rows.append(
            {
                "sheet": p.sheet or "",
                "row": p.row,
                "column": p.column or "",
                "letter": p.extra.get("column_letter", ""),
                "item_code": p.extra.get("item_code", ""),
                "message": render_message(p.message, p.params),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@staff_member_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload form; the answer is the counts of a good file or a table of every problem of a bad one."""
    _require_catalog_admin(request)
    context: dict = {
        "sheets": [ITEMS, MATERIALS, STEPS, FEES],
        "export_url": reverse("catalog:export"),
        "sync_max": settings.CATALOG_IMPORT_SYNC_MAX_BYTES,
    }
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            size = runs_in_background(upload)
            if size is not None:
                job = start_job(
                    upload,
                    filename=upload.name,
                    size=size,
                    user=request.user,
                    channel="import",
                    dry_run=form.cleaned_data["dry_run"],
                )
                return redirect("catalog:import_job", job_id=job.pk)
            try:
                result = import_catalog(
                    upload, user=request.user, channel="import", dry_run=form.cleaned_data["dry_run"]
                )
            except ProblemsError as exc:
                status = 400
                context.update(
                    problems=_problem_rows(exc),
                    problem_count=len(exc.problems),
                    truncated=len(exc.problems) > PAGE_PROBLEMS,
                    filename=upload.name,
                )
            else:
                context.update(result=result, filename=upload.name)
                form = ImportForm()
    else:
        form = ImportForm()
    context["form"] = form
    context["jobs"] = visible_jobs(user=request.user)[:5]
    return render(request, "catalog/io/import.html", context, status=status)


@require_http_methods(["GET"])
@staff_member_required
def import_job_view(request: HttpRequest, job_id) -> HttpResponse:
    """One background import as its starter sees it: progress while it runs, then its counts or its problems."""
    _require_catalog_admin(request)
    job = visible_jobs(user=request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    english = (get_language() or "").startswith("en")
    problems = [
        {
            "sheet": p.get("sheet") or "",
            "row": p.get("row"),
            "column": p.get("column") or "",
            "letter": p.get("column_letter", ""),
            "item_code": p.get("item_code", ""),
            "message": p.get("message_en" if english else "message", ""),
        }
        for p in job.problems[:PAGE_PROBLEMS]
    ]
    context = {
        "job": job,
        "result": job.result,
        "problems": problems,
        "problem_count": job.problem_count,
        "truncated": job.problem_count > len(problems),
        "refresh": not job.finished,
        "states": ImportJob.State,
    }
    return render(request, "catalog/io/job.html", context)


@require_http_methods(["GET"])
@staff_member_required
def export_view(request: HttpRequest) -> HttpResponse:
    """The export form; submitting it downloads the file."""
    _require_catalog_admin(request)
    status = 400
    if "format" in request.GET:
        form = ExportForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            try:
                org, div = export_filters(data["organisation"], data["division"])
            except ProblemsError as exc:
                for p in exc.problems:
                    form.add_error(p.field, render_message(p.message, p.params))
            else:
                try:
                    return export_response(request, data["format"], org, div)
                except ExportNotReady:
                    form.add_error(None, _("The export is being prepared; try again in a minute."))
                    status = 503
    else:
        form = ExportForm()
    organisations = Organisation.objects.filter(items__current__isnull=False).distinct().order_by("name")
    context = {"form": form, "organisations": organisations.values("credit_code", "name")[:3000]}
    return render(request, "catalog/io/export.html", context, status=status if form.errors else 200)


urlpatterns = [
    path("workbench/catalog/import/", import_view, name="import"),
    path("workbench/catalog/export/", export_view, name="export"),
    path("workbench/catalog/imports/<uuid:job_id>/", import_job_view, name="import_job"),
]
