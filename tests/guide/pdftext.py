"""The text layer of a PDF, for tests that prove a PDF carries real, selectable text (not pictures of text).

pypdf maps each font's glyphs back to Unicode through the font's own ToUnicode CMap, so text in several fonts
(WeasyPrint embeds a subset per weight) comes back right.
"""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """Every page's extracted text, pages separated by a newline."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def pdf_fonts(pdf: bytes) -> set[str]:
    """Base font names the PDF uses (with and without the subset tag and style suffix)."""
    names: set[str] = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", "")).lstrip("/")
            plain = base.split("+", 1)[-1]
            names |= {base, plain, plain.split("-")[0]}
    return names
