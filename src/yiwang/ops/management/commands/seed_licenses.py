"""Demo e-licenses: business licences for the demo enterprises and person licenses for the demo persons.

Run by the demo flow after `seed_demo` and the identity demo accounts. License types without a field schema get
one (business licence fields for 营业执照, a generic one otherwise). Holders beyond the registered persons and
enterprises are made up (valid ID numbers and credit codes) so a fresh demo still shows a full registry.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.db import transaction

from yiwang.core.codes import citizen_check_char, make_credit_code
from yiwang.identity.models import Enterprise, Person
from yiwang.licenses import importer
from yiwang.licenses.models import HolderKind, License, LicenseType

BUSINESS = [
    {
        "name": "enterprise_type",
        "label": "类型",
        "type": "choice",
        "required": True,
        "choices": ["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业"],
    },
    {"name": "legal_rep", "label": "法定代表人", "type": "text", "required": True},
    {"name": "capital", "label": "注册资本（万元）", "type": "number"},
    {"name": "founded", "label": "成立日期", "type": "date", "required": True},
    {"name": "address", "label": "住所", "type": "text"},
    {"name": "scope", "label": "经营范围", "type": "text"},
]
GENERIC_ENTERPRISE = [
    {"name": "certificate_no", "label": "证书编号", "type": "text", "required": True},
    {"name": "scope", "label": "许可范围", "type": "text"},
]
GENERIC_PERSON = [
    {"name": "certificate_no", "label": "证书编号", "type": "text", "required": True},
    {"name": "note", "label": "登记事项", "type": "text"},
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
SCOPES = ["软件开发；信息技术咨询服务", "食品销售；餐饮服务", "建设工程施工", "道路货物运输", "医疗器械经营"]


def ensure_schema(lt: LicenseType) -> None:
    if lt.fields:
        return
    if lt.name == "营业执照":
        lt.fields = BUSINESS
        lt.layout = {"template": "standard", "main": [f["name"] for f in BUSINESS[:5]], "side": ["scope"]}
    elif lt.holder_kind == HolderKind.ENTERPRISE:
        lt.fields, lt.layout = GENERIC_ENTERPRISE, {"template": "standard"}
        lt.validity_years = lt.validity_years or 5
    else:
        lt.fields, lt.layout = GENERIC_PERSON, {"template": "certificate"}
    lt.save(update_fields=["fields", "layout", "validity_years"])


class Command(BaseCommand):
    help = "Issue demo e-licenses for the demo persons and enterprises (a few hundred by default)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when licenses exist")

    def handle(self, *args, count: int, seed: int, if_empty: bool, **options):
        if if_empty and License.objects.exists():
            self.stdout.write("licenses exist; nothing seeded")
            return
        rng = random.Random(seed)
        types = [lt for lt in LicenseType.objects.prefetch_related("issuers") if lt.issuers.exists()]
        if not types:
            self.stdout.write("no license types with issuers (run seed_demo first); nothing seeded")
            return
        for lt in types:
            ensure_schema(lt)
        business = next((lt for lt in types if lt.name == "营业执照"), None)
        ent_types = [lt for lt in types if lt.holder_kind == HolderKind.ENTERPRISE]
        person_types = [lt for lt in types if lt.holder_kind == HolderKind.PERSON]
        header = ["license_type", "issuer", "holder_number", "holder_name", "issued_on"]
        field_names = sorted({f["name"] for lt in types for f in lt.fields})
        rows = [header + field_names]
        today = dt.date.today()

        def add(lt: LicenseType, number: str, name: str) -> None:
            issuer = rng.choice(list(lt.issuers.all()))
            issued = today - dt.timedelta(days=rng.randint(10, 1500))
            values = {
                "enterprise_type": rng.choice(["有限责任公司", "股份有限公司", "个人独资企业"]),
                "legal_rep": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "capital": str(rng.choice([10, 50, 100, 500, 1000])),
                "founded": issued.isoformat(),
                "address": "蚌埠市龙子湖区东海大道" + str(rng.randint(1, 999)) + "号",
                "scope": rng.choice(SCOPES),
                "certificate_no": f"{issued:%Y}{rng.randint(100000, 999999)}",
                "note": "",
            }
            filled = {}
            for spec in lt.field_specs():
                value = values.get(spec["name"], "")
                if spec["type"] == "choice":
                    value = value if value in spec["choices"] else rng.choice(spec["choices"] or [""])
                elif spec["type"] == "date":
                    value = issued.isoformat()
                elif spec["type"] == "number" and not value:
                    value = str(rng.randint(1, 500))
                elif not value:
                    value = f"{spec['label']}{rng.randint(1, 99)}"
                filled[spec["name"]] = value
            rows.append(
                [lt.code, issuer.credit_code, number, name, issued.isoformat()]
                + [filled.get(n, "") for n in field_names]
            )

        enterprises = list(Enterprise.objects.all()[: count // 2])
        persons = list(Person.objects.all()[: count // 2])
        for e in enterprises:
            add(business or rng.choice(ent_types), e.credit_code, e.name)
        for p in persons:
            if person_types:
                add(rng.choice(person_types), p.doc_number, p.name)
        serial = 0
        while len(rows) - 1 < count:
            serial += 1
            if ent_types and serial % 2:
                code = make_credit_code("9", "1", "340300", f"{60000000 + serial:08d}")
                add(
                    business or rng.choice(ent_types),
                    code,
                    f"蚌埠{rng.choice(SURNAMES)}{rng.choice(GIVEN)}商贸有限公司",
                )
            elif person_types:
                first17 = f"340302{1960 + serial % 40}{serial % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
                add(
                    rng.choice(person_types),
                    first17 + citizen_check_char(first17),
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                )
        good, problems, _count = importer.validate(rows)
        if problems:
            for p in problems[:20]:
                self.stderr.write(f"row {p.row} {p.column}: {p}")
            return
        with transaction.atomic():
            created = importer.write(good)
        self.stdout.write(f"{len(created)} demo licenses issued and signed")
