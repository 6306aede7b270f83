"""Keeping the search tables in the database in step with the published catalog.

SearchEntry holds one row per item with a published version (the columns results and filters
read). Its words are not posted per entry: identical implementations of a base item share one
"text" SearchDoc (name, colloquial names, materials) and the entries of one department share one
"department" SearchDoc; SearchToken holds the posting rows (token, doc, weight) and SearchTerm
each token's frequency (entries holding it, for idf; docs holding it, for the read budget).
Everything is in the database so every web and worker process sees the same index.

`index_items()` re-indexes a few items (called on publish/retire); `rebuild_index()` rebuilds the
whole index in bulk after large loads (demo data, imports, `yiwang reindex_catalog`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Q

from yiwang.core.bulk import insert_rows

from .. import audience
from ..models import (
    HANDLING_ITEM_DIGIT,
    ItemVersion,
    Material,
    SearchDoc,
    SearchEntry,
    SearchTerm,
    SearchToken,
    ServiceItem,
)
from .text import DEPARTMENT_PREFIX, FIELD_PREFIXES, MATERIAL_PREFIX, TOTAL_TOKEN, has_cjk, normalise, text_tokens

log = logging.getLogger(__name__)

# Field weights: a word of the name counts most, then colloquial names, the department, materials.
NAME_WEIGHT = 1.0
ALIAS_WEIGHT = 0.8
DEPARTMENT_WEIGHT = 0.35
MATERIAL_WEIGHT = 0.3
EXACT_NAME_WEIGHT = 4.0
EXACT_ALIAS_WEIGHT = 3.2
# Typical name length (characters) for BM25-style length normalisation: in a short name each
# matched word says more about the item than in a long one.
AVERAGE_NAME = 12.0
LENGTH_B = 0.5

# Prior of an implementation when scores tie: city level first (the one most people mean),
# then province, county, township, village; better online service slightly ahead.
LEVEL_BOOST = {1: 0.5, 2: 0.8, 3: 1.0, 4: 0.6, 5: 0.3, 6: 0.2}


def _length_norm(text: str) -> float:
    return 1.0 / (1.0 - LENGTH_B + LENGTH_B * max(len(text), 1) / AVERAGE_NAME)


def boost_for(level: int, online_depth: int) -> float:
    return LEVEL_BOOST.get(level, 0.1) + 0.02 * online_depth


def doc_key(kind: str, *parts: str) -> str:
    """Key of a shared doc: the same kind and text always give the same key, in every process."""
    raw = "\x1f".join((kind, *parts))
    return hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass
class Document:
    """What is indexed of one item: its entry row and the keys and tokens of its two shared docs."""

    entry: SearchEntry
    text_key: str
    text_tokens: dict[str, float]
    dept_key: str
    dept_tokens: dict[str, float]


def document_tokens(name: str, aliases: Iterable[str], materials: Iterable[str], departments: Iterable[str]):
    """Token → weight of one item (each token once, with its best weight)."""
    out: dict[str, float] = {}

    def merge(pairs, base: float, exact_weight: float | None = None, prefix: str = "") -> None:
        for token, w in pairs:
            token = prefix + token
            weight = (exact_weight if exact_weight is not None and token.startswith("=") else base) * w
            if weight > out.get(token, 0.0):
                out[token] = weight

    merge(text_tokens(name, chars=False, pinyin="all", exact=True), NAME_WEIGHT * _length_norm(name), EXACT_NAME_WEIGHT)
    for alias in aliases:
        if alias.strip():
            merge(
                text_tokens(alias, chars=False, pinyin="all", exact=True),
                ALIAS_WEIGHT * _length_norm(alias),
                EXACT_ALIAS_WEIGHT,
            )
    for dept in departments:
        if dept:
            merge(
                text_tokens(dept, chars=False, pinyin="none", exact=False), DEPARTMENT_WEIGHT, prefix=DEPARTMENT_PREFIX
            )
    for mat in materials:
        if mat:
            merge(text_tokens(mat, chars=False, pinyin="none", exact=False), MATERIAL_WEIGHT, prefix=MATERIAL_PREFIX)
    # A material or department word that is also a word of the name or a colloquial name adds
    # nothing the name form does not already say; dropping it keeps the postings lean. (Department
    # words live in their own shared doc, so for them the query applies this rule; see query.py.)
    return {t: round(w, 4) for t, w in out.items() if not (t[:2] in FIELD_PREFIXES and t[2:] in out)}


def department_weight(form: str) -> float:
    """Weight of a department form ("d:公安局"): it depends on the word alone, as text_tokens weighs
    words (a Chinese word 1.0, a single character 0.5, a latin word 0.9), so every department
    holding the word holds it with the same weight and a search need not read it."""
    word = form[len(DEPARTMENT_PREFIX) :]
    w = (1.0 if len(word) >= 2 else 0.5) if has_cjk(word) else 0.9
    return round(DEPARTMENT_WEIGHT * w, 4)


def department_tokens(departments: Iterable[str]) -> dict[str, float]:
    """Token → weight of a department's names ("d:" forms), the postings of its shared doc."""
    out: dict[str, float] = {}
    for dept in departments:
        for token, _w in text_tokens(dept, chars=False, pinyin="none", exact=False) if dept else ():
            out[DEPARTMENT_PREFIX + token] = department_weight(DEPARTMENT_PREFIX + token)
    return out


