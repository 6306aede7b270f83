"""`yiwang seed_bundles --if-empty`: the demo's one-thing bundle (新生儿出生一件事) and one 秒批 item.

Picks the demo city's published items by name (出生医学证明首次签发, 出生登记, 新生儿参保登记), falling back to other
person items open online in the same division when a smaller demo lacks one; defines and publishes the bundle through
bundles.services, and gives the insurance registration an active instant-approval rule set through rules.services
(its test cases pass). Any problem stops the command with a non-zero exit and writes nothing.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yiwang.bundles import services as bundles
from yiwang.bundles.models import Bundle
from yiwang.catalog.models import OnlineDepth, ServiceItem, VersionStatus
from yiwang.core.errors import ProblemsError
from yiwang.rules import services as rules

CODE = "newborn"
WANTED = ("出生医学证明首次签发", "出生登记", "新生儿参保登记")
QUESTIONS = [
    {
        "name": "insure_baby",
        "label": "是否为宝宝办理城乡居民医保参保",
        "label_en": "Insure the baby",
        "type": "checkbox",
    }
]
INSTANT_RULES = [
    {"name": "申请人为自然人", "if": {"==": [{"var": "applicant.kind"}, "person"]}, "message": "法人申请转人工审核"},
    {"name": "实名认证等级不低于2级", "if": {">=": [{"var": "applicant.level"}, 2]}, "message": "请先完成实名认证"},
    {"name": "留有联系电话", "if": {"!": {"missing": ["form.contact_phone"]}}, "message": "缺少联系电话"},
]
INSTANT_TESTS = [
    {
        "name": "实名市民",
        "data": {"form": {"contact_phone": "13900000000"}, "applicant": {"kind": "person", "level": 2}},
        "expect": True,
    },
    {
        "name": "未实名",
        "data": {"form": {"contact_phone": "13900000000"}, "applicant": {"kind": "person", "level": 1}},
        "expect": False,
    },
]


def _candidates() -> list[ServiceItem]:
    return list(
        ServiceItem.objects.select_related("current", "organisation__division")
        .filter(
            current__status=VersionStatus.PUBLISHED,
            current__for_persons=True,
            current__online_depth__gte=OnlineDepth.INTERACTION,
        )
        .order_by("organisation__division__path", "pk")
    )


def pick_items() -> list[ServiceItem]:
    """Three person items of one division: the wanted names where the demo has them, others to fill the gaps."""
    items = _candidates()
    by_division: dict[int, list[ServiceItem]] = {}
    for item in items:
        by_division.setdefault(item.organisation.division_id, []).append(item)
    score = Counter({d: len({i.current.name for i in xs} & set(WANTED)) for d, xs in by_division.items()})
    if not score:
        raise CommandError("No published item is open online to persons: run `yiwang seed_demo` first.")
    division, _n = max(score.items(), key=lambda kv: (kv[1], len(by_division[kv[0]])))
    pool = by_division[division]
    chosen = [
        next(i for i in pool if i.current.name == name) for name in WANTED if any(i.current.name == name for i in pool)
    ]
    for item in pool:
        if len(chosen) >= 3:
            break
        if item not in chosen:
            chosen.append(item)
    if len(chosen) < 2:
        raise CommandError("The demo has fewer than two person items open online in one division.")
    return chosen


class Command(BaseCommand):
    help = "Define the demo one-thing bundle (新生儿出生一件事) and an instant-approval (秒批) item."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the demo bundle exists")

    def handle(self, *args, if_empty: bool, **options):
        if Bundle.objects.filter(code=CODE).exists():
            if if_empty:
                self.stdout.write("the demo bundle exists; nothing seeded")
                return
            raise CommandError("The demo bundle exists already (use --if-empty).")
        items = pick_items()
        specs = [bundles.ItemSpec(i.item_code) for i in items]
        specs[-1].applies_if = {"var": "insure_baby"}
        try:
            with transaction.atomic():
                bundle = bundles.save_bundle(
                    organisation=items[0].organisation,
                    code=CODE,
                    name="新生儿出生一件事",
                    name_en="A baby is born",
                    keywords="生孩子 生宝宝 新生儿 出生证 上户口 宝宝医保",
                    description="出生医学证明、户口登记、医保参保一表申请，一次办好。",
                    questions=QUESTIONS,
                    promised_days=5,
                    items=specs,
                )
                bundles.set_status(bundle, "published")
                instant = items[-1]
                names = set(rules.variables_for(instant.current))
                own = [
                    r
                    for r in INSTANT_RULES
                    if "form.contact_phone" not in str(r["if"]) or "form.contact_phone" in names
                ]
                rule_set = rules.save_rule_set(instant.current, rules=own, tests=INSTANT_TESTS)
                rules.activate(rule_set)
        except ProblemsError as exc:
            raise CommandError("; ".join(f"{p.field}: {p.message}" for p in exc.problems)) from exc
        names = "、".join(i.current.name for i in items)
        self.stdout.write(f"bundle {CODE} ({names}); instant approval for {items[-1].current.name}")
