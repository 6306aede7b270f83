"""Hall pages: public (hall, calling screen, phone number, kiosk), booking and My Space, the window and manager
workbench, on-site surveys. Views stay thin: reads in `queries`, writes in `services`, rules in `access`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from yiwang.core.errors import Problem

# Field names that are also dict methods would shadow them in templates ({{ problems.items }}).
_RESERVED = {"items", "keys", "values", "get", "update"}


def problem_map(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages per top-level field, for templates (a field named like a dict method gets a trailing "_")."""
    out: dict[str, list[str]] = {}
    for p in problems:
        key = p.field.split(".")[0]
        out.setdefault(key + "_" if key in _RESERVED else key, []).append(str(p))
    return out


def live_json(request: HttpRequest, payload: dict[str, Any]) -> HttpResponse:
    """JSON for a polling page: 304 when the page already shows this version (If-None-Match)."""
    etag = f'"{payload["version"]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response
