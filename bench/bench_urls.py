"""The product's URLs plus /bench/write-one/: the cost of a bare Django endpoint that writes one row (the ceiling)."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from yiwang.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the product's error views
from yiwang.urls import urlpatterns as product


@csrf_exempt
@require_POST
def write_one(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_row (created_at, payload) VALUES (%s, %s)", [timezone.now(), request.body[:200]])
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bench/write-one/", write_one), *product]
