"""`yiwang seed_policies`: 50 policies of the demo city (惠企政策), the shared data they read, matched enterprises.

DEMO ONLY (refuses the production settings unless --force). After `demo_identities` (李四's 蚌埠淮河食品有限公司 and
the legal-person library) and `seed_demo` (the city's departments), it:

1. registers up to --enterprises legal persons of the library as enterprises (the demo has one otherwise);
2. fills the exchange's table store with three shared resources keyed by credit code: an enterprise profile
   (industry, employees, revenue), tax facts (credit rating, revenue growth, R&D spending) and social security
   (insured employees) — deterministic from --seed;
3. writes and publishes 50 policies of the city's departments, each with its rules and passing test cases;
4. matches them against every enterprise and person (messages to the newly eligible), and for the 免申即享 policy
   of the market regulator produces this year's list and approves it, so 李四 finds a grant to confirm.

Idempotent with --if-empty: nothing is done when policies exist.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from yiwang.core.errors import ProblemsError
from yiwang.exchange import store
from yiwang.exchange.models import DataResource, DataService
from yiwang.identity import services as identity
from yiwang.identity.models import Enterprise, LegalPersonRecord, LegalPersonStatus
from yiwang.orgs.models import Organisation
from yiwang.policies import facts, grants, matching, services
from yiwang.policies.models import Policy, PolicyVersion, Target

CITY = "340300"
FEATURED = "P3403002026FOOD1"  # the 免申即享 policy 李四's company matches
COMPANY = "蚌埠淮河食品有限公司"

RESOURCES = {
    "profile": ("POLICY-ENT-PROFILE", "企业画像信息", "蚌埠市市场监督管理局", ["industry", "employees", "revenue"]),
    "tax": (
        "POLICY-ENT-TAX",
        "企业纳税信息",
        "国家税务总局蚌埠市税务局",
        ["credit_rating", "revenue_growth", "rd_expense"],
    ),
    "social": ("POLICY-ENT-SOCIAL", "企业参保信息", "蚌埠市人力资源和社会保障局", ["insured", "new_hires"]),
}

# Rules by key: (name, condition, message when not met, facts that meet it).
RULES: dict[str, tuple[str, Any, str, dict[str, Any]]] = {
    "young": (
        "成立不满5年",
        {"<": [{"var": "enterprise.age_years"}, 5]},
        "仅支持成立5年内的企业",
        {"enterprise": {"age_years": 2}},
    ),
    "year1": (
        "成立满1年",
        {">=": [{"var": "enterprise.age_years"}, 1]},
        "须成立满1年",
        {"enterprise": {"age_years": 3}},
    ),
    "insured10": (
        "参保职工不少于10人",
        {">=": [{"var": "social.insured"}, 10]},
        "参保人数不足10人",
        {"social": {"insured": 30}},
    ),
    "hires": (
        "当年新增就业不少于5人",
        {">=": [{"var": "social.new_hires"}, 5]},
        "新增就业不足5人",
        {"social": {"new_hires": 8}},
    ),
    "tax_ab": (
        "纳税信用A级或B级",
        {"in": [{"var": "tax.credit_rating"}, ["A", "B"]]},
        "纳税信用等级须为A或B级",
        {"tax": {"credit_rating": "A"}},
    ),
    "growth": (
        "营业收入同比增长10%以上",
        {">=": [{"var": "tax.revenue_growth"}, 10]},
        "营收增速不足10%",
        {"tax": {"revenue_growth": 15}},
    ),
    "rd": (
        "年度研发费用不低于100万元",
        {">=": [{"var": "tax.rd_expense"}, 100]},
        "研发投入不足100万元",
        {"tax": {"rd_expense": 260}},
    ),
    "active": (
        "存续经营",
        {"==": [{"var": "enterprise.status"}, "active"]},
        "企业须处于存续状态",
        {"enterprise": {"status": "active"}},
    ),
    "youth": (
        "年龄在18至35周岁",
        {"and": [{">=": [{"var": "person.age"}, 18]}, {"<=": [{"var": "person.age"}, 35]}]},
        "须为18至35周岁",
        {"person": {"age": 26}},
    ),
    "adult": ("年满18周岁", {">=": [{"var": "person.age"}, 18]}, "须年满18周岁", {"person": {"age": 40}}),
    "senior": ("年满60周岁", {">=": [{"var": "person.age"}, 60]}, "须年满60周岁", {"person": {"age": 66}}),
    "verified": ("已完成实名认证", {">=": [{"var": "person.level"}, 2]}, "须完成实名认证", {"person": {"level": 2}}),
}

# (title, department, document number, target, industries, scales, rules, benefit text, amount, 免申即享)
POLICIES: list[tuple[str, str, str, str, list[str], list[str], list[str], str, int, bool]] = [
    (
        "蚌埠市食品生产企业质量提升奖励（免申即享）",
        "市场监督管理局",
        "蚌市监〔2026〕18号",
        "enterprise",
        ["13", "14", "15"],
        ["small", "medium", "micro"],
        ["year1", "insured10", "tax_ab"],
        "对质量管理达标的食品生产企业给予一次性奖励5万元",
        50000,
        True,
    ),
    (
        "蚌埠市中小微企业稳岗扩岗补贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕9号",
        "enterprise",
        [],
        ["small", "micro", "medium"],
        ["insured10", "hires"],
        "按新增参保人数每人1000元给予扩岗补助",
        10000,
        True,
    ),
    (
        "蚌埠市新办小微企业开办补助",
        "市场监督管理局",
        "蚌市监〔2026〕7号",
        "enterprise",
        [],
        ["small", "micro"],
        ["young", "active"],
        "新办企业免费刻制印章、首年税控设备补助",
        3000,
        True,
    ),
    (
        "蚌埠市制造业企业技术改造投资补助",
        "经济和信息化局",
        "蚌经信〔2026〕21号",
        "enterprise",
        ["C"],
        ["small", "medium", "large"],
        ["year1", "tax_ab", "growth"],
        "按设备投资额的10%给予补助，最高200万元",
        0,
        False,
    ),
    (
        "蚌埠市科技型中小企业研发费用后补助",
        "科学技术局",
        "蚌科〔2026〕5号",
        "enterprise",
        ["C", "I", "M"],
        ["small", "medium", "micro"],
        ["rd", "tax_ab"],
        "按年度研发费用增量的10%给予后补助",
        0,
        False,
    ),
    (
        "蚌埠市软件和信息技术服务企业首版次软件奖励",
        "经济和信息化局",
        "蚌经信〔2026〕33号",
        "enterprise",
        ["64", "65"],
        [],
        ["year1"],
        "首版次软件产品一次性奖励20万元",
        200000,
        False,
    ),
    (
        "蚌埠市高新技术企业认定奖励",
        "科学技术局",
        "蚌科〔2026〕12号",
        "enterprise",
        ["C", "I", "M"],
        [],
        ["rd", "active"],
        "首次认定的高新技术企业奖励10万元",
        100000,
        False,
    ),
    (
        "蚌埠市小微企业首贷贴息",
        "财政局",
        "蚌财金〔2026〕4号",
        "enterprise",
        [],
        ["small", "micro"],
        ["year1", "tax_ab"],
        "首次贷款按贷款市场报价利率的50%贴息",
        0,
        False,
    ),
    (
        "蚌埠市外贸企业出口信用保险保费补助",
        "商务局",
        "蚌商〔2026〕15号",
        "enterprise",
        ["C", "F"],
        [],
        ["active", "tax_ab"],
        "出口信用保险保费补助50%",
        0,
        False,
    ),
    (
        "蚌埠市商贸流通企业升规入统奖励",
        "商务局",
        "蚌商〔2026〕8号",
        "enterprise",
        ["F", "H"],
        ["small", "medium"],
        ["growth", "insured10"],
        "首次纳入限上统计的企业奖励3万元",
        30000,
        True,
    ),
    (
        "蚌埠市农业产业化龙头企业贷款贴息",
        "农业农村局",
        "蚌农〔2026〕17号",
        "enterprise",
        ["A", "13"],
        [],
        ["year1", "active"],
        "流动资金贷款贴息最高50万元",
        0,
        False,
    ),
    (
        "蚌埠市文化旅游企业纾困补助",
        "文化和旅游局",
        "蚌文旅〔2026〕6号",
        "enterprise",
        ["R", "61", "62"],
        ["small", "micro"],
        ["active", "insured10"],
        "按参保人数给予每人500元纾困补助",
        0,
        False,
    ),
    (
        "蚌埠市建筑业企业资质升级奖励",
        "住房和城乡建设局",
        "蚌建〔2026〕22号",
        "enterprise",
        ["E"],
        [],
        ["year1", "growth"],
        "资质升级为一级的奖励30万元",
        300000,
        False,
    ),
    (
        "蚌埠市物流企业降本增效补助",
        "交通运输局",
        "蚌交〔2026〕11号",
        "enterprise",
        ["G"],
        [],
        ["active", "growth"],
        "多式联运业务量补助",
        0,
        False,
    ),
    (
        "蚌埠市专精特新中小企业奖励",
        "经济和信息化局",
        "蚌经信〔2026〕14号",
        "enterprise",
        ["C"],
        ["small", "medium"],
        ["rd", "growth", "tax_ab"],
        "新认定省级专精特新企业奖励20万元",
        200000,
        False,
    ),
    (
        "蚌埠市绿色工厂创建奖励",
        "经济和信息化局",
        "蚌经信〔2026〕27号",
        "enterprise",
        ["C"],
        [],
        ["active", "tax_ab"],
        "获评国家级绿色工厂奖励50万元",
        500000,
        False,
    ),
    (
        "蚌埠市企业吸纳脱贫人口就业补贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕16号",
        "enterprise",
        [],
        [],
        ["hires", "insured10"],
        "每吸纳1人给予1000元一次性补贴",
        0,
        False,
    ),
    (
        "蚌埠市企业职工技能提升培训补贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕19号",
        "enterprise",
        [],
        [],
        ["insured10", "active"],
        "按取得证书等级给予每人1000至3000元培训补贴",
        0,
        False,
    ),
    (
        "蚌埠市小微企业社会保险费缓缴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕3号",
        "enterprise",
        ["H", "O", "R"],
        ["small", "micro"],
        ["active"],
        "阶段性缓缴三项社会保险费单位缴费部分",
        0,
        False,
    ),
    (
        "蚌埠市数字化转型示范企业奖励",
        "数据资源管理局",
        "蚌数据〔2026〕2号",
        "enterprise",
        ["C", "I"],
        [],
        ["rd", "active"],
        "获评示范企业奖励30万元",
        300000,
        False,
    ),
    (
        "蚌埠市招商引资重大项目落户奖励",
        "发展和改革委员会",
        "蚌发改〔2026〕31号",
        "enterprise",
        [],
        ["medium", "large"],
        ["young", "tax_ab"],
        "按实际到位投资额给予落户奖励",
        0,
        False,
    ),
    (
        "蚌埠市节能降耗技术改造补助",
        "发展和改革委员会",
        "蚌发改〔2026〕18号",
        "enterprise",
        ["C", "D"],
        [],
        ["active", "growth"],
        "节能量每吨标准煤补助300元",
        0,
        False,
    ),
    (
        "蚌埠市生态环境治理设施升级补助",
        "生态环境局",
        "蚌环〔2026〕10号",
        "enterprise",
        ["C", "D", "N"],
        [],
        ["active"],
        "治污设施升级投资补助20%",
        0,
        False,
    ),
    (
        "蚌埠市安全生产标准化达标奖励",
        "应急管理局",
        "蚌应急〔2026〕6号",
        "enterprise",
        ["B", "C", "E"],
        [],
        ["year1", "active"],
        "达到二级标准化的奖励5万元",
        50000,
        False,
    ),
    (
        "蚌埠市医药企业新药研发奖励",
        "科学技术局",
        "蚌科〔2026〕19号",
        "enterprise",
        ["27"],
        [],
        ["rd"],
        "取得新药证书的奖励100万元",
        1000000,
        False,
    ),
    (
        "蚌埠市餐饮企业食品安全提升补助",
        "市场监督管理局",
        "蚌市监〔2026〕25号",
        "enterprise",
        ["62"],
        ["small", "micro"],
        ["active", "year1"],
        "明厨亮灶改造补助5000元",
        5000,
        True,
    ),
    (
        "蚌埠市个体工商户纾困贷款贴息",
        "财政局",
        "蚌财金〔2026〕9号",
        "enterprise",
        ["F", "H", "O"],
        ["micro"],
        ["active"],
        "经营性贷款贴息50%",
        0,
        False,
    ),
    (
        "蚌埠市企业上市挂牌奖励",
        "财政局",
        "蚌财企〔2026〕12号",
        "enterprise",
        [],
        ["medium", "large"],
        ["growth", "tax_ab"],
        "在主板上市的分阶段奖励500万元",
        5000000,
        False,
    ),
    (
        "蚌埠市知识产权质押融资补助",
        "市场监督管理局",
        "蚌市监〔2026〕30号",
        "enterprise",
        ["C", "I", "M"],
        [],
        ["rd", "active"],
        "质押融资评估费补助",
        0,
        False,
    ),
    (
        "蚌埠市商标品牌培育奖励",
        "市场监督管理局",
        "蚌市监〔2026〕31号",
        "enterprise",
        [],
        [],
        ["year1", "active"],
        "新获驰名商标认定的奖励50万元",
        500000,
        False,
    ),
    (
        "蚌埠市企业研发机构建设奖励",
        "科学技术局",
        "蚌科〔2026〕23号",
        "enterprise",
        ["C", "M"],
        [],
        ["rd", "year1"],
        "新认定省级研发机构奖励30万元",
        300000,
        False,
    ),
    (
        "蚌埠市跨境电商企业发展补助",
        "商务局",
        "蚌商〔2026〕20号",
        "enterprise",
        ["F", "I"],
        [],
        ["growth"],
        "跨境电商进出口额补助",
        0,
        False,
    ),
    (
        "蚌埠市农产品加工企业用电补贴",
        "农业农村局",
        "蚌农〔2026〕9号",
        "enterprise",
        ["13", "14"],
        ["small", "micro", "medium"],
        ["active", "insured10"],
        "生产用电每千瓦时补贴0.05元",
        0,
        False,
    ),
    (
        "蚌埠市新能源汽车产业链企业奖励",
        "经济和信息化局",
        "蚌经信〔2026〕40号",
        "enterprise",
        ["36", "38"],
        [],
        ["growth", "rd"],
        "产值增长奖励最高100万元",
        1000000,
        False,
    ),
    (
        "蚌埠市硅基新材料企业研发补助",
        "科学技术局",
        "蚌科〔2026〕28号",
        "enterprise",
        ["30", "39"],
        [],
        ["rd", "tax_ab"],
        "研发项目补助最高200万元",
        2000000,
        False,
    ),
    (
        "蚌埠市人力资源服务机构奖励",
        "人力资源和社会保障局",
        "蚌人社〔2026〕25号",
        "enterprise",
        ["72"],
        [],
        ["active", "insured10"],
        "新评为省级人力资源服务产业园的奖励",
        0,
        False,
    ),
    (
        "蚌埠市企业稳就业社保补贴（免申即享）",
        "人力资源和社会保障局",
        "蚌人社〔2026〕27号",
        "enterprise",
        ["C", "F", "H"],
        ["micro"],
        ["insured10", "hires"],
        "新增参保就业每人补贴1500元",
        15000,
        True,
    ),
    (
        "蚌埠市民营企业纳税贡献奖励",
        "税务局",
        "蚌税〔2026〕3号",
        "enterprise",
        [],
        [],
        ["tax_ab", "growth"],
        "年度纳税贡献突出企业奖励",
        0,
        False,
    ),
    (
        "蚌埠市高校毕业生一次性创业补贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕30号",
        "person",
        [],
        [],
        ["youth", "verified"],
        "毕业5年内高校毕业生首次创业补贴1万元",
        10000,
        False,
    ),
    (
        "蚌埠市创业担保贷款贴息",
        "人力资源和社会保障局",
        "蚌人社〔2026〕31号",
        "person",
        [],
        [],
        ["adult", "verified"],
        "个人创业担保贷款最高30万元，财政全额贴息",
        0,
        False,
    ),
    (
        "蚌埠市灵活就业人员社会保险补贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕32号",
        "person",
        [],
        [],
        ["adult"],
        "按实际缴费的三分之二给予社保补贴",
        0,
        False,
    ),
    (
        "蚌埠市高龄老人津贴",
        "民政局",
        "蚌民〔2026〕5号",
        "person",
        [],
        [],
        ["senior"],
        "80周岁以上老人每月发放高龄津贴",
        0,
        False,
    ),
    (
        "蚌埠市退役军人就业创业扶持",
        "退役军人事务局",
        "蚌退役〔2026〕4号",
        "person",
        [],
        [],
        ["adult", "verified"],
        "自主就业退役军人创业补贴",
        0,
        False,
    ),
    (
        "蚌埠市青年人才购房补贴",
        "住房和城乡建设局",
        "蚌建〔2026〕35号",
        "person",
        [],
        [],
        ["youth", "verified"],
        "在蚌首次购房的青年人才给予购房补贴2万元",
        20000,
        False,
    ),
    (
        "蚌埠市技能人才生活津贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕36号",
        "person",
        [],
        [],
        ["adult"],
        "取得高级工以上证书的每月津贴500元",
        0,
        False,
    ),
    (
        "蚌埠市城乡居民医保参保资助",
        "医疗保障局",
        "蚌医保〔2026〕3号",
        "person",
        [],
        [],
        ["verified"],
        "困难人员参保个人缴费部分全额资助",
        0,
        False,
    ),
    (
        "蚌埠市义务教育阶段学生资助",
        "教育局",
        "蚌教〔2026〕14号",
        "person",
        [],
        [],
        ["verified"],
        "家庭经济困难学生生活补助",
        0,
        False,
    ),
    (
        "蚌埠市家庭农场培育奖补",
        "农业农村局",
        "蚌农〔2026〕21号",
        "person",
        [],
        [],
        ["adult", "verified"],
        "新认定市级示范家庭农场奖补2万元",
        20000,
        False,
    ),
    (
        "蚌埠市返乡入乡创业一次性补贴",
        "人力资源和社会保障局",
        "蚌人社〔2026〕38号",
        "person",
        [],
        [],
        ["adult"],
        "返乡创业并带动就业的给予5000元补贴",
        5000,
        False,
    ),
    (
        "蚌埠市文化旅游消费券发放办法",
        "文化和旅游局",
        "蚌文旅〔2026〕12号",
        "person",
        [],
        [],
        ["verified"],
        "实名领取文旅消费券",
        0,
        False,
    ),
]


def _org(name: str) -> Organisation:
    found = (
        Organisation.objects.filter(name=f"蚌埠市{name}").first()
        or Organisation.objects.filter(name__endswith=name, division__code=CITY).first()
        or Organisation.objects.filter(division__code=CITY).order_by("pk").first()
    )
    if found is None:
        raise CommandError("The city has no organisations yet: run `yiwang seed_demo` first.")
    return found


def _tests(target: str, industries_: list[str], scales: list[str], rule_keys: list[str]) -> list[dict[str, Any]]:
    """A case the rules accept (built from the rules themselves) and one they refuse (the other kind of subject)."""
    good: dict[str, Any] = {"kind": target, "region": {"province": "340000", "city": CITY, "county": "340303"}}
    if industries_:
        code = industries_[0]
        from yiwang.policies import industries

        section = code if code.isalpha() else industries.table()[code].section
        good["industry"] = {"section": section, "division": code if not code.isalpha() else "13"}
    if scales:
        good["scale"] = scales[0]
    for key in rule_keys:
        for part, values in RULES[key][3].items():
            good.setdefault(part, {}).update(values)
    bad = dict(good, kind="person" if target == "enterprise" else "enterprise")
    return [
        {"name": "符合条件的样例", "facts": good, "expect": True},
        {"name": "对象不符", "facts": bad, "expect": False},
    ]


class Command(BaseCommand):
    help = "Demo policies (惠企政策) of the demo city, their shared data, and matching (DEMO ONLY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when policies exist")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--enterprises", type=int, default=200, help="legal persons registered as enterprises")
        parser.add_argument("--force", action="store_true", help="run even under the production settings")

    def handle(self, *args: Any, if_empty: bool, seed: int, enterprises: int, force: bool, **options: Any) -> None:
        if "production" in (getattr(settings, "SETTINGS_MODULE", "") or "") and not force:
            raise CommandError("seed_policies writes demo data; refusing under the production settings (--force).")
        if if_empty and Policy.objects.exists():
            self.stdout.write("policies: present already, nothing to do.")
            return
        if not Enterprise.objects.filter(name=COMPANY).exists():
            raise CommandError("李四's company is missing: run `yiwang demo_identities` first.")
        rng = random.Random(seed)
        try:
            with transaction.atomic():
                self._enterprises(enterprises)
                self._shared_data(rng)
                versions = self._policies()
        except ProblemsError as exc:
            raise CommandError("; ".join(f"{p.field}: {p}" for p in exc.problems) + " Nothing was written.") from exc
        for target in (Target.ENTERPRISE, Target.PERSON):
            matching.ensure_facts(target)
        out = matching.match_versions([v.pk for v in versions])
        featured = Policy.objects.get(code=FEATURED)
        rnd = grants.produce_round(featured)
        if rnd.state == "reviewing":
            grants.approve_round(rnd, user=None)
        self.stdout.write(
            f"policies: {len(versions)} published; {Enterprise.objects.count()} enterprises matched "
            f"({out.eligible} eligible pairs, {out.told} told); 免申即享 list {rnd.period} of “{featured}”: "
            f"{rnd.grants.count()} enterprises, approved."
        )

    def _enterprises(self, n: int) -> None:
        have = set(Enterprise.objects.values_list("credit_code", flat=True))
        records = LegalPersonRecord.objects.filter(status=LegalPersonStatus.ACTIVE).exclude(credit_code__in=have)
        for rec in records.order_by("credit_code")[:n]:
            identity.register_enterprise(
                name=rec.name,
                credit_code=rec.credit_code,
                legal_rep_name=rec.legal_rep_name,
                kind=rec.kind,
                address=rec.address,
            )

    def _shared_data(self, rng: random.Random) -> None:
        records: dict[str, list[dict[str, Any]]] = {k: [] for k in RESOURCES}
        divisions = [f"{i:02d}" for i in range(13, 44)] + ["51", "52", "54", "59", "61", "62", "65", "72", "74", "47"]
        for ent in Enterprise.objects.order_by("pk"):
            if ent.name == COMPANY:  # 李四's food company: small, insured staff, good tax credit
                profile = {"industry": "C1461", "employees": 86, "revenue": 3200}
                tax = {"credit_rating": "A", "revenue_growth": 12, "rd_expense": 40}
                social = {"insured": 78, "new_hires": 6}
            else:
                div = rng.choice(divisions)
                employees = rng.choice([6, 12, 25, 48, 90, 160, 320, 650, 1200])
                profile = {
                    "industry": f"{div}{rng.randrange(10, 99)}",
                    "employees": employees,
                    "revenue": int(employees * rng.uniform(20, 90)),
                }
                tax = {
                    "credit_rating": rng.choice("AABBBCM"),
                    "revenue_growth": rng.randrange(-20, 40),
                    "rd_expense": rng.choice([0, 0, 20, 60, 120, 300]),
                }
                social = {"insured": max(1, int(employees * rng.uniform(0.6, 1.0))), "new_hires": rng.randrange(0, 15)}
            for key, values in (("profile", profile), ("tax", tax), ("social", social)):
                records[key].append({"credit_code": ent.credit_code, **{k: str(v) for k, v in values.items()}})
        for key, (code, name, provider, fields) in RESOURCES.items():
            res = DataResource.objects.filter(code=code).first()
            if res is None:
                res = DataResource.objects.create(
                    code=code,
                    name=name,
                    provider=_org(provider.removeprefix("蚌埠市")),
                    fields=[{"name": "credit_code", "label": "统一社会信用代码", "type": "text"}]
                    + [{"name": f, "label": f, "type": "text"} for f in fields],
                    subject_kind="enterprise",
                    subject_field="credit_code",
                    description="惠企政策匹配使用的共享数据（演示）",
                )
                DataService.objects.create(
                    resource=res, code=f"{code}-BY-CODE", name=f"{name}查询", keys=["credit_code"]
                )
            store.put_records(res, records[key], replace=True)

    def _policies(self) -> list[PolicyVersion]:
        versions = []
        today = timezone.localdate()
        for i, (title, dept, doc, target, inds, scales, rule_keys, benefit, amount, auto) in enumerate(POLICIES, 1):
            rules = [{"name": RULES[k][0], "if": RULES[k][1], "message": RULES[k][2]} for k in rule_keys]
            kind = "amount" if amount else "service"
            data = {
                "title": title,
                "doc_number": doc,
                "summary": benefit,
                "keywords": "、".join(w for w in ("补贴", "奖励", "补助", "贴息") if w in title + benefit),
                "text": (
                    f"第一条 为贯彻落实国家和省关于支持市场主体发展的决策部署，制定{title.removesuffix('（免申即享）')}。\n"
                    f"第二条 适用对象：{'在本市依法登记注册的企业' if target == 'enterprise' else '本市户籍或在本市就业创业的个人'}。\n"
                    f"第三条 支持内容：{benefit}。\n"
                    "第四条 申享条件：" + "；".join(RULES[k][0] for k in rule_keys) + "。\n"
                    "第五条 本政策自印发之日起施行，有效期三年。"
                ),
                "interpretation": (
                    f"一、出台背景：{title}旨在降低市场主体成本、激发活力。\n"
                    f"二、支持对象：{'符合条件的企业' if target == 'enterprise' else '符合条件的个人'}。\n"
                    f"三、支持标准：{benefit}。\n"
                    + (
                        "四、兑现方式：免申即享，系统根据共享数据自动比对，企业在“我的空间”确认银行账户后直接拨付。"
                        if auto
                        else "四、兑现方式：通过一网通办平台在线申请。"
                    )
                ),
                "target": target,
                "industries": inds,
                "scales": scales,
                "divisions": [CITY],
                "valid_from": (today - dt.timedelta(days=30 + i)).isoformat(),
                "valid_until": (today + dt.timedelta(days=3 * 365)).isoformat(),
                "benefits": [{"kind": kind, "text": benefit, **({"amount": str(amount)} if amount else {})}],
                "rules": rules,
                "tests": _tests(target, inds, scales, rule_keys),
                "auto_grant": auto,
                "grant_amount": str(amount) if auto else None,
                "grant_period": "year",
            }
            code = FEATURED if i == 1 else f"P3403002026{i:05d}"
            version = services.create_policy(_org(dept), data, code=code)
            versions.append(services.publish(version, match=False))
        facts.shared_resources()  # the defaults name the resources written above
        return versions
