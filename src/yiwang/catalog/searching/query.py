# ruff: noqa: S608 -- the SQL below interpolates only table names, placeholder lists and
# numbers computed here; every value from the request is passed as a parameter.
"""Answering a search: vocabulary lookup, candidate selection on rare tokens, ranking in SQL.

A search costs two SQL statements whatever the catalog size:
1. the vocabulary lookup: which substrings of the query are index tokens, with their document
   frequency (df) and the number of indexed entries;
2. the ranked page: candidates from the postings of the rarest query tokens (bounded), scored
   with every query token, filtered, grouped by base item and paged, with the total count.
(A division, organisation or theme filter adds one primary-key lookup to check it exists.)

Score of an entry = Σ idf(t) · weight(t, entry) × coverage², where coverage is the share of the
query's idf the entry matched, so an item matching every word beats one matching a single rare
word strongly. Ties go to SearchEntry.boost (city level first), and to the filtered division.
Implementations of the same base item (same basic code and handling item) are grouped: the best
one is shown with the number of places that implement it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection

from ..models import SearchDoc, SearchEntry, SearchTerm, SearchToken
from .text import (
    DEPARTMENT_PREFIX,
    EXACT,
    FIELD_PREFIXES,
    TOTAL_TOKEN,
    compact,
    matched_surfaces,
    query_segments,
    segment,
    substrings,
)

# Postings read for candidate selection: tokens are taken rarest first while their summed df
# stays under this budget (the rarest one always), and at most CANDIDATES entries are ranked.
POSTING_BUDGET = 2000
CANDIDATES = 400
CANDIDATE_ROWS = 1500
PER_GROUP = 3
MAX_QUERY = 64
MAX_PAGE_SIZE = 50


@dataclass
class Filters:
    """Validated filters; division_path is the materialised path of the division filter."""

    organisation_id: int | None = None
    division_path: str | None = None
    level: int | None = None
    audience: str | None = None
    theme: str | None = None
    online_depth: int | None = None
    max_visits: int | None = None
    catalog_code: str | None = None

    def sql(self, alias: str = "e") -> tuple[list[str], list]:
        where: list[str] = []
        params: list = []
        if self.organisation_id is not None:
            where.append(f"{alias}.organisation_id = %s")
            params.append(self.organisation_id)
        if self.division_path:
            where.append(f"{alias}.division_path LIKE %s")
            params.append(self.division_path + "%")
        if self.level is not None:
            where.append(f"{alias}.level = %s")
            params.append(self.level)
        if self.audience == "person":
            where.append(f"{alias}.for_persons = %s")
            params.append(True)
        elif self.audience == "enterprise":
            where.append(f"{alias}.for_enterprises = %s")
            params.append(True)
        if self.theme:
            where.append(f"{alias}.themes LIKE %s")
            params.append(f"%|{self.theme}|%")
        if self.online_depth is not None:
            where.append(f"{alias}.online_depth = %s")
            params.append(self.online_depth)
        if self.max_visits is not None:
            where.append(f"{alias}.visits_required <= %s")
            params.append(self.max_visits)
        if self.catalog_code:
            where.append(f"{alias}.group_key LIKE %s")
            params.append(self.catalog_code + "_")
        return where, params

    @property
    def any(self) -> bool:
        return any(v not in (None, "") for v in self.__dict__.values())


@dataclass
class Hit:
    """One result line: an entry (the best implementation of its base item) and what matched."""

    entry: SearchEntry
    score: float
    implementations: int
    highlights: list[str] = field(default_factory=list)
    matched_aliases: list[str] = field(default_factory=list)

    query_tokens: frozenset[str] = frozenset()

    def highlights_in(self, text: str) -> list[str]:
        """The words of `text` (a colloquial name, say) the query matched."""
        return matched_surfaces(text, self.query_tokens)

    @property
    def url(self) -> str:
        return f"/items/{self.entry.item_code}/"


@dataclass
class Result:
    query: str
    tokens: list[str]
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    truncated: bool = False  # candidates were capped: the total is a lower bound

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass
class ParsedQuery:
    text: str
    pieces: list[str]  # the query's known words, in order (bare form)
    piece_idf: dict[str, float]  # how telling each word is across the whole catalog
    tokens: dict[str, float]  # every index form of every piece (name/alias, m:, d:, exact) → idf
    dfs: dict[str, int]  # entries holding each form
    docs: dict[str, int]  # shared docs holding each form (posting rows to read)
    piece_of: dict[str, str]  # form → piece ("" for the exact token)
    exact: str | None
    entries: int


def _idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def parse(query: str) -> ParsedQuery:
    """Segments the query against the index vocabulary (one SQL statement).

    A piece is a query word known to the index in any field form: as a name/alias word, a material
    word ("m:" prefix) or a department word ("d:" prefix); each form keeps its own df.
    """
    text = (query or "")[:MAX_QUERY]
    segments = query_segments(text, MAX_QUERY)
    exact = EXACT + compact(text) if segments else None
    subs: set[str] = set()
    for seg in segments:
        subs |= substrings(seg)
    wanted = {TOTAL_TOKEN, *subs, *(p + s for s in subs for p in FIELD_PREFIXES)}
    if exact:
        wanted.add(exact)
    listed = sorted(wanted)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token, df, docs FROM {_table(SearchTerm)} "
            f"WHERE df > 0 AND token IN ({', '.join(['%s'] * len(listed))})",
            listed,
        )
        rows = cursor.fetchall()
    vocab = {token: df for token, df, _docs in rows}
    doc_counts = {token: docs for token, _df, docs in rows}
    n = max(vocab.pop(TOTAL_TOKEN, 0), 1)
    known: dict[str, int] = {}
    for token, df in vocab.items():
        bare = token[2:] if token[:2] in FIELD_PREFIXES else token
        known[bare] = max(known.get(bare, 0), df)
    pieces: list[str] = []
    for seg in segments:
        for piece in segment(seg, known):
            if piece not in pieces:
                pieces.append(piece)
    tokens: dict[str, float] = {}
    piece_of: dict[str, str] = {}
    for piece in pieces:
        for form in (piece, *(p + piece for p in FIELD_PREFIXES)):
            if form in vocab:
                tokens[form] = _idf(vocab[form], n)
                piece_of[form] = piece
    exact_token = exact if exact and exact in vocab else None
    if exact_token:
        tokens[exact_token] = _idf(vocab[exact_token], n)
        piece_of[exact_token] = ""
    return ParsedQuery(
        text=text,
        pieces=pieces,
        piece_idf={p: _idf(known[p], n) for p in pieces},
        tokens=tokens,
        dfs={t: vocab[t] for t in tokens},
        docs={t: doc_counts[t] for t in tokens},
        piece_of=piece_of,
        exact=exact_token,
        entries=n,
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def search(
    query: str,
    filters: Filters | None = None,
    *,
    page: int = 1,
    page_size: int = 20,
    group: bool = True,
    prefer_path: str | None = None,
) -> Result:
    """Runs one search; an empty query lists the filtered catalog (city level first)."""
    filters = filters or Filters()
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    if not (query or "").strip():
        return _browse(query, filters, page, page_size, group, prefer_path)
    parsed = parse(query)
    if not parsed.tokens:
        return Result(query, [], 0, page, page_size, [])
    ranked, truncated = _rank(parsed, filters, prefer_path, group)
    tokens = frozenset([*parsed.pieces, *([parsed.exact] if parsed.exact else [])])
    if group:
        # Ranked best first, so the first class of each base item carries its best line.
        best: dict[str, _Class] = {}
        for cls in ranked:
            best.setdefault(cls.group_key, cls)
        lines = list(best.values())
        total = len(lines)
        window = [(c.best_id, c, c.impl) for c in lines[(page - 1) * page_size : page * page_size]]
    else:
        total = sum(c.count for c in ranked)
        window = _entry_page(ranked, filters, prefer_path, page, page_size)
    entries = SearchEntry.objects.in_bulk([entry_id for entry_id, _c, _n in window])
    hits = []
    for entry_id, cls, n in window:
        e = entries.get(entry_id)
        if e is None:  # removed between the statements
            continue
        hits.append(
            Hit(
                entry=e,
                score=cls.score,
                implementations=n,
                highlights=matched_surfaces(e.name, tokens),
                matched_aliases=[a for a in e.aliases.split("\n") if a and matched_surfaces(a, tokens)],
                query_tokens=tokens,
            )
        )
    return Result(
        query=query,
        tokens=list(parsed.pieces),
        total=total,
        page=page,
        page_size=page_size,
        hits=hits,
        truncated=truncated,
    )


@dataclass
class _Text:
    """A text doc the query matched: its summed weight·idf and the forms it holds."""

    id: int
    group_key: str
    entries: int
    lead: int | None
    lead_boost: float
    raw: float = 0.0
    forms: set[str] = field(default_factory=set)


@dataclass
class _Class:
    """Entries of one text doc that score alike: all of them, or those of one matching department.

    best_* describe the entry shown for the class: the filtered division first, then the boost,
    then the lowest id.
    """

    text: int
    department: int  # 0: the entries whose department matched no query word
    group_key: str
    count: int
    best_id: int
    best_boost: float
    prefer: int
    raw: float = 0.0
    score: float = 0.0
    impl: int = 1  # places offering the base item among all matching classes

    def key(self) -> tuple:
        return (-self.score, -self.prefer, -self.best_boost, self.best_id)


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def _postings(tokens: list[str], doc_ids: list[int] | None = None) -> list[tuple]:
    """(doc, token, weight) rows of these tokens, with the doc's columns; optionally for some docs only."""
    if not tokens or doc_ids == []:
        return []
    sql = (
        f"SELECT c.doc_id, c.token, c.weight, d.group_key, d.entries, d.lead, d.lead_boost "
        f"FROM {_table(SearchToken)} c JOIN {_table(SearchDoc)} d ON d.id = c.doc_id WHERE c.token IN ({_in(tokens)})"
    )
    params: list = list(tokens)
    if doc_ids is not None:
        sql += f" AND c.doc_id IN ({_in(doc_ids)})"
        params += doc_ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rank(
    parsed: ParsedQuery, filters: Filters, prefer_path: str | None, group: bool = True
) -> tuple[list[_Class], bool]:
    """Ranks the classes of entries that match the query's telling words, best first.

    1. Candidates: the postings of the rarest forms (their summed read cost within POSTING_BUDGET,
       the rarest always) select the text docs; department forms are read whole (few docs).
    2. The text docs expand to classes of entries: without filters from the docs' own counts and
       lead entries; with filters, the filtered division preferred or a department matched, in one
       grouped statement over the entries of the candidate docs.
    3. Implementations of one base item keep their best PER_GROUP classes and at most CANDIDATES
       classes go on; the common forms left out of step 1 are looked up for their docs only.
    Score = Σ idf·weight × coverage², coverage being the share of the query's words matched.
    """

    # Name and colloquial-name forms choose the candidates, rarest first; material and department
    # forms join only when no name word is known. The exact-name token is always a source and is
    # not charged to the budget. A text form costs its doc count, a department form its entries.
    def cost(t: str) -> int:
        return parsed.dfs[t] if t.startswith(DEPARTMENT_PREFIX) else parsed.docs[t]

    strong = sorted((t for t in parsed.tokens if t[:2] not in FIELD_PREFIXES and t != parsed.exact), key=cost)
    weak = sorted((t for t in parsed.tokens if t[:2] in FIELD_PREFIXES), key=cost)
    rare: list[str] = [parsed.exact] if parsed.exact else []
    budget = 0
    for t in [*strong, *weak]:
        if budget and budget + cost(t) > POSTING_BUDGET:
            break
        rare.append(t)
        budget += cost(t)
    dept_forms = [t for t in parsed.tokens if t.startswith(DEPARTMENT_PREFIX)]
    rare_text = [t for t in rare if not t.startswith(DEPARTMENT_PREFIX)]
    common_text = [t for t in parsed.tokens if t not in rare and not t.startswith(DEPARTMENT_PREFIX)]

    texts: dict[int, _Text] = {}
    rows = _postings(rare_text)
    # Department docs: every posting of the query's department forms (one per department).
    dept_weights: dict[int, dict[str, float]] = {}
    rare_depts: set[int] = set()
    for doc_id, token, weight, *_rest in _postings(dept_forms):
        dept_weights.setdefault(doc_id, {})[token] = weight
        if token in rare:
            rare_depts.add(doc_id)
    for doc_id, token, weight, group_key, entries, lead, lead_boost in rows:
        t = texts.get(doc_id)
        if t is None:
            t = texts[doc_id] = _Text(doc_id, group_key, entries, lead, lead_boost)
        t.raw += weight * parsed.tokens[token]
        t.forms.add(token)

    classes = _classes(texts, dept_weights, rare_depts, filters, prefer_path)
    for cls in classes:
        cls.raw = _class_raw(parsed, texts.get(cls.text), dept_weights.get(cls.department))
    truncated = False
    if group:
        by_group: dict[str, list[_Class]] = {}
        for cls in classes:
            by_group.setdefault(cls.group_key, []).append(cls)
        kept: list[_Class] = []
        for members in by_group.values():
            members.sort(key=lambda c: (-c.raw, -c.prefer, -c.best_boost, c.best_id))
            places = sum(m.count for m in members)
            for m in members[:PER_GROUP]:
                m.impl = places
            kept += members[:PER_GROUP]
    else:
        kept = list(classes)
    kept.sort(key=lambda c: (-c.raw, -c.prefer, -c.best_boost, c.best_id))
    truncated = len(kept) > CANDIDATES
    kept = kept[:CANDIDATES]
    # Common text forms for the kept classes' docs; docs reached only through their department
    # are read whole here (none of their forms was a candidate source).
    need = sorted({c.text for c in kept})
    if common_text and need:
        for doc_id, token, weight, group_key, entries, lead, lead_boost in _postings(common_text, need):
            t = texts.get(doc_id)
            if t is None:
                t = texts[doc_id] = _Text(doc_id, group_key, entries, lead, lead_boost)
            t.raw += weight * parsed.tokens[token]
            t.forms.add(token)
    total_idf = sum(parsed.piece_idf.values()) or 1.0
    for cls in kept:
        text = texts.get(cls.text)
        raw = _class_raw(parsed, text, dept_weights.get(cls.department))
        matched = {parsed.piece_of[f] for f in _class_forms(parsed, text, dept_weights.get(cls.department))}
        matched.discard("")
        coverage = min(sum(parsed.piece_idf[p] for p in matched) / total_idf, 1.0)
        cls.score = round(raw * coverage * coverage, 6)
    kept = [c for c in kept if c.score > 0]
    kept.sort(key=_Class.key)
    return kept, truncated