# The columns an entry is built from: read as plain values (no model instances), 1 query per batch.
ITEM_COLUMNS = (
    "id",
    "item_code",
    "catalog_code",
    "handling_item",
    "current_id",
    "current__name",
    "current__aliases",
    "current__level",
    "current__for_persons",
    "current__for_enterprises",
    "current__online_depth",
    "current__visits_required",
    "current__item_type",
    "current__promised_limit",
    "current__promised_unit",
    "current__handling_kind",
    "current__competent_department",
    "current__result_type",
    "current__result_license_type",
    "organisation_id",
    "organisation__name",
    "organisation__short_name",
    "organisation__division__name",
    "organisation__division__path",
)


def _documents(item_ids: list[int], token_cache: dict[str, dict[str, float]] | None = None) -> Iterator[Document]:
    """Builds the documents of the given items that have a published version (3 queries).

    token_cache (doc key → tokens) saves tokenising the same text again for each implementation.
    """
    cache = token_cache if token_cache is not None else {}
    holders: dict[tuple[str, str], str | None] = {}
    rows = list(
        ServiceItem.objects.filter(pk__in=item_ids, current__isnull=False).order_by("pk").values_list(*ITEM_COLUMNS)
    )
    version_ids = [r[4] for r in rows]
    materials: dict[int, list[str]] = {}
    for vid, name in Material.objects.filter(version_id__in=version_ids).values_list("version_id", "name"):
        materials.setdefault(vid, []).append(name)
    themes: dict[int, list[str]] = {}
    through = ItemVersion.themes.through
    for vid, code in through.objects.filter(itemversion_id__in=version_ids).values_list(
        "itemversion_id", "theme__code"
    ):
        themes.setdefault(vid, []).append(code)
    for row in rows:
        (
            pk,
            item_code,
            catalog_code,
            handling_item,
            vid,
            name,
            raw_aliases,
            level,
            for_persons,
            for_enterprises,
            online_depth,
            visits_required,
            item_type,
            promised_limit,
            promised_unit,
            handling_kind,
            competent_department,
            result_type,
            result_license_type,
            org_id,
            org_name,
            org_short_name,
            division_name,
            division_path,
        ) = row
        holder_key = (result_type or "", result_license_type or "")
        if holder_key not in holders:
            holders[holder_key] = audience.holder_of(*holder_key)
        # The audience filter follows the rule the guide shows and the door applies (catalog.audience).
        for_persons, for_enterprises = audience.serves(for_persons, for_enterprises, holders[holder_key])
        aliases = [a.strip() for a in (raw_aliases or []) if isinstance(a, str) and a.strip()]
        mats = list(dict.fromkeys(materials.get(vid, [])))
        group_key = catalog_code + HANDLING_ITEM_DIGIT.get(handling_item, "0")
        entry = SearchEntry(
            id=pk,
            item_id=pk,
            version_id=vid,
            item_code=item_code,
            group_key=group_key,
            name=name,
            aliases="\n".join(aliases),
            materials="\n".join(mats),
            organisation_id=org_id,
            organisation_name=org_name[:100],
            division_name=division_name[:60],
            division_path=division_path,
            level=level,
            for_persons=for_persons,
            for_enterprises=for_enterprises,
            online_depth=online_depth,
            visits_required=visits_required,
            item_type=item_type,
            themes=("|" + "|".join(sorted(themes.get(vid, []))) + "|") if themes.get(vid) else "",
            promised_limit=promised_limit,
            promised_unit=promised_unit,
            handling_kind=handling_kind,
            boost=boost_for(level, online_depth),
        )
        text_key = doc_key("text", group_key, name, entry.aliases, entry.materials)
        if text_key not in cache:
            cache[text_key] = document_tokens(name, aliases, mats, [])
        departments = sorted(
            d for d in {normalise(org_name), normalise(org_short_name or ""), normalise(competent_department)} if d
        )
        dept_key = doc_key("department", *departments)
        if dept_key not in cache:
            cache[dept_key] = department_tokens(departments)
        yield Document(entry, text_key, cache[text_key], dept_key, cache[dept_key])


