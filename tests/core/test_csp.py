"""The strict Content-Security-Policy (issue 17): on every answer, and no template of ours needs inline code.

The browser tests catch a violation on the pages they open; this scan covers every template, including pages no
browser test opens, so an inline script, style block, style attribute or event handler cannot slip in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from yiwang.core import csp

SRC = Path(__file__).resolve().parents[2] / "src" / "yiwang"

# Rendered into PDFs by WeasyPrint, never served as a page.
PDF_TEMPLATES = {
    "cases/templates/cases/notices/pdf.html",
    "cases/templates/cases/track/progress_pdf.html",
    "licenses/templates/licenses/license_pdf.html",
    "supervision/templates/supervision/stats/report.html",
}
# Rendered without a request (500, CSRF failure): allowed by the hash of its one style block (core.csp).
HASHED = {"core/templates/yiwang/errors/standalone.html"}

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.html") if "templates" in p.parts)


def test_no_template_needs_inline_code():
    found = []
    for path in templates():
        rel = path.relative_to(SRC).as_posix()
        if rel in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        if rel in HASHED:
            text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        found += [f"{rel}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert templates() and not found, "\n".join(found)


def test_the_scan_catches_inline_code():
    """A scan that cannot fail is no test: each pattern finds what it is for, and passes a clean tag."""
    bad = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        '<a onclick="x()">',
        '<a href="javascript:x()">',
    ]
    for (pattern, _what), text in zip(INLINE, bad, strict=True):
        assert pattern.search(text)
    clean = '<script src="/static/x.js" defer></script><link rel="stylesheet" href="/s.css"><p class="styled">'
    assert not any(pattern.search(clean) for pattern, _what in INLINE)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/no-such-page/", "/accounts/sign-in/", "/api/v1/openapi.json", "/workbench/"])
def test_every_answer_carries_the_policy(path):
    r = Client().get(path)
    policy = r.headers.get("Content-Security-Policy", "")
    for part in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert part in policy, (path, r.status_code, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_a_nonce_only_when_a_page_asks_for_one_and_the_hashes_match_the_blocks():
    policy = Client().get("/").headers["Content-Security-Policy"]
    assert "'nonce-" not in policy  # no page of ours uses one: no nonce to leak
    text = (SRC / "core/templates/yiwang/errors/standalone.html").read_text(encoding="utf-8")
    block = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    assert csp.style_hash(block) in policy
