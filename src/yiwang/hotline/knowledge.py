# ruff: noqa: S608 -- SQL below interpolates only table names and placeholder lists built here.
"""The knowledge base: entries written by a department, reviewed by a second person, versioned, with a review date.

Search works like the catalog's (`yiwang.catalog.searching.text`: jieba words, full pinyin and initials, exact
tokens; a query is segmented against the index's own vocabulary, so colloquial words, pinyin and initials meet
the same tokens). The catalog's index tables belong to items, so the knowledge base keeps its own two tables —
`KnowledgeToken` (postings of the current published version of each entry) and `KnowledgeTerm` (document
frequencies) — and answers a search in three statements whatever its size: the vocabulary lookup, candidates from
the rarest query tokens (bounded), and the scores of those candidates.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.searching.text import (
    EXACT,
    compact,
    matched_surfaces,
    query_segments,
    segment,
    substrings,
    text_tokens,
)
from yiwang.core.errors import Problem, ProblemsError

from .models import KnowledgeEntry, KnowledgeStatus, KnowledgeTerm, KnowledgeToken, KnowledgeVersion

TOTAL = "#all"
TITLE_WEIGHT, ALIAS_WEIGHT, ANSWER_WEIGHT, CATEGORY_WEIGHT = 1.0, 0.8, 0.25, 0.3
EXACT_WEIGHT = 4.0
POSTING_BUDGET = 3000
CANDIDATES = 300
MAX_QUERY = 64


# --- writing and reviewing ------------------------------------------------------------------------------------


def _problems(title: str, answer: str, review_due, items) -> list[Problem]:
    out = []
    if not (2 <= len(title) <= 200):
        out.append(Problem("title", _("Write the question (2 to 200 characters)."), "invalid"))
    if len(answer) < 5:
        out.append(Problem("answer", _("Write the answer (at least 5 characters)."), "required"))
    if not isinstance(review_due, dt.date):
        out.append(Problem("review_due", _("Give the date by which the entry must be reviewed again."), "required"))
    elif review_due <= timezone.localdate():
        out.append(Problem("review_due", _("The review date must be in the future."), "past"))
    return out


def _items(codes: list[str]):
    from yiwang.catalog.models import ServiceItem

    codes = [c.strip() for c in codes if c and c.strip()]
    found = list(ServiceItem.objects.filter(item_code__in=codes))
    missing = sorted(set(codes) - {i.item_code for i in found})
    if missing:
        raise ProblemsError(
            [Problem("items", _("No item has the code %(codes)s."), "unknown", params={"codes": "、".join(missing)})]
        )
    return found


def _clean(data: dict) -> dict:
    aliases = data.get("aliases") or ""
    if isinstance(aliases, list | tuple):
        aliases = "\n".join(aliases)
    return {
        "title": (data.get("title") or "").strip(),
        "answer": (data.get("answer") or "").strip(),
        "aliases": "\n".join(a.strip() for a in aliases.splitlines() if a.strip())[:2000],
        "review_due": data.get("review_due"),
        "category": data.get("category"),
        "item_codes": list(data.get("item_codes") or []),
    }


@transaction.atomic
def create_entry(*, organisation, user, public: bool = True, **data) -> KnowledgeEntry:
    """A new entry with its first version as a draft."""
    d = _clean(data)
    problems = _problems(d["title"], d["answer"], d["review_due"], d["item_codes"])
    items = _items(d["item_codes"]) if not problems else []
    if problems:
        raise ProblemsError(problems)
    entry = KnowledgeEntry.objects.create(
        key=f"KB{timezone.localdate():%y%m}{secrets.token_hex(3).upper()}", organisation=organisation, public=public
    )
    v = KnowledgeVersion.objects.create(
        entry=entry,
        number=1,
        title=d["title"],
        answer=d["answer"],
        aliases=d["aliases"],
        review_due=d["review_due"],
        category=d["category"],
        written_by=user,
    )
    v.items.set(items)
    return entry


@transaction.atomic
def draft(entry: KnowledgeEntry, user, **data) -> KnowledgeVersion:
    """Edits the entry's open draft, or starts a new version from the current one (published text never changes)."""
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    d = _clean(data)
    problems = _problems(d["title"], d["answer"], d["review_due"], d["item_codes"])
    if problems:
        raise ProblemsError(problems)
    items = _items(d["item_codes"])
    v = entry.versions.filter(status__in=(KnowledgeStatus.DRAFT, KnowledgeStatus.REVIEW)).first()
    if v is None:
        last = entry.versions.order_by("-number").values_list("number", flat=True).first() or 0
        v = KnowledgeVersion(entry=entry, number=last + 1)
    v.title, v.answer, v.aliases, v.review_due, v.category = (
        d["title"],
        d["answer"],
        d["aliases"],
        d["review_due"],
        d["category"],
    )
    v.status, v.written_by, v.written_at, v.review_note = KnowledgeStatus.DRAFT, user, timezone.now(), ""
    v.save()
    v.items.set(items)
    return v