ENTRY_COLUMNS = [f.column for f in SearchEntry._meta.concrete_fields]


def _insert_entries(entries: list[SearchEntry]) -> None:
    """Bulk insert of entry rows without the ORM's per-value preparation (a rebuild writes 20,000+)."""
    fields = SearchEntry._meta.concrete_fields
    rows = [tuple(getattr(e, f.attname) for f in fields) for e in entries]
    insert_rows(SearchEntry._meta.db_table, ENTRY_COLUMNS, rows, batch=2000)


def _insert_postings(rows: list[tuple[str, int, float]]) -> None:
    """Bulk insert of posting rows (token, doc, weight)."""
    insert_rows(SearchToken._meta.db_table, ["token", "doc_id", "weight"], rows)


def _apply_counts(df: Counter, docs: Counter) -> None:
    """Adds frequency deltas; atomic increments so concurrent indexers do not lose counts."""
    changed: dict[tuple[int, int], list[str]] = {}
    for t in set(df) | set(docs):
        if df[t] or docs[t]:
            changed.setdefault((df[t], docs[t]), []).append(t)
    if not changed:
        return
    new = sorted({t for (d, n), tokens in changed.items() if d > 0 or n > 0 for t in tokens})
    SearchTerm.objects.bulk_create([SearchTerm(token=t) for t in new], ignore_conflicts=True, batch_size=1000)
    for (d, n), tokens in changed.items():
        for start in range(0, len(tokens), 500):
            SearchTerm.objects.filter(token__in=tokens[start : start + 500]).update(df=F("df") + d, docs=F("docs") + n)


def _refresh_docs(doc_ids: Iterable[int]) -> list[int]:
    """Recounts the entries of the given docs and their lead entry; returns the docs left empty."""
    ids = sorted(set(doc_ids))
    counts: Counter = Counter()
    leads: dict[int, tuple[float, int]] = {}
    for field in ("text_id", "department_id"):
        rows = SearchEntry.objects.filter(**{f"{field}__in": ids}).values_list(field, "id", "boost")
        for doc_id, entry_id, boost in rows:
            counts[doc_id] += 1
            if field == "text_id":
                best = leads.get(doc_id)
                if best is None or (-boost, entry_id) < (-best[0], best[1]):
                    leads[doc_id] = (boost, entry_id)
    for doc_id in ids:
        lead = leads.get(doc_id)
        SearchDoc.objects.filter(pk=doc_id).update(
            entries=counts[doc_id], lead=lead[1] if lead else None, lead_boost=lead[0] if lead else 0.0
        )
    return [d for d in ids if not counts[d]]


