from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from .api import api
from .identity.views.auth import admin_sign_in

# JSON in the one error shape under /api/, the friendly pages elsewhere (yiwang.core.api_errors); a database that is
# away (a restart, a failover) answers 503 with Retry-After instead of 500.
handler400 = "yiwang.core.api_errors.bad_request"
handler403 = "yiwang.core.api_errors.permission_denied"
handler404 = "yiwang.core.api_errors.page_not_found"
handler500 = "yiwang.core.api_errors.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # One sign-in for everyone: the admin's login page sends people to the identity sign-in (keeping ?next=).
    path("admin/login/", admin_sign_in),
    path("admin/", admin.site.urls),
    path("", include("yiwang.core.urls")),
    path("", include("yiwang.catalog.urls")),
    path("", include("yiwang.identity.urls")),
    path("", include("yiwang.calendar.urls")),
    path("", include("yiwang.licenses.urls")),
    path("", include("yiwang.cases.urls")),
    path("", include("yiwang.hotline.urls")),
    path("", include("yiwang.halls.urls")),
    path("", include("yiwang.bundles.urls")),
    path("", include("yiwang.rules.urls")),
    path("", include("yiwang.ratings.urls")),
    path("", include("yiwang.exchange.urls")),
    path("", include("yiwang.supervision.urls")),
    path("", include("yiwang.policies.urls")),
    # OAuth2 token, revocation and introspection endpoints for machine clients (django-oauth-toolkit).
    path("oauth/", include("yiwang.identity.oauth_urls")),
    # Sign-in through the provincial identity platform (OpenID Connect); its pages answer 404 while it is off.
    path("oidc/", include("yiwang.identity.oidc")),
]
if settings.DEBUG or settings.SERVE_MEDIA:
    # Public files from MEDIA_ROOT (development, the demo, or a single machine without a proxy for /media/): only
    # the catalog's blank forms and samples. Applicants' materials (identity/, cases/) are never served here; their
    # owners and the staff handling them download them through pages that check who is asking.
    urlpatterns.insert(0, re_path(r"^media/(?P<path>catalog/.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
