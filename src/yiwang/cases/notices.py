"""Notices and the progress record, as pages and as PDFs made from the same HTML.

- Notices (acceptance, one-time correction, non-acceptance, decision) are frozen when issued (`Notice.content`);
  the page and the PDF render that content with the same template body (`cases/notices/_body.html`), so what the
  applicant reads online is exactly what they download and print.
- The timeline tells what happened to a case in the applicant's words: who (the applicant, a window, a
  department, the system — never a staff member's account name), what, when. Work inside a step (claiming,
  releasing, returning, internal opinions) is left out.
- PDFs are rendered by WeasyPrint in WenQuanYi Micro Hei with real, selectable text; nothing is fetched from the
  network or the disk while rendering.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from . import results
from .models import Case, CaseEvent, Channel, Delivery, Notice, NoticeKind, SuspensionKind
from .states import ACTION_NAMES

PDF_FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"
HIDDEN_ACTIONS = frozenset({"claim", "release", "return_step", "recompute"})


@dataclass(frozen=True)
class Entry:
    at: Any
    title: str
    who: str
    detail: str
    action: str


def _who(event: CaseEvent, case: Case, org_names: dict[int, str]) -> str:
    if event.role == "system" or event.channel == "system":
        return str(_("The platform"))
    if event.client_id is not None:
        return org_names.get(event.organisation_id or case.organisation_id, "") or str(_("The department's system"))
    if event.role in ("", "applicant") and event.actor_id == case.submitted_by_id and event.actor_id is not None:
        return str(_("Applicant"))
    if not event.role:
        if event.channel == Channel.WINDOW:
            return str(_("Comprehensive window"))
        return str(_("Applicant"))
    org = org_names.get(event.organisation_id or case.organisation_id, "")
    if event.role == "window_clerk":
        return f"{org} · {_('Window')}" if org else str(_("Comprehensive window"))
    return org or str(_("The handling department"))


def _detail(event: CaseEvent, case: Case) -> str:
    d = event.data or {}
    a = event.action
    if a == "submit":
        try:
            return str(_("Channel: %(channel)s")) % {"channel": Channel(event.channel).label}
        except ValueError:
            return ""
    if a == "request_correction":
        items = "; ".join(f"{it.get('material', '')}: {it.get('note', '')}" for it in d.get("items", []))
        return items
    if a == "supplement":
        return "、".join(d.get("materials", []))
    if a == "not_accept":
        return str(d.get("reason", ""))
    if a == "complete_step":
        return str(d.get("name", ""))
    if a == "suspend":
        try:
            kind = SuspensionKind(d.get("kind")).label
        except ValueError:
            kind = ""
        return str(_("%(kind)s, expected to end on %(date)s")) % {"kind": kind, "date": d.get("expected_end", "")}
    if a == "refuse" or a == "void":
        return str(d.get("reason", ""))
    if a == "approve":
        return str(d.get("result") or case.result_document or "")
    if a == "license_not_issued":
        # The applicant's next step, not only that something failed: the approval stands, the department fixes
        # the cause and issues the license again, nothing is to be applied for again.
        reason = str(d.get("reason", "")).strip()
        phone = case.organisation.phone
        nxt = (
            _(
                "Your approval stands and you need not apply again: %(org)s has been told and will issue the "
                "e-license once this is fixed. You will get a message then. Questions: %(phone)s or 12345."
            )
            if phone
            else _(
                "Your approval stands and you need not apply again: %(org)s has been told and will issue the "
                "e-license once this is fixed. You will get a message then. Questions: 12345."
            )
        )
        text = str(nxt) % {"org": case.organisation.name, "phone": phone}
        return f"{_('Reason:')} {reason} {text}" if reason else text
    if a == "license_issued":
        return str(d.get("license", ""))
    if a == "deliver":
        try:
            method = Delivery(d.get("method")).label
        except ValueError:
            method = ""
        number = d.get("tracking_number") or ""
        return f"{method} {number}".strip()
    return ""


def timeline(case: Case) -> list[Entry]:
    """The case's events the applicant is told about, oldest first (two queries whatever the length)."""
    from yiwang.orgs.models import Organisation

    events = list(CaseEvent.objects.filter(case=case).exclude(action__in=HIDDEN_ACTIONS).order_by("seq"))
    org_ids = {e.organisation_id for e in events if e.organisation_id} | {case.organisation_id}
    org_names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    out = []
    for e in events:
        title = str(ACTION_NAMES.get(e.action, e.action))
        out.append(Entry(e.at, title, _who(e, case, org_names), _detail(e, case), e.action))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Notices
# ---------------------------------------------------------------------------------------------------------------

TITLES = {
    NoticeKind.ACCEPTANCE: _("Acceptance notice"),
    NoticeKind.CORRECTION: _("One-time notice of materials to correct"),
    NoticeKind.NOT_ACCEPTED: _("Notice of non-acceptance"),
    NoticeKind.DECISION: _("Notice of decision"),
}


def notice_context(notice: Notice) -> dict[str, Any]:
    """Everything the notice body shows, from the frozen content and the case's fixed facts."""
    case = notice.case
    c = notice.content or {}
    decision = notice.kind == NoticeKind.DECISION
    seal = results.seal(case.organisation) if decision else ""
    return {
        # The decision notice carries the issuing organisation's e-seal and, once issued, the e-license's numbers.
        "seal_uri": "data:image/svg+xml;base64," + base64.b64encode(seal.encode("utf-8")).decode("ascii")
        if seal
        else "",
        "license": results.describe(case.result_license) if decision else {},
        "notice": notice,
        "case": case,
        "title": TITLES.get(notice.kind, notice.get_kind_display()),
        "content": c,
        "organisation": case.organisation.name,
        "items": c.get("items", []),
        "outcome": c.get("outcome", ""),
        "font": PDF_FONT,
    }


def _pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, base_url="about:blank", url_fetcher=fetcher).write_pdf()


def notice_pdf(notice: Notice) -> bytes:
    """The notice as PDF, rendered once and kept in private storage (applicants' documents) under the hash of its
    HTML: the license issued later, or a changed seal, gives other HTML and so a new PDF (core.pdfcache)."""
    from yiwang.core.pdfcache import cached_pdf
    from yiwang.core.storage import private_storage

    html = render_to_string("cases/notices/pdf.html", notice_context(notice))
    return cached_pdf(private_storage(), f"notices/{notice.case.case_number}", html, _pdf)


def progress_pdf(case: Case, *, masked_name: str) -> bytes:
    """The downloadable progress record: the case's facts, deadlines and timeline."""
    html = render_to_string(
        "cases/track/progress_pdf.html",
        {"case": case, "entries": timeline(case), "applicant": masked_name, "font": PDF_FONT},
    )
    return _pdf(html)


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\r\n\t]+', "", name).strip() or "document"


def disposition(filename: str) -> str:
    """Content-Disposition (attachment) with an RFC 6266 UTF-8 filename."""
    return content_disposition_header(True, _safe(filename))
