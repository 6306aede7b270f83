"""The REST API under /api/v1/: one NinjaAPI, a router per module, one error shape."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from yiwang.core.errors import ProblemsError, both_languages
from yiwang.identity.api_security import RateLimited

api = NinjaAPI(
    title="Yiwang API",
    version="1",
    description="一网通办 Yiwang: catalog, identity, cases and the rest of the platform. "
    'Errors are always {"detail": [{"field", "code", "message", "message_en"}]}.',
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(ProblemsError)
def problems(request: HttpRequest, exc: ProblemsError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.as_list()}, status=400)


@api.exception_handler(ValidationError)
def schema_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "form", "payload")]
        detail.append(
            {
                "field": ".".join(loc) or "__all__",
                "code": err.get("type", "invalid"),
                "message": f"{'.'.join(loc)}: {err.get('msg', '')}",
                "message_en": err.get("msg", ""),
            }
        )
    return api.create_response(request, {"detail": detail}, status=422)


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
    from yiwang.calendar.api import router as calendar_router
    from yiwang.cases.api import router as cases_router
    from yiwang.catalog.api import router as catalog_router
    from yiwang.exchange.api import router as exchange_router
    from yiwang.halls.api import router as halls_router
    from yiwang.identity.api import router as identity_router
    from yiwang.licenses.api import router as licenses_router
    from yiwang.orgs.api import router as orgs_router

    api.add_router("/orgs/", orgs_router)
    api.add_router("/identity/", identity_router)
    api.add_router("/calendar/", calendar_router)
    api.add_router("/catalog/", catalog_router)
    api.add_router("/licenses/", licenses_router)
    api.add_router("/cases/", cases_router)
    api.add_router("/exchange/", exchange_router)
    api.add_router("/halls/", halls_router)


_register()
