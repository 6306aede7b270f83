"""The REST API under /api/v1/: one NinjaAPI, a router per module, one error shape."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from yiwang.core.api_errors import BY_STATUS, problem
from yiwang.core.errors import ProblemsError, both_languages
from yiwang.core.text import InvalidText, querydict_problems, text_problems
from yiwang.identity.api_security import RateLimited


class UnreadableBody(ValueError):
    """The body is not JSON (or holds NaN/Infinity, which JSON does not have)."""


def _no_constants(name: str) -> Any:
    raise UnreadableBody(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnreadableBody(f"{text} is out of range")
    return value


class JsonParser(Parser):
    """Strict JSON (no NaN or Infinity); every string in a body, query or form, keys included, must be clean text."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_no_constants, parse_float=_finite)
        problems = text_problems(data)
        if problems:
            raise InvalidText(problems)
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        problems = querydict_problems(data)
        if problems:
            raise InvalidText(problems)
        return super().parse_querydict(data, list_fields, request)


ERROR_REF = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
# What every operation can answer besides its own declared responses, and when.
COMMON_ERRORS = {
    "400": "The body cannot be read (not JSON, not UTF-8, NaN or Infinity) or its content is refused",
    "401": "No valid session or bearer token",
    "403": "Signed in, but this act is not allowed (a missing role or scope, or a failed CSRF check)",
    "404": "No such record, or one out of your reach (the same answer)",
    "413": "The body is larger than the server accepts",
    "422": "A parameter or body field is outside its documented type or bounds, or holds text that is not text",
    "429": "Too many requests from this client; see Retry-After",
}


def add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Declares on every operation the error answers it can give, all in the one shape.

    401/403 where the operation has security, 429 where a bearer token counts against a client's limit, 404
    where the path names a record, 400/413 where there is a body, 422 where there is any input, and a
    `default` for the rest (405, 500 …), so a client's generated code expects each of them.
    """
    schema.setdefault("components", {}).setdefault("schemas", {})
    for methods in schema.get("paths", {}).values():
        for op in methods.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            wanted = []
            schemes = {name for requirement in op.get("security") or [] for name in requirement}
            if schemes:
                wanted += ["401", "403"]
            if "ClientAuth" in schemes:
                wanted.append("429")
            params = op.get("parameters") or []
            if any(p.get("in") == "path" for p in params):
                wanted.append("404")
            if "requestBody" in op:
                wanted += ["400", "413"]
            if params or "requestBody" in op:
                wanted.append("422")
            responses = op["responses"] = {str(status): answer for status, answer in op["responses"].items()}
            for status in wanted:
                responses.setdefault(status, {"description": COMMON_ERRORS[status], **ERROR_REF})
            responses.setdefault(
                "default", {"description": "Any other error (405, 500 …), in the same shape", **ERROR_REF}
            )
    return schema


class YiwangAPI(NinjaAPI):
    """NinjaAPI whose document declares every error answer (see add_error_responses)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        return add_error_responses(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = YiwangAPI(
    title="Yiwang API",
    version="1",
    description="一网通办 Yiwang: catalog, identity, cases and the rest of the platform. "
    'Errors are always {"detail": [{"field", "code", "message", "message_en"}]}: 400 refused input, '
    "401 not signed in, 403 not allowed, 404 missing or out of reach, 405 wrong method, 413 too large, "
    "422 a parameter or body field out of its documented bounds, 429 rate limited.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=JsonParser(),
)


@api.exception_handler(ProblemsError)
def problems(request: HttpRequest, exc: ProblemsError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.as_list()}, status=400)


