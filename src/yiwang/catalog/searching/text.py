"""Turning catalog text and queries into index tokens: Chinese words (jieba), pinyin and initials.

A document token is one of:
- a Chinese word from jieba's search mode ("营业执照", "营业", "执照") or a single Chinese character;
- the full pinyin ("yingyezhizhao") and the initials ("yyzz") of each Chinese word;
- a latin/digit word as typed ("icp", "b2");
- an exact-match token "=<whole text>" (also in full pinyin and initials), so a query that is
  exactly an item's name or colloquial name wins outright.

Queries are not cut by jieba: they are segmented against the index vocabulary itself (fewest known
pieces), so "yyzzbiangeng", "营业执" or "yyzz变更" meet the same tokens the documents produced.
All functions here are pure; the caches only save repeated work on the many identical names a
catalog has (the same base item is implemented in every county).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

EXACT = "="
TOTAL_TOKEN = "#all"  # noqa: S105 -- SearchTerm row whose df is the number of indexed entries
MAX_TOKEN = 64
# Field forms of a word: bare for names and colloquial names, "m:" in materials, "d:" in the department.
MATERIAL_PREFIX = "m:"
DEPARTMENT_PREFIX = "d:"
FIELD_PREFIXES = (MATERIAL_PREFIX, DEPARTMENT_PREFIX)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEPARATORS = re.compile(rf"[^0-9a-z{_CJK}]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_CJK_RUN = re.compile(rf"[{_CJK}]+")

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    """jieba, initialised once per process (it builds its prefix dictionary on first use)."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(30)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def warm_up() -> None:
    """Loads jieba's and pypinyin's dictionaries now (1–3 s) rather than in a user's first search.

    Called once per server worker after it starts (gunicorn post_fork hook) and by the benchmark;
    only per-process dictionaries are loaded, nothing of the index.
    """
    from pypinyin import Style, lazy_pinyin

    jieba = _jieba()
    jieba.lcut("营业执照变更登记")
    list(jieba.cut_for_search("居民身份证申领"))
    lazy_pinyin("营业执照", style=Style.NORMAL)
    lazy_pinyin("营业执照", style=Style.FIRST_LETTER)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, ü as v (as pinyin keyboards type it)."""
    return unicodedata.normalize("NFKC", text or "").lower().replace("ü", "v").strip()


def compact(text: str) -> str:
    """The normalised text without spaces and punctuation: the form exact tokens are made of."""
    return _SEPARATORS.sub("", normalise(text))


def has_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))


@lru_cache(maxsize=200_000)
def pinyin_of(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a run of Chinese characters: 营业执照 → (yingyezhizhao, yyzz)."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore", v_to_u=False))
    initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore"))
    return full.replace("ü", "v"), initials


@lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """jieba search-mode words of a normalised text (long words and their parts), in order."""
    out: list[str] = []
    for piece in _SEPARATORS.split(text):
        if piece:
            out.extend(w for w in _jieba().cut_for_search(piece) if w.strip())
    return tuple(out)


@lru_cache(maxsize=200_000)
def precise_words(text: str) -> tuple[str, ...]:
    """jieba precise-mode words (no overlapping sub-words) of a normalised text."""
    out: list[str] = []
    for piece in _SEPARATORS.split(text):
        if piece:
            out.extend(w for w in _jieba().lcut(piece) if w.strip())
    return tuple(out)


@lru_cache(maxsize=100_000)
def text_tokens(text: str, *, chars: bool, pinyin: str, exact: bool) -> tuple[tuple[str, float], ...]:
    """Tokens of one text with their relative weight (1.0 for a Chinese word).

    chars: also index single Chinese characters (names and aliases, so partial words match);
    pinyin: "all" (full pinyin and initials), "full" or "none";
    exact: add the "=" exact-match tokens of the whole text.
    """
    norm = normalise(text)
    out: dict[str, float] = {}

    def add(token: str, weight: float) -> None:
        if token and len(token) <= MAX_TOKEN and weight > out.get(token, 0.0):
            out[token] = weight

    whole_words = set(precise_words(norm)) if pinyin == "all" else set()
    for word in words(norm):
        if has_cjk(word):
            if len(word) >= 2:
                add(word, 1.0)
                if pinyin != "none":
                    full, initials = pinyin_of(word)
                    add(full, 0.9)
                    if word in whole_words:  # initials of the words as cut, not of every sub-word
                        add(initials, 0.8)
            else:
                add(word, 0.5)  # a one-character word jieba kept on its own (开, 办, 犬)
        else:
            add(word, 0.9)
    if chars:
        for ch in _CJK_CHAR.findall(norm):
            add(ch, 0.3)
    if exact:
        whole = compact(norm)
        add(EXACT + whole, 1.0)
        if has_cjk(whole):
            runs = _CJK_RUN.split(whole)
            cjk = "".join(_CJK_RUN.findall(whole))
            if not "".join(runs):  # all Chinese: pinyin forms of the whole text too
                full, initials = pinyin_of(cjk)
                add(EXACT + full, 0.9)
                add(EXACT + initials, 0.8)
    return tuple(out.items())


@lru_cache(maxsize=50_000)
def surfaces(text: str) -> tuple[tuple[str, str], ...]:
    """(token, surface) pairs of a text: which word or character of it each token stands for.

    Used to highlight the words a query matched and to tell which colloquial names matched.
    """
    norm = normalise(text)
    pairs: list[tuple[str, str]] = []
    for word in words(norm):
        pairs.append((word, word))
        if has_cjk(word) and len(word) >= 2:
            full, initials = pinyin_of(word)
            pairs += [(full, word), (initials, word)]
    for ch in _CJK_CHAR.findall(norm):
        pairs.append((ch, ch))
    whole = compact(norm)
    pairs.append((EXACT + whole, text))
    if whole and has_cjk(whole) and not _CJK_RUN.sub("", whole):
        full, initials = pinyin_of(whole)
        pairs += [(EXACT + full, text), (EXACT + initials, text)]
    return tuple(pairs)


def matched_surfaces(text: str, query_tokens: set[str] | frozenset[str]) -> list[str]:
    """The words of `text` that the query tokens matched, longest first."""
    found = {surface for token, surface in surfaces(text) if token in query_tokens}
    return sorted(found, key=len, reverse=True)


def query_segments(query: str, limit: int = 64) -> list[str]:
    """The normalised pieces of a query between spaces and punctuation (at most `limit` characters)."""
    norm = normalise(query)[:limit]
    return [s for s in _SEPARATORS.split(norm) if s]


def substrings(segment: str, max_len: int = 24) -> set[str]:
    """Every substring of a query segment a vocabulary token could be (bounded length)."""
    n = len(segment)
    return {segment[i:j] for i in range(n) for j in range(i + 1, min(n, i + max_len) + 1)}


def segment(text: str, vocabulary: dict[str, int]) -> list[str]:
    """Splits a query segment into the fewest known tokens; unknown characters are skipped.

    Dynamic programming over the segment: a known piece costs 1, a skipped character 2; among
    equal costs the split with longer pieces wins ("yingyezhizhao" stays whole rather than four
    syllables, "营业执照" rather than 营业 + 执照).
    """
    n = len(text)
    inf = (10**9, 0)
    best: list[tuple[int, int]] = [inf] * (n + 1)
    back: list[tuple[int, bool]] = [(0, False)] * (n + 1)
    best[0] = (0, 0)
    for i in range(1, n + 1):
        cost, neg_sq = best[i - 1]
        candidate = (cost + 2, neg_sq)
        if candidate < best[i]:
            best[i], back[i] = candidate, (i - 1, False)
        for j in range(max(0, i - 24), i):
            piece = text[j:i]
            if piece in vocabulary and best[j][0] < inf[0]:
                cost, neg_sq = best[j]
                candidate = (cost + 1, neg_sq - len(piece) ** 2)
                if candidate < best[i]:
                    best[i], back[i] = candidate, (j, True)
    pieces: list[str] = []
    i = n
    while i > 0:
        j, known = back[i]
        if known:
            pieces.append(text[j:i])
        i = j
    return list(reversed(pieces))
