"""Export to the provincial 好差评 system: one day's ratings at a time, through a connector plugin slot.

Slot `ratings.export` (`RATINGS_EXPORT_PROVIDER`, `RATINGS_EXPORT_PROVIDER_OPTIONS`):
- ``file`` (default): writes `ratings-YYYY-MM-DD.json` into a directory (`RATINGS_EXPORT_DIR`, var/ratings-export),
  signed with HMAC-SHA256 — for a province that collects files, or for an operator to send on;
- ``http``: POSTs the same document to the provincial system's URL with a bearer token and the HMAC signature in the
  `X-Yiwang-Signature` header; any 2xx answer is taken as received.

The document: `{"day", "count", "records": [...], "signature": {"alg": "HMAC-SHA256", "value"}}`; the signature is
over the compact, key-sorted UTF-8 JSON of the document without its `signature`. Each record carries the national
fields: case number, item code and version, department (credit) code, region (division) code, channel (the
provincial channel code and ours), stage, level (1–5, 5 = 非常满意), indicators, reasons, comment, the evaluated
staff (work account and name), rated time, and whether it is a default rating or was removed by an upheld appeal.
No rater's name or number leaves the platform (only whether the rating was real-name).

`run(day)` is idempotent: a day already exported by the active provider is not sent again unless forced.
`yiwang ratings_timers` (hourly or daily, from cron) calls it for yesterday.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from pydantic import Field

from yiwang.core import plugins

from .models import ExportRun, ExportState, Rating
from .standard import NATIONAL_CHANNEL


class ExportError(RuntimeError):
    """The provincial system refused the day or could not be reached (recorded; the command exits non-zero)."""


class Exporter(plugins.Provider):
    """Interface: hand one day's document to the provincial system; returns where it went (a path, a receipt)."""

    def channel_code(self, channel: str) -> str:
        return NATIONAL_CHANNEL.get(channel, "7")

    def signing_key(self) -> bytes:
        return _signing_key("")

    def deliver(self, day_iso: str, document: dict[str, Any], body: bytes) -> str:  # pragma: no cover - interface
        raise NotImplementedError


EXPORTERS: plugins.Slot[Exporter] = plugins.Slot(
    "ratings.export",
    Exporter,
    setting="RATINGS_EXPORT_PROVIDER",
    options_setting="RATINGS_EXPORT_PROVIDER_OPTIONS",
    default="file",
    doc="Hands each day's ratings to the provincial 好差评 system.",
)


def _signing_key(given: str) -> bytes:
    """The HMAC key: the provider's `key` option, else one derived from SECRET_KEY for this purpose only."""
    if given:
        return given.encode("utf-8")
    return salted_hmac("yiwang.ratings.export", "key", algorithm="sha256").hexdigest().encode("ascii")


def canonical(document: dict[str, Any]) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(document: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, canonical(document), hashlib.sha256).hexdigest()


def verify(document: dict[str, Any], key: bytes) -> bool:
    """True when the document's signature matches its content (for receivers and tests)."""
    given = str((document.get("signature") or {}).get("value", ""))
    return hmac.compare_digest(given, sign(document, key))


def _writable_problem(directory: Path) -> str | None:
    probe = directory
    while not probe.exists():
        if probe.parent == probe:
            return f"no part of {directory} exists"
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this process"
    return None


