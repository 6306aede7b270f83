"""What a license shows, in print and on screen: fields in layout order, seal, QR code, verification URL."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from . import signing
from .models import License


def verify_url(lic: License) -> str:
    """The public verification URL printed as a QR code (with the short signature fingerprint)."""
    path = reverse("licenses:verify", args=[lic.identifier])
    return f"{settings.SITE_URL}{path}?s={signing.fingerprint(bytes(lic.signature))}"


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def field_rows(lic: License) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(main, side) rows of (label, value), in the type's layout; fields it does not place go to main."""
    specs = {s["name"]: s for s in lic.license_type.field_specs()}
    layout = lic.license_type.layout or {}
    main_names = [n for n in layout.get("main", []) if n in specs]
    side_names = [n for n in layout.get("side", []) if n in specs and n not in main_names]
    placed = set(main_names) | set(side_names)
    main_names += [n for n in specs if n not in placed]
    values = lic.field_values or {}

    def rows(names: list[str]) -> list[tuple[str, str]]:
        return [(specs[n]["label"], values[n]) for n in names if values.get(n)]

    return rows(main_names), rows(side_names)


LAYOUTS = ("standard", "certificate")


def layout_template(lic: License) -> str:
    """The partial that lays out the license body; unknown names fall back to the standard layout."""
    name = (lic.license_type.layout or {}).get("template", "standard")
    return f"licenses/layouts/{name if name in LAYOUTS else 'standard'}.html"


def context(lic: License, *, full_number: bool = False) -> dict[str, Any]:
    main, side = field_rows(lic)
    url = verify_url(lic)
    return {
        "license": lic,
        "main_rows": main,
        "side_rows": side,
        "holder_number": lic.holder_id_number if full_number else lic.masked_holder_number,
        "seal_uri": svg_data_uri(lic.signing_key.seal_svg),
        "qr_uri": qr_data_uri(url),
        "verify_url": url,
        "fingerprint": signing.fingerprint(bytes(lic.signature)),
        "status": lic.effective_status(),
        "template": layout_template(lic),
    }


def pdf_bytes(lic: License) -> bytes:
    """The printable license (WeasyPrint, A4 landscape): as printed, the holder number is masked."""
    from weasyprint import HTML

    html = render_to_string("licenses/license_pdf.html", context(lic))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
