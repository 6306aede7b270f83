"""Staff workbench for the catalog: the items in the user's scope, their state, and ways into the editor."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from yiwang.orgs.admin import holds, limit_to_scope
from yiwang.orgs.models import Role

from ..admin import item_state, with_versions
from ..models import ItemVersion, ServiceItem, VersionStatus

ROLE = Role.CATALOG_ADMIN
PAGE_SIZE = 50
STATUSES = ("published", "pending", "unpublished")


@require_GET
@staff_member_required
def workbench(request: HttpRequest) -> HttpResponse:
    """Lists the items a catalog administrator may edit, with counts; a constant number of queries."""
    has_role = holds(request, ROLE)
    items = ServiceItem.objects.none()
    if has_role:
        items = limit_to_scope(request, ServiceItem.objects.all(), ROLE, "organisation")
    drafts = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.DRAFT)
    counts = items.aggregate(
        total=Count("pk"),
        published=Count("pk", filter=Q(current__isnull=False)),
        unpublished=Count("pk", filter=Q(current__isnull=True)),
    )
    counts["pending"] = items.filter(Exists(drafts)).count() if has_role else 0

    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    shown = items
    if q:
        named = ItemVersion.objects.filter(item=OuterRef("pk"), name__icontains=q)
        shown = shown.filter(Q(item_code__icontains=q) | Q(catalog_code__icontains=q) | Exists(named))
    if status == "published":
        shown = shown.filter(current__isnull=False)
    elif status == "pending":
        shown = shown.filter(Exists(drafts))
    elif status == "unpublished":
        shown = shown.filter(current__isnull=True)
    else:
        status = ""
    page = Paginator(with_versions(shown).order_by("organisation__name", "item_code"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for item in page.object_list:
        state, pending = item_state(item)
        versions = list(item.versions.all())
        rows.append(
            {
                "item": item,
                "name": item.current.name if item.current_id else (versions[0].name if versions else item.item_code),
                "state": state,
                "pending": pending,
                "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
                "versions": len(versions),
            }
        )
    context = {
        "has_role": has_role,
        "counts": counts,
        "page": page,
        "rows": rows,
        "q": q,
        "status": status,
        "statuses": STATUSES,
        "import_url": "/workbench/catalog/import/",
        "export_url": "/workbench/catalog/export/",
    }
    return render(request, "catalog/editor/workbench.html", context)


urlpatterns = [path("workbench/catalog/", workbench, name="workbench")]
