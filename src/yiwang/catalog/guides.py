"""Service guides (办事指南): which version a request may see, what its guide shows, its QR code and PDF.

The four guide views (desktop, phone, print, PDF) share everything here so they can never show
different facts. Each guide costs a fixed number of queries whatever the number of materials,
steps or themes: materials, steps and themes are prefetched, source names are looked up in bulk
and the division's full name comes from its materialised path in one query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.orgs.models import Division, Role
from yiwang.orgs.scope import organisations_for

from . import audience, sources
from .models import (
    Audience,
    HandlingKind,
    ItemVersion,
    MaterialSource,
    OnlineDepth,
    ProcessStep,
    Requirement,
    ServiceItem,
    TimeUnit,
    VersionStatus,
)
from .validation import to_calendar_days

FOUND = "found"
MISSING = "missing"
WITHDRAWN = "withdrawn"

# Numbers are separated by punctuation or 或; spaces stay inside a number ("0552 1234567").
PHONE_SPLIT = re.compile(r"\s*(?:[,，;；/、]|或)\s*")
VERSION_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass
class GuideLookup:
    """The outcome of resolving `/items/<code>/?version=N` for one user."""

    outcome: str
    item: ServiceItem | None = None
    version: ItemVersion | None = None
    # For a never-published or withdrawn item: whether this user may preview its draft.
    draft_number: int | None = None


def can_preview_drafts(user, item: ServiceItem) -> bool:
    """Staff whose catalog-administrator scope reaches the item's body may see its drafts."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return False
    return organisations_for(user, Role.CATALOG_ADMIN).filter(pk=item.organisation_id).exists()


def _version_queryset():
    return ItemVersion.objects.prefetch_related(
        "materials",
        Prefetch("steps", queryset=ProcessStep.objects.select_related("countersign_org")),
        "themes",
    )


def parse_version_param(raw: str | None) -> int | bool | None:
    """`?version=N` as a positive int, None when absent, False when malformed."""
    if raw is None or raw == "":
        return None
    if not VERSION_NUMBER.fullmatch(raw) or int(raw) < 1:
        return False
    return int(raw)


def find_guide(item_code: str, version_param: str | None, user) -> GuideLookup:
    """Which version of `item_code` this user may read; drafts only for staff in scope."""
    item = ServiceItem.objects.select_related("organisation__division").filter(item_code=item_code).first()
    number = parse_version_param(version_param)
    if item is None or number is False:
        return GuideLookup(MISSING)
    if number is not None:
        version = _version_queryset().filter(item=item, number=number).first()
        if version is None or (version.status == VersionStatus.DRAFT and not can_preview_drafts(user, item)):
            return GuideLookup(MISSING, item=item)
    elif item.current_id:
        version = _version_queryset().get(pk=item.current_id)
    else:
        # Never published, or withdrawn: say which, and offer staff in scope their draft.
        versions = list(item.versions.order_by("-number").only("number", "status", "name", "retired_at"))
        retired = next((v for v in versions if v.status == VersionStatus.RETIRED), None)
        draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
        draft_number = draft.number if draft is not None and can_preview_drafts(user, item) else None
        if retired is not None:
            return GuideLookup(WITHDRAWN, item=item, version=retired, draft_number=draft_number)
        return GuideLookup(MISSING, item=item, draft_number=draft_number)
    version.item = item
    return GuideLookup(FOUND, item=item, version=version)


def phone_url(item_code: str) -> str:
    """Absolute address of the phone guide: what the QR code on every guide encodes."""
    return settings.SITE_URL + reverse("catalog:guide_mobile", args=[item_code])


def qr_code(item_code: str):
    """The segno QR code of the phone guide (error correction M survives a smudged print-out)."""
    import segno

    return segno.make(phone_url(item_code), error="m", micro=False)


def qr_svg(item_code: str, title: str = "") -> bytes:
    import io

    out = io.BytesIO()
    qr_code(item_code).save(out, kind="svg", scale=4, border=2, title=title or None, xmldecl=True)
    return out.getvalue()


def qr_data_uri(item_code: str) -> str:
    """The QR code as an SVG data URI, so print view and PDF need no second request."""
    return qr_code(item_code).svg_data_uri(scale=4, border=2)


def phone_links(text: str) -> list[tuple[str, str]]:
    """Splits "0552-1234567，0552-7654321" into (shown, tel: href) pairs for tap-to-call."""
    out = []
    for part in PHONE_SPLIT.split(text or ""):
        part = part.strip()
        digits = re.sub(r"[^0-9+]", "", part)
        if part and len(digits) >= 3:
            out.append((part, "tel:" + digits))
        elif part:
            out.append((part, ""))
    return out


