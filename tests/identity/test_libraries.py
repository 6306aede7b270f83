"""The reference libraries' import commands (all or nothing, every bad row reported) and key rotation."""

from __future__ import annotations

import base64
import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook

from tests.factories import citizen_id, enterprise, person
from yiwang.core.codes import make_credit_code
from yiwang.identity import crypto, verification
from yiwang.identity.models import LegalPersonRecord, Level, Person, PopulationRecord

pytestmark = pytest.mark.django_db


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def write_xlsx(path, rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return str(path)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_population_from_csv_stores_hashes_only_and_verifies(tmp_path):
    a, b = citizen_id(), citizen_id()
    path = write_csv(
        tmp_path / "pop.csv",
        [["证件类型", "证件号码", "姓名", "状态"], ["居民身份证", a, "张三", "正常"], ["", b.lower(), "李四", "注销"]],
    )
    out, _err = run("import_population", path, "--source", "市公安局 2026-11")
    assert "2 new" in out
    assert PopulationRecord.objects.count() == 2
    rec = PopulationRecord.objects.get(name="李四")
    assert rec.status == "cancelled" and rec.source == "市公安局 2026-11"
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM identity_populationrecord")
        dump = repr(cur.fetchall())
    assert a not in dump and b not in dump and b.upper() not in dump
    p = person("张三", doc_number=a)
    assert verification.verify_person(p).passed
    p.refresh_from_db()
    assert p.level == Level.ID


def test_import_population_from_gb18030_csv_and_xlsx(tmp_path):
    a, b = citizen_id(), citizen_id()
    run("import_population", write_csv(tmp_path / "p.csv", [["证件号码", "姓名"], [a, "张三"]], "gb18030"))
    run("import_population", write_xlsx(tmp_path / "p.xlsx", [["doc_number", "name"], [b, "王五"]]))
    assert set(PopulationRecord.objects.values_list("name", flat=True)) == {"张三", "王五"}


def test_reimporting_updates_the_record(tmp_path):
    a = citizen_id()
    run("import_population", write_csv(tmp_path / "1.csv", [["证件号码", "姓名"], [a, "张三"]]))
    out, _ = run(
        "import_population", write_csv(tmp_path / "2.csv", [["证件号码", "姓名", "状态"], [a, "张三", "死亡"]])
    )
    assert "0 new and 1 updated" in out
    assert PopulationRecord.objects.get().status == "deceased"


def test_every_bad_population_row_is_reported_and_nothing_is_written(tmp_path):
    good, dup = citizen_id(), citizen_id()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["证件类型", "证件号码", "姓名", "状态"],
            ["居民身份证", good, "张三", "正常"],
            ["居民身份证", bad_check, "李四", ""],
            ["驾驶证", dup, "王五", ""],
            ["", dup, "", ""],
            ["", dup, "赵六", "失踪"],
            ["护照", "E1234567", "John Smith", ""],
            ["", dup, "钱七", ""],
        ],
    )
    with pytest.raises(CommandError) as exc:
        run("import_population", path)
    assert "未写入" in str(exc.value)
    assert PopulationRecord.objects.count() == 0
    from yiwang.core.errors import ProblemsError
    from yiwang.identity import libraries

    with pytest.raises(ProblemsError) as err:
        libraries.load_population(libraries.read_rows(path))
    problems = err.value.as_list()
    where = {(p["row"], p["field"]) for p in problems}
    assert (3, "doc_number") in where  # wrong check digit
    assert (4, "doc_type") in where  # unknown document type
    assert (5, "name") in where  # empty name
    assert (6, "status") in where  # unknown status
    assert (8, "doc_number") in where  # duplicate of row 6? (rows 4/5/6 were bad; 8 repeats row 6's number)
    for p in problems:
        assert p["message"] and p["message_en"] and p["column"]
    assert any(p["column"].startswith("B · 证件号码") for p in problems)


