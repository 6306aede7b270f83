"""`yiwang seed_hotline --if-empty`: the demo 12345 centre — accounts, routing rules, knowledge, a few hundred orders.

DEMO ONLY: fixed, printed passwords (the same as the other demo staff accounts). Idempotent: accounts, the centre,
rules and knowledge are created or reset; orders are added only when there are none (with --if-empty), all through
the services, so every order has its events, its deadlines on the official calendar and its statistics. Exits
non-zero when the demo city is missing (run `yiwang seed_demo` first).
"""

from __future__ import annotations

import datetime as dt
import random
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from yiwang.orgs.models import Division, Membership, Organisation, OrgKind, Role

CITY = "340300"
STAFF_PASSWORD = "Yiwang-demo-2026"  # noqa: S105 - demo-only, printed on purpose (as demo_accounts)
SUPERVISOR_GROUP = "12345 centre supervisors"
CENTRE_NAMES = ("蚌埠市政务服务中心", "蚌埠市数据资源管理局")

# username, display name, organisation, role, covers division, centre supervisor
ACCOUNTS = [
    ("operator", "12345话务员", "centre", Role.HOTLINE_OPERATOR, True, False),
    ("hotline_chief", "12345值班长", "centre", Role.HOTLINE_OPERATOR, True, True),
    ("handler_cg", "城管局热线办理员", "蚌埠市城市管理局", Role.HOTLINE_HANDLER, False, False),
    ("handler_cg2", "城管局热线审核员", "蚌埠市城市管理局", Role.HOTLINE_HANDLER, False, False),
    ("handler_scjg", "市场监管局热线办理员", "蚌埠市市场监督管理局", Role.HOTLINE_HANDLER, False, False),
]

# category code → department name (the routing rules of the demo)
ROUTES = {
    "urban": "蚌埠市城市管理局",
    "transport": "蚌埠市交通运输局",
    "market": "蚌埠市市场监督管理局",
    "social": "蚌埠市人力资源和社会保障局",
    "housing": "蚌埠市住房和城乡建设局",
    "environment": "蚌埠市生态环境局",
    "government": "蚌埠市数据资源管理局",
}