def index_items(item_ids: Iterable[int]) -> int:
    """Re-indexes the given items from their published versions; returns how many are now indexed.

    An item without a published version (retired) leaves the index. Safe to call concurrently:
    the items and the shared docs they touch are locked while rows are replaced, and frequencies
    change by atomic increments.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return 0
    with transaction.atomic():
        list(ServiceItem.objects.filter(pk__in=ids).select_for_update().values_list("pk", flat=True))
        docs = list(_documents(ids))
        old = list(SearchEntry.objects.filter(pk__in=ids).values_list("text_id", "department_id"))
        wanted = {d.text_key: (d.entry.group_key, d.text_tokens) for d in docs}
        wanted.update({d.dept_key: ("", d.dept_tokens) for d in docs})
        SearchDoc.objects.bulk_create(
            [SearchDoc(key=k, group_key=g) for k, (g, _t) in sorted(wanted.items())], ignore_conflicts=True
        )
        old_ids = {i for pair in old for i in pair if i is not None}
        locked = list(
            SearchDoc.objects.select_for_update()
            .filter(Q(key__in=list(wanted)) | Q(pk__in=old_ids))
            .order_by("pk")
            .values_list("pk", "key", "entries")
        )
        by_key = {key: pk for pk, key, _n in locked}
        tokens_of: dict[int, list[str]] = {}
        for doc_id, token in SearchToken.objects.filter(doc_id__in=old_ids).values_list("doc_id", "token"):
            tokens_of.setdefault(doc_id, []).append(token)
        df: Counter = Counter()
        doc_count: Counter = Counter()
        for pair in old:
            for doc_id in pair:
                for token in tokens_of.get(doc_id, ()):
                    df[token] -= 1
        df[TOTAL_TOKEN] -= len(old)
        SearchEntry.objects.filter(pk__in=ids).delete()
        # A doc with no entries yet is new: its postings go in now (an emptied doc is deleted below).
        fresh = {pk for pk, key, n in locked if key in wanted and n == 0 and pk not in old_ids}
        rows = [
            (t, by_key[k], w) for k, (_g, tokens) in wanted.items() if by_key[k] in fresh for t, w in tokens.items()
        ]
        _insert_postings(rows)
        for k, (_g, tokens) in wanted.items():
            if by_key[k] in fresh:
                doc_count.update(tokens.keys())
        for d in docs:
            d.entry.text_id = by_key[d.text_key]
            d.entry.department_id = by_key[d.dept_key]
            df.update(d.text_tokens.keys())
            df.update(d.dept_tokens.keys())
        SearchEntry.objects.bulk_create([d.entry for d in docs])
        df[TOTAL_TOKEN] += len(docs)
        empty = _refresh_docs([pk for pk, _k, _n in locked])
        if empty:
            for token in SearchToken.objects.filter(doc_id__in=empty).values_list("token", flat=True):
                doc_count[token] -= 1
            SearchToken.objects.filter(doc_id__in=empty).delete()
            SearchDoc.objects.filter(pk__in=empty).delete()
        _apply_counts(df, doc_count)
    return len(docs)


def rebuild_index(batch_size: int = 5000, verbose: bool = False) -> dict[str, float]:
    """Rebuilds the whole index from the published catalog in one transaction (bulk inserts).

    Returns figures: entries, shared docs, postings, terms and seconds taken.
    """
    started = time.perf_counter()
    df: Counter = Counter()
    doc_count: Counter = Counter()
    doc_ids: dict[str, int] = {}
    group_of: dict[int, str] = {}
    tokens_of: dict[int, dict[str, float]] = {}
    members: Counter = Counter()
    leads: dict[int, tuple[float, int]] = {}
    entries = 0
    cache: dict[str, dict[str, float]] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (SearchToken, SearchEntry, SearchDoc, SearchTerm):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        ids = list(ServiceItem.objects.filter(current__isnull=False).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            docs = list(_documents(chunk, cache))
            for d in docs:
                for key, group_key, tokens in (
                    (d.text_key, d.entry.group_key, d.text_tokens),
                    (d.dept_key, "", d.dept_tokens),
                ):
                    doc_id = doc_ids.get(key)
                    if doc_id is None:
                        doc_id = doc_ids[key] = len(doc_ids) + 1
                        group_of[doc_id] = group_key
                        tokens_of[doc_id] = tokens
                        doc_count.update(tokens.keys())
                    members[doc_id] += 1
                    df.update(tokens.keys())
                d.entry.text_id = doc_ids[d.text_key]
                d.entry.department_id = doc_ids[d.dept_key]
                best = leads.get(d.entry.text_id)
                if best is None or (-d.entry.boost, d.entry.pk) < (-best[0], best[1]):
                    leads[d.entry.text_id] = (d.entry.boost, d.entry.pk)
            _insert_entries([d.entry for d in docs])
            entries += len(docs)
            if verbose:
                log.info("search index: %d/%d items", entries, len(ids))
        key_of = {v: k for k, v in doc_ids.items()}
        SearchDoc.objects.bulk_create(
            [
                SearchDoc(
                    id=doc_id,
                    key=key_of[doc_id],
                    group_key=group_of[doc_id],
                    entries=members[doc_id],
                    lead=leads[doc_id][1] if doc_id in leads else None,
                    lead_boost=leads[doc_id][0] if doc_id in leads else 0.0,
                )
                for doc_id in sorted(key_of)
            ],
            batch_size=1000,
        )
        rows = [(t, doc_id, w) for doc_id, tokens in tokens_of.items() for t, w in tokens.items()]
        _insert_postings(rows)
        df[TOTAL_TOKEN] = entries
        SearchTerm.objects.bulk_create(
            [SearchTerm(token=t, df=n, docs=doc_count[t]) for t, n in df.items()], batch_size=2000
        )
        _reset_sequence(SearchDoc)
    # Fresh planner statistics for the new rows; on PostgreSQL outside a transaction also VACUUM,
    # which marks the pages all-visible so posting reads become index-only scans.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    if connection.vendor in ("postgresql", "sqlite"):
        with connection.cursor() as cursor:
            for model in (SearchToken, SearchEntry, SearchDoc, SearchTerm):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")
    return {
        "entries": entries,
        "docs": len(doc_ids),
        "postings": len(rows),
        "terms": len(df),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _reset_sequence(model) -> None:
    """After inserting explicit ids, the next automatic id must follow them (PostgreSQL sequences)."""
    sql = connection.ops.sequence_reset_sql(no_style(), [model])
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