def division_full_name(division: Division) -> str:
    """ "安徽省蚌埠市龙子湖区" from the materialised path, in one query whatever the depth."""
    codes = [c for c in division.path.split("/") if c]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return "".join(names.get(c, "") for c in codes) or division.name


def _limit_text(limit: int, unit: str) -> str:
    return f"{limit} {TimeUnit(unit).label}"


def _percent(part: float, whole: float) -> int:
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def time_limits(version: ItemVersion) -> dict[str, Any]:
    """Statutory and promised limits, and how much shorter the promise is (承诺时限压缩)."""
    immediate = version.handling_kind == HandlingKind.IMMEDIATE
    out: dict[str, Any] = {
        "statutory": _limit_text(version.statutory_limit, version.statutory_unit),
        "promised": _("Done on the spot")
        if immediate and version.promised_limit == 0
        else _limit_text(version.promised_limit, version.promised_unit),
        "saved": "",
        "saved_percent": None,
    }
    if version.statutory_limit <= 0:
        return out
    if version.statutory_unit == version.promised_unit:
        saved = version.statutory_limit - version.promised_limit
        if saved > 0:
            out["saved_percent"] = _percent(saved, version.statutory_limit)
            out["saved"] = _("%(amount)s shorter than the statutory limit (%(percent)s%% less)") % {
                "amount": _limit_text(saved, version.promised_unit),
                "percent": out["saved_percent"],
            }
    else:
        statutory = to_calendar_days(version.statutory_limit, version.statutory_unit)
        promised = to_calendar_days(version.promised_limit, version.promised_unit)
        if statutory > promised:
            out["saved_percent"] = _percent(statutory - promised, statutory)
            out["saved"] = _("About %(percent)s%% shorter than the statutory limit") % {"percent": out["saved_percent"]}
    return out


def visits_badge(visits: int) -> dict[str, str]:
    if visits == 0:
        return {"text": _("Zero visits"), "tone": "ok", "detail": _("No need to come in person")}
    if visits == 1:
        return {"text": _("At most one visit"), "tone": "ok", "detail": _("Come in person at most once")}
    return {
        "text": _("%(count)s visits") % {"count": visits},
        "tone": "plain",
        "detail": _("Come in person %(count)s times") % {"count": visits},
    }


ONLINE_DEPTH_HELP = {
    OnlineDepth.DISCLOSURE: gettext_noop("This guide is published online; the application is made in person."),
    OnlineDepth.INTERACTION: gettext_noop(
        "Forms can be downloaded and visits booked online; the application is made in person."
    ),
    OnlineDepth.ONE_VISIT: gettext_noop(
        "You can apply online and come in person once, to show originals or collect the result."
    ),
    OnlineDepth.FULLY_ONLINE: gettext_noop("The whole service can be done online without coming in person."),
}


def online_depth(version: ItemVersion) -> dict[str, Any]:
    depth = OnlineDepth(version.online_depth)
    return {
        "level": int(depth),
        "label": depth.label,
        "help": _(ONLINE_DEPTH_HELP[depth]),
        "online": depth >= OnlineDepth.ONE_VISIT,
        "short": _("Apply online") if depth >= OnlineDepth.ONE_VISIT else _("Apply in person"),
    }


IDENTITY_LEVEL_TEXT = {
    0: gettext_noop("No real-name verification needed"),
    1: gettext_noop("Level 1: a verified mobile number"),
    2: gettext_noop("Level 2: ID document checked against the population library"),
    3: gettext_noop("Level 3: verified in person, by face or by bank card"),
}


def identity_level(version: ItemVersion) -> dict[str, Any]:
    """The real-name level an applicant needs (identity.Level), worded for the guide."""
    level = int(version.min_identity_level or 0)
    return {"level": level, "text": _(IDENTITY_LEVEL_TEXT.get(level, IDENTITY_LEVEL_TEXT[3]))}