STREETS = [
    "东海大道",
    "胜利路",
    "淮河路",
    "延安路",
    "涂山路",
    "解放路",
    "朝阳路",
    "长征路",
    "燕山路",
    "龙华路",
    "工农路",
    "中荣街",
    "大庆路",
    "南山路",
    "纬四路",
    "黄山大道",
]
PLACES = ["与{a}交叉口", "{n}号附近", "{n}号小区门口", "公交站旁", "{n}号楼下"]
TEXTS = {
    "road": ["路面出现大坑，车辆经过很危险", "井盖缺失，夜间行人容易掉落", "人行道地砖破损松动"],
    "lighting": ["路灯连续多日不亮", "一排路灯晚上全黑", "路灯白天也亮着浪费电"],
    "sanitation": ["垃圾堆积多日没有清运，气味很大", "垃圾桶满溢无人处理", "道路上有大量建筑垃圾"],
    "illegal_building": ["楼顶有人私搭乱建", "小区绿地被圈占搭建棚子"],
    "noise": ["工地夜间十一点后还在施工，噪音扰民", "广场舞音响太大影响休息", "商户外放音乐声音很大"],
    "parking": ["车辆长期占用人行道停放", "消防通道被私家车堵住"],
    "bus": ["公交车到站不停", "公交线路调整后没有公告"],
    "taxi": ["出租车拒载", "网约车绕路多收费"],
    "food_safety": ["在餐馆吃饭后腹泻，怀疑食材不新鲜", "超市出售过期食品"],
    "price": ["停车场乱收费", "商场标价与结算价不一致"],
    "consumer": ["预付卡商家跑路无法退款", "网购商品质量问题商家拒不退货"],
    "insurance": ["医保异地备案怎么办理", "养老保险转移接续问题"],
    "employment": ["灵活就业人员社保补贴怎么申请", "失业金申领进度咨询"],
    "wages": ["工地拖欠农民工工资三个月", "公司拖欠工资不发"],
    "property": ["小区电梯经常故障", "物业不作为，楼道灯坏了不修"],
    "water": ["小区停水两天未恢复", "自来水发黄有异味"],
    "power": ["频繁停电影响生活", "电压不稳家电损坏"],
    "gas": ["楼道有燃气味，怀疑泄漏", "燃气开户办理咨询"],
    "pollution": ["饭店油烟直排扰民", "工厂夜间偷排废气", "河道有异味"],
    "service": ["营业执照变更需要什么材料", "窗口办事排队时间太长", "网上申报一直提示失败"],
    "policy": ["新生儿医保参保政策咨询", "人才公寓申请条件", "购房补贴政策咨询"],
    "enterprise": ["企业开办后发票领用遇到困难", "企业用电报装审批慢", "惠企政策兑现迟迟没有到账"],
    "other": ["对政务服务的建议", "表扬窗口工作人员服务热情"],
}
REPLIES = [
    "已安排人员现场核实并处理完毕，感谢您的反映。",
    "经核查情况属实，已责令整改，后续将加强巡查。",
    "已与相关单位协调解决，问题已处理。",
    "已按政策答复来电人，并告知办理渠道。",
]
KNOWLEDGE = [
    (
        "居住证怎么办理",
        "暂住证\n办居住证",
        "持身份证、居住证明（租房合同或房产证）到居住地派出所或政务服务中心公安窗口办理，也可在“皖事通”在线申请。",
    ),
    (
        "公积金怎么提取",
        "提公积金\n取公积金",
        "购房、租房、退休等情形可提取。携带身份证、银行卡及相应证明到公积金中心窗口办理，或在网上办理。",
    ),
    ("路灯不亮找谁", "路灯坏了", "城市道路路灯由城市管理局负责维护，可拨打12345反映，受理后一般3个工作日内修复。"),
    (
        "新生儿医保怎么办理",
        "宝宝医保\n婴儿医保",
        "出生后凭出生医学证明、户口簿在医保经办机构或线上参保，出生当年参保缴费即可享受待遇。",
    ),
    ("营业执照遗失怎么办", "执照丢了", "在国家企业信用信息公示系统发布遗失公告后，向市场监督管理局申请补领。"),
    (
        "拖欠工资怎么投诉",
        "欠薪\n讨薪",
        "可向人力资源和社会保障局劳动保障监察机构投诉，或拨打12345，需提供劳动合同或工作证明。",
    ),
    (
        "噪音扰民怎么处理",
        "施工噪音\n夜间施工",
        "夜间22时至次日6时禁止产生噪声的施工（抢修除外），可拨打12345，由城管或生态环境部门查处。",
    ),
]


