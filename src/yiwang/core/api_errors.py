"""The API's one error shape, whoever answers: `{"detail": [{"field", "code", "message", "message_en", …}]}`.

Most refusals come from the API's own exception handlers (yiwang.api). Some answers never reach them: the URL
resolver's 404 for `/api/v1/orgs/organisations/abc` (the path converter refuses the id before django-ninja
sees it), django-ninja's bare 405, Django's 400 for a body it cannot read, and a 500 from an unexpected error.
`ApiErrorShapeMiddleware` rewrites any such answer under /api/ into the shape, keeping its status and headers
(Allow, Retry-After), so a client needs one parser for every error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from .errors import both_languages

API_PREFIX = "/api/"

# Status → (code, message) for answers that carry no problems of their own.
BY_STATUS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _("The request cannot be understood.")),
    401: ("unauthenticated", _("Sign in first.")),
    403: ("forbidden", _("You may not do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    406: ("not_acceptable", _("This answer is only available as JSON.")),
    413: ("too_large", _("The request is too large.")),
    415: ("unsupported_media_type", _("Send the body as JSON (or as a form where the endpoint takes files).")),
    422: ("invalid", _("The request is not valid.")),
    429: ("rate_limited", _("Too many requests from this client; try again shortly.")),
    500: ("server_error", _("Something went wrong on our side; the error has been logged. Please try again later.")),
}


def problem(code: str, message: Any, field: str = "__all__", params: dict[str, Any] | None = None) -> dict[str, Any]:
    """One problem in the shape, its message in Chinese and English."""
    return {"field": field, "code": code, **both_languages(message, params)}


def status_problem(status: int) -> dict[str, Any]:
    """The problem an answer with this status stands for when it carries none of its own."""
    code, message = BY_STATUS.get(status) or BY_STATUS[500 if status >= 500 else 400]
    return problem(code, message)


def is_error_shape(payload: Any) -> bool:
    """True for `{"detail": [ {field, code, message, message_en, …}, … ]}` with at least one problem."""
    if not isinstance(payload, dict) or not isinstance(payload.get("detail"), list) or not payload["detail"]:
        return False
    keys = {"field", "code", "message", "message_en"}
    return all(
        isinstance(p, dict) and keys <= p.keys() and all(isinstance(p[k], str) for k in keys) for p in payload["detail"]
    )


def _shaped(response: HttpResponse) -> bool:
    if response.get("Content-Type", "").split(";")[0].strip() != "application/json":
        return False
    try:
        return is_error_shape(json.loads(response.content))
    except ValueError:
        return False


class ApiErrorShapeMiddleware:
    """Puts every error answer under /api/ into the one shape (keeping status and headers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or getattr(response, "streaming", False)
            or _shaped(response)
        ):
            return response
        response.content = json.dumps({"detail": [status_problem(response.status_code)]}, ensure_ascii=False)
        response["Content-Type"] = "application/json; charset=utf-8"
        if "Content-Disposition" in response:
            del response["Content-Disposition"]
        if "Content-Length" in response:
            response["Content-Length"] = str(len(response.content))
        return response


def _json(status: int) -> HttpResponse:
    body = json.dumps({"detail": [status_problem(status)]}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


# Django's error views (urls.handler400 … handler500): JSON under /api/, the friendly pages elsewhere. An API
# error never renders an HTML page only to throw it away (nor fails when a page cannot be rendered).
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _json(400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _json(403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _json(404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """A database that is away answers 503 with Retry-After (core.views.unavailable: retryable, nothing was done);
    anything else 500."""
    from .views import database_unavailable, unavailable

    if database_unavailable(sys.exc_info()[1]):
        return unavailable(request)
    if request.path.startswith(API_PREFIX):
        return _json(500)
    return defaults.server_error(request)