@EXPORTERS.register("file")
class FileExporter(Exporter):
    """A signed JSON file per day in a directory."""

    option_settings = {"directory": "RATINGS_EXPORT_DIR"}

    class Options(plugins.Options):
        #: where the files go (default RATINGS_EXPORT_DIR, var/ratings-export)
        directory: Path | None = None
        #: HMAC-SHA256 key shared with the receiver (default: derived from SECRET_KEY)
        key: str = ""

    @property
    def directory(self) -> Path:
        return Path(self.options.directory or Path(settings.VAR_DIR) / "ratings-export")

    def check(self) -> list[str]:
        problem = _writable_problem(self.directory)
        return [f"the export directory cannot be used: {problem}."] if problem else []

    def signing_key(self) -> bytes:
        return _signing_key(self.options.key)

    def deliver(self, day_iso: str, document: dict[str, Any], body: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"ratings-{day_iso}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        return str(path)


@EXPORTERS.register("http")
class HttpExporter(Exporter):
    """POST to the provincial system, bearer token, HMAC signature header."""

    class Options(plugins.Options):
        #: the provincial system's address (http or https)
        url: str = ""
        #: bearer token sent in the Authorization header
        token: str = ""
        #: HMAC-SHA256 key shared with the receiver (default: derived from SECRET_KEY)
        key: str = ""
        #: seconds to wait
        timeout: float = Field(default=30, gt=0, le=300)
        #: our channel → the province's channel code, where it differs from the default table
        channel_codes: dict[str, str] = Field(default_factory=dict)

    def check(self) -> list[str]:
        if not self.options.url.startswith(("https://", "http://")):
            return ["RATINGS_EXPORT_PROVIDER_OPTIONS needs the provincial system's http(s) url."]
        return []

    def signing_key(self) -> bytes:
        return _signing_key(self.options.key)

    def channel_code(self, channel: str) -> str:
        return self.options.channel_codes.get(channel) or super().channel_code(channel)

    def deliver(self, day_iso: str, document: dict[str, Any], body: bytes) -> str:
        o = self.options
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Yiwang-Signature": "sha256=" + document["signature"]["value"],
        }
        if o.token:
            headers["Authorization"] = f"Bearer {o.token}"
        try:
            r = requests.post(o.url, data=body, headers=headers, timeout=o.timeout)
        except requests.RequestException as exc:
            raise ExportError(f"the provincial system could not be reached: {type(exc).__name__}") from exc
        if not 200 <= r.status_code < 300:
            raise ExportError(f"the provincial system answered {r.status_code}")
        return f"{o.url} {r.status_code}"


def record(rating: Rating, exporter: Exporter) -> dict[str, Any]:
    """One rating in the national fields."""
    org = rating.organisation
    return {
        "id": rating.pk,
        "case_number": rating.case_number,
        "item_code": rating.item.item_code if rating.item_id else "",
        "item_version": rating.item_version,
        "item_name": rating.item_name,
        "department_code": org.credit_code,
        "department_name": org.name,
        "region_code": org.division.code,
        "hall": rating.hall.name if rating.hall_id else "",
        "window": rating.window.number if rating.window_id else "",
        "channel": exporter.channel_code(rating.channel),
        "channel_name": rating.channel,
        "kind": rating.kind,
        "stage": rating.stage,
        "mode": rating.mode,
        "level": rating.level,
        "indicators": {"overall": rating.level, **rating.indicators},
        "reasons": list(rating.reasons),
        "comment": rating.comment,
        "evaluated_staff": [
            {"account": s.user.get_username(), "name": s.name, "role": s.role} for s in rating.staff.all()
        ],
        "real_name": rating.person_id is not None,
        "default": rating.is_default,
        "excluded": rating.excluded,
        "work_order": rating.work_order,
        "rated_at": timezone.localtime(rating.rated_at).isoformat(),
    }


def document_for(day, exporter: Exporter) -> dict[str, Any]:
    qs = (
        Rating.objects.filter(day=day)
        .select_related("item", "organisation__division", "hall", "window")
        .prefetch_related("staff__user")
        .order_by("pk")
    )
    records = [record(r, exporter) for r in qs.iterator(chunk_size=2000)]
    doc: dict[str, Any] = {"day": day.isoformat(), "count": len(records), "records": records}
    doc["signature"] = {"alg": "HMAC-SHA256", "value": sign(doc, exporter.signing_key())}
    return doc


def run(day, *, force: bool = False) -> ExportRun:
    """Exports one day through the active provider, once (again only with `force`); the run says how it went."""
    exporter = EXPORTERS.get()
    provider = exporter.key or "file"
    done = ExportRun.objects.filter(day=day, provider=provider).first()
    if done is not None and done.state == ExportState.DONE and not force:
        return done
    document = document_for(day, exporter)
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    fields = {"count": document["count"], "digest": hashlib.sha256(body).hexdigest(), "at": timezone.now()}
    try:
        location = exporter.deliver(day.isoformat(), document, body)
        fields.update(state=ExportState.DONE, location=location[:300], error="")
    except (ExportError, OSError) as exc:
        fields.update(state=ExportState.FAILED, location="", error=str(exc)[:2000])
    run_row, _created = ExportRun.objects.update_or_create(day=day, provider=provider, defaults=fields)
    return run_row