@transaction.atomic
def submit(version: KnowledgeVersion, user) -> KnowledgeVersion:
    version = KnowledgeVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != KnowledgeStatus.DRAFT:
        raise ProblemsError([Problem("status", _("Only a draft can be sent for review."), "state")])
    version.status = KnowledgeStatus.REVIEW
    version.save(update_fields=["status"])
    return version


@transaction.atomic
def review(version: KnowledgeVersion, user, approve: bool, note: str = "") -> KnowledgeVersion:
    """A second person approves (the version is published and indexed; the previous one superseded) or sends it
    back to draft with a note."""
    version = KnowledgeVersion.objects.select_for_update().select_related("entry").get(pk=version.pk)
    if version.status != KnowledgeStatus.REVIEW:
        raise ProblemsError([Problem("status", _("This version is not waiting for review."), "state")])
    if version.written_by_id is not None and version.written_by_id == getattr(user, "pk", None):
        raise ProblemsError([Problem("reviewer", _("The author cannot review their own entry."), "four_eyes")])
    version.reviewed_by, version.reviewed_at, version.review_note = user, timezone.now(), (note or "")[:300]
    if not approve:
        version.status = KnowledgeStatus.DRAFT
        version.save()
        return version
    entry = KnowledgeEntry.objects.select_for_update().get(pk=version.entry_id)
    KnowledgeVersion.objects.filter(entry=entry, status=KnowledgeStatus.PUBLISHED).update(
        status=KnowledgeStatus.SUPERSEDED
    )
    version.status = KnowledgeStatus.PUBLISHED
    version.save()
    entry.current = version
    entry.save(update_fields=["current"])
    index_entry(entry)
    return version


@transaction.atomic
def retire(entry: KnowledgeEntry, user) -> KnowledgeEntry:
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.current_id is None:
        raise ProblemsError([Problem("status", _("This entry is not published."), "state")])
    KnowledgeVersion.objects.filter(pk=entry.current_id).update(status=KnowledgeStatus.RETIRED)
    entry.current = None
    entry.save(update_fields=["current"])
    index_entry(entry)
    return entry


def due_for_review(org_ids: list[int] | None, today: dt.date | None = None):
    today = today or timezone.localdate()
    qs = KnowledgeEntry.objects.filter(current__review_due__lte=today).select_related("current", "organisation")
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=org_ids)
    return qs.order_by("current__review_due")


# --- indexing -------------------------------------------------------------------------------------------------


def entry_tokens(title: str, aliases: list[str], answer: str, category: str = "") -> dict[str, float]:
    out: dict[str, float] = {}

    def merge(pairs, base: float, exact: float | None = None) -> None:
        for token, w in pairs:
            weight = (exact if exact is not None and token.startswith(EXACT) else base) * w
            if weight > out.get(token, 0.0):
                out[token] = weight

    merge(text_tokens(title, chars=False, pinyin="all", exact=True), TITLE_WEIGHT, EXACT_WEIGHT)
    for alias in aliases:
        merge(text_tokens(alias, chars=False, pinyin="all", exact=True), ALIAS_WEIGHT, EXACT_WEIGHT * 0.8)
    if category:
        merge(text_tokens(category, chars=False, pinyin="full", exact=False), CATEGORY_WEIGHT)
    merge(text_tokens(answer[:2000], chars=False, pinyin="none", exact=False), ANSWER_WEIGHT)
    return {t: round(w, 4) for t, w in out.items()}


def _tokens_of(entry: KnowledgeEntry) -> dict[str, float]:
    v = entry.current
    if v is None:
        return {}
    return entry_tokens(v.title, v.aliases.splitlines(), v.answer, v.category.name if v.category_id else "")


def _bump_terms(tokens: list[str], delta: int) -> None:
    if not tokens:
        return
    existing = set(KnowledgeTerm.objects.filter(token__in=tokens).values_list("token", flat=True))
    KnowledgeTerm.objects.bulk_create([KnowledgeTerm(token=t, df=0) for t in tokens if t not in existing])
    KnowledgeTerm.objects.filter(token__in=tokens).update(df=F("df") + delta)


def index_entry(entry: KnowledgeEntry) -> None:
    """Replaces the entry's postings with those of its current version (none when it has none)."""
    entry = KnowledgeEntry.objects.select_related("current__category").get(pk=entry.pk)
    old = list(KnowledgeToken.objects.filter(entry=entry).values_list("token", flat=True))
    new = _tokens_of(entry)
    KnowledgeToken.objects.filter(entry=entry).delete()
    KnowledgeToken.objects.bulk_create([KnowledgeToken(token=t, entry=entry, weight=w) for t, w in new.items()])
    _bump_terms(sorted(set(old) - set(new)) + ([TOTAL] if old and not new else []), -1)
    _bump_terms(sorted(set(new) - set(old)) + ([TOTAL] if new and not old else []), +1)


