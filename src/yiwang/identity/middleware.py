"""Session lifetime: at most `SESSION_COOKIE_AGE` seconds idle and `SESSION_MAX_AGE` seconds in all.

Django's own expiry is the idle limit only when the session is saved on every request; here the last-seen time is
written at most once a minute (fewer writes), and both limits are checked on each request, whatever the session
store. An expired session is ended (signed out everywhere it lived, i.e. its row), and a page request is sent to
the sign-in page with `?next=` so the person comes back where they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

from .models import UserSession

SIGNED_IN_AT = "_yiwang_signed_in_at"
LAST_SEEN = "_yiwang_last_seen"
TOUCH_EVERY = 60  # seconds


class SessionLifetimeMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # Only the session is read (no user query): a page that never looks at the user costs nothing more.
        if session is not None and session.session_key and session.get(SESSION_KEY):
            now = time.time()
            started = session.get(SIGNED_IN_AT)
            seen = session.get(LAST_SEEN)
            idle = settings.SESSION_COOKIE_AGE
            absolute = getattr(settings, "SESSION_MAX_AGE", 12 * 3600)
            if (started is not None and now - started > absolute) or (seen is not None and now - seen > idle):
                logout(request)
                if request.method == "GET" and not request.path.startswith("/api/"):
                    query = urlencode({"next": request.get_full_path(), "expired": "1"})
                    return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
            elif started is None or seen is None:
                # A session signed in some other way (a test client's login): start its clocks without forcing
                # a write; they are stored with the next change, and Django's own expiry covers it meanwhile.
                session._session.setdefault(SIGNED_IN_AT, now)
                session._session.setdefault(LAST_SEEN, now)
            elif now - seen >= TOUCH_EVERY:
                session[LAST_SEEN] = now  # at most one session write a minute
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.modified and session.get(SESSION_KEY) and SIGNED_IN_AT not in session:
            # Signed in during this request (by a path other than `sign_in`): the clocks start now.
            session[SIGNED_IN_AT] = session[LAST_SEEN] = time.time()
        return response


def session_store(session_key: str):
    """A handle on one stored session of the configured engine (to end it from another session)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def sign_in(request: HttpRequest, user: Any, method: str) -> None:
    """Signs `user` in on this request; the session list shows `method`; both session clocks start now."""
    for key in (SIGNED_IN_AT, LAST_SEEN):
        request.session.pop(key, None)
    request._yiwang_sign_in_method = method  # type: ignore[attr-defined]
    # A user that did not come from authenticate() (just registered) is attributed to the code backend.
    login(
        request, user, backend=None if hasattr(user, "backend") else "yiwang.identity.backends_otp.OneTimeCodeBackend"
    )
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()


def end_sessions(user: Any, *, keep: str | None = None, only: int | None = None) -> int:
    """Ends the account's sessions (all, all but `keep`, or the one UserSession `only`): store rows and list rows."""
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    if only is not None:
        rows = rows.filter(pk=only)
    ended = 0
    for row in list(rows):
        session_store(row.session_key).delete()
        row.delete()
        ended += 1
    return ended
