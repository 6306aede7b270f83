"""The matrix engine: walks the routes, fills their paths from the world, sends each actor's request in a savepoint
that is rolled back, classifies the answer, and checks that a refused write changed nothing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

from .expectations import ADMIN_SIGN_IN, AUTH, DENY, HIDDEN, MISSING, OK, SIGN_IN, Row

# Tables whose rows change on any request (sessions, their activity, throttling) and say nothing about whether
# a refused request acted on a record.
NOISY_TABLES = {"django_session", "identity_usersession", "axes_accessattempt", "axes_accesslog", "core_ratecounter"}


def page_patterns() -> Iterator[str]:
    """Every URL pattern reachable from the root URLconf, as its route text (admin's catch-all included)."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[str]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    yield from walk(get_resolver(), "")


def api_operations() -> Iterator[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every API operation."""
    from yiwang.api import api

    for path, ops in api.get_openapi_schema()["paths"].items():
        for method in ops:
            yield method.upper(), path


def classify(response: HttpResponse) -> str:
    """ok: authorisation passed (2xx, a redirect that is not to the sign-in page, or 400/422: the body was judged);
    auth: 401 or a redirect to sign in; deny: 403; hidden: 404."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = response.get("Location", "").split("?")[0]
        return AUTH if target.endswith(SIGN_IN) or target.endswith(ADMIN_SIGN_IN) else OK
    if 200 <= status < 300 or status in (400, 422):
        return OK
    return {401: AUTH, 403: DENY, 404: HIDDEN}.get(status, f"status {status}")


def fill(row: Row, world, actor: str, missing: bool = False) -> str:
    """The row's path with each parameter taken from the world (or a value nobody holds, for the guess check)."""
    path = row.path

    def value(match: re.Match) -> str:
        name = match.group("name")
        if missing and name in row.guess:
            return str(MISSING[name](world, actor) if callable(MISSING[name]) else MISSING[name])
        source = row.params.get(name, name)
        return str(source(world, actor) if callable(source) else PARAMS[source](world, actor))

    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, path)
    path = re.sub(r"\{(?P<name>\w+)\}", value, path)
    return "/" + path.lstrip("/")


def _rec(key: str, attr: str):
    return lambda w, _a: getattr(w.rec[key], attr)


# Where each path parameter comes from, by name (a row may name another source).
PARAMS: dict[str, Any] = {
    "item_code": _rec("item", "item_code"),
    "case_number": _rec("case_a", "case_number"),
    "case_e": _rec("case_e", "case_number"),
    "material_id": _rec("material", "pk"),
    "case_material": _rec("case_material", "pk"),
    "enterprise_id": _rec("enterprise", "pk"),
    "agent_id": _rec("agent", "pk"),
    "identifier": _rec("license_a", "identifier"),
    "license_e": _rec("license_e", "identifier"),
    "notice": _rec("notice", "number"),
    "version_number": lambda w, _a: 1,
    "draft_number": _rec("draft", "number"),
    "pk": _rec("machine_client", "pk"),
    "sub_id": _rec("subscription", "pk"),
    "session_id": _rec("session_a", "pk"),
    "step": _rec("step_a", "pk"),
    "organisation_id": _rec("handling", "pk"),
    "code": lambda w, _a: w.rec["handling"].division.code,
    "date": lambda w, _a: w.rec["special_day"].date.isoformat(),
    "category": lambda w, _a: "profile",
    "action": lambda w, _a: "claim",
    "uidb64": lambda w, _a: "MQ",
    "token": lambda w, _a: "bad-token",
    "ref": lambda w, a: _ref(w, a, w.rec["person_a"].pk),
    "url": lambda w, _a: "",
    "job_id": _rec("import_job", "pk"),
    "wo": _rec("work_order", "number"),
    "wo_photo": _rec("wo_photo", "pk"),
    "kb": _rec("kb_entry", "key"),
    "o311_token": _rec("o311_token", "token"),
    "policy_code": _rec("policy", "code"),
    "round_id": _rec("policy_round", "pk"),
    "grant_id": _rec("policy_grant", "pk"),
}


def _ref(world, actor: str, person_id: int) -> str:
    from yiwang.identity import staff_tools

    return staff_tools.person_ref(world.user_id(actor) or 0, person_id)


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in after if before.get(t) != after[t])


def _tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if not m._meta.proxy} - NOISY_TABLES)


def table_digests() -> dict[str, str]:
    """A digest of every row of every table but the noisy ones (the world is small): equal means unchanged."""
    out = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names
            rows = [repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)) for r in cursor.fetchall()]
            out[table] = hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()
    return out


