"""Session lifetime: at most `SESSION_COOKIE_AGE` seconds idle and `SESSION_MAX_AGE` seconds in all.

Django's own expiry is the idle limit only when the session is saved on every request; here the last-seen time is
written at most once a minute (fewer writes), and both limits are checked on each request, whatever the session
store. An expired session is ended (signed out everywhere it lived, i.e. its row), and a page request is sent to
the sign-in page with `?next=` so the person comes back where they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

SIGNED_IN_AT = "_yiwang_signed_in_at"
LAST_SEEN = "_yiwang_last_seen"
TOUCH_EVERY = 60  # seconds


class SessionLifetimeMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get(SIGNED_IN_AT)
            seen = session.get(LAST_SEEN)
            idle = settings.SESSION_COOKIE_AGE
            absolute = getattr(settings, "SESSION_MAX_AGE", 12 * 3600)
            if (started is not None and now - started > absolute) or (seen is not None and now - seen > idle):
                logout(request)
                if request.method == "GET" and not request.path.startswith("/api/"):
                    query = urlencode({"next": request.get_full_path(), "expired": "1"})
                    return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
            else:
                if started is None:
                    session[SIGNED_IN_AT] = now
                if seen is None or now - seen >= TOUCH_EVERY:
                    session[LAST_SEEN] = now
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SIGNED_IN_AT not in request.session:
            # Signed in during this request: the clocks start now.
            request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()
        return response
