"""12345 hotline benchmark: intake and dispatch by concurrent operators over HTTP, duplicate suggestion among millions
of orders, knowledge search among tens of thousands of entries.

Run (SQLite, a fresh temporary database file, small sizes):

    .venv/bin/python bench/hotline_bench.py --orders 200000 --kb 50000

PostgreSQL (a throwaway server), the sizes of the issue:

    bin/run-with-postgres .venv/bin/python bench/hotline_bench.py --orders 5000000 --kb 50000

What it does, in one run:
1. migrates an empty database; creates the city's 12345 centre, six departments with routing rules (one per top
   category), and --operators operator accounts;
2. writes --orders existing work orders with COPY (yiwang.core.bulk.insert_rows; the table's secondary indexes are
   dropped for the load and rebuilt after it, as one loads a table that size), spread over a year and over the
   city (a third open), and --kb published knowledge entries, then builds the knowledge index;
3. knowledge search: --queries searches (Chinese words, colloquial forms, full pinyin, initials), in-process;
4. duplicate suggestion: --queries suggestions at random places and categories (with an address and a caller),
   in-process, with the query count of one suggestion;
5. intake and dispatch: starts the real server (`yiwang serve`, gunicorn), signs the operators in, and runs
   --operators threads for --seconds, each recording an order (POST /api/v1/hotline/orders), asking the routing
   proposal (POST /api/v1/hotline/routing/propose) and dispatching it (POST /api/v1/hotline/orders/{n}/dispatch).
It prints the machine, the database, the sizes and the latency percentiles against the targets (p95 ≤ 100 ms for
intake/dispatch requests and for duplicate suggestion, ≤ 50 ms for knowledge search).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import threading
import time
from pathlib import Path

from cases_bench import free_port, pct, setup_env, start_server  # noqa: F401 - free_port used by start_server
from machine_info import cpu_model

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SUBJECTS = [
    "居住证",
    "身份证",
    "营业执照",
    "公积金",
    "医保",
    "社保",
    "驾驶证",
    "出生证明",
    "不动产证",
    "结婚登记",
    "护照",
    "港澳通行证",
    "食品经营许可",
    "建设工程规划许可",
    "残疾人证",
    "老年证",
    "户口迁移",
    "新生儿落户",
    "养老金",
    "失业金",
    "人才公寓",
    "购房补贴",
    "公租房",
    "电动车上牌",
    "燃气开户",
    "供水报装",
    "用电报装",
    "税务登记",
    "发票领用",
    "个体工商户",
    "民办学校",
    "医疗机构执业",
    "药品经营许可",
    "道路运输许可",
    "出租车资格",
    "消防验收",
    "排水许可",
    "占道施工",
    "户外广告",
    "招聘会",
    "职业技能补贴",
    "创业担保贷款",
    "医保异地备案",
    "门诊慢特病",
    "生育津贴",
    "工伤认定",
    "劳动仲裁",
    "法律援助",
    "公证",
    "档案查询",
]
ACTIONS = [
    "怎么办理",
    "需要什么材料",
    "在哪里办",
    "多久能办好",
    "可以网上办吗",
    "如何补办",
    "如何变更",
    "如何注销",
    "如何延期",
    "收费标准",
    "办理条件",
    "进度查询",
    "遗失了怎么办",
    "过期了怎么办",
    "能否代办",
    "异地能办吗",
    "周末能办吗",
    "需要本人到场吗",
    "如何预约",
    "证明怎么开",
    "有效期多久",
    "年审怎么做",
    "如何申请补贴",
    "被拒绝怎么办",
    "信息填错了怎么改",
    "如何查询结果",
    "需要多少钱",
    "什么时候发放",
    "发放标准",
    "咨询电话",
    "办理流程",
    "办理时限",
    "办理地点",
    "线上入口",
    "注意事项",
    "常见问题",
    "政策依据",
    "适用对象",
    "申请表下载",
    "办结后如何领取",
    "邮寄送达",
    "电子证照",
    "免证办",
    "一件事一次办",
    "秒批",
    "告知承诺",
    "帮办代办",
    "跨省通办",
    "容缺受理",
    "延时服务",
]
STREETS = ["东海大道", "胜利路", "淮河路", "延安路", "涂山路", "解放路", "朝阳路", "长征路", "燕山路", "龙华路"]


def prepare(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tests.factories import OrganisationFactory, division_chain
    from yiwang.core.bulk import insert_rows
    from yiwang.hotline import geo, knowledge
    from yiwang.hotline.models import (
        Category,
        Centre,
        DeadlinePolicy,
        KnowledgeEntry,
        KnowledgeVersion,
        RoutingRule,
        WorkOrder,
    )
    from yiwang.orgs.models import Membership, OrgKind, Role

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    _p, city, county = division_chain()
    centre = OrganisationFactory(name="蚌埠市12345热线中心", division=city, kind=OrgKind.SERVICE_CENTER)
    Centre.objects.create(organisation=centre, division=city, is_default=True)
    tops = list(Category.objects.filter(parent__isnull=True).exclude(code="other"))
    depts = {}
    for i, top in enumerate(tops):
        dept = OrganisationFactory(name=f"蚌埠市基准测试局{i}", division=city)
        depts[top.pk] = dept
        RoutingRule.objects.create(position=10 * (i + 1), name=top.name, category=top, department=dept)
    user_model = get_user_model()
    operators = []
    for i in range(args.operators):
        u = user_model.objects.create_user(f"bench-op-{i}", password="bench-password-123", is_staff=True)
        Membership.objects.create(user=u, organisation=centre, role=Role.HOTLINE_OPERATOR, covers_division=True)
        operators.append(u)
    migrated = time.perf_counter() - t0

    # Existing orders, by COPY, with the secondary indexes rebuilt after the load.
    t0 = time.perf_counter()
    leaves = list(Category.objects.filter(parent__isnull=False))
    policy = DeadlinePolicy.objects.get(version=1)
    model = WorkOrder
    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    now = timezone.now()
    base = {
        "query_code_hash": "",
        "urgency": "normal",
        "channel": "phone",
        "division_id": county.pk,
        "division_path": county.path,
        "centre_id": centre.pk,
        "caller_id": None,
        "caller_name": "",
        "caller_email": "",
        "anonymous": False,
        "hide_reporter": False,
        "person_id": None,
        "created_by_id": None,
        "source_client_id": None,
        "source_ref": "",
        "enterprise_appeal": False,
        "enterprise_name": "",
        "enterprise_code": "",
        "case_number": "",
        "case_organisation_id": None,
        "revision": 1,
        "dispatched_at": None,
        "signed_at": None,
        "replied_at": None,
        "concluded_at": None,
        "policy_id": policy.pk,
        "limit_amount": 13,
        "limit_unit": "wd",
        "extension_amount": 0,
        "warned_at": None,
        "overdue_at": None,
        "on_time": None,
        "routing_rule_id": None,
        "knowledge_entry_id": None,
        "first_contact": False,
        "reply_text": "",
        "satisfaction": "",
        "send_backs": 0,
        "reopened": 0,
        "pending_decision": False,
        "master_id": None,
    }
    rng = random.Random(7)
    index_names = [ix.name for ix in model._meta.indexes]
    with connection.schema_editor() as editor:
        for ix in model._meta.indexes:
            editor.remove_index(model, ix)
    # Rows are built from a template in column order (only the columns that vary are set per row): building a
    # dict per row would cost more than the COPY itself at five million rows.
    template = [base.get(f.attname) for f in fields]
    at = {f.attname: i for i, f in enumerate(fields)}
    addresses = [f"蚌埠市{st}{n}号" for st in STREETS for n in range(1, 400)]
    address_keys = [geo.address_key(a) for a in addresses]
    dept_of = {c.pk: (depts[c.parent_id].pk if c.parent_id in depts else None) for c in leaves}
    minutes = 365 * 24 * 60
    chunk = 100_000
    for start in range(0, args.orders, chunk):
        rows = []
        for k in range(start, min(start + chunk, args.orders)):
            cat = leaves[k % len(leaves)]
            received = now - dt.timedelta(minutes=rng.randrange(minutes))
            a = rng.randrange(len(addresses))
            r = template.copy()
            r[at["number"]] = f"9{k:013d}"
            r[at["order_type"]] = "complaint"
            r[at["category_id"]] = cat.pk
            r[at["title"]] = "路面破损"
            r[at["content"]] = "路面破损，请修补。"
            r[at["address"]] = addresses[a]
            r[at["address_key"]] = address_keys[a]
            if k % 3:
                lat, lon = 32.92 + rng.uniform(-0.1, 0.1), 117.39 + rng.uniform(-0.12, 0.12)
                r[at["latitude"]], r[at["longitude"]] = round(lat, 6), round(lon, 6)
                r[at["geo_cell"]] = geo.cell(lat, lon)
            else:
                r[at["geo_cell"]] = ""
            is_open = k % 3 == 0
            r[at["state"]] = "handling" if is_open else "concluded"
            r[at["received_at"]] = r[at["updated_at"]] = r[at["clock_started_at"]] = received
            r[at["department_id"]] = dept_of[cat.pk]
            r[at["due_at"]] = received + dt.timedelta(days=18)
            r[at["warn_at"]] = received + dt.timedelta(days=14)
            r[at["concluded_at"]] = None if is_open else received + dt.timedelta(days=5)
            rows.append(r)
        with transaction.atomic():
            insert_rows(table, columns, rows)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.schema_editor() as editor:
        for ix in model._meta.indexes:
            editor.add_index(model, ix)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cur.execute("ANALYZE")
    indexed = time.perf_counter() - t0

    # Knowledge entries, by COPY, then the index.
    t0 = time.perf_counter()
    due = (now + dt.timedelta(days=365)).date()
    entries, versions = [], []
    dept_ids = [d.pk for d in depts.values()]
    for k in range(args.kb):
        subject, action = SUBJECTS[k % len(SUBJECTS)], ACTIONS[(k // len(SUBJECTS)) % len(ACTIONS)]
        variant = k // (len(SUBJECTS) * len(ACTIONS))
        title = f"{subject}{action}" + (f"（{variant + 1}）" if variant else "")
        entries.append((f"KB{k:010d}", dept_ids[k % len(dept_ids)], None, True, now, 0))
        versions.append(
            (
                k,
                1,
                title,
                f"{subject}办理\n办{subject}",
                f"{title}：请携带身份证到政务服务中心{subject}窗口办理，或在网上办理。",
                None,
                due,
                "published",
                None,
                now,
                None,
                None,
                "",
            )
        )
    with transaction.atomic():
        insert_rows(
            KnowledgeEntry._meta.db_table,
            ["key", "organisation_id", "current_id", "public", "created_at", "uses"],
            entries,
        )
        first = KnowledgeEntry.objects.order_by("pk").values_list("pk", flat=True).first()
        insert_rows(
            KnowledgeVersion._meta.db_table,
            [
                "entry_id",
                "number",
                "title",
                "aliases",
                "answer",
                "category_id",
                "review_due",
                "status",
                "written_by_id",
                "written_at",
                "reviewed_by_id",
                "reviewed_at",
                "review_note",
            ],
            [(first + v[0], *v[1:]) for v in versions],
        )
        with connection.cursor() as cur:
            ve, en = KnowledgeVersion._meta.db_table, KnowledgeEntry._meta.db_table
            cur.execute(f"UPDATE {en} SET current_id = (SELECT id FROM {ve} WHERE {ve}.entry_id = {en}.id)")
    knowledge.rebuild_index()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    kb_built = time.perf_counter() - t0
    return {
        "operators": operators,
        "depts": depts,
        "leaves": leaves,
        "times": {
            "migrate and set up": migrated,
            "orders COPY": loaded,
            "orders indexes": indexed,
            "knowledge load and index": kb_built,
        },
        "index_names": index_names,
    }


def bench_knowledge(n: int) -> list[float]:
    from yiwang.catalog.searching.text import pinyin_of, warm_up
    from yiwang.hotline import knowledge

    warm_up()
    rng = random.Random(3)
    queries = []
    for _ in range(n):
        s, a = rng.choice(SUBJECTS), rng.choice(ACTIONS)
        full, initials = pinyin_of(s)
        queries.append(rng.choice([s + a, s, f"办{s}", full, initials, s + " " + a[:2]]))
    knowledge.search(queries[0])
    lat = []
    for q in queries:
        t = time.perf_counter()
        knowledge.search(q, limit=10)
        lat.append(time.perf_counter() - t)
    return lat


def bench_duplicates(n: int, leaves) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yiwang.hotline import duplicates

    rng = random.Random(5)
    lat, found = [], 0
    for i in range(n):
        cat = rng.choice(leaves)
        lat_, lon_ = 32.92 + rng.uniform(-0.1, 0.1), 117.39 + rng.uniform(-0.12, 0.12)
        t = time.perf_counter()
        got = duplicates.suggest(
            category_id=cat.pk,
            latitude=lat_,
            longitude=lon_,
            address=f"蚌埠市{STREETS[i % len(STREETS)]}{rng.randrange(1, 400)}号",
            caller_id=None,
            content="路面破损",
        )
        lat.append(time.perf_counter() - t)
        found += len(got)
    with CaptureQueriesContext(connection) as q:
        duplicates.suggest(category_id=leaves[0].pk, latitude=32.92, longitude=117.39, address="蚌埠市胜利路1号")
    return lat, found, len(q.captured_queries)


def bench_intake(world, seconds: float, workers: int) -> dict:
    import requests
    from django.test import Client

    proc, base = start_server(workers)
    try:
        sessions = []
        for u in world["operators"]:
            c = Client()
            c.force_login(u)
            s = requests.Session()
            s.cookies.set("sessionid", c.cookies["sessionid"].value, domain="127.0.0.1")
            s.get(f"{base}/api/v1/identity/csrf", timeout=10)
            s.headers["X-CSRFToken"] = s.cookies.get("csrftoken", "")
            s.headers["Referer"] = base + "/"
            sessions.append(s)
        leaves = world["leaves"]
        dept_codes = {k: d.credit_code for k, d in world["depts"].items()}
        lat = {"create": [], "propose": [], "dispatch": []}
        errors = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def run(s, seed):
            rng = random.Random(seed)
            mine = {"create": [], "propose": [], "dispatch": []}
            while time.perf_counter() < stop:
                cat = rng.choice(leaves)
                body = {
                    "order_type": "complaint",
                    "category": cat.code,
                    "content": "路面出现大坑，请尽快修补。",
                    "address": f"蚌埠市{rng.choice(STREETS)}{rng.randrange(1, 400)}号",
                    "caller_phone": f"139{rng.randrange(10**8):08d}",
                }
                t = time.perf_counter()
                r = s.post(f"{base}/api/v1/hotline/orders", json=body, timeout=60)
                mine["create"].append(time.perf_counter() - t)
                if r.status_code != 201:
                    with lock:
                        errors[0] += 1
                    continue
                number = r.json()["number"]
                t = time.perf_counter()
                p = s.post(f"{base}/api/v1/hotline/routing/propose", json={"category": cat.code}, timeout=60)
                mine["propose"].append(time.perf_counter() - t)
                dept = (p.json() or {}).get("department") if p.status_code == 200 else None
                dept = dept or dept_codes.get(cat.parent_id)
                t = time.perf_counter()
                d = s.post(
                    f"{base}/api/v1/hotline/orders/{number}/dispatch",
                    json={"department": dept, "use_routing": True},
                    timeout=60,
                )
                mine["dispatch"].append(time.perf_counter() - t)
                if d.status_code != 200:
                    with lock:
                        errors[0] += 1
            with lock:
                for k, v in mine.items():
                    lat[k].extend(v)

        threads = [threading.Thread(target=run, args=(s, i)) for i, s in enumerate(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"lat": lat, "errors": errors[0], "seconds": seconds}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def line(label: str, lat: list[float], target_ms: float | None = None) -> str:
    p95 = pct(lat, 95) * 1000
    verdict = "" if target_ms is None else ("  ✓" if p95 <= target_ms else f"  ✗ (target ≤ {target_ms:.0f} ms)")
    return (
        f"{label:44s} n={len(lat):6d}  p50 {pct(lat, 50) * 1000:7.1f} ms  p95 {p95:7.1f} ms  "
        f"p99 {pct(lat, 99) * 1000:7.1f} ms{verdict}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--kb", type=int, default=50_000)
    ap.add_argument("--operators", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--workers", type=int, default=0, help="server worker processes (default 2 × cores + 1)")
    args = ap.parse_args()
    url = setup_env(os.environ.get("DATABASE_URL"))
    workers = args.workers or (2 * (os.cpu_count() or 1) + 1)
    from django.db import connection

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}")
    with connection.cursor() as cur:
        cur.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        print(f"database: {connection.vendor} {cur.fetchone()[0].split(' on ')[0]} ({url.split('@')[-1]})")
    world = prepare(args)
    for k, v in world["times"].items():
        print(f"  {k:28s} {v:8.1f} s")
    print(f"sizes: {args.orders:,} work orders, {args.kb:,} knowledge entries, {args.operators} operators\n")
    print(line("knowledge search (in-process)", bench_knowledge(args.queries), 50))
    dup, found, queries = bench_duplicates(args.queries, world["leaves"])
    print(
        line("duplicate suggestion (in-process)", dup, 100) + f"  {found / len(dup):.1f} found/call, {queries} queries"
    )
    r = bench_intake(world, args.seconds, workers)
    total = sum(len(v) for v in r["lat"].values())
    every = [x for v in r["lat"].values() for x in v]
    print(
        f"\nintake and dispatch over HTTP: {args.operators} operators, {workers} server workers, {r['seconds']:.0f} s, "
        f"{total / r['seconds']:.1f} requests/s, {len(r['lat']['dispatch']) / r['seconds']:.1f} orders dispatched/s, "
        f"{r['errors']} errors"
    )
    print(line("  POST /hotline/orders", r["lat"]["create"], 100))
    print(line("  POST /hotline/routing/propose", r["lat"]["propose"], 100))
    print(line("  POST /hotline/orders/{n}/dispatch", r["lat"]["dispatch"], 100))
    print(line("  every request", every, 100))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
