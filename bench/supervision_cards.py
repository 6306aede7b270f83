"""Card evaluation benchmark: the periodic sweep over N open cases, each with one open (active) step.

Run (SQLite, a fresh temporary database file) or on PostgreSQL (a throwaway server):

    .venv/bin/python bench/supervision_cards.py --steps 20000
    bin/run-with-postgres .venv/bin/python bench/supervision_cards.py --steps 1000000

It writes, in bulk (COPY on PostgreSQL), N cases being processed over --departments departments, each with its
active step, accepted 0–25 working days ago with promised and step due dates spread from 10 working days past to
20 ahead (so about a third are overdue and some near their limit), then runs `cards.sweep()` — the worker's
periodic job — twice: the first sweep issues the cards, the second finds nothing new (the steady state every
15 minutes). It prints the time, cases and steps per second, cards issued and queries per batch of each, and the
machine. The target (issue 15): ≤ 1 minute of work for 1,000,000 open steps on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model, memory_gib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def setup_env() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-cards-bench-"))
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "halls_bench_settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    return url


def _db_values(model, obj_values: dict, connection) -> tuple[list[str], list]:
    from django.db import models

    cols, vals = [], []
    for f in model._meta.concrete_fields:
        value = obj_values[f.attname]
        value = json.dumps(value) if isinstance(f, models.JSONField) else f.get_db_prep_save(value, connection)
        cols.append(f.column)
        vals.append(value)
    return cols, vals


def prepare(args) -> int:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tests.factories import OrganisationFactory, division_chain, make_item, person, staff
    from yiwang.calendar import services as calendar
    from yiwang.calendar import workdays
    from yiwang.cases import services as cases
    from yiwang.cases.models import Case, CaseStep, Channel
    from yiwang.cases.services import Who
    from yiwang.core.bulk import insert_rows
    from yiwang.orgs.models import Role

    call_command("migrate", verbosity=0)
    year = timezone.localdate().year
    calendar.load_from_package([y for y in (year - 1, year) if y <= 2026] or None)
    rng = random.Random(args.seed)
    _p, city, _c = division_chain()
    orgs = [OrganisationFactory(name=f"基准部门{i}", division=city) for i in range(args.departments)]
    item = make_item(orgs[0], form_fields=[])
    clerk = staff(orgs[0], Role.WINDOW_CLERK, username="bench-clerk")
    applicant = person("基准申请人")
    who = Who(user=applicant.user, name=applicant.name, channel=Channel.PORTAL)
    tpl, _ = cases.submit(version=item.current, person=applicant, who=who, form_data={})
    tpl = cases.accept(tpl, Who(user=clerk, name="窗口", role=Role.WINDOW_CLERK, channel=Channel.WINDOW))
    case_row = Case.objects.filter(pk=tpl.pk).values(*[f.attname for f in Case._meta.concrete_fields]).get()
    step = CaseStep.objects.filter(case=tpl, state="active").first()
    step_row = CaseStep.objects.filter(pk=step.pk).values(*[f.attname for f in CaseStep._meta.concrete_fields]).get()
    CaseStep.objects.filter(case=tpl).delete()
    Case.objects.filter(pk=tpl.pk).delete()
    cal = workdays.snapshot()
    today = timezone.localdate()
    base_id = 1_000_000
    started = time.perf_counter()
    chunk = 20_000
    # The template rows in database form once; each clone replaces only the columns that vary (plain Python
    # values, which COPY and sqlite3 take as they are).
    case_cols, case_base = _db_values(Case, case_row, connection)
    step_cols, step_base = _db_values(CaseStep, step_row, connection)
    ci = {name: case_cols.index(name) for name in (
        "id", "case_number", "organisation_id", "submitted_at", "accepted_at", "promised_due", "statutory_due",
        "acceptance_due", "idempotency_key")}  # fmt: skip
    si = {
        name: step_cols.index(name) for name in ("id", "case_id", "organisation_id", "started_at", "due", "case_number")
    }
    for lo in range(0, args.steps, chunk):
        case_rows, step_rows = [], []
        for i in range(lo, min(args.steps, lo + chunk)):
            pk = base_id + i
            accepted = cal.add_working_days(today, -rng.randint(0, 25))
            at = timezone.make_aware(dt.datetime.combine(accepted, dt.time(10, 0)))
            due = cal.add_working_days(today, rng.randint(-10, 20))
            org = orgs[i % len(orgs)].pk
            number = f"B{pk:017d}"
            c = list(case_base)
            for name, value in (
                ("id", pk), ("case_number", number), ("organisation_id", org), ("submitted_at", at),
                ("accepted_at", at), ("promised_due", due), ("statutory_due", cal.add_working_days(due, 10)),
                ("acceptance_due", cal.add_working_days(accepted, 5)), ("idempotency_key", ""),
            ):  # fmt: skip
                c[ci[name]] = value
            case_rows.append(c)
            s = list(step_base)
            for name, value in (
                ("id", pk), ("case_id", pk), ("organisation_id", org), ("started_at", at),
                ("due", cal.add_working_days(today, rng.randint(-10, 20))), ("case_number", number),
            ):  # fmt: skip
                s[si[name]] = value
            step_rows.append(s)
        with transaction.atomic():
            insert_rows(Case._meta.db_table, case_cols, case_rows)
            insert_rows(CaseStep._meta.db_table, step_cols, step_rows)
        print(f"  wrote {min(args.steps, lo + chunk):,} cases and steps", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return int(time.perf_counter() - started)


def sweep_once(label: str, batch: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from yiwang.supervision import cards

    reset_queries()
    cpu0 = time.process_time()
    with CaptureQueriesContext(connection) as ctx:
        figures = cards.sweep(batch=batch, notify=True)
    cpu = time.process_time() - cpu0
    out = {
        "label": label,
        "seconds": figures.seconds,
        "python_cpu_seconds": cpu,
        "cases": figures.cases,
        "steps": figures.steps,
        "issued": figures.issued,
        "resolved": figures.resolved,
        "batches": figures.batches,
        "queries": len(ctx.captured_queries),
        "by_rule": dict(figures.by_rule),
    }
    rate = figures.steps / figures.seconds if figures.seconds else 0
    print(
        f"{label}: {figures.seconds:.1f} s wall ({cpu:.1f} s Python CPU) for {figures.cases:,} open cases and "
        f"{figures.steps:,} open steps ({rate:,.0f} steps/s); {figures.issued:,} cards issued, {figures.resolved:,} "
        f"resolved; {figures.batches} batches, {len(ctx.captured_queries) / max(1, figures.batches):.1f} queries "
        f"per batch",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="Open cases, one open step each (default 20,000)")
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--batch", type=int, default=2000, help="Cases per sweep batch (cards.BATCH)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url = setup_env()
    from django.db import connection

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} CPUs, {memory_gib():.1f} GiB; Python {platform.python_version()}; "
        f"database: {connection.vendor} ({url.split('@')[-1] if '@' in url else url})",
        flush=True,
    )
    print(f"preparing {args.steps:,} open cases with one open step each …", flush=True)
    took = prepare(args)
    print(f"prepared in {took} s", flush=True)
    first = sweep_once("first sweep (issues the cards)", args.batch)
    second = sweep_once("second sweep (steady state)", args.batch)
    goal = 60.0 * args.steps / 1_000_000
    print(
        f"goal: ≤ 60 s per 1,000,000 open steps (≤ {goal:.1f} s here): first {'met' if first['seconds'] <= goal else 'NOT met'}, "
        f"steady {'met' if second['seconds'] <= goal else 'NOT met'}",
        flush=True,
    )
    print(json.dumps({"steps": args.steps, "first": first, "second": second}, ensure_ascii=False))


if __name__ == "__main__":
    main()
