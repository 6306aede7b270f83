"""Registry of material sources other modules provide (license types, shared data resources).

The catalog depends on nothing above it: the licenses and exchange modules register a lookup
here when they load, and the catalog validates a material's source through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceKind:
    key: str
    exists: Callable[[set[str]], set[str]]  # given codes, returns those that exist
    label: Callable[[str], str | None]  # name of one code, for guides


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
