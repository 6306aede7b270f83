"""Benchmark: SM2 signing/verification beside `openssl speed sm2`, and bulk issuance of N licenses.

    .venv/bin/python bench/license_bench.py [--n 1000000] [--seconds 5]
    bin/run-with-postgres .venv/bin/python bench/license_bench.py --n 100000

Part 1 (single process, per core, counted in process CPU time like `openssl speed`): operations per second of Yiwang's signing path (canonicalise + SM2 sign) and of
its full verification path for a presented document (parse JSON, canonicalise, SM2 verify with the cached public
key), printed beside OpenSSL's own `openssl speed -seconds S sm2` sign/verify rates parsed from the same run.
Target: verification ≥ 50 % of OpenSSL's verify rate.

Part 2 (a child process on a fresh database): the import path for N licenses (validate every row, reserve
serials, sign each on every core — forked signing workers, `--workers` to choose — and insert licenses and events
in one transaction in the child); wall time and peak RSS of the child and, separately, of its signing workers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup_django(db_url: str | None) -> None:
    if db_url:
        os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.test")
    import django

    django.setup()


def openssl_speed(seconds: int) -> tuple[float, float] | None:
    """(sign/s, verify/s) from `openssl speed -seconds S sm2`, or None without openssl."""
    if not shutil.which("openssl"):
        return None
    out = subprocess.run(
        ["openssl", "speed", "-seconds", str(seconds), "sm2"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    m = re.search(r"SM2 \(\w+\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)", out)
    return (float(m.group(1)), float(m.group(2))) if m else None


def crypto_rates(seconds: float) -> dict[str, float]:
    from yiwang.licenses import signing
    from yiwang.licenses.verification import identifiers

    key = signing.new_private_key()
    pem = signing.public_pem(key)
    ident = identifiers.build("11100000MB0143028R001", "113403001000000084", "0000000001", 1)
    payload = signing.payload(
        identifier=ident,
        type_code="11100000MB0143028R001",
        issuer_code="113403001000000084",
        holder_kind="enterprise",
        holder_number="91340300MA2N0A0B1C",
        holder_name="蚌埠明月科技有限公司",
        fields={
            "类型": "有限责任公司",
            "法定代表人": "王小明",
            "注册资本": "100",
            "成立日期": "2020-05-01",
            "经营范围": "软件开发；信息技术咨询服务；计算机系统服务",
        },
        issued_on="2024-01-31",
        expires_on=None,
        version=1,
        key_id="bench-key",
    )
    document = json.dumps(payload, ensure_ascii=False)  # what a verifier receives
    signature = signing.sign(key, signing.canonical_bytes(payload))

    def rate(fn) -> float:
        # CPU time of this process, as `openssl speed` counts it (without -elapsed): per-core rates that hold
        # on a machine other work is loading too.
        n, start = 0, time.process_time()
        while time.process_time() - start < seconds:
            for _ in range(50):
                fn()
            n += 50
        return n / (time.process_time() - start)

    def sign_once():
        signing.sign(key, signing.canonical_bytes(payload))

    def verify_once():
        doc = json.loads(document)
        identifiers.parse(doc["identifier"]).check_ok  # noqa: B018
        assert signing.verify(signing.load_public(pem), signature, signing.canonical_bytes(doc))

    return {"sign": rate(sign_once), "verify": rate(verify_once)}


def bulk_child(n: int, db_url: str | None, workers: int | None = None) -> None:
    """Runs in a fresh process: builds a CSV of n rows, imports it, prints JSON figures."""
    setup_django(db_url)
    from django.core.management import call_command
    from django.db import connection

    from yiwang.core.codes import citizen_check_char, make_credit_code
    from yiwang.licenses import importer
    from yiwang.licenses.models import HolderKind, License, LicenseType
    from yiwang.orgs.models import Division, Organisation

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    div, _ = Division.objects.get_or_create(code="340300", defaults={"name": "蚌埠市"})
    org = Organisation.objects.create(
        name="蚌埠市市场监督管理局", credit_code=make_credit_code("1", "1", "340300", "99000001"), division=div
    )
    lt = LicenseType.objects.create(
        code="11100000000013338W001",
        name="教师资格证",
        holder_kind=HolderKind.PERSON,
        fields=[
            {"name": "subject", "label": "任教学科", "type": "text", "required": True},
            {
                "name": "level",
                "label": "资格种类",
                "type": "choice",
                "required": True,
                "choices": ["小学", "初级中学", "高级中学"],
            },
        ],
    )
    lt.issuers.add(org)
    rows = [["license_type", "issuer", "holder_number", "holder_name", "issued_on", "subject", "level"]]
    for i in range(n):
        first17 = f"340302{1960 + i % 40}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        rows.append(
            [lt.code, org.credit_code, first17 + citizen_check_char(first17), f"王{i}", "2024-03-01", "数学", "小学"]
        )
    start = time.perf_counter()
    good, problems, count = importer.validate(rows)
    validated = time.perf_counter()
    assert not problems, problems[:3]
    from django.db import transaction

    workers = workers or importer.workers_for(len(good))
    with transaction.atomic():
        importer.write(good, workers=workers)
    end = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "rows": count,
                "validate_s": validated - start,
                "write_s": end - validated,
                "wall_s": end - start,
                "stored": License.objects.count(),
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime
                + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
                "workers": workers,
                "workers_cpu_s": children.ru_utime + children.ru_stime,
                "workers_peak_rss_mib": children.ru_maxrss / 1024,
                "db": connection.vendor,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="licenses to issue in bulk (0: skip)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per crypto measurement")
    parser.add_argument("--workers", type=int, default=0, help="signing processes (0: every core)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db_url = os.environ.get("DATABASE_URL")
    if args.child:
        bulk_child(args.n, db_url, args.workers or None)
        return
    import platform

    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    setup_django(db_url)
    ours = crypto_rates(args.seconds)
    theirs = openssl_speed(args.seconds)
    print(f"Yiwang sign (canonicalise + SM2 sign):            {ours['sign']:8.0f} /s per core")
    print(f"Yiwang verify (parse + canonicalise + SM2 verify): {ours['verify']:8.0f} /s per core")
    if theirs:
        print(f"openssl speed sm2:                                 {theirs[0]:8.0f} sign/s, {theirs[1]:.0f} verify/s")
        print(
            f"verify ratio Yiwang / OpenSSL: {ours['verify'] / theirs[1]:.0%} (target >= 50%);"
            f" sign ratio {ours['sign'] / theirs[0]:.0%}"
        )
    if args.n:
        env = dict(os.environ)
        with tempfile.TemporaryDirectory() as tmp:
            if not db_url:
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            env["LICENSE_KEYSTORE_DIR"] = tmp
            env["DJANGO_SETTINGS_MODULE"] = "yiwang.conf.dev"
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--n", str(args.n), "--workers", str(args.workers)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
        if out.returncode:
            print(out.stderr[-3000:])
            raise SystemExit(1)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"bulk issuance of {figures['rows']:,} licenses on {figures['db']}: {figures['wall_s']:.1f} s wall"
            f" (validate {figures['validate_s']:.1f} s, sign + write {figures['write_s']:.1f} s,"
            f" {figures['rows'] / figures['wall_s']:.0f} licenses/s), {figures['workers']} signing process(es);"
            f" CPU: importer {figures['cpu_s']:.1f} s + signers {figures['workers_cpu_s']:.1f} s;"
            f" peak RSS importer {figures['peak_rss_mib']:.0f} MiB, largest signer {figures['workers_peak_rss_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
