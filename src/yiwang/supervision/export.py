"""Exports: any statistics view as xlsx (openpyxl), and the printable monthly report as PDF (WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from yiwang.core import pdfcache
from yiwang.core.storage import private_storage

from . import indicators

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_COLUMNS = (
    "received",
    "concluded",
    "on_time",
    "overdue",
    "on_time_rate",
    "avg_work_days",
    "avg_promised_days",
    "avg_statutory_days",
    "immediate_share",
    "online_share",
    "full_online_share",
    "zero_visit_share",
    "ratings",
    "avg_rating",
    "satisfaction_rate",
    "bad_ratings",
    "rectification_rate",
    "tickets",
    "complaints",
    "yellow",
    "red",
    "corrections",
    "corrections_overdue",
    *indicators.ITEM_COLUMNS,
)


def _label(key: str) -> str:
    if key in indicators.INDICATORS:
        return str(indicators.INDICATORS[key][0])
    return {"on_time": _("Concluded on time"), "complaints": _("12345 complaints")}.get(key, key)


def xlsx(table: dict[str, Any], w: indicators.Window, title: str) -> bytes:
    """The table as a workbook: one sheet, a header naming the period and grouping, rates as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Statistics")[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [
            _("Period"),
            f"{w.start.isoformat()} – {w.end.isoformat()}",
            _("Group by"),
            str(indicators.GROUPS[table["group"]]),
        ]
    )
    ws.append([])
    columns = [c for c in EXPORT_COLUMNS if any(c in r for r in [table["total"], *table["rows"]])]
    ws.append([str(indicators.GROUPS[table["group"]]), *[_label(c) for c in columns]])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for r in [*table["rows"], table["total"]]:
        ws.append([r["label"], *[r.get(c) for c in columns]])
        for col, c in enumerate(columns, start=2):
            kind = indicators.INDICATORS.get(c, (None, "n"))[1]
            if kind == "rate":
                ws.cell(row=ws.max_row, column=col).number_format = "0.0%"
            elif kind in ("days", "avg"):
                ws.cell(row=ws.max_row, column=col).number_format = "0.00"
    ws.freeze_panes = "B5"
    ws.column_dimensions["A"].width = 32
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_pdf(html: str) -> bytes:
    """WeasyPrint with no fetching at all (the report embeds nothing), in WenQuanYi Micro Hei like the guides."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def report_pdf(context: dict[str, Any]) -> bytes:
    html = render_to_string("supervision/stats/report.html", context)
    return pdfcache.cached_pdf(private_storage(), "supervision/reports", html, render_pdf)


def filename(prefix: str, start: dt.date, end: dt.date, ext: str) -> str:
    return f"{prefix}-{start:%Y%m%d}-{end:%Y%m%d}.{ext}"