def material_rows(version: ItemVersion) -> list[dict[str, Any]]:
    """Materials with their source spelled out (license type / data resource names looked up in bulk)."""
    materials = list(version.materials.all())
    license_codes = {m.license_type_code for m in materials if m.license_type_code}
    data_codes = {m.data_resource_code for m in materials if m.data_resource_code}
    license_names = sources.labels("license", license_codes)
    data_names = sources.labels("data", data_codes)
    rows = []
    for m in materials:
        details = []
        if m.license_type_code:
            details.append(
                _("E-license: %(name)s") % {"name": license_names.get(m.license_type_code, m.license_type_code)}
            )
        if m.data_resource_code:
            details.append(
                _("Shared data: %(name)s") % {"name": data_names.get(m.data_resource_code, m.data_resource_code)}
            )
        rows.append(
            {
                "material": m,
                # "电子证照：营业执照" says more than "电子证照", so a named source replaces the bare label.
                "source": details[0] if details else MaterialSource(m.source).label,
                "source_details": details[1:],
                "no_paper": m.source in (MaterialSource.LICENSE, MaterialSource.SHARED_DATA),
                "form": m.get_form_display(),
                "required": m.requirement == Requirement.REQUIRED,
                "requirement": Requirement(m.requirement).label,
                "blank_form_url": m.blank_form.url if m.blank_form else "",
                "sample_url": m.sample.url if m.sample else "",
            }
        )
    return rows


def fee_rows(version: ItemVersion) -> list[dict[str, str]]:
    if not version.fee_required:
        return []
    return [
        {"name": str(f.get("name", "")), "standard": str(f.get("standard", "")), "basis": str(f.get("basis", ""))}
        for f in (version.fees or [])
        if isinstance(f, dict)
    ]


def guide_context(lookup: GuideLookup, *, history: bool = True) -> dict[str, Any]:
    """The template context of a found guide; every view renders from this one dictionary."""
    item, version = lookup.item, lookup.version
    assert item is not None and version is not None
    org = item.organisation
    steps = list(version.steps.all())
    audiences = dict(Audience.choices)
    ctx: dict[str, Any] = {
        "item": item,
        "version": version,
        "organisation": org,
        "division_name": division_full_name(org.division),
        "is_draft": version.status == VersionStatus.DRAFT,
        "is_retired": version.status == VersionStatus.RETIRED,
        "is_current": version.pk == item.current_id,
        # The audience the door accepts (catalog.audience): a license only a legal person holds never lists 自然人.
        "service_objects": [audiences[a] for a in audience.audiences(version)],
        "materials": material_rows(version),
        "steps": steps,
        "step_days": sum(s.days for s in steps),
        "limits": time_limits(version),
        "visits": visits_badge(version.visits_required),
        "depth": online_depth(version),
        "identity_level": identity_level(version),
        "fees": fee_rows(version),
        "themes": list(version.themes.all()),
        "phones": phone_links(version.phone),
        "complaint_phones": phone_links(version.complaint_phone),
        "result_sample_url": version.result_sample.url if version.result_sample else "",
        "phone_url": phone_url(item.item_code),
    }
    if history:
        ctx["history"] = list(
            item.versions.exclude(status=VersionStatus.DRAFT)
            .order_by("-number")
            .values("number", "status", "published_at", "retired_at")
        )
    return ctx


def pdf_filename(version: ItemVersion) -> str:
    """ "食品经营许可证核发-办事指南-v2.pdf" with characters that break file systems removed."""
    name = re.sub(r'[\\/:*?"<>|\r\n\t]+', "", version.name).strip() or version.item.item_code
    label = _("service guide")
    return f"{name}-{label}-v{version.number}.pdf"


def pdf_disposition(version: ItemVersion) -> str:
    """Content-Disposition with an RFC 6266 UTF-8 filename (Chinese survives every browser)."""
    return content_disposition_header(False, pdf_filename(version))


PDF_SKIP = re.compile(r"/\* @pdf-skip-start.*?/\* @pdf-skip-end \*/", re.S)


def pdf_css(path: str) -> str:
    """guide.css without its screen-only block, which WeasyPrint would only warn about."""
    with open(path, encoding="utf-8") as f:
        return PDF_SKIP.sub("", f.read())


def pdf_css_fingerprint() -> str:
    """Part of a stored guide PDF's name: a changed guide.css renders the PDFs anew (core.pdfcache)."""
    import hashlib

    path = finders.find("catalog/guide.css")
    if not path:
        return ""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def render_pdf(html: str) -> bytes:
    """Renders the print view to PDF with WeasyPrint: real, selectable text in WenQuanYi Micro Hei.

    Only data: URIs may be fetched (the QR code), so rendering never reaches the network or disk.
    """
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    css_path = finders.find("catalog/guide.css")
    stylesheets = [CSS(string=pdf_css(css_path), url_fetcher=fetcher)] if css_path else []
    return HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)
