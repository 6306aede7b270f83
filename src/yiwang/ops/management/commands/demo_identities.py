"""`yiwang demo_identities`: the demo city's population and legal-person libraries and the demo applicants.

DEMO ONLY: deterministic fake people and companies (valid GB 11643 ID numbers and GB 32100 credit codes in the
counties of 蚌埠市), and applicant accounts with a published password, so anyone trying the demo can sign in:

- 张三, a citizen (mobile 13900000001 or his ID number), real-name level 2;
- Emily Johnson, a foreign resident with a 2023 permanent residence ID card (mobile 13900000004), level 2;
- 李四, legal representative of 蚌埠淮河食品有限公司 (mobile 13900000002), level 2, the company level 2;
- 王五, agent of that company with apply + view_cases (mobile 13900000003), level 2.

Idempotent: running it again resets the passwords and refreshes the same library rows. Refuses to run under
the production settings unless --force is given.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from yiwang.core.codes import citizen_check_char, make_credit_code
from yiwang.core.errors import ProblemsError
from yiwang.identity import libraries, services, verification
from yiwang.identity.documents import DocType
from yiwang.identity.models import (
    Agent,
    AgentPermission,
    Enterprise,
    EnterpriseKind,
    LegalPersonRecord,
    LegalPersonStatus,
    Person,
    PopulationRecord,
    RecordStatus,
    doc_hash,
)
from yiwang.ops.demo.geography import COUNTIES

PASSWORD = "Yiwang-demo-2026"  # noqa: S105 - demo-only, printed on purpose
SEED = 2026
PEOPLE = 2000
ENTERPRISES = 300

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬飞鹏辉建国志宏波海燕婷雪琳晨阳浩宇欣怡子涵梓轩"
)
TRADE_WORDS = [
    "淮河",
    "涂山",
    "龙湖",
    "蚌埠",
    "珠城",
    "荆山",
    "禹会",
    "淮上",
    "怀远",
    "五河",
    "固镇",
    "张公",
    "东海",
    "南山",
    "长淮",
    "新城",
    "恒信",
    "华瑞",
    "鑫源",
    "金港",
]
TRADES = [
    ("食品", "有限公司"),
    ("商贸", "有限公司"),
    ("建筑工程", "有限公司"),
    ("物流", "有限公司"),
    ("科技", "有限公司"),
    ("餐饮管理", "有限公司"),
    ("医药", "连锁有限公司"),
    ("农业", "专业合作社"),
    ("机械制造", "有限公司"),
    ("文化传媒", "有限公司"),
]
COUNTY_CODES = [c[0] for c in COUNTIES]


@dataclass(frozen=True)
class DemoPerson:
    name: str
    doc_type: str
    doc_number: str
    phone: str
    nationality: str = "CHN"
    address: str = ""
    role: str = ""


def resident_id(division: str, born: dt.date, serial: int) -> str:
    first17 = f"{division}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + citizen_check_char(first17)


def permanent_residence_id(province: str, country: str, born: dt.date, serial: int) -> str:
    """2023 foreigner's permanent residence ID: 9 + province + ISO numeric country + birth date + serial + check."""
    first17 = f"9{province}{country}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + citizen_check_char(first17)


DEMO_PEOPLE = [
    DemoPerson(
        "张三",
        DocType.RESIDENT_ID,
        resident_id("340302", dt.date(1988, 3, 15), 17),
        "13900000001",
        address="安徽省蚌埠市龙子湖区东海大道 1688 号 3 栋 201 室",
        role="citizen",
    ),
    DemoPerson(
        "李四",
        DocType.RESIDENT_ID,
        resident_id("340303", dt.date(1979, 11, 2), 35),
        "13900000002",
        address="安徽省蚌埠市蚌山区涂山路 88 号",
        role="legal_rep",
    ),
    DemoPerson(
        "王五",
        DocType.RESIDENT_ID,
        resident_id("340304", dt.date(1993, 6, 21), 52),
        "13900000003",
        address="安徽省蚌埠市禹会区纬四路 16 号",
        role="agent",
    ),
    DemoPerson(
        "Emily Johnson",
        DocType.FOREIGN_PERMANENT,
        permanent_residence_id("34", "840", dt.date(1985, 6, 12), 1),
        "13900000004",
        nationality="USA",
        address="安徽省蚌埠市龙子湖区长淮卫镇 9 号",
        role="foreign",
    ),
]
COMPANY = ("蚌埠淮河食品有限公司", make_credit_code("9", "1", "340303", "MA2T0001"), "安徽省蚌埠市蚌山区涂山路 88 号")


def population(rng: random.Random) -> list[PopulationRecord]:
    """About 2,000 people of the city's counties, by keyed hash; 1% cancelled, 0.5% deceased."""
    out = []
    seen = set()
    while len(out) < PEOPLE:
        division = rng.choice(COUNTY_CODES)
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 66))
        number = resident_id(division, born, rng.randrange(1, 1000))
        if number in seen:
            continue
        seen.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        roll = rng.random()
        status = (
            RecordStatus.DECEASED if roll < 0.005 else RecordStatus.CANCELLED if roll < 0.015 else RecordStatus.NORMAL
        )
        out.append(
            PopulationRecord(
                doc_type=DocType.RESIDENT_ID,
                doc_number_hash=doc_hash(DocType.RESIDENT_ID, number),
                name=name,
                status=status,
                source="demo",
            )
        )
    return out


