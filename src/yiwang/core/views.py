from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .errors import both_languages


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Load balancers call this; it answers only when the database answers (503 while it does not)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers and pages without <link rel=icon> (the admin) ask for /favicon.ico: send them to the static icon."""
    return HttpResponsePermanentRedirect(static("yiwang/favicon.ico"))


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (a restart, a failover, a locked SQLite file):
    the request did nothing lasting, and the same request a moment later will most likely work."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON in the API's one error shape under /api/, a standalone page elsewhere."""
    retry_after = str(int(getattr(settings, "UNAVAILABLE_RETRY_AFTER", 5)))
    if request.path.startswith("/api/"):
        message = _("The service is busy for a moment: nothing was done. Send the same request again shortly.")
        body = {"detail": [{"field": "__all__", "code": "unavailable", **both_languages(message)}]}
        response: HttpResponse = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = retry_after
    return response
