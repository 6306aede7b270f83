"""Policy matching benchmark: P published policies against E enterprises' kept facts, then one enterprise's page.

Run (SQLite, a fresh temporary database file) or on PostgreSQL (a throwaway server):

    .venv/bin/python bench/policies_bench.py                                   # small: 100 policies, 5,000 enterprises
    .venv/bin/python bench/policies_bench.py --policies 1000 --enterprises 100000   # the issue's size
    bin/run-with-postgres .venv/bin/python bench/policies_bench.py --policies 1000 --enterprises 100000

It writes E enterprises and their facts (SubjectFacts, as `facts.gather` leaves them: industry, scale, region,
age, licenses, tax and social-security facts, some missing) in bulk, and P policies through the library's services
(checked, test cases run, published; search tokens built) with realistic structured criteria (a third name
industries, half name scales, most the city) and two to four written rules each. Then it times:

1. `matching.match_versions(all)` — the worker's bulk pass: keyset batches of facts, the batch index narrowing each
   policy to the enterprises its criteria admit, compiled rules, Match rows written for every eligible pair;
   wall time and process CPU time are printed (the target, issue 16: ≤ 10 minutes of work on 2 cores for 1,000
   policies × 100,000 enterprises);
2. the enterprise matches page `/my/enterprise/<id>/policies/` as its legal representative (facts gathered live,
   every policy in force decided, the page rendered): p50/p95/max over --requests (target ≤ 200 ms).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

CITY = "340300"
COUNTIES = ["340302", "340303", "340304", "340311", "340321", "340322", "340323"]
RULES = [
    ("成立不满5年", {"<": [{"var": "enterprise.age_years"}, 5]}),
    ("成立满1年", {">=": [{"var": "enterprise.age_years"}, 1]}),
    ("参保不少于10人", {">=": [{"var": "social.insured"}, 10]}),
    ("新增就业不少于5人", {">=": [{"var": "social.new_hires"}, 5]}),
    ("纳税信用A或B级", {"in": [{"var": "tax.credit_rating"}, ["A", "B"]]}),
    ("营收增长10%以上", {">=": [{"var": "tax.revenue_growth"}, 10]}),
    ("研发投入不少于100万元", {">=": [{"var": "tax.rd_expense"}, 100]}),
    ("持有营业执照", {"in": ["BUSINESS_LICENSE", {"var": "licenses"}]}),
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def setup_env() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        tmp = Path(tempfile.mkdtemp(prefix="yiwang-policies-bench-"))
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "halls_bench_settings"  # static files by name, no manifest
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    return url


def make_facts(rng: random.Random) -> dict:
    from yiwang.policies import industries

    divisions = industries.divisions()
    d = rng.choice(divisions)
    county = rng.choice(COUNTIES)
    facts: dict = {
        "kind": "enterprise",
        "enterprise": {"kind": "enterprise", "status": "active", "age_years": rng.randrange(0, 30)},
        "region": {"province": "340000", "city": CITY, "county": county},
        "licenses": ["BUSINESS_LICENSE"] if rng.random() < 0.9 else [],
        "cases": [],
    }
    if rng.random() < 0.85:  # the profile is shared for most enterprises
        facts["industry"] = {"code": f"{d.section}{d.code}11", "section": d.section, "division": d.code}
        facts["scale"] = rng.choice(["micro", "micro", "small", "small", "medium", "large"])
    if rng.random() < 0.8:
        facts["tax"] = {
            "credit_rating": rng.choice("AABBBCM"),
            "revenue_growth": rng.randrange(-20, 40),
            "rd_expense": rng.choice([0, 0, 20, 60, 120, 300]),
        }
    if rng.random() < 0.9:
        facts["social"] = {"insured": rng.randrange(1, 500), "new_hires": rng.randrange(0, 20)}
    return facts


def prepare(args) -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import OrganisationFactory, division_chain, person
    from yiwang.core.bulk import insert_rows  # noqa: F401 -- the same bulk path the catalog uses
    from yiwang.core.codes import make_credit_code
    from yiwang.identity.models import Enterprise
    from yiwang.policies import industries, services
    from yiwang.policies.models import SubjectFacts

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    rng = random.Random(args.seed)
    _p, city, _c = division_chain()
    org = OrganisationFactory(name="蚌埠市基准政策局", division=city)

    started = time.perf_counter()
    now = timezone.now()
    batch = 5000
    for start in range(0, args.enterprises, batch):
        n = min(batch, args.enterprises - start)
        ents = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    credit_code=make_credit_code("9", "1", rng.choice(COUNTIES), f"B{start + i:07d}"),
                    name=f"基准企业{start + i}",
                    legal_rep_name="李四",
                )
                for i in range(n)
            ]
        )
        if not all(e.pk for e in ents):
            ents = list(Enterprise.objects.filter(name__in=[e.name for e in ents]))
        SubjectFacts.objects.bulk_create(
            [SubjectFacts(enterprise=e, facts=make_facts(rng), stamp="bench", gathered_at=now) for e in ents]
        )
    written = time.perf_counter() - started

    started = time.perf_counter()
    sections = [s.code for s in industries.sections()]
    divisions = [d.code for d in industries.divisions()]
    ids = []
    for i in range(args.policies):
        inds = []
        if rng.random() < 0.35:
            inds = (
                rng.sample(sections, rng.randrange(1, 3))
                if rng.random() < 0.5
                else rng.sample(divisions, rng.randrange(1, 6))
            )
        scales = rng.sample(["micro", "small", "medium", "large"], rng.randrange(1, 4)) if rng.random() < 0.5 else []
        regions = [CITY] if rng.random() < 0.8 else [rng.choice(COUNTIES)]
        rules = [{"name": n, "if": c, "message": ""} for n, c in rng.sample(RULES, rng.randrange(2, 5))]
        data = {
            "title": f"基准政策{i}号 稳岗补贴 研发奖励",
            "doc_number": f"蚌基准〔2026〕{i + 1}号",
            "text": "政策原文。",
            "target": "enterprise",
            "industries": inds,
            "scales": scales,
            "divisions": regions,
            "valid_from": "2026-01-01",
            "rules": rules,
            "tests": [{"name": "对象不符", "facts": {"kind": "person"}, "expect": False}],
        }
        v = services.publish(services.create_policy(org, data, code=f"PB{i:06d}"), match=False)
        ids.append(v.pk)
    policies_s = time.perf_counter() - started

    rep = person("李四", password="bench-password-123")
    ent = Enterprise.objects.create(
        credit_code=make_credit_code("9", "1", "340303", "BN000001"),
        name="蚌埠基准食品有限公司",
        legal_rep_name="李四",
        legal_rep=rep,
    )
    return {"version_ids": ids, "written_s": written, "policies_s": policies_s, "rep": rep, "enterprise": ent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=100)
    parser.add_argument("--enterprises", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    url = setup_env()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yiwang.catalog.searching import warm_up
    from yiwang.policies import matching
    from yiwang.policies.models import Match

    warm_up()
    print(f"database: {url.split(':', 1)[0]} · {platform.python_version()} · {cpu_model()}")
    w = prepare(args)
    print(
        f"wrote {args.enterprises} enterprises with facts in {w['written_s']:.1f} s; "
        f"{args.policies} policies checked, tested and published in {w['policies_s']:.1f} s"
    )

    cpu0, t0 = time.process_time(), time.perf_counter()
    out = matching.match_versions(w["version_ids"])
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    pairs = args.policies * args.enterprises
    print(
        f"bulk match: {args.policies} policies × {args.enterprises} enterprises = {pairs:,} pairs; "
        f"{out.evaluated:,} evaluated after the criteria index; {out.eligible:,} eligible ({Match.objects.count():,} "
        f"Match rows) in {wall:.1f} s wall, {cpu:.1f} s CPU (one process)"
    )
    again0 = time.perf_counter()
    out2 = matching.match_versions(w["version_ids"])
    print(f"re-run (nothing new, idempotent): {time.perf_counter() - again0:.1f} s, new {out2.newly}, told {out2.told}")

    client = Client(HTTP_HOST="localhost")
    client.force_login(w["rep"].user)
    path = f"/my/enterprise/{w['enterprise'].pk}/policies/"
    times, status = [], None
    for _ in range(args.requests + 2):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        status = r.status_code
    times = times[2:]  # the first two warm the template and rule caches
    print(
        f"{path} ({args.policies} policies in force): status {status}, p50 {pct(times, 50):.0f} ms, "
        f"p95 {pct(times, 95):.0f} ms, max {max(times):.0f} ms, {len(q.captured_queries)} queries"
    )


if __name__ == "__main__":
    main()
