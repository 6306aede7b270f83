"""What the city and department dashboards show, as one JSON document (the page's script draws it; the same
figures are in tables on the page for screen readers and phones)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from yiwang.cases.states import channel_label

from . import indicators
from .indicators import Window


def data(org_ids: list[int] | None, days: int = 30, today: dt.date | None = None) -> dict[str, Any]:
    """Cases per day, the on-time trend, divisions, top items, channels, ratings, work in hand, today's hours."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    w = Window(start=start, end=today)
    by_org = indicators.table(org_ids, Window(start=start, end=today, group="organisation"), catalog=False)
    by_div = indicators.table(org_ids, Window(start=start, end=today, group="division"), catalog=False)
    by_item = indicators.table(org_ids, Window(start=start, end=today, group="item"), catalog=False)
    by_channel = indicators.table(org_ids, Window(start=start, end=today, group="channel"), catalog=False)
    total = by_org["total"]
    return {
        "start": start.isoformat(),
        "end": today.isoformat(),
        "kpi": {
            "received": total["received"],
            "concluded": total["concluded"],
            "on_time_rate": total["on_time_rate"],
            "avg_work_days": total["avg_work_days"],
            "avg_promised_days": total["avg_promised_days"],
            "avg_statutory_days": total["avg_statutory_days"],
            "satisfaction_rate": total["satisfaction_rate"],
            "ratings": total["ratings"],
            "red": total.get("red", 0),
            "yellow": total.get("yellow", 0),
        },
        "days": indicators.series(org_ids, w),
        "hours_today": indicators.hours_today(org_ids, today),
        "divisions": [
            {"name": r["label"], "received": r["received"], "on_time_rate": r["on_time_rate"]}
            for r in sorted(by_div["rows"], key=lambda r: -r["received"])[:15]
        ],
        "departments": [
            {"id": r["key"], "name": r["label"], "received": r["received"], "on_time_rate": r["on_time_rate"]}
            for r in sorted(by_org["rows"], key=lambda r: -r["received"])[:15]
        ],
        "items": [{"name": r["label"], "received": r["received"]} for r in by_item["rows"][:10]],
        "channels": [
            {"name": channel_label(r["key"]) if r["key"] else "—", "received": r["received"]}
            for r in by_channel["rows"]
            if r["received"]
        ],
        "ratings": {
            "count": total["ratings"],
            "bad": total["bad_ratings"],
            "good": total["ratings"] - total["bad_ratings"],
            "rectified": total["rectified"],
        },
        "open": [{"name": r["name"], "open": r["n"]} for r in indicators.open_by_department(org_ids)],
    }