def test_a_file_without_the_required_columns_is_refused(tmp_path):
    with pytest.raises(CommandError):
        run("import_population", write_csv(tmp_path / "x.csv", [["号码", "名字"], [citizen_id(), "张三"]]))
    with pytest.raises(CommandError):
        run("import_population", str(tmp_path / "missing.csv"))
    (tmp_path / "garbage.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError):
        run("import_population", str(tmp_path / "garbage.xlsx"))
    assert PopulationRecord.objects.count() == 0


def test_dry_run_writes_nothing(tmp_path):
    out, _ = run(
        "import_population", write_csv(tmp_path / "p.csv", [["证件号码", "姓名"], [citizen_id(), "张三"]]), "--dry-run"
    )
    assert "dry run" in out and PopulationRecord.objects.count() == 0


def test_import_legal_persons_and_verify_an_enterprise(tmp_path):
    rep = person("李四")
    ent = enterprise("蚌埠淮河食品有限公司", legal_rep=rep)
    other = make_credit_code("9", "1", "340300", "MA2T0001")
    path = write_xlsx(
        tmp_path / "lp.xlsx",
        [
            [
                "统一社会信用代码",
                "名称",
                "主体类型",
                "法定代表人",
                "法定代表人证件号码",
                "住所",
                "登记状态",
                "成立日期",
            ],
            [ent.credit_code, ent.name, "企业", "李四", rep.doc_number, "蚌埠市龙子湖区", "存续", "2019-05-20"],
            [other, "蚌埠某某商店", "个体工商户", "王五", "", "", "注销", ""],
        ],
    )
    out, _ = run("import_legal_persons", path)
    assert "2 new" in out
    rec = LegalPersonRecord.objects.get(credit_code=ent.credit_code)
    assert rec.legal_rep_doc_hash == rep.doc_number_hash and str(rec.registered_on) == "2019-05-20"
    assert rep.doc_number not in repr(list(LegalPersonRecord.objects.values()))
    assert verification.verify_enterprise(ent).passed
    assert LegalPersonRecord.objects.get(credit_code=other).status == "deregistered"


def test_every_bad_legal_person_row_is_reported(tmp_path):
    good = make_credit_code("9", "1", "340300", "MA2T0002")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    path = write_csv(
        tmp_path / "lp.csv",
        [
            ["统一社会信用代码", "名称", "法定代表人", "法定代表人证件号码", "登记状态", "成立日期"],
            [good, "甲公司", "张三", "", "存续", "2020-01-01"],
            [bad, "乙公司", "李四", "", "", ""],
            [good, "", "", "123", "歇业", "去年"],
        ],
    )
    with pytest.raises(CommandError):
        run("import_legal_persons", path)
    assert LegalPersonRecord.objects.count() == 0
    from yiwang.core.errors import ProblemsError
    from yiwang.identity import libraries

    with pytest.raises(ProblemsError) as err:
        libraries.load_legal_persons(libraries.read_rows(path))
    where = {(p["row"], p["field"]) for p in err.value.as_list()}
    assert {
        (3, "credit_code"),
        (4, "name"),
        (4, "legal_rep_name"),
        (4, "legal_rep_doc_number"),
        (4, "status"),
        (4, "registered_on"),
        (4, "credit_code"),
    } <= where


# -- key rotation ------------------------------------------------------------------------------------------


def _key() -> str:
    return base64.b64encode(b"0123456789abcdef").decode()


def _raw(person_id: int) -> tuple[str, str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT doc_number, phone, address FROM identity_person WHERE id = %s", [person_id])
        return cur.fetchone()


def test_new_prints_a_usable_entry():
    out, err = run("pii_keys", "--new", "--kid", "k2027")
    kid, _sep, key = out.strip().partition(":")
    assert kid == "k2027" and len(base64.b64decode(key)) == 16
    assert "PII_KEYS" in err


def test_rotation_re_encrypts_every_value_and_rows_stay_readable(settings):
    old = "old:" + _key()
    new = "new:" + base64.b64encode(b"fedcba9876543210").decode()
    settings.PII_KEYS = old
    people = [person(f"测试{i}", address=f"蚌埠市龙子湖区{i}号") for i in range(7)]
    numbers = {p.pk: p.doc_number for p in people}
    hashes = {p.pk: p.doc_number_hash for p in people}
    assert all(crypto.key_id(_raw(p.pk)[0]) == "old" for p in people)
    settings.PII_KEYS = f"{new},{old}"
    out, _ = run("pii_keys", "--rotate", "--batch", "3")
    assert "identity.Person.doc_number: 7 rewritten" in out
    assert "identity.Person.address: 7 rewritten" in out
    for p in people:
        raw = _raw(p.pk)
        assert all(crypto.key_id(v) == "new" for v in raw)
    settings.PII_KEYS = new  # the old key is gone: everything still reads
    for p in Person.objects.all():
        assert p.doc_number == numbers[p.pk] and p.doc_number_hash == hashes[p.pk]
    out, _ = run("pii_keys", "--rotate")
    assert "0 values rewritten" in out
    out, _ = run("pii_keys")
    assert "identity.Person.doc_number: new 7" in out


def test_rotation_without_the_old_key_refuses(settings):
    settings.PII_KEYS = "old:" + _key()
    person("张三")
    settings.PII_KEYS = "new:" + base64.b64encode(b"fedcba9876543210").decode()
    with pytest.raises(CommandError):
        run("pii_keys", "--rotate")
