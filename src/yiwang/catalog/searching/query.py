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
from dataclasses import dataclass, field

from django.db import connection

from yiwang.core.replica import read_connection

from ..models import SearchDoc, SearchEntry, SearchTerm, SearchToken
from .indexer import department_weight
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
    with read_connection(SearchEntry).cursor() as cursor:
        cursor.execute(
            f"SELECT token, df, docs FROM {_table(SearchTerm)} WHERE df > 0 AND {_member('token', listed)}",
            _values(listed),
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
    ranked, truncated, depts = _rank(parsed, filters, prefer_path, group, top=page * page_size)
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
        window = _entry_page(ranked, depts, filters, prefer_path, page, page_size)
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
    """Entries of one text doc that score alike: the same text, departments holding the same forms.

    best_* describe the entry shown for the class: the filtered division first, then the boost,
    then the lowest id.
    """

    text: int
    mask: int  # which of the query's department forms the entries' department holds (0: none)
    group_key: str
    count: int
    best_id: int
    best_boost: float
    prefer: int
    department: int = 0  # the best entry's department doc (to read the mask's weights)
    raw: float = 0.0
    score: float = 0.0
    impl: int = 1  # places offering the base item among all matching classes

    def key(self) -> tuple:
        return (-self.score, -self.prefer, -self.best_boost, self.best_id)


MAX_DEPARTMENT_FORMS = 62  # bits of a class mask (a 64-bit integer in both databases)


@dataclass
class _Departments:
    """The query's department forms; bit i of a class mask stands for forms[i]."""

    forms: list[str]

    def weights(self, mask: int) -> dict[str, float] | None:
        """The department forms a mask stands for, with their weight (the same in every department)."""
        if not mask:
            return None
        return {f: department_weight(f) for i, f in enumerate(self.forms) if mask >> i & 1}

    def mask_sql(self) -> tuple[str, list]:
        """Per entry `e`: the mask of the query's department forms its department holds (NULL: none).

        A correlated lookup on the (token, doc) index: its cost follows the entries asked about,
        not how many departments share a common word (服务 is in most of them).
        """
        case = " ".join("WHEN %s THEN %s" for _ in self.forms)
        params: list = []
        for i, form in enumerate(self.forms):
            params += [form, 1 << i]
        sql = (
            f"(SELECT SUM(CASE c.token {case} ELSE 0 END) FROM {_table(SearchToken)} c "
            f"WHERE c.token IN ({_in(self.forms)}) AND c.doc_id = e.department_id)"
        )
        return sql, [*params, *self.forms]


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def _member(column: str, values: list, negate: bool = False) -> str:
    """`column IN (values)`; on PostgreSQL one array parameter (`= ANY(%s)`), as a long list of
    placeholders costs the driver more to bind than the server to run. Pair with `_values`."""
    if connection.vendor == "postgresql":
        return f"NOT ({column} = ANY(%s))" if negate else f"{column} = ANY(%s)"
    return f"{column} {'NOT IN' if negate else 'IN'} ({_in(values)})"


def _values(values: list) -> list:
    return [list(values)] if connection.vendor == "postgresql" else list(values)


def _postings(tokens: list[str], doc_ids: list[int] | None = None, known: dict | None = None) -> list[tuple]:
    """(doc, token, weight) rows of these tokens, with the doc's columns; optionally for some docs only.

    Two index reads (postings, then the docs by primary key) rather than a join, which PostgreSQL
    would plan as a hash of the whole doc table.
    """
    if not tokens or doc_ids == []:
        return []
    sql = f"SELECT c.doc_id, c.token, c.weight FROM {_table(SearchToken)} c WHERE {_member('c.token', tokens)}"
    params: list = _values(tokens)
    if doc_ids is not None:
        sql += f" AND {_member('c.doc_id', doc_ids)}"
        params += _values(doc_ids)
    with read_connection(SearchEntry).cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        known = known or {}
        docs = {
            r[0]: (known[r[0]].group_key, known[r[0]].entries, known[r[0]].lead, known[r[0]].lead_boost)
            for r in rows
            if r[0] in known
        }
        ids = sorted({r[0] for r in rows} - set(docs))
        if ids:  # docs not read yet (reached through their department only)
            cursor.execute(
                f"SELECT id, group_key, entries, lead, lead_boost FROM {_table(SearchDoc)} WHERE {_member('id', ids)}",
                _values(ids),
            )
            docs.update({r[0]: r[1:] for r in cursor.fetchall()})
    return [(doc_id, token, weight, *docs[doc_id]) for doc_id, token, weight in rows if doc_id in docs]


def _add_postings(parsed: ParsedQuery, texts: dict[int, _Text], rows: list[tuple]) -> None:
    for doc_id, token, weight, group_key, entries, lead, lead_boost in rows:
        t = texts.get(doc_id)
        if t is None:
            t = texts[doc_id] = _Text(doc_id, group_key, entries, lead, lead_boost)
        t.raw += weight * parsed.tokens[token]
        t.forms.add(token)


def _rank(
    parsed: ParsedQuery, filters: Filters, prefer_path: str | None, group: bool = True, top: int = 0
) -> tuple[list[_Class], bool, _Departments | None]:
    """Ranks the classes of entries that match the query's telling words, best first.

    1. Candidates: the postings of the rarest forms (their summed df within POSTING_BUDGET, the
       rarest always) select text docs, and departments for entries found by department alone.
    2. Text docs become classes of entries: without filters from the docs' own counts and lead
       entries, else in one grouped statement over their entries (filters, preferred division).
    3. Implementations of one base item keep their best PER_GROUP classes and at most CANDIDATES
       classes go on; these are split by which of the query's department forms their entries'
       departments hold, and the common text forms left out of step 1 are read for their docs.
    Score = Σ idf·weight × coverage², coverage being the share of the query's words matched.
    """
    # Name and colloquial-name forms choose the candidates, rarest first; material and department
    # forms join only when no name word is known. The exact-name token is always a source and is
    # not charged to the budget.
    strong = sorted((t for t in parsed.tokens if t[:2] not in FIELD_PREFIXES and t != parsed.exact), key=parsed.dfs.get)
    weak = sorted((t for t in parsed.tokens if t[:2] in FIELD_PREFIXES), key=parsed.dfs.get)
    rare: list[str] = [parsed.exact] if parsed.exact else []
    budget = 0
    for t in [*strong, *weak]:
        if budget and budget + parsed.dfs[t] > POSTING_BUDGET:
            break
        rare.append(t)
        budget += parsed.dfs[t]
    dept_forms = sorted((t for t in parsed.tokens if t.startswith(DEPARTMENT_PREFIX)), key=parsed.dfs.get)
    depts = _Departments(dept_forms[:MAX_DEPARTMENT_FORMS]) if dept_forms else None
    rare_text = [t for t in rare if not t.startswith(DEPARTMENT_PREFIX)]
    rare_dept = [t for t in rare if t.startswith(DEPARTMENT_PREFIX) and depts and t in depts.forms]
    common_text = [t for t in parsed.tokens if t not in rare and not t.startswith(DEPARTMENT_PREFIX)]

    texts: dict[int, _Text] = {}
    _add_postings(parsed, texts, _postings(rare_text))
    candidates = sorted(texts)
    classes = _plain_classes(texts, filters, prefer_path)
    if rare_dept and depts:
        # Entries found by their department alone (a department's name typed): split at once.
        cond = f"e.department_id IN (SELECT c.doc_id FROM {_table(SearchToken)} c WHERE c.token IN ({_in(rare_dept)}))"
        params: list = list(rare_dept)
        if candidates:
            cond += f" AND {_member('e.text_id', candidates, negate=True)}"
            params += _values(candidates)
        # Every such entry's department holds a rare department form: its mask is never 0.
        classes += _entry_classes(cond, params, filters, prefer_path, depts, split=True, all_masked=True)
    for cls in classes:
        cls.raw = _class_raw(parsed, texts.get(cls.text), depts.weights(cls.mask) if depts else None)
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
        kept = classes
    kept.sort(key=lambda c: (-c.raw, -c.prefer, -c.best_boost, c.best_id))
    truncated = len(kept) > CANDIDATES
    kept = kept[:CANDIDATES]
    # Common text forms for the kept classes' docs only.
    need = sorted({c.text for c in kept})
    if common_text and need:
        _add_postings(parsed, texts, _postings(common_text, need, texts))
    total_idf = sum(parsed.piece_idf.values()) or 1.0

    def score(text: _Text | None, dept: dict[str, float] | None) -> float:
        raw = _class_raw(parsed, text, dept)
        matched = {parsed.piece_of[f] for f in _class_forms(text, dept)}
        matched.discard("")
        coverage = min(sum(parsed.piece_idf[p] for p in matched) / total_idf, 1.0)
        return round(raw * coverage * coverage, 6)

    for cls in kept:
        cls.score = score(texts.get(cls.text), depts.weights(cls.mask) if depts else None)
    if depts:
        # Entries whose department holds a query word score a little higher than their text alone.
        # Only classes that could then reach the requested page are split (exact top-k): the rest
        # are below `top` lines already and a department bonus cannot lift them that far.
        ceiling = depts.weights((1 << len(depts.forms)) - 1)
        upper = {id(c): score(texts.get(c.text), ceiling) if c.mask == 0 else c.score for c in kept}
        threshold = float("-inf")
        if group and top:
            best_lower: dict[str, float] = {}
            for c in kept:
                best_lower[c.group_key] = max(best_lower.get(c.group_key, float("-inf")), c.score)
            lowers = sorted(best_lower.values(), reverse=True)
            if len(lowers) >= top:
                threshold = lowers[top - 1]
        to_split = [c for c in kept if c.mask == 0 and upper[id(c)] > c.score and upper[id(c)] >= threshold]
        parts = _split_by_department(to_split, filters, prefer_path, depts)
        for part in parts:
            part.score = score(texts.get(part.text), depts.weights(part.mask))
        kept = [c for c in kept if c.count > 0] + parts
    kept = [c for c in kept if c.score > 0]
    kept.sort(key=_Class.key)
    return kept, truncated, depts


def _class_forms(text: _Text | None, dept: dict[str, float] | None) -> list[str]:
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


def _plain_classes(texts: dict[int, _Text], filters: Filters, prefer_path: str | None) -> list[_Class]:
    """One class per candidate text doc: from the doc's own columns, or its filtered entries."""
    where, _params = filters.sql("e")
    if not where and not prefer_path:
        return [
            _Class(t.id, 0, t.group_key, t.entries, t.lead, t.lead_boost, 0)
            for t in texts.values()
            if t.entries and t.lead is not None
        ]
    if not texts:
        return []
    ids = sorted(texts)
    return _entry_classes(_member("e.text_id", ids), _values(ids), filters, prefer_path, None, split=False)


def _entry_classes(
    cond: str,
    params: list,
    filters: Filters,
    prefer_path: str | None,
    depts: _Departments | None,
    *,
    split: bool,
    all_masked: bool = False,
) -> list[_Class]:
    """Classes of the entries meeting `cond` and the filters, in one grouped statement.

    split: one class per text and department mask, only entries whose department holds a form.
    """
    where, wparams = filters.sql("e")
    prefer_sql = "CASE WHEN e.division_path = %s THEN 1 ELSE 0 END" if prefer_path else "0"
    prefer_params = [prefer_path] if prefer_path else []
    mask, mask_params = depts.mask_sql() if split and depts else ("0", [])
    partition = "PARTITION BY y.text_id, y.mask" if mask_params else "PARTITION BY y.text_id"
    sql = (
        "SELECT x.text_id, x.mask, x.group_key, x.n, x.id, x.boost, x.pref, x.dep FROM ("
        f"SELECT y.*, ROW_NUMBER() OVER ({partition} ORDER BY y.pref DESC, y.boost DESC, y.id) AS rn, "
        f"COUNT(*) OVER ({partition}) AS n FROM ("
        f"SELECT e.text_id, e.group_key, e.id, e.boost, e.department_id AS dep, {prefer_sql} AS pref, {mask} AS mask "
        f"FROM {_table(SearchEntry)} e WHERE {cond}"
        + "".join(f" AND {w}" for w in where)
        + ") y"
        + (" WHERE y.mask > 0" if mask_params and not all_masked else "")
        + ") x WHERE x.rn = 1"
    )
    with read_connection(SearchEntry).cursor() as cursor:
        cursor.execute(sql, [*prefer_params, *mask_params, *params, *wparams])
        rows = cursor.fetchall()
    return [
        _Class(text_id, int(m), group_key, int(n), entry_id, float(boost), int(pref), department=dep or 0)
        for text_id, m, group_key, n, entry_id, boost, pref, dep in rows
        if text_id is not None
    ]


def _split_by_department(
    plain: list[_Class], filters: Filters, prefer_path: str | None, depts: _Departments
) -> list[_Class]:
    """The classes of the plain classes' entries whose department holds a query department form.

    The plain classes keep the rest (their count goes down; a class left empty has count 0).
    """
    by_text = {c.text: c for c in plain}
    if not by_text:
        return []
    ids = sorted(by_text)
    parts = [
        p
        for p in _entry_classes(_member("e.text_id", ids), _values(ids), filters, prefer_path, depts, split=True)
        if p.mask
    ]
    for part in parts:
        whole = by_text[part.text]
        whole.count -= part.count
        part.impl = whole.impl
    return parts


def _entry_page(
    ranked: list[_Class],
    depts: _Departments | None,
    filters: Filters,
    prefer_path: str | None,
    page: int,
    page_size: int,
) -> list[tuple[int, _Class, int]]:
    """One page of single entries (ungrouped results): class rank, then division, boost, id."""
    if not ranked:
        return []
    mask, mask_params = depts.mask_sql() if depts else ("0", [])
    whens: list[str] = []
    params: list = []
    for i, c in enumerate(ranked):
        whens.append("WHEN y.text_id = %s AND y.mask = %s THEN %s")
        params += [c.text, c.mask, i]
    where, wparams = filters.sql("e")
    text_ids = sorted({c.text for c in ranked})
    prefer_sql = "CASE WHEN e.division_path = %s THEN 1 ELSE 0 END" if prefer_path else "0"
    prefer_params = [prefer_path] if prefer_path else []
    sql = (
        f"SELECT x.id, x.rk FROM (SELECT y.id, y.boost, y.pref, CASE {' '.join(whens)} END AS rk FROM ("
        f"SELECT e.id, e.text_id, e.boost, {prefer_sql} AS pref, COALESCE({mask}, 0) AS mask "
        f"FROM {_table(SearchEntry)} e WHERE {_member('e.text_id', text_ids)}"
        + "".join(f" AND {w}" for w in where)
        + f") y) x WHERE x.rk IS NOT NULL ORDER BY x.rk, x.pref DESC, x.boost DESC, x.id "
        f"LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}"
    )
    with read_connection(SearchEntry).cursor() as cursor:
        cursor.execute(sql, [*params, *prefer_params, *mask_params, *_values(text_ids), *wparams])
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
    with read_connection(SearchEntry).cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {outer_from}", params)
        return int(cursor.fetchone()[0])


def suggest(query: str, limit: int = 10) -> list[Hit]:
    """Type-ahead: the best few base items for what has been typed so far."""
    if not (query or "").strip():
        return []
    return search(query, page_size=limit).hits