def _now_at(moment: dt.datetime):
    """Every service call inside runs as if it were `moment` (the demo spreads orders over past weeks)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


class Command(BaseCommand):
    help = "Seeds the demo 12345 centre: accounts, routing rules, the knowledge base, a few hundred orders."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Add orders only when there are none.")
        parser.add_argument("--orders", type=int, default=300)
        parser.add_argument("--seed", type=int, default=12345)
        parser.add_argument("--force", action="store_true", help="Run even under the production settings.")

    def handle(self, *args, if_empty: bool, orders: int, seed: int, force: bool, **options) -> None:
        if "production" in (getattr(settings, "SETTINGS_MODULE", "") or "") and not force:
            raise CommandError("Demo accounts have published passwords; refusing to create them in production.")
        city = Division.objects.filter(code=CITY).first()
        if city is None:
            raise CommandError("The demo city 蚌埠市 is missing; run `yiwang seed_demo` first.")
        centre = (
            Organisation.objects.filter(division=city, name__in=CENTRE_NAMES).order_by("kind").first()
            or Organisation.objects.filter(division=city, kind=OrgKind.SERVICE_CENTER).first()
        )
        if centre is None:
            raise CommandError("No service centre in the demo city; run `yiwang seed_demo` first.")
        with transaction.atomic():
            from yiwang.hotline.models import Centre

            Centre.objects.update_or_create(organisation=centre, defaults={"division": city, "is_default": True})
            users = self._accounts(centre, city)
            depts = self._routes(city)
        self._knowledge(users)
        from yiwang.hotline.models import WorkOrder

        if if_empty and WorkOrder.objects.exists():
            self.stdout.write("work orders exist; none added")
        else:
            n = self._orders(orders, seed, centre, depts, users)
            self.stdout.write(f"work orders added: {n}")
        self._print(users, centre)

    # -- accounts -----------------------------------------------------------------------------------------------

    def _accounts(self, centre, city) -> dict:
        group, _ = Group.objects.get_or_create(name=SUPERVISOR_GROUP)
        perms = Permission.objects.filter(
            content_type__app_label="hotline",
            codename__in=[
                "supervise",
                "view_workorder",
                "view_routingrule",
                "add_routingrule",
                "change_routingrule",
                "view_routingcase",
                "add_routingcase",
                "change_routingcase",
                "view_category",
                "add_category",
                "change_category",
                "view_deadlinepolicy",
                "add_deadlinepolicy",
                "change_deadlinepolicy",
                "view_apikey",
                "add_apikey",
                "change_apikey",
            ],
        )
        group.permissions.set(perms)
        user_model = get_user_model()
        out = {}
        for username, display, org_name, role, covers, chief in ACCOUNTS:
            org = centre if org_name == "centre" else Organisation.objects.filter(division=city, name=org_name).first()
            if org is None:
                continue
            user, _c = user_model.objects.get_or_create(username=username)
            user.is_staff, user.is_active, user.first_name = True, True, display
            user.email = user.email or f"{username}@demo.yiwang.invalid"
            user.set_password(STAFF_PASSWORD)
            user.save()
            Membership.objects.update_or_create(
                user=user, organisation=org, role=role, defaults={"covers_division": covers}
            )
            if chief:
                user.groups.add(group)
            out[username] = (user, org)
        return out

    def _routes(self, city) -> dict:
        from yiwang.hotline.models import Category, RoutingCase, RoutingRule

        depts = {}
        for i, (code, name) in enumerate(ROUTES.items()):
            org = Organisation.objects.filter(division=city, name=name).first()
            cat = Category.objects.filter(code=code).first()
            if org is None or cat is None:
                continue
            depts[code] = org
            RoutingRule.objects.update_or_create(
                name=f"{cat.name} → {org.short_name or org.name}",
                defaults={"position": 100 + i * 10, "category": cat, "department": org, "is_active": True},
            )
            RoutingCase.objects.update_or_create(
                description=f"{cat.name}类诉求派{org.name}", defaults={"category": cat, "expected_department": org}
            )
        market = depts.get("market")
        if market is not None:
            RoutingRule.objects.update_or_create(
                name="餐饮油烟归市场监管（关键词）",
                defaults={
                    "position": 50,
                    "category": Category.objects.get(code="pollution"),
                    "keywords": "饭店 餐馆",
                    "department": market,
                    "is_active": True,
                },
            )
        return depts

    # -- knowledge ----------------------------------------------------------------------------------------------

    def _knowledge(self, users) -> None:
        from yiwang.catalog.models import ServiceItem
        from yiwang.hotline import knowledge
        from yiwang.hotline.models import KnowledgeEntry

        if KnowledgeEntry.objects.exists() or "handler_cg" not in users or "hotline_chief" not in users:
            return
        author, org = users["handler_cg"]
        reviewer, _ = users["hotline_chief"]
        due = timezone.localdate() + dt.timedelta(days=365)

        def add(org, title, aliases, answer, items=()):
            entry = knowledge.create_entry(
                organisation=org,
                user=author,
                title=title,
                aliases=aliases,
                answer=answer,
                review_due=due,
                item_codes=list(items),
            )
            v = entry.versions.get()
            knowledge.submit(v, author)
            knowledge.review(v, reviewer, True, "demo")

        for title, aliases, answer in KNOWLEDGE:
            add(org, title, aliases, answer)
        seen = set()
        items = (
            ServiceItem.objects.filter(current__isnull=False, organisation__division__code=CITY)
            .select_related("current", "organisation")
            .order_by("id")[:600]
        )
        for item in items:
            v = item.current
            if v.name in seen:
                continue
            seen.add(v.name)
            place = v.place or item.organisation.name
            answer = (
                f"{v.name}由{item.organisation.name}办理，承诺时限{v.promised_limit}个工作日；"
                f"办理地点：{place}。可在网上办理，详见办事指南。"
            )
            add(item.organisation, f"{v.name}怎么办理", "\n".join(v.aliases or [])[:500], answer, [item.item_code])
            if len(seen) >= 150:
                break

    # -- orders -------------------------------------------------------------------------------------------------

    def _orders(self, count: int, seed: int, centre, depts: dict, users: dict) -> int:
        from yiwang.hotline import services
        from yiwang.hotline.models import Category, Channel, OrderType, Satisfaction, Urgency

        rng = random.Random(seed)
        cats = [c for c in Category.objects.filter(parent__isnull=False, is_active=True) if c.code in TEXTS]
        counties = list(Division.objects.filter(parent__code=CITY))
        phones = [f"139{rng.randrange(10**8):08d}" for _ in range(150)]
        op_user = users.get("operator", (None, centre))[0]
        chief = users.get("hotline_chief", (op_user, centre))[0]
        op = services.Who(
            user=op_user,
            name="12345话务员",
            role=Role.HOTLINE_OPERATOR,
            organisation_id=centre.pk,
            channel=Channel.PHONE,
        )
        boss = services.Who(user=chief, name="12345值班长", role=Role.HOTLINE_OPERATOR, organisation_id=centre.pk)
        channels = [Channel.PHONE] * 6 + [
            Channel.WEB,
            Channel.MOBILE,
            Channel.WECHAT,
            Channel.APP,
            Channel.GRID,
            Channel.EMAIL,
        ]
        now = timezone.now()
        made = 0
        quiet = mock.patch("yiwang.hotline.notify.enqueue", lambda *a, **k: None)  # no SMS for made-up callers
        quiet.start()
        open_masters = []
        for i in range(count):
            cat = rng.choice(cats)
            top = cat.parent.code if cat.parent_id else cat.code
            dept = depts.get(top) or next(iter(depts.values()), None)
            street = rng.choice(STREETS)
            address = "蚌埠市" + street + rng.choice(PLACES).format(a=rng.choice(STREETS), n=rng.randrange(1, 300))
            kind = (
                OrderType.CONSULT
                if top in ("government", "social") and rng.random() < 0.6
                else rng.choice(
                    [OrderType.COMPLAINT] * 5
                    + [OrderType.HELP] * 3
                    + [OrderType.REPORT, OrderType.SUGGESTION, OrderType.PRAISE]
                )
            )
            t0 = now - dt.timedelta(days=rng.uniform(0.2, 28), minutes=rng.randrange(600))
            lat, lon = 32.92 + rng.uniform(-0.06, 0.06), 117.39 + rng.uniform(-0.08, 0.08)
            hd = services.Who(
                name=f"{dept.name}办理员" if dept else "",
                role=Role.HOTLINE_HANDLER,
                organisation_id=dept.pk if dept else None,
            )
            fate = rng.random()
            located = rng.random() < 0.6
            try:
                with _now_at(t0):
                    order, _c = services.create_order(
                        who=op,
                        order_type=kind,
                        category=cat,
                        content=rng.choice(TEXTS[cat.code]) + "。",
                        address=address,
                        latitude=round(lat, 6) if located else None,
                        longitude=round(lon, 6) if located else None,
                        division=rng.choice(counties) if counties else None,
                        caller_phone=rng.choice(phones),
                        caller_name=rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["先生", "女士"]),
                        urgency=Urgency.URGENT if rng.random() < 0.05 else Urgency.NORMAL,
                        anonymous=rng.random() < 0.05,
                        channel=rng.choice(channels),
                        centre=centre,
                        source_ref=f"demo:{seed}:{i}",
                    )
                made += 1
                step = t0

                def later(minutes: float):
                    nonlocal step
                    step = min(step + dt.timedelta(minutes=minutes), now)
                    return _now_at(step)

                if fate < 0.08 or dept is None:
                    continue  # received, waiting to be dispatched
                if fate < 0.16 and kind == OrderType.CONSULT:
                    with later(4):
                        services.conclude_direct(order, op, "已按知识库内容当场答复来电人。")
                    continue
                if fate < 0.19 and open_masters:
                    with later(6):
                        services.merge(order, op, rng.choice(open_masters))
                    continue
                if fate < 0.21:
                    with later(10):
                        services.void(order, op, "无效来电")
                    continue
                with later(rng.uniform(5, 60)):
                    services.dispatch(order, op, dept)
                if fate < 0.30:
                    open_masters.append(order)
                    continue  # dispatched, not yet signed
                with later(rng.uniform(30, 600)):
                    services.sign(order, hd, [dept.pk])
                if fate < 0.34:
                    with later(60):
                        services.request_send_back(order, hd, "经核实不属于本单位职责范围", [dept.pk])
                    if fate < 0.32:
                        continue  # waiting for the centre's decision
                    req = order.decisions.first()
                    with later(120):
                        services.decide(order, boss, req.pk, approve=False, note="属于该单位职责，请办理")
                if fate < 0.42:
                    if fate > 0.39:
                        with later(240):
                            services.request_extension(order, hd, 5, "需协调多个单位现场处置", [dept.pk])
                        with later(60):
                            services.decide(order, boss, order.decisions.filter(approved=None).first().pk, approve=True)
                    open_masters.append(order)
                    continue  # handling
                with later(rng.uniform(600, 60 * 24 * 10)):
                    services.reply(order, hd, rng.choice(REPLIES), [dept.pk])
                if fate < 0.52:
                    continue  # replied, awaiting callback
                sat = rng.choice(
                    [
                        Satisfaction.VERY_SATISFIED,
                        Satisfaction.SATISFIED,
                        Satisfaction.SATISFIED,
                        Satisfaction.BASIC,
                        Satisfaction.UNSATISFIED,
                    ]
                )
                with later(rng.uniform(60, 60 * 24)):
                    services.callback(order, op, reached=True, satisfaction=sat)
                if sat == Satisfaction.UNSATISFIED and rng.random() < 0.7:
                    with later(60 * 24):
                        services.reply(order, hd, "已重新处理并回访现场。", [dept.pk])
                    with later(60 * 4):
                        services.callback(order, op, reached=True, satisfaction=Satisfaction.BASIC)
            except Exception as exc:  # a demo order that cannot be made is reported, the rest still come
                self.stderr.write(f"demo order {i}: {type(exc).__name__}: {exc}")
        quiet.stop()
        services.sweep_timers()
        return made

    def _print(self, users: dict, centre) -> None:
        self.stdout.write("12345 demo accounts (demo only — these passwords are public):")
        for username, display, _o, role, _c, chief in ACCOUNTS:
            if username in users:
                what = "centre supervisor" if chief else Role(role).label
                self.stdout.write(f"  {username:<14} {STAFF_PASSWORD}  {display} · {users[username][1].name} · {what}")
