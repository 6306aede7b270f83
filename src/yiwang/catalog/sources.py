"""Registry of material sources other modules provide (license types, shared data resources).

The catalog depends on nothing above it: the licenses and exchange modules register a lookup
here when they load, and the catalog validates a material's source through it. A provider may also
check a version whose result is one of its codes (`result_problems`): the licenses module refuses,
at publishing, a result license whose fields the version cannot fill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceKind:
    key: str
    exists: Callable[[set[str]], set[str]]  # given codes, returns those that exist
    label: Callable[[str], str | None]  # name of one code, for guides
    # names of many codes in one lookup ({code: name}), so a guide's queries do not grow with its materials
    labels: Callable[[set[str]], dict[str, str]] | None = None
    # Problems of a version whose result is one of these codes: (version, item, memo) → [Problem]. `memo` is a dict
    # shared by one validation run (a bulk import validates thousands of versions with it), for the provider's
    # look-ups.
    result_problems: Callable[[Any, Any, dict], list] | None = None


_registry: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> None:
    _registry[kind.key] = kind


def get(key: str) -> SourceKind | None:
    return _registry.get(key)


def missing(key: str, codes: set[str]) -> set[str]:
    """Codes of `key` that no registered provider knows (all of them when nobody provides `key`)."""
    kind = _registry.get(key)
    if kind is None or not codes:
        return set(codes)
    return set(codes) - kind.exists(set(codes))


def labels(key: str, codes: set[str]) -> dict[str, str]:
    """Names of `codes` of `key` ({code: name}); unknown codes are left out."""
    kind = _registry.get(key)
    if kind is None or not codes:
        return {}
    if kind.labels is not None:
        return kind.labels(set(codes))
    return {code: name for code in codes if (name := kind.label(code))}


def result_problems(key: str, version: Any, item: Any, memo: dict | None = None) -> list:
    """What the provider of `key` finds wrong with a version resulting in one of its codes ([] without one)."""
    kind = _registry.get(key)
    if kind is None or kind.result_problems is None:
        return []
    return kind.result_problems(version, item, {} if memo is None else memo)