# pydantic error type → the message people read (Chinese and English), with the bound when there is one.
SCHEMA_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "string_too_long": _("At most %(max_length)s characters."),
    "string_too_short": _("At least %(min_length)s characters."),
    "too_long": _("At most %(max_length)s entries."),
    "too_short": _("At least %(min_length)s entries."),
    "greater_than_equal": _("Must be at least %(ge)s."),
    "greater_than": _("Must be greater than %(gt)s."),
    "less_than_equal": _("Must be at most %(le)s."),
    "less_than": _("Must be less than %(lt)s."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "finite_number": _("Enter a number."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "string_type": _("Enter text."),
    "date_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_type": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": _("Enter a date and time (ISO 8601)."),
    "datetime_type": _("Enter a date and time (ISO 8601)."),
    "datetime_from_date_parsing": _("Enter a date and time (ISO 8601)."),
    "literal_error": _("Choose one of: %(expected)s."),
    "enum": _("Choose one of: %(expected)s."),
    "list_type": _("Send a list."),
    "dict_type": _("Send an object."),
    "model_type": _("Send an object."),
    "model_attributes_type": _("Send an object."),
    "json_invalid": _("This is not valid JSON."),
}


def schema_problem(err: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as a problem naming its field, in Chinese and English."""
    loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "form", "payload", "file")]
    kind = err.get("type", "invalid")
    message = SCHEMA_MESSAGES.get(kind)
    try:
        if message is None:
            raise KeyError(kind)
        out = problem(kind, message, params={str(k): v for k, v in (err.get("ctx") or {}).items()})
    except (KeyError, TypeError, ValueError):  # no message of our own, or one whose bound pydantic did not give
        out = problem(kind, _("This value is not valid: %(reason)s"), params={"reason": err.get("msg", "")})
    out["field"] = ".".join(loc) or "__all__"
    return out


@api.exception_handler(ValidationError)
def schema_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": [schema_problem(err) for err in exc.errors]}, status=422)


@api.exception_handler(HttpError)
def http_errors(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals, above all "Cannot parse request body", in the one shape."""
    cause = exc.__cause__
    if isinstance(cause, InvalidText):  # well-formed JSON with bad text in it (JsonParser)
        return invalid_text(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return too_large(request, cause)
    if exc.status_code == 400 and cause is not None:
        body = [problem("parse_error", _("The request body is not valid JSON (UTF-8, no NaN or Infinity)."))]
        return api.create_response(request, {"detail": body}, status=400)
    code, message = BY_STATUS.get(exc.status_code) or BY_STATUS[400]
    return api.create_response(request, {"detail": [problem(code, message)]}, status=exc.status_code)


@api.exception_handler(InvalidText)
def invalid_text(request: HttpRequest, exc: InvalidText) -> HttpResponse:
    return api.create_response(request, {"detail": exc.as_list()}, status=422)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": [problem("too_large", BY_STATUS[413][1])]}, status=413)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"field": "__all__", "code": "not_found", **both_languages(_("Not found."))}]}, status=404
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    msg = exc.args[0] if exc.args else _("You may not do this.")
    return api.create_response(
        request, {"detail": [{"field": "__all__", "code": "forbidden", **both_languages(msg)}]}, status=403
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": [{"field": "__all__", "code": "unauthenticated", **both_languages(_("Sign in first."))}]},
        status=401,
    )


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(
        request,
        {
            "detail": [
                {
                    "field": "__all__",
                    "code": "rate_limited",
                    **both_languages(_("Too many requests from this client; try again shortly.")),
                }
            ]
        },
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _register() -> None:
    from yiwang.bundles.api import router as bundles_router
    from yiwang.calendar.api import router as calendar_router
    from yiwang.cases.api import router as cases_router
    from yiwang.catalog.api import router as catalog_router
    from yiwang.exchange.api import router as exchange_router
    from yiwang.halls.api import router as halls_router
    from yiwang.hotline.api import router as hotline_router
    from yiwang.identity.api import router as identity_router
    from yiwang.licenses.api import router as licenses_router
    from yiwang.orgs.api import router as orgs_router
    from yiwang.policies.api import router as policies_router
    from yiwang.ratings.api import router as ratings_router
    from yiwang.rules.api import router as rules_router
    from yiwang.supervision.api import router as supervision_router

    api.add_router("/orgs/", orgs_router)
    api.add_router("/identity/", identity_router)
    api.add_router("/calendar/", calendar_router)
    api.add_router("/catalog/", catalog_router)
    api.add_router("/licenses/", licenses_router)
    api.add_router("/cases/", cases_router)
    api.add_router("/exchange/", exchange_router)
    api.add_router("/hotline/", hotline_router)
    api.add_router("/halls/", halls_router)
    api.add_router("/bundles/", bundles_router)
    api.add_router("/rules/", rules_router)
    api.add_router("/ratings/", ratings_router)
    api.add_router("/supervision/", supervision_router)
    api.add_router("/policies/", policies_router)


_register()
