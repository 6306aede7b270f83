"""PDFs rendered once and served from storage afterwards (guides, notices): WeasyPrint takes seconds per page.

A PDF is stored under the SHA-256 of the HTML it is made from (and of the renderer's stylesheet), so the stored
file is valid exactly as long as the HTML is the same: a new version, a changed notice, an organisation renamed, a
translation or template corrected — each gives other HTML, hence another name, and the next request renders it
anew. Nothing needs to be invalidated by hand and every worker process agrees, because the name is the check.
Rendering the HTML (milliseconds) is done on every request; only the PDF (seconds) is kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

log = logging.getLogger(__name__)


def name_for(folder: str, html: str, salt: str = "") -> str:
    digest = hashlib.sha256((salt + "\0" + html).encode("utf-8")).hexdigest()[:40]
    return f"{folder.strip('/')}/{digest}.pdf"


def cached_pdf(storage: Storage, folder: str, html: str, render: Callable[[str], bytes], salt: str = "") -> bytes:
    """The PDF of `html`: read from `storage` when it was rendered before, else rendered now and stored."""
    name = name_for(folder, html, salt)
    try:
        if storage.exists(name):
            with storage.open(name, "rb") as fh:
                return fh.read()
    except OSError:  # a storage hiccup must not fail the download: render instead
        log.warning("cached PDF %s could not be read", name, exc_info=True)
    pdf = render(html)
    try:
        if not storage.exists(name):
            storage.save(name, ContentFile(pdf))
    except OSError:
        log.warning("PDF %s could not be stored", name, exc_info=True)
    return pdf
