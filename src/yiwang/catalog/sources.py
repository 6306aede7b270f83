"""Material sources other modules provide (license types, shared data resources): a hook.

The catalog depends on nothing above it: the licenses and exchange modules contribute a `SourceKind` to
`MATERIAL_SOURCES` when they load, and the catalog validates and names a material's source through it:

    MATERIAL_SOURCES.add("license", SourceKind(key="license", exists=..., label=..., labels=...))

A provider may also check a version whose result is one of its codes (`result_problems`): the licenses module
refuses, at publishing, a result license whose fields the version cannot fill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yiwang.core.plugins import Hook


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


MATERIAL_SOURCES: Hook[SourceKind] = Hook(
    "catalog.material_sources",
    entry_type=SourceKind,
    doc="Where a catalog material can come from besides an upload (license types, shared data resources).",
)


def register(kind: SourceKind, *, order: int = 100) -> SourceKind:
    """Contributes `kind` under its own key (the same as MATERIAL_SOURCES.add(kind.key, kind))."""
    return MATERIAL_SOURCES.add(kind.key, kind, order=order)


def get(key: str) -> SourceKind | None:
    return MATERIAL_SOURCES.get(key)


def missing(key: str, codes: set[str]) -> set[str]:
    """Codes of `key` that no registered provider knows (all of them when nobody provides `key`)."""
    kind = MATERIAL_SOURCES.get(key)
    if kind is None or not codes:
        return set(codes)
    return set(codes) - kind.exists(set(codes))


def labels(key: str, codes: set[str]) -> dict[str, str]:
    """Names of `codes` of `key` ({code: name}); unknown codes are left out."""
    kind = MATERIAL_SOURCES.get(key)
    if kind is None or not codes:
        return {}
    if kind.labels is not None:
        return kind.labels(set(codes))
    return {code: name for code in codes if (name := kind.label(code))}


def result_problems(key: str, version: Any, item: Any, memo: dict | None = None) -> list:
    """What the provider of `key` finds wrong with a version resulting in one of its codes ([] without one)."""
    kind = MATERIAL_SOURCES.get(key)
    if kind is None or kind.result_problems is None:
        return []
    return kind.result_problems(version, item, {} if memo is None else memo)
