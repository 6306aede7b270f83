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

from ..models import SearchEntry, SearchTerm, SearchToken
from .text import EXACT, FIELD_PREFIXES, TOTAL_TOKEN, compact, matched_surfaces, query_segments, segment, substrings

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
    dfs: dict[str, int]
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
            f"SELECT token, df FROM {_table(SearchTerm)} WHERE df > 0 AND token IN ({', '.join(['%s'] * len(listed))})",
            listed,
        )
        vocab = dict(cursor.fetchall())
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
    lines: list[tuple[_Candidate, int]] = []
    if group:
        groups: dict[str, list[_Candidate]] = {}
        for cand in ranked:  # ranked best first, so the first of each group is its best
            groups.setdefault(cand.group_key, []).append(cand)
        lines = [(members[0], members[0].impl) for members in groups.values()]
    else:
        lines = [(cand, 1) for cand in ranked]
    total = len(lines)
    window = lines[(page - 1) * page_size : page * page_size]
    entries = SearchEntry.objects.in_bulk([c.id for c, _n in window])
    tokens = frozenset([*parsed.pieces, *([parsed.exact] if parsed.exact else [])])
    hits = []
    for cand, n in window:
        e = entries.get(cand.id)
        if e is None:  # removed between the two statements
            continue
        hits.append(
            Hit(
                entry=e,
                score=cand.score,
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
class _Candidate:
    id: int
    group_key: str
    boost: float
    prefer: int
    raw: float
    matched: set[str]
    impl: int = 1
    score: float = 0.0


def _rank(
    parsed: ParsedQuery, filters: Filters, prefer_path: str | None, group: bool = True
) -> tuple[list[_Candidate], bool]:
    """Ranks the entries that match the query's telling words.

    1. Candidates: the postings of the rarest forms (their summed df within POSTING_BUDGET, the
       rarest always) are aggregated per entry in SQL, best first, at most CANDIDATE_ROWS rows.
    2. Implementations of one base item keep their best PER_GROUP lines (so an item offered in
       every village cannot crowd out the rest) and at most CANDIDATES entries go on.
    3. The common forms left out of step 1 are looked up for those entries only and added.
    Score = Σ idf·weight × coverage², coverage being the share of the query's words matched.
    """
    # Name and colloquial-name forms choose the candidates, rarest first; material and department
    # forms join only when no name word is known. The exact-name token is always a source and is
    # not charged to the budget (its postings are the implementations of one name).
    strong = sorted((t for t in parsed.tokens if t[:2] not in FIELD_PREFIXES and t != parsed.exact), key=parsed.dfs.get)
    weak = sorted((t for t in parsed.tokens if t[:2] in FIELD_PREFIXES), key=parsed.dfs.get)
    ordered = [*strong, *weak]
    rare: list[str] = [parsed.exact] if parsed.exact else []
    budget = 0
    for t in ordered:
        if budget and budget + parsed.dfs[t] > POSTING_BUDGET:
            break
        rare.append(t)
        budget += parsed.dfs[t]
    ordered = [*rare, *ordered]
    common = [t for t in ordered if t not in rare]
    where, wparams = filters.sql("e")
    entry_t, token_t = _table(SearchEntry), _table(SearchToken)
    weight_case = " ".join("WHEN %s THEN %s" for _ in rare)
    weight_params: list = []
    for t in rare:
        weight_params += [t, parsed.tokens[t]]
    pieces = sorted({parsed.piece_of[t] for t in rare if parsed.piece_of[t]})
    piece_cols = "".join(
        f", MAX(CASE WHEN c.token IN ({', '.join(['%s'] * len(forms))}) THEN 1 ELSE 0 END)"
        for forms in ([t for t in rare if parsed.piece_of[t] == p] for p in pieces)
    )
    piece_params = [t for p in pieces for t in rare if parsed.piece_of[t] == p]
    prefer_sql = "CASE WHEN e.division_path = %s THEN 1 ELSE 0 END" if prefer_path else "0"
    prefer_params = [prefer_path] if prefer_path else []
    score_sql = f"SUM(c.weight * CASE c.token {weight_case} ELSE 0 END)"
    token_in = f"c.token IN ({', '.join(['%s'] * len(rare))})"
    if where:
        # Filters need the entry columns: join, so the limit applies to matching entries only.
        sql = (
            f"SELECT c.entry_id, e.group_key, e.boost, {prefer_sql}, {score_sql} AS raw{piece_cols} "
            f"FROM {token_t} c JOIN {entry_t} e ON e.id = c.entry_id WHERE {token_in}"
            + "".join(f" AND {w}" for w in where)
            + f" GROUP BY c.entry_id, e.group_key, e.boost, e.division_path ORDER BY raw DESC LIMIT {CANDIDATE_ROWS}"
        )
        params = [*prefer_params, *weight_params, *piece_params, *rare, *wparams]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        # No filter: aggregate the postings alone (an index-only read), then fetch the few
        # columns ranking needs by primary key; no join over the whole entry table.
        sql = (
            f"SELECT c.entry_id, {score_sql} AS raw{piece_cols} FROM {token_t} c WHERE {token_in} "
            f"GROUP BY c.entry_id ORDER BY raw DESC LIMIT {CANDIDATE_ROWS}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*weight_params, *piece_params, *rare])
            scored = cursor.fetchall()
            info: dict[int, tuple] = {}
            if scored:
                ids = [r[0] for r in scored]
                cursor.execute(
                    f"SELECT e.id, e.group_key, e.boost, {prefer_sql} FROM {entry_t} e "
                    f"WHERE e.id IN ({', '.join(['%s'] * len(ids))})",
                    [*prefer_params, *ids],
                )
                info = {r[0]: r[1:] for r in cursor.fetchall()}
        rows = [(r[0], *info[r[0]], *r[1:]) for r in scored if r[0] in info]
    truncated = len(rows) >= CANDIDATE_ROWS
    by_group: dict[str, list[_Candidate]] = {}
    for row in rows:
        matched = {p for p, flag in zip(pieces, row[5:], strict=True) if flag}
        cand = _Candidate(row[0], row[1], float(row[2]), int(row[3]), float(row[4]), matched)
        by_group.setdefault(cand.group_key if group else str(cand.id), []).append(cand)
    kept: list[_Candidate] = []
    for members in by_group.values():
        members.sort(key=lambda c: (-c.raw, -c.prefer, -c.boost, c.id))
        for m in members[:PER_GROUP]:
            m.impl = len(members)
        kept += members[:PER_GROUP]
    kept.sort(key=lambda c: (-c.raw, -c.prefer, -c.boost, c.id))
    kept = kept[:CANDIDATES]
    cands = {c.id: c for c in kept}
    if common and cands:
        ids = list(cands)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT entry_id, token, weight FROM {token_t} "
                f"WHERE token IN ({', '.join(['%s'] * len(common))}) AND entry_id IN ({', '.join(['%s'] * len(ids))})",
                [*common, *ids],
            )
            for entry_id, token, weight in cursor.fetchall():
                cand = cands[entry_id]
                cand.raw += weight * parsed.tokens[token]
                if parsed.piece_of[token]:
                    cand.matched.add(parsed.piece_of[token])
    total_idf = sum(parsed.piece_idf.values()) or 1.0
    for cand in cands.values():
        coverage = min(sum(parsed.piece_idf[p] for p in cand.matched) / total_idf, 1.0)
        cand.score = round(cand.raw * coverage * coverage, 6)
    ranked = sorted(cands.values(), key=lambda c: (-c.score, -c.prefer, -c.boost, c.id))
    return ranked, truncated


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
