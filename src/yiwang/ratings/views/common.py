"""What the ratings pages share: reading the rating form, rate limits, errors as field → message, the clock."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_ratelimit.core import is_ratelimited

from yiwang.calendar import workdays
from yiwang.cases.queries import clock
from yiwang.core.clientip import ratelimit_key
from yiwang.core.errors import Problem
from yiwang.core.errors import render as render_message

from ..services import Answer
from ..standard import INDICATOR_NAMES, INDICATORS, OVERALL, Channel, Level, Mode, indicator_choices, reason_choices

# Per client address (core.clientip); a hall's shared Wi-Fi may need more (RATINGS_RATES).
RATES = {"rate": "20/m", "complain": "5/m", "lookup": "30/m"}


def rate_for(group: str) -> str:
    return getattr(settings, "RATINGS_RATES", {}).get(group, RATES[group])


def over_limit(request: HttpRequest, group: str) -> bool:
    """Counts this request against the address's limit for `group`; True when over it."""
    return is_ratelimited(request, group=f"ratings.{group}", key=ratelimit_key, rate=rate_for(group), increment=True)


def errors_of(problems: list[Problem]) -> dict[str, str]:
    """Field → the first message about it (a nested field also answers to its head: indicators.attitude)."""
    out: dict[str, str] = {}
    for p in problems:
        message = render_message(p.message, p.params)
        out.setdefault(p.field, message)
        out.setdefault(p.field.split(".")[0], message)
    return out


def answer_from(post: Any, mode: str) -> Answer:
    """The rating form as posted: level, one radio group per indicator (ind-<code>), reasons, comment."""
    indicators = {}
    for code in INDICATORS[mode]:
        if code == OVERALL:
            continue
        value = post.get(f"ind-{code}", "")
        if value:
            indicators[code] = value
    return Answer(
        level=post.get("level", ""),
        indicators=indicators,
        reasons=post.getlist("reasons") if hasattr(post, "getlist") else list(post.get("reasons", [])),
        comment=post.get("comment", ""),
    )


def form_context(mode: str, post: Any = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the rating form template needs: levels, the mode's indicators and reasons, what was chosen."""
    post = post or {}
    chosen_reasons = set(post.getlist("reasons")) if hasattr(post, "getlist") else set()
    return {
        "mode": mode,
        "mode_label": Mode(mode).label,
        "levels": [(value, label) for value, label in Level.choices],
        "indicators": [
            {"code": code, "label": label, "chosen": str(post.get(f"ind-{code}", ""))}
            for code, label in indicator_choices(mode)
        ],
        "reasons": [
            {"code": code, "label": label, "chosen": code in chosen_reasons} for code, label in reason_choices(mode)
        ],
        "chosen_level": str(post.get("level", "")),
        "comment": post.get("comment", ""),
        "errors": errors or {},
        "overall_label": INDICATOR_NAMES[OVERALL],
        "scores": [5, 4, 3, 2, 1],
    }


def channel_of(request: HttpRequest) -> str:
    """Phone pages are the same pages on a small screen: a phone's browser is the mobile channel."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return Channel.MOBILE if ("Mobi" in agent or "Android" in agent) else Channel.PORTAL


def no_cache(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def clock_of(start, due, now=None, cal=None):
    """Yellow near the limit (CASE_WARNING_FRACTION), red when overdue — the same clock as case steps."""
    cal = cal or workdays.snapshot()
    return clock(cal, timezone.localdate(start), due, now=now)
