"""Benchmark: import a whole demo city's catalog (20,000 items) from xlsx and from JSON into a fresh database,
then export it again.

    .venv/bin/python bench/import_bench.py --items 20000 [xlsx] [json] [export]
    bin/run-with-postgres .venv/bin/python bench/import_bench.py --items 20000

The demo city comes from `yiwang.ops.demo.generate_city` (deterministic for a seed). The
parent process writes both files once; each import runs in a child process on a fresh database
(a new SQLite file, or the PostgreSQL database of DATABASE_URL flushed) holding only the
organisations, license types, data resources and themes, so the child's peak RSS is the import's.
Printed per format: file size, wall time of the import (whole-file validation + bulk write in batches) and of
the search indexing of the batches as they commit, peak RSS (VmHWM) of the child, and the time of a second
import of the same file (every item unchanged). `--tracemalloc` adds the Python heap peak (slower).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model, peak_rss_mib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup_django(db_url: str | None) -> None:
    if db_url:
        os.environ["DATABASE_URL"] = db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.conf.test"
    import django

    django.setup()


def machine() -> str:
    cpu = cpu_model()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs{mem}, Python {platform.python_version()}, {platform.system()}"


def item_objects(plan) -> list[dict]:
    """The plan's items in the JSON shape of the catalog file format."""
    out = []
    for it in plan.items:
        obj = {
            "item_code": it.item_code,
            "catalog_code": it.catalog_code,
            "handling_item": it.handling_item,
            "credit_code": it.organisation_code,
            **it.version,
            "themes": list(it.themes),
            "materials": [{**m, "order": m.get("order") or i} for i, m in enumerate(it.materials, 1)],
            "steps": [
                {**s, "order": s.get("order") or i, "countersign_credit_code": ""} for i, s in enumerate(it.steps, 1)
            ],
        }
        out.append(obj)
    return out


def write_reference(plan) -> None:
    """Divisions, organisations, license types, data resources and themes of the plan, in bulk."""
    from yiwang.catalog.models import Theme
    from yiwang.core.codes import division_level
    from yiwang.exchange.models import DataResource
    from yiwang.licenses.models import LicenseType
    from yiwang.orgs.models import Division, Organisation

    divisions: dict[str, Division] = {}
    for d in plan.divisions:
        parent = divisions.get(d.parent_code) if d.parent_code else None
        div = Division(code=d.code, name=d.name, level=division_level(d.code), parent=parent)
        div.path = (parent.path if parent else "/") + d.code + "/"
        divisions[d.code] = div
    by_level: dict[int, list[Division]] = {}
    for div in divisions.values():
        by_level.setdefault(div.path.count("/"), []).append(div)
    for depth in sorted(by_level):  # parents first, so their ids exist
        for div in by_level[depth]:
            div.parent_id = div.parent.pk if div.parent else None
        Division.objects.bulk_create(by_level[depth], batch_size=1000)
    orgs = {
        o.credit_code: Organisation(
            credit_code=o.credit_code,
            name=o.name,
            short_name=o.short_name,
            kind=o.kind,
            division_id=divisions[o.division_code].pk,
            address=o.address,
            phone=o.phone,
        )
        for o in plan.organisations
    }
    Organisation.objects.bulk_create(orgs.values(), batch_size=1000)
    for o in plan.organisations:
        if o.parent_code:
            orgs[o.credit_code].parent_id = orgs[o.parent_code].pk
    Organisation.objects.bulk_update([o for o in orgs.values() if o.parent_id], ["parent"], batch_size=1000)
    LicenseType.objects.bulk_create(
        [LicenseType(code=t.code, name=t.name, holder_kind=t.holder_kind) for t in plan.license_types]
    )
    DataResource.objects.bulk_create(
        [
            DataResource(code=r.code, name=r.name, provider_id=orgs[r.provider_code].pk, sharing=r.sharing)
            for r in plan.data_resources
        ]
    )
    Theme.objects.bulk_create(
        [Theme(code=t.code, name=t.name, audience=t.audience, order=t.order) for t in plan.themes]
    )


def fresh_database(plan) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    write_reference(plan)


def child(fmt: str, path: str, items: int, seed: int, use_tracemalloc: bool) -> dict:
    """Runs in its own process: fresh database, one import timed, one re-import timed."""
    from yiwang.ops.demo import generate_city

    plan = generate_city(seed=seed, items=items)
    fresh_database(plan)
    del plan
    from django.db import connection

    from yiwang.catalog import handlers
    from yiwang.catalog.io import service

    search_seconds = []
    original = handlers.index_items

    def timed_index(ids):
        t = time.perf_counter()
        original(ids)
        search_seconds.append(time.perf_counter() - t)

    handlers.index_items = timed_index  # the search listener indexes each committed batch
    before_rss = peak_rss_mib()
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
    started = time.perf_counter()
    with open(path, "rb") as fh:
        result = service.import_catalog(fh, channel="import")
    wall = time.perf_counter() - started
    heap = None
    if use_tracemalloc:
        import tracemalloc

        heap = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    peak_rss = peak_rss_mib()
    again = time.perf_counter()
    with open(path, "rb") as fh:
        second = service.import_catalog(fh, channel="import")
    again = time.perf_counter() - again
    from yiwang.catalog.models import ItemVersion, Material, ProcessStep, SearchEntry

    return {
        "format": fmt,
        "database": connection.vendor,
        "created": result.created,
        "versions": ItemVersion.objects.count(),
        "materials": Material.objects.count(),
        "steps": ProcessStep.objects.count(),
        "indexed": SearchEntry.objects.count(),
        "import_s": round(wall - sum(search_seconds), 2),
        "search_refresh_s": round(sum(search_seconds), 2),
        "rss_before_mib": before_rss,
        "peak_rss_mib": peak_rss,
        "tracemalloc_peak_mib": round(heap / 1024 / 1024, 1) if heap is not None else None,
        "reimport_unchanged": second.unchanged,
        "reimport_s": round(again, 2),
    }


