"""Keeping the search tables in the database in step with the published catalog.

SearchEntry holds one row per item with a published version (the columns results and filters
read), SearchToken the posting rows (token, entry, weight) and SearchTerm each token's document
frequency. Everything is in the database so every web and worker process sees the same index.

`index_items()` re-indexes a few items (called on publish/retire); `rebuild_index()` rebuilds the
whole index in bulk after large loads (demo data, imports, `yiwang reindex_catalog`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F

from ..models import HANDLING_ITEM_DIGIT, ItemVersion, Material, SearchEntry, SearchTerm, SearchToken, ServiceItem
from .text import DEPARTMENT_PREFIX, FIELD_PREFIXES, MATERIAL_PREFIX, TOTAL_TOKEN, normalise, text_tokens

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


@dataclass
class Document:
    """What is indexed of one item: its entry row and its token weights."""

    entry: SearchEntry
    tokens: dict[str, float]


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
    # nothing the name form does not already say; dropping it keeps the postings lean.
    return {t: round(w, 4) for t, w in out.items() if not (t[:2] in FIELD_PREFIXES and t[2:] in out)}


def _documents(items: Iterable[ServiceItem]) -> Iterator[Document]:
    """Builds documents for items loaded with current, organisation and division (3 queries per batch)."""
    items = [i for i in items if i.current_id]
    version_ids = [i.current_id for i in items]
    materials: dict[int, list[str]] = {}
    for vid, name in Material.objects.filter(version_id__in=version_ids).values_list("version_id", "name"):
        materials.setdefault(vid, []).append(name)
    themes: dict[int, list[str]] = {}
    through = ItemVersion.themes.through
    for vid, code in through.objects.filter(itemversion_id__in=version_ids).values_list(
        "itemversion_id", "theme__code"
    ):
        themes.setdefault(vid, []).append(code)
    for item in items:
        v = item.current
        org = item.organisation
        aliases = [a.strip() for a in (v.aliases or []) if isinstance(a, str) and a.strip()]
        mats = list(dict.fromkeys(materials.get(v.pk, [])))
        entry = SearchEntry(
            id=item.pk,
            item_id=item.pk,
            version_id=v.pk,
            item_code=item.item_code,
            group_key=item.catalog_code + HANDLING_ITEM_DIGIT.get(item.handling_item, "0"),
            name=v.name,
            aliases="\n".join(aliases),
            materials="\n".join(mats),
            organisation_id=org.pk,
            organisation_name=org.name[:100],
            division_name=org.division.name[:60],
            division_path=org.division.path,
            level=v.level,
            for_persons=v.for_persons,
            for_enterprises=v.for_enterprises,
            online_depth=v.online_depth,
            visits_required=v.visits_required,
            item_type=v.item_type,
            themes=("|" + "|".join(sorted(themes.get(v.pk, []))) + "|") if themes.get(v.pk) else "",
            promised_limit=v.promised_limit,
            promised_unit=v.promised_unit,
            handling_kind=v.handling_kind,
            boost=boost_for(v.level, v.online_depth),
        )
        departments = {normalise(org.name), normalise(org.short_name or ""), normalise(v.competent_department)}
        tokens = document_tokens(v.name, aliases, mats, sorted(d for d in departments if d))
        yield Document(entry, tokens)


def _load_items(queryset):
    return queryset.select_related("current", "organisation__division").only(
        "id",
        "item_code",
        "catalog_code",
        "handling_item",
        "current",
        "organisation__name",
        "organisation__short_name",
        "organisation__division__name",
        "organisation__division__path",
    )


def _insert_postings(rows: list[tuple[str, int, float]]) -> None:
    """Bulk insert of posting rows: COPY on PostgreSQL (psycopg 3), executemany elsewhere."""
    if not rows:
        return
    table = connection.ops.quote_name(SearchToken._meta.db_table)
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", cursor)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {table} (token, entry_id, weight) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} (token, entry_id, weight) VALUES (%s, %s, %s)"  # noqa: S608
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _apply_df(delta: Counter) -> None:
    """Adds document-frequency deltas; atomic increments so concurrent indexers do not lose counts."""
    changed = {t: d for t, d in delta.items() if d}
    if not changed:
        return
    SearchTerm.objects.bulk_create(
        [SearchTerm(token=t, df=0) for t, d in changed.items() if d > 0], ignore_conflicts=True, batch_size=1000
    )
    by_delta: dict[int, list[str]] = {}
    for t, d in changed.items():
        by_delta.setdefault(d, []).append(t)
    for d, tokens in by_delta.items():
        for start in range(0, len(tokens), 500):
            SearchTerm.objects.filter(token__in=tokens[start : start + 500]).update(df=F("df") + d)


def index_items(item_ids: Iterable[int]) -> int:
    """Re-indexes the given items from their published versions; returns how many are now indexed.

    An item without a published version (retired) leaves the index. Safe to call concurrently:
    the items are locked while their rows are replaced and df counts change by atomic increments.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return 0
    with transaction.atomic():
        items = list(_load_items(ServiceItem.objects.filter(pk__in=ids).select_for_update(of=("self",))))
        delta: Counter = Counter()
        for token in SearchToken.objects.filter(entry_id__in=ids).values_list("token", flat=True):
            delta[token] -= 1
        delta[TOTAL_TOKEN] -= SearchEntry.objects.filter(pk__in=ids).count()
        SearchToken.objects.filter(entry_id__in=ids).delete()
        SearchEntry.objects.filter(pk__in=ids).delete()
        docs = list(_documents(items))
        SearchEntry.objects.bulk_create([d.entry for d in docs])
        rows = [(t, d.entry.pk, w) for d in docs for t, w in d.tokens.items()]
        _insert_postings(rows)
        for d in docs:
            delta.update(d.tokens.keys())
        delta[TOTAL_TOKEN] += len(docs)
        _apply_df(delta)
    return len(docs)


def rebuild_index(batch_size: int = 2000, verbose: bool = False) -> dict[str, float]:
    """Rebuilds the whole index from the published catalog in one transaction (bulk inserts).

    Returns figures: entries, postings, terms and seconds taken.
    """
    started = time.perf_counter()
    df: Counter = Counter()
    entries = postings = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (SearchToken, SearchEntry, SearchTerm):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        ids = list(ServiceItem.objects.filter(current__isnull=False).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            docs = list(_documents(_load_items(ServiceItem.objects.filter(pk__in=chunk))))
            SearchEntry.objects.bulk_create([d.entry for d in docs], batch_size=500)
            rows = [(t, d.entry.pk, w) for d in docs for t, w in d.tokens.items()]
            _insert_postings(rows)
            for d in docs:
                df.update(d.tokens.keys())
            entries += len(docs)
            postings += len(rows)
            if verbose:
                log.info("search index: %d/%d items", entries, len(ids))
        df[TOTAL_TOKEN] = entries
        SearchTerm.objects.bulk_create([SearchTerm(token=t, df=n) for t, n in df.items()], batch_size=2000)
    # Fresh planner statistics for the new rows; on PostgreSQL outside a transaction also VACUUM,
    # which marks the pages all-visible so posting reads become index-only scans.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    if connection.vendor in ("postgresql", "sqlite"):
        with connection.cursor() as cursor:
            for model in (SearchToken, SearchEntry, SearchTerm):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")
    return {
        "entries": entries,
        "postings": postings,
        "terms": len(df),
        "seconds": round(time.perf_counter() - started, 2),
    }