def rebuild_index() -> int:
    """Rebuilds every posting and frequency from the published versions (bulk, for large loads)."""
    from yiwang.core.bulk import insert_rows

    with transaction.atomic():
        KnowledgeToken.objects.all().delete()
        KnowledgeTerm.objects.all().delete()
        df: dict[str, int] = defaultdict(int)
        rows = []
        n = 0
        for entry in KnowledgeEntry.objects.filter(current__isnull=False).select_related("current__category"):
            tokens = _tokens_of(entry)
            n += 1
            for t, w in tokens.items():
                rows.append((t, entry.pk, w))
                df[t] += 1
            if len(rows) > 50_000:
                insert_rows(KnowledgeToken._meta.db_table, ("token", "entry_id", "weight"), rows)
                rows = []
        insert_rows(KnowledgeToken._meta.db_table, ("token", "entry_id", "weight"), rows)
        df[TOTAL] = n
        insert_rows(KnowledgeTerm._meta.db_table, ("token", "df"), sorted(df.items()))
    return n


# --- searching ------------------------------------------------------------------------------------------------


@dataclass
class KnowledgeHit:
    entry: KnowledgeEntry
    score: float
    highlights: list[str] = field(default_factory=list)

    @property
    def version(self) -> KnowledgeVersion:
        return self.entry.current

    @property
    def review_overdue(self) -> bool:
        return self.entry.current.review_due < timezone.localdate()


def _in(column: str, values: list) -> str:
    return f"{column} IN ({', '.join(['%s'] * len(values))})" if values else "1 = 0"


def _idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def search(query: str, *, public_only: bool = False, limit: int = 10, category_id: int | None = None):
    """Published entries matching `query`, best first (at most `limit`)."""
    text = (query or "")[:MAX_QUERY]
    segments = query_segments(text, MAX_QUERY)
    if not segments:
        return []
    subs: set[str] = set()
    for seg in segments:
        subs |= substrings(seg)
    exact = EXACT + compact(text)
    wanted = sorted({TOTAL, exact, *subs})
    term = connection.ops.quote_name(KnowledgeTerm._meta.db_table)
    posting = connection.ops.quote_name(KnowledgeToken._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT token, df FROM {term} WHERE df > 0 AND {_in('token', wanted)}", wanted)
        vocab = dict(cur.fetchall())
    n = max(vocab.pop(TOTAL, 0), 1)
    pieces: list[str] = []
    for seg in segments:
        for piece in segment(seg, vocab):
            if piece not in pieces:
                pieces.append(piece)
    tokens = {p: _idf(vocab[p], n) for p in pieces if p in vocab}
    if exact in vocab:
        tokens[exact] = _idf(vocab[exact], n)
    if not tokens:
        return []
    # Candidates: the rarest tokens whose postings fit the budget (the rarest always).
    chosen, budget = [], 0
    for t in sorted(tokens, key=lambda t: vocab[t]):
        if chosen and budget + vocab[t] > POSTING_BUDGET:
            break
        chosen.append(t)
        budget += vocab[t]
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT entry_id, SUM(weight) AS w FROM {posting} WHERE {_in('token', chosen)} "
            f"GROUP BY entry_id ORDER BY w DESC LIMIT {CANDIDATES}",
            chosen,
        )
        candidates = [row[0] for row in cur.fetchall()]
        if not candidates:
            return []
        listed = sorted(tokens)
        cur.execute(
            f"SELECT entry_id, token, weight FROM {posting} WHERE {_in('token', listed)} AND "
            f"{_in('entry_id', candidates)}",
            [*listed, *candidates],
        )
        rows = cur.fetchall()
    total_idf = sum(idf for t, idf in tokens.items() if t != exact) or 1.0
    scores: dict[int, float] = defaultdict(float)
    covered: dict[int, float] = defaultdict(float)
    for entry_id, token, weight in rows:
        scores[entry_id] += tokens[token] * weight
        if token != exact:
            covered[entry_id] += tokens[token]
    ranked = sorted(scores, key=lambda e: (-(scores[e] * (covered[e] / total_idf) ** 2), e))
    qs = KnowledgeEntry.objects.filter(pk__in=ranked[: limit * 3], current__isnull=False).select_related(
        "current", "organisation"
    )
    if public_only:
        qs = qs.filter(public=True)
    if category_id is not None:
        qs = qs.filter(current__category_id=category_id)
    entries = {e.pk: e for e in qs}
    words = frozenset([*pieces, exact])
    hits = []
    for e in ranked:
        if e in entries:
            entry = entries[e]
            hits.append(
                KnowledgeHit(
                    entry,
                    round(scores[e] * (covered[e] / total_idf) ** 2, 4),
                    matched_surfaces(entry.current.title, words),
                )
            )
            if len(hits) >= limit:
                break
    return hits