def export_child(fmt: str) -> dict:
    """Runs in its own process on the imported database: one export timed, peak RSS of this process."""
    from django.db import connection

    from yiwang.catalog.io import published_versions, write_json, write_xlsx

    before_rss = peak_rss_mib()
    versions = published_versions()
    count = versions.count()
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as fh:
        started = time.perf_counter()
        (write_xlsx if fmt == "xlsx" else write_json)(versions, fh)
        fh.flush()
        wall = time.perf_counter() - started
        size = os.path.getsize(fh.name)
    return {
        "format": fmt,
        "database": connection.vendor,
        "items": count,
        "export_s": round(wall, 2),
        "size_mib": round(size / 1024 / 1024, 1),
        "rss_before_mib": before_rss,
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("formats", nargs="*", help="xlsx, json and/or export (default all three)")
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap peak (slower)")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--export-child", metavar="FORMAT", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = args.formats or ["xlsx", "json", "export"]
    if set(formats) - {"xlsx", "json", "export"}:
        parser.error("formats are xlsx, json and export")
    export = "export" in formats
    formats = [f for f in formats if f != "export"] or (["json"] if export else [])

    if args.export_child:
        setup_django(args.db)
        print(json.dumps(export_child(args.export_child)))
        return
    if args.child:
        setup_django(args.db)
        print(json.dumps(child(args.child[0], args.child[1], args.items, args.seed, args.tracemalloc)))
        return

    pg = os.environ.get("DATABASE_URL")
    setup_django(pg)
    from yiwang.catalog.io.writer import write_xlsx
    from yiwang.ops.demo import generate_city

    print(f"machine: {machine()}")
    print(f"database: {'PostgreSQL' if pg else 'SQLite (file)'}; items: {args.items}; seed: {args.seed}")
    t = time.perf_counter()
    plan = generate_city(seed=args.seed, items=args.items)
    objs = item_objects(plan)
    print(
        f"generated {len(objs)} items, {sum(len(o['materials']) for o in objs)} materials, "
        f"{sum(len(o['steps']) for o in objs)} steps of {len(plan.organisations)} organisations "
        f"in {time.perf_counter() - t:.1f} s"
    )
    del plan
    tmp = Path(tempfile.mkdtemp(prefix="yiwang-import-bench-"))
    files = {}
    for fmt in formats:
        path = tmp / f"catalog.{fmt}"
        t = time.perf_counter()
        with open(path, "wb") as fh:
            if fmt == "json":
                fh.write(json.dumps({"format": "yiwang-catalog", "items": objs}, ensure_ascii=False).encode())
            else:
                write_xlsx(objs, fh)
        files[fmt] = path
        print(f"wrote {path.name}: {path.stat().st_size / 1024 / 1024:.1f} MiB in {time.perf_counter() - t:.1f} s")
    del objs

    db = ""
    for fmt in formats:
        db = pg or f"sqlite:///{tmp / f'bench-{fmt}.sqlite3'}"
        cmd = [sys.executable, __file__, "--child", fmt, str(files[fmt]), "--db", db, "--items", str(args.items)]
        cmd += ["--seed", str(args.seed)] + (["--tracemalloc"] if args.tracemalloc else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{fmt:4} on {figures['database']}: import {figures['import_s']} s "
            f"(+ search index {figures['search_refresh_s']} s) for {figures['created']} items, "
            f"{figures['materials']} materials, {figures['steps']} steps; "
            f"peak RSS {figures['peak_rss_mib']} MiB (before import {figures['rss_before_mib']} MiB)"
            + (
                f"; tracemalloc peak {figures['tracemalloc_peak_mib']} MiB"
                if figures["tracemalloc_peak_mib"] is not None
                else ""
            )
            + f"; re-import of the same file {figures['reimport_s']} s ({figures['reimport_unchanged']} unchanged)"
        )

    if export:
        for fmt in ("xlsx", "json"):
            cmd = [sys.executable, __file__, "--export-child", fmt, "--db", db]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"export {fmt:4} on {figures['database']}: {figures['items']} items in {figures['export_s']} s, "
                f"{figures['size_mib']} MiB; peak RSS {figures['peak_rss_mib']} MiB "
                f"(before export {figures['rss_before_mib']} MiB)"
            )


if __name__ == "__main__":
    main()
