"""Authentication for the API's writing endpoints.

For now people sign in with their web session (the same cookie as the portal and the admin);
machine clients with their own credentials and scopes arrive with the identity module. A
session write must carry the CSRF token, as any form post does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict


class SessionAuth(APIKeyCookie):
    """Django session authentication that answers 401 before it checks CSRF.

    ninja's own `django_auth` checks the CSRF token first, so an anonymous caller would see a
    CSRF failure instead of "sign in first"; here the order is: signed in? then CSRF.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if "HTTP_AUTHORIZATION" in request.META:
            return None  # a request that presents credentials is judged by them, never by a cookie beside them
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise PermissionDenied(
                _("The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.")
            )
        return user


session_auth = SessionAuth()


class ProblemDetail(BaseModel):
    """One thing wrong; files' problems also carry sheet, row and column (more keys may follow).

    A plain pydantic model, not a ninja Schema: ninja reads a Schema's input through attribute access, which
    would drop the extra keys (`retry_at`, `row`, `column` …) an endpoint adds to a problem.
    """

    model_config = ConfigDict(extra="allow")

    field: str = Field(..., description="The field (dotted path for nested bodies), or __all__ for the request")
    code: str = Field(..., description="Machine-readable: required, invalid, not_found, rate_limited …")
    message: str = Field(..., description="In Chinese")
    message_en: str = Field(..., description="In English")


class ErrorOut(Schema):
    """The one error shape of the API: every problem, each naming its field, in Chinese and English."""

    detail: list[ProblemDetail] = Field(..., min_length=1)
