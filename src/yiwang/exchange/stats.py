"""Exchange statistics from the daily rollups (`CallDay`), never from the call log itself: a page's cost depends on
days × consumers × services, not on how many calls were made (100 million calls read as fast as a thousand)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from yiwang.orgs.models import Organisation

from .models import LATENCY_BUCKETS, CallDay, DataCall, DataResource

SUMS = ("calls", "ok", "not_found", "denied", "failed", "latency_ms", "request_bytes", "response_bytes")
BUCKETS = [f"lat_{b}" for b in LATENCY_BUCKETS] + ["lat_slow"]
MAX_DAYS = 366


@dataclass
class Filter:
    since: dt.date
    until: dt.date
    provider: int | None = None
    consumer: int | None = None
    resource: int | None = None


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=29), today


def scoped(orgs: list[int] | None, f: Filter) -> QuerySet[CallDay]:
    """Rollup rows in the range, limited to calls the caller's organisations made or answered (None: all)."""
    qs = CallDay.objects.filter(day__gte=f.since, day__lte=f.until)
    if orgs is not None:
        qs = qs.filter(Q(provider_id__in=orgs) | Q(consumer_id__in=orgs))
    if f.provider:
        qs = qs.filter(provider_id=f.provider)
    if f.consumer:
        qs = qs.filter(consumer_id=f.consumer)
    if f.resource:
        qs = qs.filter(resource_id=f.resource)
    return qs


def _row(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: int(values.get(k) or 0) for k in (*SUMS, *BUCKETS)}
    out["latency_max_ms"] = int(values.get("latency_max_ms") or 0)
    calls = out["calls"]
    out["failures"] = out["failed"]
    out["avg_ms"] = round(out["latency_ms"] / calls, 1) if calls else 0.0
    out["p95_ms"] = p95(out)
    out["failure_rate"] = round(100 * out["failed"] / calls, 2) if calls else 0.0
    return out


def p95(row: dict[str, Any]) -> int | None:
    """The upper bound of the latency bucket holding the 95th percentile (None when the slowest bucket: > 1 s)."""
    total = sum(int(row.get(b) or 0) for b in BUCKETS)
    if not total:
        return 0
    seen = 0
    for bound, name in zip(LATENCY_BUCKETS, BUCKETS, strict=False):
        seen += int(row.get(name) or 0)
        if seen >= 0.95 * total:
            return bound
    return None


def _aggregate(qs: QuerySet[CallDay], group: list[str]) -> list[dict[str, Any]]:
    annotations = {k: Sum(k) for k in (*SUMS, *BUCKETS)}
    annotations["latency_max_ms"] = Max("latency_max_ms")
    if not group:
        return [_row(qs.aggregate(**annotations))]
    return [{**{g: r[g] for g in group}, **_row(r)} for r in qs.values(*group).annotate(**annotations).order_by(*group)]


def totals(orgs: list[int] | None, f: Filter) -> dict[str, Any]:
    return _aggregate(scoped(orgs, f), [])[0]


def by_day(orgs: list[int] | None, f: Filter) -> list[dict[str, Any]]:
    rows = {r["day"]: r for r in _aggregate(scoped(orgs, f), ["day"])}
    out = []
    day = f.since
    while day <= f.until:
        out.append(rows.get(day) or {"day": day, **_row({})})
        day += dt.timedelta(days=1)
    return out


def _named(rows: list[dict[str, Any]], key: str, model: Any, label: str = "name") -> list[dict[str, Any]]:
    ids = [r[key] for r in rows]
    names = dict(model.objects.filter(pk__in=ids).values_list("pk", label))
    for r in rows:
        r["name"] = names.get(r[key], str(r[key]))
    return sorted(rows, key=lambda r: (-r["calls"], r["name"]))


def by_resource(orgs: list[int] | None, f: Filter) -> list[dict[str, Any]]:
    rows = _aggregate(scoped(orgs, f), ["resource_id"])
    rows = _named(rows, "resource_id", DataResource)
    codes = dict(DataResource.objects.filter(pk__in=[r["resource_id"] for r in rows]).values_list("pk", "code"))
    for r in rows:
        r["code"] = codes.get(r["resource_id"], "")
    return rows


def by_consumer(orgs: list[int] | None, f: Filter) -> list[dict[str, Any]]:
    return _named(_aggregate(scoped(orgs, f), ["consumer_id"]), "consumer_id", Organisation)


def by_provider(orgs: list[int] | None, f: Filter) -> list[dict[str, Any]]:
    return _named(_aggregate(scoped(orgs, f), ["provider_id"]), "provider_id", Organisation)


def recent_calls(orgs: list[int] | None, *, side: str = "provider", before: int | None = None, limit: int = 50):
    """The newest calls the caller's organisations answered (side "provider") or made ("consumer")."""
    column = "provider_id" if side == "provider" else "consumer_id"
    qs = DataCall.objects.all()
    if orgs is not None:
        qs = qs.filter(**{f"{column}__in": orgs})
    if before:
        qs = qs.filter(id__lt=before)
    return list(
        qs.select_related("consumer", "provider", "resource", "client").order_by("-requested_at", "-id")[:limit]
    )


def calls_about(subject_hashes: list[str], limit: int = 20) -> list[DataCall]:
    """The newest calls about one data subject (My Space: who looked up my data and why)."""
    hashes = [h for h in subject_hashes if h]
    if not hashes:
        return []
    return list(
        DataCall.objects.filter(subject_hash__in=hashes)
        .select_related("consumer", "resource", "provider")
        .order_by("-requested_at")[:limit]
    )
