"""Service guide pages (办事指南): desktop, phone, print view, PDF and the QR code to the phone page.

Every view resolves the version the same way (guides.find_guide): the published version by
default, `?version=N` for an older published or retired one, drafts only for staff in scope.
Anything else is a friendly Chinese page with status 404 (unknown) or 410 (withdrawn).
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.core import pdfcache

from .. import guides
from ..models import ServiceItem, VersionStatus

TEMPLATES = {
    "desktop": "catalog/guide/desktop.html",
    "mobile": "catalog/guide/mobile.html",
    "print": "catalog/guide/print.html",
}


def _not_found(request: HttpRequest, lookup: guides.GuideLookup, item_code: str) -> HttpResponse:
    """404 for unknown items, drafts and bad versions; 410 with an explanation for withdrawn items."""
    withdrawn = lookup.outcome == guides.WITHDRAWN
    context = {
        "item_code": item_code,
        "lookup": lookup,
        "withdrawn": withdrawn,
        "withdrawn_version": lookup.version if withdrawn else None,
        "draft_number": lookup.draft_number,
    }
    return render(request, "catalog/guide/not_found.html", context, status=410 if withdrawn else 404)


def _guide_page(request: HttpRequest, item_code: str, variant: str) -> HttpResponse:
    lookup = guides.find_guide(item_code, request.GET.get("version"), request.user)
    if lookup.outcome != guides.FOUND:
        return _not_found(request, lookup, item_code)
    context = guides.guide_context(lookup, history=variant == "desktop")
    context["page_name"] = "catalog:guide_mobile" if variant == "mobile" else "catalog:guide"
    if variant == "print":
        context["qr_data_uri"] = guides.qr_data_uri(item_code)
    response = render(request, TEMPLATES[variant], context)
    if lookup.version.status == VersionStatus.DRAFT:
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def guide(request: HttpRequest, item_code: str) -> HttpResponse:
    """Desktop guide: every standard element of the version, with QR, print and PDF links."""
    return _guide_page(request, item_code, "desktop")


@require_GET
def guide_mobile(request: HttpRequest, item_code: str) -> HttpResponse:
    """Phone guide: key facts first, then collapsible sections; where the QR code leads."""
    return _guide_page(request, item_code, "mobile")


@require_GET
def guide_print(request: HttpRequest, item_code: str) -> HttpResponse:
    """A4 print view without navigation, with the QR code to the phone guide."""
    return _guide_page(request, item_code, "print")


@require_GET
def guide_pdf(request: HttpRequest, item_code: str) -> HttpResponse:
    """The print view as PDF: a published version's PDF is rendered once and served from storage afterwards
    (core.pdfcache, keyed by the HTML, so any change renders anew); a draft is rendered per request, never kept."""
    lookup = guides.find_guide(item_code, request.GET.get("version"), request.user)
    if lookup.outcome != guides.FOUND:
        return _not_found(request, lookup, item_code)
    context = guides.guide_context(lookup, history=False)
    context["qr_data_uri"] = guides.qr_data_uri(item_code)
    context["for_pdf"] = True
    html = render_to_string(TEMPLATES["print"], context, request=request)
    if lookup.version.status == VersionStatus.DRAFT:
        pdf = guides.render_pdf(html)
    else:
        pdf = pdfcache.cached_pdf(
            default_storage, f"guides/pdf/{item_code}", html, guides.render_pdf, salt=guides.pdf_css_fingerprint()
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = guides.pdf_disposition(lookup.version)
    if lookup.version.status == VersionStatus.DRAFT:
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def guide_qr(request: HttpRequest, item_code: str) -> HttpResponse:
    """SVG QR code that leads to the phone guide; only for items that have been published."""
    exists = ServiceItem.objects.filter(
        item_code=item_code, versions__status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED]
    ).exists()
    if not exists:
        lookup = guides.GuideLookup(guides.MISSING)
        return _not_found(request, lookup, item_code)
    svg = guides.qr_svg(item_code, title=_("QR code: open this guide on a phone"))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("items/<str:item_code>/", guide, name="guide"),
    path("items/<str:item_code>/print/", guide_print, name="guide_print"),
    path("items/<str:item_code>/guide.pdf", guide_pdf, name="guide_pdf"),
    path("items/<str:item_code>/qr.svg", guide_qr, name="guide_qr"),
    path("m/items/<str:item_code>/", guide_mobile, name="guide_mobile"),
]
