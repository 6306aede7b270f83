"""A case's result document (e-license) seen from the cases side, through a hook the result's module fills.

Cases never import the licenses module (it depends on cases); instead the licenses app registers a
`ResultProvider` when it loads, and the case pages ask through these functions:

- `problems(case)`: why approving this case now would leave it without its e-license (type mapping, issuer,
  signing key, holder kind) — the approver is warned before approving;
- `retry(case, who)`: issue the result again after the cause was fixed; the outcome is recorded on the case as
  a "license_issued" or "license_not_issued" event naming who retried;
- `seal(organisation)`: the organisation's e-seal as SVG, printed on its decision notices;
- `describe(identifier)`: the issued license's certificate number and name, printed on the decision notice.

Without a provider every answer is empty: nothing to warn about, nothing to retry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yiwang.core.plugins import Hook


@dataclass(frozen=True)
class ResultProvider:
    problems: Callable[[Any], list[str]]
    retry: Callable[[Any, Any], str]
    seal: Callable[[Any], str]
    describe: Callable[[str], dict[str, str]]


PROVIDERS: Hook[ResultProvider] = Hook(
    "cases.results",
    entry_type=ResultProvider,
    doc="The module issuing a case's result document (e-licenses): pre-check, retry, seal, description.",
)


def problems(case: Any) -> list[str]:
    """Why the case's result could not be issued if it were approved now ([] when it could, or no provider)."""
    out: list[str] = []
    for p in PROVIDERS:
        out.extend(p.problems(case))
    return out


def retry(case: Any, who: Any) -> str:
    """Issues the result of an approved case again as `who` (a cases.services.Who); the identifier, or "" (the
    reason is on the case, recorded by the provider)."""
    for p in PROVIDERS:
        found = p.retry(case, who)
        if found:
            return found
    return ""


def seal(organisation: Any) -> str:
    for p in PROVIDERS:
        svg = p.seal(organisation)
        if svg:
            return svg
    return ""


def describe(identifier: str) -> dict[str, str]:
    if not identifier:
        return {}
    for p in PROVIDERS:
        found = p.describe(identifier)
        if found:
            return found
    return {}


def not_issued_reason(case: Any) -> str:
    """The reason recorded by the last "license_not_issued" event, when the result is still missing."""
    if getattr(case, "result_license", "") or case.version.result_type != "license":
        return ""
    last = case.events.filter(action__in=("license_issued", "license_not_issued")).order_by("-seq").first()
    if last is None or last.action != "license_not_issued":
        return ""
    return str((last.data or {}).get("reason", ""))
