"""`yiwang seed_ratings`: ratings in the demo city, made through the same services the pages use.

Run by `make demo` after seed_demo, demo_accounts and demo_identities. The demo applicants (张三, 李四, 王五,
Emily Johnson) apply for items of up to eight departments; the cases are accepted and worked to their result by the
departments' staff, and the applicants rate them (mostly good, some bad). The bad reviews of 蚌埠市市场监督管理局
are left at each stage of rectification — awaiting the callback, called back, being rectified, awaiting the
supervisor's review, appealed, closed — so `reviewer_scjg` and `supervisor` each find work. Finally 张三 gets one
more concluded case of that department, not yet rated, for the walk-through in the README.

`--if-empty` does nothing when there are ratings already. Fails with a non-zero exit when the demo city, its
staff accounts or 张三 are missing.
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from yiwang.cases import services as cases
from yiwang.cases.actions import Caller
from yiwang.cases.models import Case, Channel, State
from yiwang.cases.services import Who
from yiwang.catalog.models import ServiceItem, VersionStatus
from yiwang.identity.models import Person
from yiwang.orgs.models import Membership, Organisation, Role

from ... import services
from ...models import Rating, Rectification

CITY = "340300"
DEPARTMENT = "蚌埠市市场监督管理局"
APPLICANTS = ("张三", "李四", "王五", "Emily Johnson")
DEPARTMENTS = 8
CASES_PER_DEPARTMENT = 6
GOOD_COMMENTS = ["办事很快", "窗口人员很耐心", "一次办成，很方便", "", "", "网上办理省时间"]
BAD = [
    (2, ["overdue"], "比承诺时间晚了好几天"),
    (1, ["materials_repeated"], "同样的材料要求交了两次"),
    (2, ["guide_inaccurate"], "办事指南写的和实际要求不一样"),
    (2, ["reply_unclear"], "咨询了两次都没有说清楚"),
    (1, ["process_complex", "other"], "网上流程太复杂，最后还是去了窗口"),
    (2, ["overdue"], "等待时间太长"),
]
# How far each of the department's bad reviews is taken (in the order of BAD).
STAGES = ("open", "verified", "classified", "submitted", "appealed", "closed")


class Command(BaseCommand):
    help = "Demo ratings: good and bad reviews over the demo city's departments, bad ones at every stage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when there are ratings already.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")

    def handle(self, *args: Any, if_empty: bool, seed: int, **options: Any) -> None:
        if if_empty and Rating.objects.exists():
            self.stdout.write("There are ratings already; nothing seeded")
            return
        rng = random.Random(seed)
        users = get_user_model().objects
        try:
            reviewer = users.get(username="reviewer_scjg")
            approver = users.get(username="approver_scjg")
            supervisor = users.get(username="supervisor")
            clerk = users.get(username="clerk")
        except users.model.DoesNotExist as exc:
            raise CommandError("The demo staff accounts are missing: run `yiwang demo_accounts` first.") from exc
        people = {p.name: p for p in Person.objects.filter(name__in=APPLICANTS, user__isnull=False)}
        if "张三" not in people:
            raise CommandError("张三 is missing: run `yiwang demo_identities` first.")
        main = Organisation.objects.filter(name=DEPARTMENT, division__code=CITY).first()
        if main is None:
            raise CommandError(f"{DEPARTMENT} is missing: run `yiwang seed_demo` first.")
        departments = [main, *self._departments(main)]
        made = bad_main = 0
        for org in departments:
            items = list(self._items(org)[:3])
            if not items:
                continue
            staff = self._worker(org, clerk)
            for n in range(CASES_PER_DEPARTMENT):
                person = list(people.values())[n % len(people)]
                case = self._concluded(items[n % len(items)], person, staff, approver if org == main else staff)
                if case is None:
                    continue
                if org == main and bad_main < len(BAD):
                    level, reasons, comment = BAD[bad_main]
                    bad_main += 1
                else:
                    level = rng.choices([5, 4, 3, 2], weights=[70, 20, 7, 3])[0]
                    reasons = ["overdue"] if level <= 2 else []
                    comment = rng.choice(GOOD_COMMENTS) if level > 2 else "办理时间太长"
                services.rate_case(
                    Caller.for_user(person.user),
                    case,
                    services.Answer(
                        level=level,
                        reasons=reasons,
                        comment=comment,
                        indicators={"efficiency": max(1, level - rng.randint(0, 1))},
                    ),
                    channel=rng.choice([Channel.PORTAL, "mobile"]),
                )
                made += 1
        self._stages(main, reviewer, supervisor)
        walk = self._concluded(self._items(main).first(), people["张三"], reviewer, approver)
        self.stdout.write(
            f"Ratings: {made} over {len(departments)} departments; bad reviews at every stage in {DEPARTMENT}"
        )
        if walk is not None:
            self.stdout.write(f"张三 can rate case {walk.case_number} (My Space → 办件 → 评价)")

    # -- helpers ---------------------------------------------------------------------------------------------------

    def _departments(self, main: Organisation) -> list[Organisation]:
        return list(
            Organisation.objects.filter(division__code=CITY, is_active=True)
            .exclude(pk=main.pk)
            .annotate(n=Count("items", filter=Q(items__current__status=VersionStatus.PUBLISHED)))
            .filter(n__gt=0)
            .order_by("-n", "pk")[: DEPARTMENTS - 1]
        )

    def _items(self, org: Organisation):
        return ServiceItem.objects.filter(
            organisation=org, current__isnull=False, current__status=VersionStatus.PUBLISHED
        ).order_by("pk")

    def _worker(self, org: Organisation, fallback):
        m = Membership.objects.filter(organisation=org, role__in=(Role.REVIEWER, Role.APPROVER)).first()
        return m.user if m is not None else fallback

    def _concluded(self, item: ServiceItem | None, person: Person, worker, approver) -> Case | None:
        """A case of `item` for `person`, accepted at the window and worked through every step to approval."""
        if item is None:
            return None
        me = Who(user=person.user, name=person.name, channel=Channel.PORTAL)
        case, _created = cases.submit(version=item.current, person=person, who=me, form_data={})
        case = cases.accept(case, Who(user=worker, name="窗口", role=Role.WINDOW_CLERK, channel=Channel.WINDOW))
        for _step in range(12):
            if case.state != State.IN_PROGRESS:
                break
            who = Who(user=approver, name="审批", role=Role.APPROVER, organisation_id=case.organisation_id)
            cases.claim(case, who)
            case = cases.complete_step(case, who, decision="pass", opinion="同意")
        return case if case.state == State.APPROVED else None

    def _stages(self, main: Organisation, reviewer, supervisor) -> None:
        dept, sup = Caller.for_user(reviewer), Caller.for_user(supervisor)
        rects = list(Rectification.objects.filter(organisation=main).order_by("pk"))
        for rect, stage in zip(rects, STAGES, strict=False):
            if stage == "open":
                continue
            if stage == "appealed":
                services.appeal(dept, rect, kind="mistaken", reason="申请人反映的是其他部门的事项，非本局办理环节")
                continue
            services.record_callback(
                dept, rect, channel="phone", outcome="confirmed", note="已电话回访，说明情况并致歉"
            )
            if stage == "verified":
                continue
            services.classify(dept, rect, category="efficiency", finding="审批环节衔接不畅，超出承诺时限")
            if stage == "classified":
                continue
            services.submit(dept, rect, measures="优化内部流转，设置到期提醒，专人跟踪超时办件")
            if stage == "closed":
                services.review(sup, rect, approve=True, opinion="整改措施到位，同意办结")
