"""Content-Security-Policy (issue 17): scripts and styles from our own origin only, never inline.

The policy itself is in settings.CONTENT_SECURITY_POLICY (django-csp). Pages carry no inline script and no style
attribute; a template that truly needs an inline block uses `request.csp_nonce`. Two inline <style> blocks are
rendered without a request, so they cannot carry a nonce, and are allowed by their exact hash instead:

- our self-contained error page (500 and CSRF failures render without context processors or static files);
- Django admin's change list when it has no actions (a one-line rule in admin/change_list.html).

Their hashes are computed from the template files once per process, so an edit to either block keeps working.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

import django
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)

HASHED_TEMPLATES = (
    Path(__file__).resolve().parent / "templates" / "yiwang" / "errors" / "standalone.html",
    Path(django.__file__).resolve().parent / "contrib" / "admin" / "templates" / "admin" / "change_list.html",
)


def style_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline <style> content."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def inline_style_hashes() -> tuple[str, ...]:
    """Hashes of the inline <style> blocks of HASHED_TEMPLATES (a template without a variable inside them)."""
    out: list[str] = []
    for path in HASHED_TEMPLATES:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        out.extend(style_hash(block) for block in _STYLE.findall(text))
    return tuple(out)


class PolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the hashes of the known inline style blocks added to style-src."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        hashes = inline_style_hashes()
        if hashes and not report_only:
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), *hashes]
            parts.update = update
        return parts
