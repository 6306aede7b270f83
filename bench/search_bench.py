"""Catalog search benchmark: latency and relevance of GET /api/v1/catalog/search on the demo city.

Run (SQLite, a fresh temporary database file):

    .venv/bin/python bench/search_bench.py --items 20000

Run on PostgreSQL (a throwaway server):

    bin/run-with-postgres .venv/bin/python bench/search_bench.py --items 20000

(or `--database-url postgres://user:pass@host/db` for a database of your own; it must be empty).

What it does:
1. generates the deterministic demo city (`yiwang.ops.demo.generate_city`, the same data as
   `make demo`), writes it in bulk and rebuilds the search index (`rebuild_index`), timing both;
2. builds a query set of --queries queries (default 300) from the generated items, each paired with
   the item it means: full names, partial names, colloquial names (aliases), full pinyin, pinyin
   initials and distinctive material names;
3. sends every query through the HTTP API in-process (Django test client: URL routing, parameter
   validation, search and JSON rendering all count) and prints the machine, the database,
   p50/p95/max latency and relevance.

Relevance rule: a query counts as found when one of the first 5 results has the intended item's
basic code (catalog_code, shared by every county's and township's implementation of the same base
item and by its handling-item variants) or exactly its name.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from machine_info import cpu_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _setup(database_url: str | None) -> str:
    tmp = None
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-search-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.conf.test"
    import django

    django.setup()
    return str(tmp) if tmp else "(DATABASE_URL)"


def _machine() -> dict[str, str]:
    from django.db import connection

    cpu = cpu_model()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]}"
        elif connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            db = connection.vendor
    load = "unknown"
    with contextlib.suppress(OSError):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "load": load,
        "python": platform.python_version(),
        "database": db,
        "platform": platform.platform(),
    }


_BRACKETS = re.compile(r"[（(].*?[）)]")


def _plain(name: str) -> str:
    return _BRACKETS.sub("", name).strip()


def build_queries(plan, count: int, seed: int) -> list[dict]:
    """Queries paired with the item they mean, several kinds per sampled base item."""
    import jieba
    from pypinyin import Style, lazy_pinyin

    rnd = random.Random(seed)
    by_group: dict[tuple[str, str], list] = defaultdict(list)
    for item in plan.items:
        by_group[(item.catalog_code, item.handling_item)].append(item)
    material_codes: dict[str, set[str]] = defaultdict(set)
    for item in plan.items:
        for m in item.materials:
            material_codes[m["name"]].add(item.catalog_code)
    groups = sorted(by_group)
    rnd.shuffle(groups)
    kinds = ["name", "partial", "alias", "pinyin", "initials", "material"]
    queries: list[dict] = []
    for key in groups:
        if len(queries) >= count:
            break
        item = by_group[key][0]
        name = item.version["name"]
        plain = _plain(name)
        made: dict[str, str] = {"name": name}
        words = jieba.lcut(plain)
        if len(words) >= 3 and len("".join(words[:-1])) >= 3:
            made["partial"] = "".join(words[:-1])
        aliases = [a for a in item.version.get("aliases", []) if a]
        if aliases:
            made["alias"] = rnd.choice(aliases)
        made["pinyin"] = "".join(lazy_pinyin(plain))
        made["initials"] = "".join(lazy_pinyin(plain, style=Style.FIRST_LETTER))
        distinctive = [
            m["name"]
            for m in item.materials
            if material_codes[m["name"]] == {item.catalog_code} and m["name"] not in (name, plain)
        ]
        if distinctive:
            made["material"] = rnd.choice(distinctive)
        for kind in kinds:
            if kind in made and len(queries) < count:
                queries.append({"q": made[kind], "kind": kind, "code": item.catalog_code, "name": name})
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--show-misses", type=int, default=15)
    args = parser.parse_args()

    where = _setup(args.database_url)
    from django.core.management import call_command
    from django.test import Client

    from yiwang.catalog.models import SearchEntry, ServiceItem
    from yiwang.catalog.search import rebuild_index

    # What a server worker does at start (gunicorn post_worker_init hook), timed before anything
    # else loads the dictionaries.
    from yiwang.catalog.searching import warm_up
    from yiwang.ops.demo import generate_city, write_city

    t_warm = time.perf_counter()
    warm_up()
    warm_seconds = time.perf_counter() - t_warm
    call_command("migrate", verbosity=0)
    if ServiceItem.objects.exists():
        sys.exit("The database already holds items; give an empty database.")
    t0 = time.perf_counter()
    plan = generate_city(args.seed, args.items)
    t1 = time.perf_counter()
    write_city(plan)
    t2 = time.perf_counter()
    figures = rebuild_index()
    t3 = time.perf_counter()

    machine = _machine()
    print("== machine")
    for k, v in machine.items():
        print(f"{k:>10}: {v}")
    print(f"{'db file':>10}: {where}")
    print("== catalog")
    print(f"items generated: {len(plan.items)} in {t1 - t0:.1f} s; written in {t2 - t1:.1f} s")
    print(
        f"search index: {figures['entries']} entries, {figures.get('docs', '-')} shared docs, "
        f"{figures['postings']} postings, {figures['terms']} terms; "
        f"rebuilt in {t3 - t2:.1f} s"
    )
    print(f"indexed entries: {SearchEntry.objects.count()}")

    queries = build_queries(plan, args.queries, args.seed)
    # The generated city (tens of thousands of Python objects) is setup, not part of a server
    # worker's heap: drop it and freeze what is left, or the garbage collector's full passes over
    # it (about 0.3 s each) would be timed as search latency.
    del plan
    gc.collect()
    gc.freeze()
    client = Client()
    print(f"search warm-up (jieba and pypinyin dictionaries, once per process): {warm_seconds:.2f} s")
    # One request each way opens the connection and warms the URL resolver.
    for q in ("营业执照", "yyzz", "shenfenzheng"):
        client.get("/api/v1/catalog/search", {"q": q})
    machine["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load before timing: {machine['load']}")

    latencies: list[float] = []
    by_kind_lat: dict[str, list[float]] = defaultdict(list)
    found_by_kind: Counter = Counter()
    total_by_kind: Counter = Counter()
    misses: list[tuple] = []
    for q in queries:
        start = time.perf_counter()
        response = client.get("/api/v1/catalog/search", {"q": q["q"], "page_size": 10})
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            sys.exit(f"query {q['q']!r} failed: HTTP {response.status_code} {response.content[:200]!r}")
        top = response.json()["items"][:5]
        hit = any(r["catalog_code"] == q["code"] or r["name"] == q["name"] for r in top)
        latencies.append(elapsed)
        by_kind_lat[q["kind"]].append(elapsed)
        total_by_kind[q["kind"]] += 1
        found_by_kind[q["kind"]] += hit
        if not hit:
            misses.append((q["kind"], q["q"], q["name"], [r["name"] for r in top[:3]]))

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    print("== latency of GET /api/v1/catalog/search (ms, in-process HTTP)")
    print(f"{'kind':>10} {'n':>5} {'p50':>7} {'p95':>7} {'max':>7} {'top5':>7}")
    for kind in sorted(total_by_kind):
        lat = by_kind_lat[kind]
        print(
            f"{kind:>10} {len(lat):>5} {statistics.median(lat):>7.1f} {pct(lat, 95):>7.1f} {max(lat):>7.1f} "
            f"{100 * found_by_kind[kind] / total_by_kind[kind]:>6.1f}%"
        )
    relevance = 100 * sum(found_by_kind.values()) / len(queries)
    print(
        f"{'all':>10} {len(latencies):>5} {statistics.median(latencies):>7.1f} {pct(latencies, 95):>7.1f} "
        f"{max(latencies):>7.1f} {relevance:>6.1f}%"
    )
    print("relevance rule: found when one of the first 5 results has the intended item's basic code or name")
    print(
        f"targets: p95 <= 50 ms -> {'met' if pct(latencies, 95) <= 50 else 'NOT met'}; "
        f"relevance >= 95% -> {'met' if relevance >= 95 else 'NOT met'}"
    )
    print(f"load after timing: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if misses and args.show_misses:
        print(f"== misses ({len(misses)}), first {args.show_misses}")
        for kind, q, name, top in misses[: args.show_misses]:
            print(f"  [{kind}] {q!r} meant {name!r}; got {top}")


if __name__ == "__main__":
    main()