def _class_forms(parsed: ParsedQuery, text: _Text | None, dept: dict[str, float] | None) -> list[str]:
    """The query forms a class holds: its text's, and its department's unless the text says the word."""
    forms = list(text.forms) if text else []
    bare = {f for f in forms if f[:2] not in FIELD_PREFIXES}
    for token in dept or ():
        if token[2:] not in bare:  # the indexer's rule: a department word also in the name adds nothing
            forms.append(token)
    return forms


def _class_raw(parsed: ParsedQuery, text: _Text | None, dept: dict[str, float] | None) -> float:
    raw = text.raw if text else 0.0
    bare = {f for f in text.forms if f[:2] not in FIELD_PREFIXES} if text else set()
    for token, weight in (dept or {}).items():
        if token[2:] not in bare:
            raw += weight * parsed.tokens[token]
    return raw


def _classes(
    texts: dict[int, _Text],
    dept_weights: dict[int, dict[str, float]],
    rare_depts: set[int],
    filters: Filters,
    prefer_path: str | None,
) -> list[_Class]:
    """Expands candidate text docs (and entries found by department) into classes of entries."""
    out: list[_Class] = []
    where, wparams = filters.sql("e")
    depts = sorted(dept_weights)
    plain_from_docs = not where and not prefer_path
    if plain_from_docs:
        for t in texts.values():
            if t.entries and t.lead is not None:
                out.append(_Class(t.id, 0, t.group_key, t.entries, t.lead, t.lead_boost, 0))
        if not depts:
            return out
    text_ids = sorted(texts)
    sources: list[str] = []
    params: list = []
    if text_ids:
        if plain_from_docs:  # only the entries whose department adds a word
            sources.append(f"(e.text_id IN ({_in(text_ids)}) AND e.department_id IN ({_in(depts)}))")
            params += [*text_ids, *depts]
        else:
            sources.append(f"e.text_id IN ({_in(text_ids)})")
            params += text_ids
    if rare_depts:
        sources.append(f"e.department_id IN ({_in(sorted(rare_depts))})")
        params += sorted(rare_depts)
    if not sources:
        return out
    dep = f"CASE WHEN e.department_id IN ({_in(depts)}) THEN e.department_id ELSE 0 END" if depts else "0"
    dep_params = depts if depts else []
    prefer_sql = "CASE WHEN e.division_path = %s THEN 1 ELSE 0 END" if prefer_path else "0"
    prefer_params = [prefer_path] if prefer_path else []
    partition = f"PARTITION BY e.text_id, {dep}"
    sql = (
        f"SELECT x.text_id, x.dep, x.group_key, x.n, x.id, x.boost, x.pref FROM ("
        f"SELECT e.text_id, {dep} AS dep, e.group_key, e.id, e.boost, {prefer_sql} AS pref, "
        f"ROW_NUMBER() OVER ({partition} ORDER BY {prefer_sql} DESC, e.boost DESC, e.id) AS rn, "
        f"COUNT(*) OVER ({partition}) AS n "
        f"FROM {_table(SearchEntry)} e WHERE ({' OR '.join(sources)})"
        + "".join(f" AND {w}" for w in where)
        + ") x WHERE x.rn = 1"
    )
    all_params = [
        *dep_params,
        *prefer_params,
        *dep_params,
        *prefer_params,
        *dep_params,
        *params,
        *wparams,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        rows = cursor.fetchall()
    bonus: Counter = Counter()
    for text_id, dep_id, group_key, n, entry_id, boost, pref in rows:
        if text_id is None:
            continue
        if text_id not in texts and dep_id not in rare_depts:
            continue  # reached through a department that matched no candidate word
        out.append(_Class(text_id, int(dep_id), group_key, int(n), entry_id, float(boost), int(pref)))
        if dep_id:
            bonus[text_id] += int(n)
    if plain_from_docs and bonus:
        # The docs' counts include the entries now in department classes; the plain class keeps the rest.
        for cls in out:
            if cls.department == 0 and bonus[cls.text]:
                cls.count -= bonus[cls.text]
        out = [c for c in out if c.count > 0]
    return out


def _entry_page(
    ranked: list[_Class], filters: Filters, prefer_path: str | None, page: int, page_size: int
) -> list[tuple[int, _Class, int]]:
    """One page of single entries (ungrouped results): class rank, then division, boost, id."""
    if not ranked:
        return []
    depts = sorted({c.department for c in ranked if c.department})
    whens: list[str] = []
    params: list = []
    order = sorted(range(len(ranked)), key=lambda i: (ranked[i].department == 0, i))
    for i in order:  # department classes first: CASE takes the first match
        c = ranked[i]
        if c.department:
            whens.append("WHEN e.text_id = %s AND e.department_id = %s THEN %s")
            params += [c.text, c.department, i]
        elif depts:
            whens.append(
                f"WHEN e.text_id = %s AND (e.department_id IS NULL OR e.department_id NOT IN ({_in(depts)})) THEN %s"
            )
            params += [c.text, *depts, i]
        else:
            whens.append("WHEN e.text_id = %s THEN %s")
            params += [c.text, i]
    where, wparams = filters.sql("e")
    text_ids = sorted({c.text for c in ranked})
    prefer_sql = "CASE WHEN e.division_path = %s THEN 1 ELSE 0 END" if prefer_path else "0"
    prefer_params = [prefer_path] if prefer_path else []
    sql = (
        f"SELECT x.id, x.rk FROM (SELECT e.id, e.boost, {prefer_sql} AS pref, CASE {' '.join(whens)} END AS rk "
        f"FROM {_table(SearchEntry)} e WHERE e.text_id IN ({_in(text_ids)})"
        + "".join(f" AND {w}" for w in where)
        + f") x WHERE x.rk IS NOT NULL ORDER BY x.rk, x.pref DESC, x.boost DESC, x.id "
        f"LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prefer_params, *params, *text_ids, *wparams])
        return [(entry_id, ranked[int(rk)], 1) for entry_id, rk in cursor.fetchall()]


def _browse(query: str, filters: Filters, page: int, page_size: int, group: bool, prefer_path: str | None) -> Result:
    """The filtered catalog without words: one statement with grouping, ordering and the total."""
    where, params = filters.sql("e")
    entry_t = _table(SearchEntry)
    base_sql = f"SELECT e.*, 0.0 AS score FROM {entry_t} e" + ((" WHERE " + " AND ".join(where)) if where else "")
    prefer = "CASE WHEN r.division_path = %s THEN 1 ELSE 0 END DESC, " if prefer_path else ""
    prefer_params = [prefer_path] if prefer_path else []
    order = f"{prefer}r.boost DESC, r.name, r.id"
    if group:
        grouped_sql = (
            f"SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.group_key ORDER BY {order}) AS rn, "
            f"COUNT(*) OVER (PARTITION BY r.group_key) AS impl FROM ({base_sql}) r"
        )
        grouped_params = [*params, *prefer_params]
        outer_from = f"({grouped_sql}) r WHERE r.rn = 1"
    else:
        outer_from = f"(SELECT r.*, 1 AS impl FROM ({base_sql}) r) r"
        grouped_params = list(params)
    sql = (
        f"SELECT r.*, COUNT(*) OVER () AS total FROM {outer_from} "
        f"ORDER BY {order} LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}"
    )
    entries = list(SearchEntry.objects.raw(sql, [*grouped_params, *prefer_params]))
    total = int(entries[0].total) if entries else 0
    if not entries and page > 1:
        total = _count(outer_from, grouped_params)
    hits = [Hit(entry=e, score=0.0, implementations=int(e.impl)) for e in entries]
    return Result(query=query, tokens=[], total=total, page=page, page_size=page_size, hits=hits)


def _count(outer_from: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {outer_from}", params)
        return int(cursor.fetchone()[0])


def suggest(query: str, limit: int = 10) -> list[Hit]:
    """Type-ahead: the best few base items for what has been typed so far."""
    if not (query or "").strip():
        return []
    return search(query, page_size=limit).hits
