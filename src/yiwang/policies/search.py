"""Searching the policy library like the catalog: Chinese words (jieba), colloquial keywords, pinyin and initials.

The catalog's tokeniser (catalog.searching.text) turns a version's title, keywords, summary, issuing department and
document number into tokens when it is published; they are kept on the version as "field:token" words. A query is
cut against the library's own vocabulary (so "buzhu", "bz", "稳岗补" meet the same tokens) and the versions are
ranked by how many of its pieces they hold, then by field weight (title, keywords, summary, department).
A library holds hundreds to a few thousand policies: one indexed read of the published versions' tokens suffices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.catalog.searching.text import query_segments, segment, text_tokens

FIELD_WEIGHTS = {"t": 3.0, "k": 2.5, "d": 1.5, "s": 1.0}


def tokens_of(version: Any) -> str:
    """The search words of a version: "t:" title, "k:" keywords, "d:" department and document number, "s:" summary."""
    parts: dict[str, str] = {
        "t": version.title,
        "k": version.keywords.replace(",", " ").replace("，", " "),
        "d": f"{version.policy.organisation.name} {version.doc_number}",
        "s": version.summary,
    }
    words: dict[str, float] = {}
    for prefix, text in parts.items():
        for token, weight in text_tokens(text or "", chars=prefix == "t", pinyin="all", exact=False):
            key = f"{prefix}:{token}"
            words[key] = max(words.get(key, 0.0), weight)
    return " ".join(f"{k}^{w:.2f}" for k, w in sorted(words.items()))


@dataclass
class Hit:
    version_id: int
    score: float
    matched: int


def parse_tokens(text: str) -> dict[str, float]:
    """token (without field) → best field-weighted score."""
    out: dict[str, float] = {}
    for word in (text or "").split():
        head, _, weight = word.rpartition("^")
        field, _, token = head.partition(":")
        score = FIELD_WEIGHTS.get(field, 1.0) * float(weight or 1)
        if score > out.get(token, 0.0):
            out[token] = score
    return out


def rank(query: str, rows: list[tuple[int, str]], limit: int = 200) -> list[Hit]:
    """The versions of `rows` ((id, tokens)) matching `query`, best first; every query piece counts once."""
    docs = {vid: parse_tokens(tokens) for vid, tokens in rows}
    vocabulary: dict[str, int] = {}
    for words in docs.values():
        for token in words:
            vocabulary[token] = vocabulary.get(token, 0) + 1
    pieces: list[str] = []
    for seg in query_segments(query):
        pieces += segment(seg, vocabulary)
    pieces = list(dict.fromkeys(pieces))
    if not pieces:
        return []
    needed = max(1, (len(pieces) + 1) // 2)
    hits = []
    for vid, words in docs.items():
        found = [words[p] for p in pieces if p in words]
        if len(found) >= needed:
            hits.append(Hit(vid, sum(found), len(found)))
    hits.sort(key=lambda h: (-h.matched, -h.score, h.version_id))
    return hits[:limit]


def find(query: str = "", *, target: str = "", industry: str = "", limit: int = 200) -> list[Any]:
    """Published versions in force matching the query (all of them, newest first, when it is empty), filtered by
    target and by industry (a section or division: policies naming it, its section, or no industry at all)."""
    from . import industries as table
    from .matching import in_force

    qs = in_force(target or None)
    versions = list(qs.order_by("-published_at", "-id")[:2000])
    if industry:
        found = table.table().get(industry)
        if found is not None:
            wanted = {industry, found.section}
            versions = [v for v in versions if not v.industries or wanted & set(v.industries)]
    if not (query or "").strip():
        return versions[:limit]
    by_id = {v.pk: v for v in versions}
    hits = rank(query, [(v.pk, v.tokens) for v in versions], limit=limit)
    return [by_id[h.version_id] for h in hits]