def _forget_rate_limits() -> None:
    """Rate-limit counters are per client address, and every cell comes from the same one: start each afresh,
    keeping whatever else pages cached."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        store = getattr(cache, "_cache", None)
        if store is None:
            cache.clear()
            continue
        for key in [k for k in list(store) if k.split(":", 2)[-1].startswith("rl:")]:
            cache.delete(key.split(":", 2)[-1])


def send(row: Row, world, actor: str, missing: bool = False, check_writes: bool = False) -> dict[str, Any]:
    """One request in a rolled-back savepoint: its outcome, the response, and (for writes) the tables it changed."""
    _forget_rate_limits()
    client = world.client(actor)
    path = fill(row, world, actor, missing)
    body = row.body(world, actor) if callable(row.body) else row.body
    with transaction.atomic():
        before = table_digests() if check_writes else None
        if row.method == "GET":
            response = client.get(path, body or {})
        elif row.json:
            response = client.generic(row.method, path, json.dumps(body or {}), content_type="application/json")
        elif row.method == "POST":
            response = client.post(path, body or {})
        else:
            response = client.generic(row.method, path)
        changed = changed_tables(before, table_digests()) if before is not None else []
        transaction.set_rollback(True)
    if hasattr(response, "streaming_content") and response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return {
        "outcome": classify(response),
        "status": response.status_code,
        "content": content,
        "path": path,
        "changed": changed,
        "response": response,
    }


def _source(row: Row, name: str) -> Any:
    return row.params.get(name, name)


def reads_record(row: Row, actor: str) -> bool:
    """Whether the actor may read the record the row's guessed parameters name (a GET row naming the same record
    lets them through): such an actor already knows the record exists, so a 403 tells them nothing new."""
    from .expectations import ROWS

    for other in ROWS:
        shared = set(other.guess) & set(row.guess)
        if other.method != "GET" or not shared or other.expect.get(actor) != OK:
            continue
        if all(_source(other, n) == _source(row, n) for n in shared):
            return True
    return False


def guess_values(row: Row, world, actor: str, missing: bool) -> list[str]:
    """The values the row's guessed parameters take (the longest first, so none is replaced inside another)."""
    out = []
    for name in row.guess:
        if missing:
            v = MISSING[name]
            out.append(str(v(world, actor) if callable(v) else v))
        else:
            source = row.params.get(name, name)
            out.append(str(source(world, actor) if callable(source) else PARAMS[source](world, actor)))
    return sorted(out, key=len, reverse=True)


def _normalise(row: Row, content: bytes, *values: str) -> bytes:
    """The body with the row's own path (whatever its parameters) and the guessed values blanked out."""
    from urllib.parse import quote

    literals = re.split(r"<[^>]+>|\{\w+\}", "/" + row.path.lstrip("/"))
    pattern = "[^/\"'?&<]+".join(re.escape(part) for part in literals)
    content = re.sub(pattern.encode(), b"<path>", content)
    for v in values:
        if len(v) >= 6:  # a short id ("1") would match everywhere: the path around it is blanked whole above
            content = content.replace(v.encode(), b"<value>").replace(quote(v).encode(), b"<value>")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def check_row(row: Row, world, actors=None) -> tuple[list[str], dict[str, str]]:
    """Sends the row for every actor; returns the mismatches (empty when the row holds) and the outcomes seen."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for actor in actors or row.expect:
        expected = row.expect[actor]
        refused = expected != OK
        try:
            res = send(row, world, actor, check_writes=row.writes and refused and row.watch_writes)
        except Exception as exc:  # a 500: the test client re-raises the view's exception
            problems.append(f"{row.key} as {actor}: raised {type(exc).__name__}: {exc}")
            seen[actor] = "error"
            continue
        seen[actor] = res["outcome"]
        if res["outcome"] != expected:
            problems.append(
                f"{row.key} as {actor}: expected {expected}, got {res['outcome']} ({res['status']} {res['path']}"
                f"{' → ' + res['response'].get('Location', '') if res['status'] in (301, 302, 303) else ''})"
            )
        if res["changed"]:
            problems.append(f"{row.key} as {actor}: refused ({res['outcome']}) but changed {res['changed']}")
        if expected == DENY and res["outcome"] == DENY and row.guess and not reads_record(row, actor):
            gone = send(row, world, actor, missing=True)
            if gone["outcome"] != DENY:
                problems.append(
                    f"{row.key} as {actor}: 403 here but {gone['status']} for a missing id: the refusal reveals "
                    "that a record the actor cannot read exists"
                )
        if expected == HIDDEN and res["outcome"] == HIDDEN and row.guess:
            gone = send(row, world, actor, missing=True)
            a = _normalise(row, res["content"], *guess_values(row, world, actor, False))
            b = _normalise(row, gone["content"], *guess_values(row, world, actor, True))
            same_type = res["response"].get("Content-Type") == gone["response"].get("Content-Type")
            if gone["status"] != res["status"] or not same_type or a != b:
                problems.append(
                    f"{row.key} as {actor}: the 404 for a guessed id differs from the 404 for a missing one "
                    f"({res['status']} vs {gone['status']})"
                )
    return problems, seen
