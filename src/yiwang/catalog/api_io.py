"""Catalog import and export over the API (mounted at /api/v1/catalog/).

Import is for catalog administrators (session sign-in) and for machine clients with the
catalog:write scope (their own organisation and its children); export of published items is
public information, so anyone may download it.
"""

from __future__ import annotations

import tempfile

from django.db.models import Q
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.security import django_auth

from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.api_security import client_actor, require_scope
from yiwang.orgs.models import Division, Organisation

from .io import import_catalog, iter_json, published_versions, write_xlsx

router = Router(tags=["catalog import/export"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportOut(Schema):
    format: str
    items: int
    created: int
    new_versions: int
    unchanged: int
    dry_run: bool
    open_drafts: list[str]


class ProblemOut(Schema):
    field: str
    code: str
    message: str
    message_en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None


class ProblemsOut(Schema):
    detail: list[ProblemOut]


@router.post(
    "/import",
    auth=[require_scope("catalog:write"), django_auth],
    response={200: ImportOut, 400: ProblemsOut},
    summary="Import a catalog file (xlsx or JSON)",
)
def import_file(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Validates the whole file first; any problem refuses it with every problem by sheet, row and column.

    A good file is written in one transaction: new items get version 1, items whose implementation
    code exists get a new published version (the old one is retired), unchanged items are left
    alone. With `dry_run` nothing is written and the counts say what would happen.
    """
    client = client_actor(request)
    if client is not None:
        # A client imports for its own organisation and that organisation's children only.
        org = client.client_org_id
        reach = Organisation.objects.filter(Q(pk=org) | Q(parent_id=org))
        result = import_catalog(file, user=None, organisations=reach, channel="api", dry_run=dry_run)
        return result.as_dict()
    result = import_catalog(file, user=request.user, channel="api", dry_run=dry_run)
    return result.as_dict()


def export_filters(organisation: str | None, division: str | None) -> tuple[Organisation | None, Division | None]:
    """Resolves the export filters (a credit code, a division code), refusing unknown ones."""
    problems = []
    org = div = None
    if organisation:
        org = Organisation.objects.filter(credit_code=organisation.strip().upper()).first()
        if org is None:
            problems.append(Problem("organisation", _("No organisation with this credit code."), code="unknown"))
    if division:
        div = Division.objects.filter(code=division.strip()).first()
        if div is None:
            problems.append(Problem("division", _("No division with this code."), code="unknown"))
    if problems:
        raise ProblemsError(problems)
    return org, div


def export_response(fmt: str, org: Organisation | None, div: Division | None):
    """The export as a download: JSON streamed item by item, xlsx written to a temporary file first."""
    versions = published_versions(org, div)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "json":
        response = StreamingHttpResponse(iter_json(versions), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="catalog-{stamp}.json"'
        return response
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(versions, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"catalog-{stamp}.xlsx", content_type=XLSX_TYPE)


@router.get("/export", auth=None, summary="Export the published catalog (xlsx or JSON)")
def export_file(request: HttpRequest, format: str = "json", organisation: str = "", division: str = ""):
    """Downloads the current published version of every item, optionally of one organisation
    (credit code) or one division and everything below it (division code)."""
    if format not in ("json", "xlsx"):
        raise ProblemsError([Problem("format", _("Choose xlsx or json."), code="invalid_choice")])
    org, div = export_filters(organisation, division)
    return export_response(format, org, div)
