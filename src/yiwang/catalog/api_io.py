"""Catalog import and export over the API (mounted at /api/v1/catalog/).

Import is for catalog administrators (session sign-in) and for machine clients with the
catalog:write scope (their own organisation and its children); a large file is imported by the
worker (202 with the job; `GET /imports/{id}` follows it). Export of published items is public
information, so anyone may download it: it is served from a file the worker keeps up to date, with
ETag and Last-Modified, and callers without a session are rate-limited.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem, ProblemsError, both_languages
from yiwang.identity.api_security import RateLimited, client_actor, require_scope
from yiwang.orgs.models import Division, Organisation

from .io import import_catalog
from .io.exports import export_for
from .io.jobs import job_dict, runs_in_background, start_job, visible_jobs

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


class CatalogImportJobOut(Schema):
    """A background import: its state, how far it is, and once finished its counts or its problems."""

    id: uuid.UUID
    state: str  # queued, running, done, refused, failed
    state_label: str
    phase: str  # reading, checking, writing ("" before it starts)
    done: int
    total: int
    percent: int
    filename: str
    dry_run: bool
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    result: ImportOut | None = None
    problems: list[ProblemOut]
    problem_count: int
    error: str


IMPORT_AUTH = [require_scope("catalog:write"), django_auth]


@router.post(
    "/import",
    auth=IMPORT_AUTH,
    response={200: ImportOut, 202: CatalogImportJobOut, 400: ProblemsOut},
    summary="Import a catalog file (xlsx or JSON)",
)
def import_file(request: HttpRequest, response: HttpResponse, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Validates the whole file first; any problem refuses it with every problem by sheet, row and column.

    A good file is written in batches (of `CATALOG_IMPORT_BATCH_ITEMS` items): new items get version 1, items
    whose implementation code exists get a new published version (the old one is retired), unchanged items are
    left alone. With `dry_run` nothing is written and the counts say what would happen.

    A file that reads to more than `CATALOG_IMPORT_SYNC_MAX_BYTES` (an xlsx workbook's unpacked size, a JSON
    file's size) is imported by the worker: the answer is 202 with the job, whose address is in `Location`
    (`GET /api/v1/catalog/imports/{id}`). Files over the caps of docs/catalog-file-format.md are refused at
    once (400, code `too_large`).
    """
    client = client_actor(request)
    size = runs_in_background(file)
    if size is not None:
        job = start_job(
            file,
            filename=file.name or "",
            size=size,
            user=None if client is not None else request.user,
            client_id=client.client_id if client is not None else None,
            channel="api",
            dry_run=dry_run,
        )
        response["Location"] = reverse("api-v1:catalog_import_job", kwargs={"job_id": job.pk})
        return Status(202, job_dict(job))
    if client is not None:
        # A client imports for its own organisation and that organisation's children only.
        org = client.client_org_id
        reach = Organisation.objects.filter(Q(pk=org) | Q(parent_id=org))
        result = import_catalog(file, user=None, organisations=reach, channel="api", dry_run=dry_run)
        return result.as_dict()
    result = import_catalog(file, user=request.user, channel="api", dry_run=dry_run)
    return result.as_dict()


@router.get(
    "/imports/{job_id}",
    auth=IMPORT_AUTH,
    response={200: CatalogImportJobOut, 404: ProblemsOut},
    url_name="catalog_import_job",
    summary="A background catalog import: state, progress, result or problems",
)
def import_job(request: HttpRequest, job_id: uuid.UUID):
    """The job as its starter sees it (a person sees their own jobs, a machine client its own); others get 404."""
    client = client_actor(request)
    jobs = visible_jobs(
        user=None if client is not None else request.user, client_id=client.client_id if client else None
    )
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job_dict(job)


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


class ExportNotReady(Exception):
    """The export is being written by the worker for the first time; come back shortly."""

    retry_after = 30


def export_response(request: HttpRequest, fmt: str, org: Organisation | None, div: Division | None) -> HttpResponse:
    """The export as a download from its file, or 304 when the caller has it (ETag, Last-Modified)."""
    row = export_for(fmt, org, div)
    if row is None:
        raise ExportNotReady
    last_modified = int(row.written_at.timestamp())
    headers = {"ETag": row.etag, "Last-Modified": http_date(last_modified), "Cache-Control": "public, max-age=60"}
    not_modified = get_conditional_response(request, etag=row.etag, last_modified=last_modified)
    if not_modified is not None:
        for name, value in headers.items():
            not_modified[name] = value
        return not_modified
    stamp = timezone.localtime(row.written_at).strftime("%Y%m%d-%H%M")
    content_type = XLSX_TYPE if fmt == "xlsx" else "application/json; charset=utf-8"
    response = FileResponse(
        row.file.open("rb"), as_attachment=True, filename=f"catalog-{stamp}.{fmt}", content_type=content_type
    )
    for name, value in headers.items():
        response[name] = value
    return response


def _anonymous_limited(request: HttpRequest) -> int | None:
    """Seconds to wait when a caller without a session is over CATALOG_EXPORT_ANON_RATE; None when within it."""
    if request.user.is_authenticated:
        return None
    usage = get_usage(
        request, group="catalog.export", key=ratelimit_key, rate=settings.CATALOG_EXPORT_ANON_RATE, increment=True
    )
    if usage is not None and usage["should_limit"]:
        return max(1, math.ceil(usage["time_left"]))
    return None


EXPORT_RESPONSES = {
    200: {
        "description": "The export file",
        "content": {
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}},
        },
    },
    304: {"description": "Not modified: the caller's copy (If-None-Match / If-Modified-Since) is current"},
}


@router.get(
    "/export",
    auth=None,
    response={400: ProblemsOut, 429: ProblemsOut, 503: ProblemsOut},
    openapi_extra={"responses": EXPORT_RESPONSES},
    summary="Export the published catalog (xlsx or JSON)",
)
def export_file(request: HttpRequest, format: str = "json", organisation: str = "", division: str = ""):
    """Downloads the current published version of every item, optionally of one organisation
    (credit code) or one division and everything below it (division code).

    Served from a file the worker writes again whenever the catalog changes, with `ETag` and `Last-Modified`
    (a conditional request gets 304). Callers without a session are limited to `CATALOG_EXPORT_ANON_RATE`
    (429 with `Retry-After`). A large export asked for the first time answers 503 with `Retry-After` while the
    worker writes it."""
    wait = _anonymous_limited(request)
    if wait is not None:
        raise RateLimited(wait)
    if format not in ("json", "xlsx"):
        raise ProblemsError([Problem("format", _("Choose xlsx or json."), code="invalid_choice")])
    org, div = export_filters(organisation, division)
    try:
        return export_response(request, format, org, div)
    except ExportNotReady:
        problem = {"field": "__all__", "code": "not_ready", **both_languages(NOT_READY)}
        response = JsonResponse({"detail": [problem]}, status=503)
        response["Retry-After"] = str(ExportNotReady.retry_after)
        return response


NOT_READY = _("The export is being prepared; try again in a minute.")
