"""Open311 GeoReport v2 at /open311/v2/: third-party apps report and follow city issues.

- ``GET services.{json|xml}``: the category tree (service_code = category code);
- ``GET services/{code}.{fmt}``: a service definition (the category's attributes);
- ``POST requests.{fmt}``: a new request, with an ``api_key`` (a hotline `ApiKey`; machine clients use the
  hotline API instead); answers ``service_request_id`` and a ``token``; with HOTLINE_OPEN311_ASYNC only the token (the
  worker makes the order) and ``GET tokens/{token}.{fmt}`` gives the id once it exists;
- ``GET requests.{fmt}``: requests by ids, service code, dates and status (open/closed, the detailed state in
  ``status_notes``), the last 90 days and at most 1,000 results by default (the spec's limits);
- ``GET requests/{id}.{fmt}``.

Published lists carry no personal data: no caller, no full text of reports (举报) or of anonymous requests. One
record that cannot be written out is left out and logged; it never stops the whole answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from yiwang.core.errors import ProblemsError

from . import services
from .models import OPEN_STATES, ApiKey, Category, Channel, IntakeToken, OrderType, State, WorkOrder
from .states import ACTION_NAMES

log = logging.getLogger("yiwang.hotline.open311")

DEFAULT_DAYS = 90
MAX_RESULTS = 1000
FORMATS = ("json", "xml")
POST_RATE = "120/m"


# --- rendering ------------------------------------------------------------------------------------------------


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        _fill(el, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _fill(el: ET.Element, row: dict[str, Any]) -> None:
    for k, v in row.items():
        child = ET.SubElement(el, k)
        if isinstance(v, list):
            single = {"attributes": "attribute", "values": "value"}.get(k, "item")
            for x in v:
                sub = ET.SubElement(child, single)
                if isinstance(x, dict):
                    _fill(sub, x)
                else:
                    sub.text = str(x)
        elif isinstance(v, bool):
            child.text = "true" if v else "false"
        elif v is not None:
            child.text = str(v)


def respond(fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), content_type="text/xml; charset=utf-8", status=status)
    if root == "service_definition":
        return JsonResponse(rows[0], status=status, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str, code: int | None = None) -> HttpResponse:
    return respond(fmt, "errors", "error", [{"code": code or status, "description": description}], status=status)


def _fmt(fmt: str) -> str:
    return fmt if fmt in FORMATS else ""


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- services -------------------------------------------------------------------------------------------------


def _service(c: Category, parents: dict[int, str]) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description or c.name,
        "metadata": bool(c.attributes),
        "type": "realtime",
        "keywords": ",".join(c.keywords.split()),
        "group": parents.get(c.parent_id, c.name),
    }


@require_http_methods(["GET"])
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return error("json", 404, "unknown format")
    cats = list(Category.objects.filter(is_active=True).order_by("path"))
    parents = {c.pk: c.name for c in cats if c.parent_id is None}
    return respond(fmt, "services", "service", [_service(c, parents) for c in cats])


@require_http_methods(["GET"])
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return error("json", 404, "unknown format")
    c = Category.objects.filter(code=code, is_active=True).first()
    if c is None:
        return error(fmt, 404, _("No service has this code."))
    attrs = []
    for i, a in enumerate(c.attributes or []):
        attrs.append(
            {
                "variable": True,
                "code": a.get("code", f"attr{i}"),
                "datatype": a.get("datatype", "string"),
                "required": bool(a.get("required")),
                "datatype_description": a.get("datatype_description", ""),
                "order": a.get("order", i + 1),
                "description": a.get("description", ""),
                "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.get("values", [])],
            }
        )
    return respond(fmt, "service_definition", "service_definition", [{"service_code": c.code, "attributes": attrs}])


# --- requests -------------------------------------------------------------------------------------------------


def status_notes(order: WorkOrder, last_public: str = "") -> str:
    note = str(State(order.state).label)
    if order.department_id and order.state in OPEN_STATES:
        note += f"（{order.department.name}）"
    if last_public:
        note += f"；{last_public}"
    return note


def request_row(order: WorkOrder) -> dict[str, Any]:
    hidden = order.order_type == OrderType.REPORT or order.hide_reporter
    return {
        "service_request_id": order.number,
        "status": "open" if order.state in OPEN_STATES else "closed",
        "status_notes": status_notes(order),
        "service_name": order.category.name,
        "service_code": order.category.code,
        "description": order.title if not hidden else order.category.name,
        "agency_responsible": order.department.name if order.department_id else order.centre.name,
        "service_notice": "",
        "requested_datetime": _iso(order.received_at),
        "updated_datetime": _iso(order.updated_at),
        "expected_datetime": _iso(order.due_at) if order.state in OPEN_STATES else None,
        "address": order.address,
        "address_id": "",
        "zipcode": "",
        "lat": order.latitude,
        "long": order.longitude,
        "media_url": "",
    }


def _rows(orders) -> list[dict[str, Any]]:
    out = []
    for order in orders:
        try:
            out.append(request_row(order))
        except Exception:  # one bad record never stops the whole answer
            log.exception("Open311: work order %s could not be written out; left out", getattr(order, "pk", "?"))
    return out


def _date_param(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    value = parse_datetime(raw.strip().replace(" ", "+"))
    if value is None:
        try:
            value = dt.datetime.combine(dt.date.fromisoformat(raw.strip()), dt.time())
        except ValueError:
            raise ValueError(raw) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _published():
    return WorkOrder.objects.exclude(state=State.VOIDED).select_related("category", "department", "centre")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return error("json", 404, "unknown format")
    if request.method == "POST":
        return _post(request, fmt)
    p = request.GET
    qs = _published()
    if p.get("service_request_id"):
        ids = [x.strip() for x in p["service_request_id"].split(",") if x.strip()][:MAX_RESULTS]
        return respond(fmt, "service_requests", "request", _rows(qs.filter(number__in=ids).order_by("-received_at")))
    try:
        start, end = _date_param(p.get("start_date", "")), _date_param(p.get("end_date", ""))
    except ValueError:
        return error(fmt, 400, _("Dates are in W3C format, e.g. 2026-10-09T08:00:00+08:00."))
    end = end or timezone.now()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS)
    if start > end:
        return error(fmt, 400, _("start_date is after end_date."))
    if end - start > dt.timedelta(days=DEFAULT_DAYS):
        return error(fmt, 400, _("At most 90 days at a time."))
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    if p.get("service_code"):
        qs = qs.filter(category__code__in=[c.strip() for c in p["service_code"].split(",")])
    status = p.get("status", "").strip()
    if status == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif status == "closed":
        qs = qs.exclude(state__in=OPEN_STATES)
    elif status:
        return error(fmt, 400, _("status is open or closed."))
    return respond(fmt, "service_requests", "request", _rows(qs.order_by("-received_at", "-id")[:MAX_RESULTS]))


@require_http_methods(["GET"])
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return error("json", 404, "unknown format")
    order = _published().filter(number=number).first()
    if order is None:
        return error(fmt, 404, _("No request has this id."))
    last = order.events.filter(public=True).order_by("-seq").values_list("action", flat=True).first()
    row = request_row(order)
    if last:
        row["status_notes"] = status_notes(order, str(ACTION_NAMES.get(last, last)))
    return respond(fmt, "service_requests", "request", [row])


@require_http_methods(["GET"])
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return error("json", 404, "unknown format")
    t = IntakeToken.objects.filter(token=token).select_related("order").first()
    if t is None:
        return error(fmt, 404, _("No token has this value."))
    return respond(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": t.order.number if t.order_id else None, "token": t.token}],
    )


# --- posting --------------------------------------------------------------------------------------------------


def key_hash(raw: str) -> str:
    return hashlib.sha256((raw or "").strip().encode()).hexdigest()


def new_key(name: str, centre) -> tuple[ApiKey, str]:
    """A new API key; the clear key is returned once (only its hash is kept)."""
    raw = "o311_" + secrets.token_urlsafe(24)
    key = ApiKey.objects.create(name=name, prefix=raw[:8], key_hash=key_hash(raw), centre=centre)
    return key, raw


def _api_key(request: HttpRequest) -> ApiKey | None:
    raw = request.POST.get("api_key") or request.GET.get("api_key") or ""
    if not raw:
        return None
    return ApiKey.objects.filter(key_hash=key_hash(raw), is_active=True).select_related("centre").first()


def _payload(request: HttpRequest) -> dict[str, Any]:
    p = request.POST
    attributes = {k[len("attribute[") : -1]: v for k, v in p.items() if k.startswith("attribute[") and k.endswith("]")}
    return {
        "service_code": p.get("service_code", ""),
        "lat": p.get("lat", ""),
        "long": p.get("long", ""),
        "address_string": p.get("address_string", ""),
        "email": p.get("email", ""),
        "first_name": p.get("first_name", ""),
        "last_name": p.get("last_name", ""),
        "phone": p.get("phone", ""),
        "description": p.get("description", ""),
        "media_url": p.get("media_url", ""),
        "attributes": attributes,
        "device_id": p.get("device_id", ""),
        "account_id": p.get("account_id", ""),
    }


def make_order(token: IntakeToken) -> WorkOrder:
    """The order of a posted request (idempotent: the token is the order's source_ref)."""
    d = token.payload
    category = Category.objects.filter(code=d.get("service_code", ""), is_active=True).first()
    text = d.get("description", "").strip()
    attrs = d.get("attributes") or {}
    if category is not None:
        missing = [
            a.get("code") for a in category.attributes or [] if a.get("required") and not attrs.get(a.get("code"))
        ]
        if missing:
            from yiwang.core.errors import Problem

            raise ProblemsError(
                [Problem(f"attribute[{m}]", _("This attribute is required."), "required") for m in missing]
            )
    if attrs:
        text += "\n" + "\n".join(f"{k}: {v}" for k, v in attrs.items())
    if d.get("media_url"):
        text += f"\n{d['media_url']}"

    def num(raw: str) -> float | None:
        try:
            return float(raw) if raw not in ("", None) else None
        except ValueError:
            return float("nan")

    lat, lon = num(d.get("lat", "")), num(d.get("long", ""))
    if (lat is not None and lat != lat) or (lon is not None and lon != lon):
        lat, lon = 999.0, 999.0  # reported as an invalid location by the service
    who = services.Who(name=token.api_key.name, role="open311", channel=Channel.OPEN311)
    order, _created = services.create_order(
        who=who,
        order_type=OrderType.HELP,
        category=category,
        content=text,
        title=text.splitlines()[0][:120] if text else "",
        address=d.get("address_string", ""),
        latitude=lat,
        longitude=lon,
        caller_phone=d.get("phone", ""),
        caller_name=(d.get("last_name", "") + d.get("first_name", "")).strip(),
        caller_email=d.get("email", ""),
        centre=token.api_key.centre,
        channel=Channel.OPEN311,
        source_ref=f"o311:{token.token}",
    )
    return order


def process(token_id: int) -> str:
    """Makes the order of a queued token (the worker's task); a refusal is kept on the token."""
    t = IntakeToken.objects.select_related("api_key__centre").get(pk=token_id)
    if t.order_id is not None:
        return t.order.number
    try:
        order = make_order(t)
    except ProblemsError as exc:
        t.error = str(exc)[:2000]
        t.processed_at = timezone.now()
        t.save(update_fields=["error", "processed_at"])
        return ""
    t.order, t.processed_at = order, timezone.now()
    t.save(update_fields=["order", "processed_at"])
    return order.number


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _api_key(request)
    if key is None:
        return error(fmt, 403, _("A valid api_key is required to post a request."))
    if is_ratelimited(request, group="hotline.open311", key=lambda g, r: f"k{key.pk}", rate=POST_RATE, increment=True):
        return error(fmt, 429, _("Too many requests; try again shortly."))
    payload = _payload(request)
    if not Category.objects.filter(code=payload["service_code"], is_active=True).exists():
        return error(fmt, 400, _("service_code: no service has this code."))
    token = IntakeToken.objects.create(token=secrets.token_hex(16), api_key=key, payload=payload)
    if getattr(settings, "HOTLINE_OPEN311_ASYNC", False):
        from django.db import transaction

        from .tasks import open311_intake

        transaction.on_commit(lambda: open311_intake.enqueue(token.pk))
        return respond(fmt, "service_requests", "request", [{"token": token.token, "service_notice": ""}])
    try:
        order = make_order(token)
    except ProblemsError as exc:
        token.delete()
        return error(fmt, 400, "; ".join(f"{p.field}: {p}" for p in exc.problems))
    token.order, token.processed_at = order, timezone.now()
    token.save(update_fields=["order", "processed_at"])
    notice = _("Received; the time limit is %(due)s.") % {"due": _iso(order.due_at)}
    return respond(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": order.number, "token": token.token, "service_notice": notice, "account_id": ""}],
        status=201,
    )