def legal_persons(rng: random.Random, people: list[PopulationRecord]) -> list[LegalPersonRecord]:
    """About 300 enterprises in the city's counties; their legal representatives are people of the library."""
    out = []
    codes = {COMPANY[1]}
    while len(out) < ENTERPRISES - 1:
        division = rng.choice(COUNTY_CODES)
        org8 = f"{rng.randrange(10**8):08d}"
        code = make_credit_code("9", "1", division, org8)
        if code in codes:
            continue
        codes.add(code)
        rep = rng.choice(people)
        trade, suffix = rng.choice(TRADES)
        kind = EnterpriseKind.ENTERPRISE
        name = f"蚌埠{rng.choice(TRADE_WORDS)}{trade}{suffix}"
        if suffix == "专业合作社":
            kind = EnterpriseKind.OTHER
        name = name if all(r.name != name for r in out) else f"{name[:-4]}第{len(out)}分{name[-4:]}"
        county = next(c for c in COUNTIES if c[0] == division)
        out.append(
            LegalPersonRecord(
                credit_code=code,
                name=name,
                kind=kind,
                legal_rep_name=rep.name,
                legal_rep_doc_hash=rep.doc_number_hash,
                address=f"安徽省蚌埠市{county[1]}{county[3]}{rng.randrange(1, 999)}号",
                status=LegalPersonStatus.DEREGISTERED if rng.random() < 0.03 else LegalPersonStatus.ACTIVE,
                registered_on=dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 25)),
                source="demo",
            )
        )
    return out


class Command(BaseCommand):
    help = "Creates (or resets) the demo population and legal-person libraries and the demo applicant accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even under the production settings.")

    def handle(self, *args, force: bool = False, **options) -> None:
        if "production" in (getattr(settings, "SETTINGS_MODULE", "") or "") and not force:
            raise CommandError("Demo identities have published passwords; refusing to create them in production.")
        try:
            rng = random.Random(SEED)
            with transaction.atomic():
                people = population(rng)
                people += [
                    PopulationRecord(
                        doc_type=p.doc_type,
                        doc_number_hash=doc_hash(p.doc_type, p.doc_number),
                        name=p.name,
                        status=RecordStatus.NORMAL,
                        source="demo",
                    )
                    for p in DEMO_PEOPLE
                ]
                pop = libraries.LoadResult()
                libraries.write_records(
                    PopulationRecord, "doc_number_hash", people, ["doc_type", "name", "status", "source"], pop
                )
                persons = {p.role: self._person(p) for p in DEMO_PEOPLE}
                rep = persons["legal_rep"]
                companies = legal_persons(rng, people[:PEOPLE])
                companies.append(
                    LegalPersonRecord(
                        credit_code=COMPANY[1],
                        name=COMPANY[0],
                        kind=EnterpriseKind.ENTERPRISE,
                        legal_rep_name=rep.name,
                        legal_rep_doc_hash=rep.doc_number_hash,
                        address=COMPANY[2],
                        status=LegalPersonStatus.ACTIVE,
                        registered_on=dt.date(2015, 4, 8),
                        source="demo",
                    )
                )
                lp = libraries.LoadResult()
                libraries.write_records(
                    LegalPersonRecord,
                    "credit_code",
                    companies,
                    [
                        "name",
                        "kind",
                        "legal_rep_name",
                        "legal_rep_doc_hash",
                        "address",
                        "status",
                        "registered_on",
                        "source",
                    ],
                    lp,
                )
                company = self._company(rep)
                self._agent(company, persons["agent"], rep)
        except ProblemsError as exc:
            raise CommandError("; ".join(f"{p.field}: {p}" for p in exc.problems) + " Nothing was written.") from exc
        self.stdout.write(
            f"Population library: {PopulationRecord.objects.count()} people; "
            f"legal-person library: {LegalPersonRecord.objects.count()} legal persons."
        )
        self.stdout.write("Demo applicants (demo only — this password is public):")
        rows = [
            ("张三", "13900000001", persons["citizen"].doc_number, "citizen, level 2"),
            ("李四", "13900000002", persons["legal_rep"].doc_number, f"legal representative of {COMPANY[0]}"),
            ("王五", "13900000003", persons["agent"].doc_number, f"agent of {COMPANY[0]} (apply, view cases)"),
            ("Emily Johnson", "13900000004", persons["foreign"].doc_number, "foreign permanent resident, level 2"),
        ]
        for name, phone, number, what in rows:
            self.stdout.write(f"  {name}  {phone} / {number}  {PASSWORD}  {what}")

    def _person(self, spec: DemoPerson) -> Person:
        person = services.find_person(spec.doc_type, spec.doc_number)
        if person is None:
            person = services.register_person(
                name=spec.name,
                doc_type=spec.doc_type,
                doc_number=spec.doc_number,
                phone=spec.phone,
                address=spec.address,
                nationality=spec.nationality,
                level=1,  # the mobile number counts as verified
            )
        user = services.create_account(person, PASSWORD)
        user.set_password(PASSWORD)
        user.is_active = True
        user.save()
        if person.level < 2:
            verification.verify_person(person)
            person.refresh_from_db()
        return person

    def _company(self, rep: Person) -> Enterprise:
        company = Enterprise.objects.filter(credit_code=COMPANY[1]).first()
        if company is None:
            company = services.register_enterprise(
                credit_code=COMPANY[1],
                name=COMPANY[0],
                legal_rep_name=rep.name,
                legal_rep=rep,
                address=COMPANY[2],
                phone="0552-3012345",
            )
        if company.level < 2:
            verification.verify_enterprise(company)
        return company

    def _agent(self, company: Enterprise, agent: Person, rep: Person) -> Agent:
        wanted = sorted([AgentPermission.APPLY, AgentPermission.VIEW_CASES])
        current = Agent.objects.filter(enterprise=company, person=agent, revoked_at__isnull=True).first()
        if current is not None and sorted(current.permissions) == wanted and current.is_active():
            return current
        return services.grant_agent(enterprise=company, person=agent, permissions=wanted, granted_by=rep.user)
