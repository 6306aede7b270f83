"""Demo e-licenses: business licences for the demo enterprises and person licenses for the demo persons.

Run by the demo flow after `seed_demo` (which gives every demo license type its fields and numbering rule) and the
identity demo accounts. Holders beyond the registered persons and enterprises are made up (valid ID numbers and
credit codes) so a fresh demo still shows a full registry. Certificate numbers come from each type's numbering rule
(the importer asks for them). Any problem stops the command with a non-zero exit and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Prefetch

from yiwang.core.codes import citizen_check_char, make_credit_code
from yiwang.core.errors import ProblemsError
from yiwang.identity.documents import DocType
from yiwang.identity.models import Enterprise, Person
from yiwang.licenses import importer, services
from yiwang.licenses.models import HolderKind, License, LicenseType
from yiwang.orgs.models import Organisation

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
SCOPES = ["软件开发；信息技术咨询服务", "食品销售；餐饮服务", "建设工程施工", "道路货物运输", "医疗器械经营"]
HEADER = ["license_type", "issuer", "holder_number", "holder_name", "holder_doc_type", "issued_on"]


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
        # Issuers in id order: their default order joins divisions, a slow plan on a freshly loaded PostgreSQL.
        issuers = Prefetch("issuers", queryset=Organisation.objects.order_by("pk"))
        types = [lt for lt in LicenseType.objects.prefetch_related(issuers) if lt.issuers.all()]
        if not types:
            raise CommandError("No license type has an issuer: run `yiwang seed_demo` first. Nothing was seeded.")
        business = next((lt for lt in types if lt.name == "营业执照"), None)
        ent_types = [lt for lt in types if lt.holder_kind == HolderKind.ENTERPRISE]
        person_types = [lt for lt in types if lt.holder_kind == HolderKind.PERSON]
        field_names = sorted({f["name"] for lt in types for f in lt.field_specs()})
        rows = [HEADER + field_names]
        today = dt.date.today()

        def add(lt: LicenseType, number: str, name: str, doc_type: str = "", **known: str) -> None:
            issuer = rng.choice(list(lt.issuers.all()))
            issued = today - dt.timedelta(days=rng.randint(10, 1500))
            address = "蚌埠市龙子湖区东海大道" + str(rng.randint(1, 999)) + "号"
            values = {
                "name": name,
                "holder_name": name,
                "operator_name": name,
                "credit_code": number,
                "enterprise_type": rng.choice(["有限责任公司", "股份有限公司", "个人独资企业"]),
                "legal_rep": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "capital": str(rng.choice([10, 50, 100, 500, 1000])),
                "address": address,
                "premises": address,
                "scope": rng.choice(SCOPES),
                "supervisor": issuer.name,
                "valid_until": (services.default_expiry(lt, issued) or issued).isoformat(),
                **{k: v for k, v in known.items() if v},  # what the registry knows of a real demo holder
            }
            filled = {}
            for spec in lt.field_specs():
                if lt.is_numbered and spec["name"] == lt.number_field:
                    continue  # the type's numbering rule gives it
                value = values.get(spec["name"], "")
                if spec["type"] == "choice":
                    value = value if value in spec["choices"] else rng.choice(spec["choices"] or [""])
                elif spec["type"] == "date" and spec["name"] != "valid_until":
                    value = issued.isoformat()
                elif spec["type"] == "number" and not value:
                    value = str(rng.randint(1, 500))
                elif not value and spec["required"]:
                    value = f"{spec['label']}{rng.randint(1, 99)}"
                filled[spec["name"]] = value
            kind_doc = (doc_type or DocType.RESIDENT_ID) if lt.holder_kind == HolderKind.PERSON else ""
            rows.append(
                [lt.code, issuer.credit_code, number, name, kind_doc, issued.isoformat()]
                + [filled.get(n, "") for n in field_names]
            )

        enterprises = list(Enterprise.objects.order_by("pk")[: count // 2])
        persons = list(Person.objects.order_by("pk")[: count // 2])
        for e in enterprises:
            if business or ent_types:
                lt = business or rng.choice(ent_types)
                add(lt, e.credit_code, e.name, legal_rep=e.legal_rep_name, address=e.address, premises=e.address)
        for p in persons:
            if person_types:
                add(rng.choice(person_types), p.doc_number, p.name, p.doc_type)
        serial = 0
        while len(rows) - 1 < count and (ent_types or person_types):
            serial += 1
            if ent_types and (serial % 2 or not person_types):
                code = make_credit_code("9", "1", "340300", f"{60000000 + serial:08d}")
                add(
                    business or rng.choice(ent_types),
                    code,
                    f"蚌埠{rng.choice(SURNAMES)}{rng.choice(GIVEN)}商贸有限公司",
                )
            else:
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
            raise CommandError(f"{len(problems)} problems in the demo licenses; nothing was written.")
        try:
            with transaction.atomic():
                created = importer.write(good)
        except ProblemsError as exc:
            raise CommandError("; ".join(str(p) for p in exc.problems) + " Nothing was written.") from exc
        self.stdout.write(f"{len(created)} demo licenses issued and signed")
