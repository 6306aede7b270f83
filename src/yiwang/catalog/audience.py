"""Who may apply for an item: the one rule the guide shows, the search filters on and the apply command enforces.

An item serves natural persons, legal persons or both (`for_persons`, `for_enterprises`). When its result is a
license, the license type also says who can hold it — a 食品经营许可证 goes to a legal person — and that narrows
the audience: an item resulting in a license only a legal person can hold does not serve natural persons, whatever
its `for_persons` says. The license types live in the licenses module, above the catalog, so it contributes the
holder of a type to `RESULT_HOLDERS`; the apply command (cases.applying) refuses by the same rule, with its own
refusal codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yiwang.core.plugins import Hook

from .models import Audience

HOLDER_PERSON, HOLDER_ENTERPRISE = "person", "enterprise"

ResultHolder = Callable[[str], str | None]
RESULT_HOLDERS: Hook[ResultHolder] = Hook(
    "catalog.result_holders",
    doc='`finder(license_type_code)` → "person" or "enterprise" (who may hold licenses of the type), or None.',
)


def holder_of(result_type: str, license_type_code: str) -> str | None:
    """Who may hold a result of this type and license type code; None when no rule applies."""
    code = (license_type_code or "").strip()
    if result_type != "license" or not code:
        return None
    for finder in RESULT_HOLDERS:
        kind = finder(code)
        if kind:
            return kind
    return None


def result_holder(version: Any) -> str | None:
    """Who may hold the version's result, when the result is a license of a known type; else None (no rule)."""
    return holder_of(getattr(version, "result_type", ""), getattr(version, "result_license_type", ""))


def serves(for_persons: bool, for_enterprises: bool, holder: str | None) -> tuple[bool, bool]:
    """(serves natural persons, serves legal persons) once the result's holder narrowed the declared audience."""
    return bool(for_persons) and holder != HOLDER_ENTERPRISE, bool(for_enterprises) and holder != HOLDER_PERSON


def audiences(version: Any) -> list[str]:
    """The audiences (Audience values) a version really serves: what its guide lists and its door accepts."""
    persons, enterprises = serves(version.for_persons, version.for_enterprises, result_holder(version))
    return [a for a, on in ((Audience.PERSON, persons), (Audience.ENTERPRISE, enterprises)) if on]
