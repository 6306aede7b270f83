"""`yiwang seed_supervision_cards`: yellow and red cards in the demo city, so the supervisor's pages show real work.

Run by `make demo` after the other seeds. The demo's cases were all submitted today, so no time limit is near yet:
this command takes (or, when there are too few, makes through the cases services) a handful of cases of
蚌埠市市场监督管理局 being processed and moves their clock back — acceptance and the current step's start set some
working days ago, their deadlines recomputed by `cases.deadlines` — so that some are overdue, some have a day left
and some are fine (DEMO ONLY: real cases are never moved). Then it runs the card sweep over every open case of the
city (the same `cards.sweep` the worker runs), issues one correction order on an overdue case as the demo supervisor
and puts the department on the supervisor's watch list.

`--if-empty` does nothing when cards exist already. Fails with a non-zero exit when the demo city or its accounts are
missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from yiwang.calendar import workdays
from yiwang.cases import deadlines
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseStep, Channel, State, StepState
from yiwang.cases.services import Who
from yiwang.catalog.models import ServiceItem, VersionStatus
from yiwang.identity.access import actor_for_user
from yiwang.identity.models import Person
from yiwang.orgs.models import Organisation, Role

from ... import cards, corrections
from ...models import Card, CardLevel

CITY = "340300"
DEPARTMENT = "蚌埠市市场监督管理局"
# What each aged case becomes: past its promise (red), a working day left (yellow), or still well inside.
AGES = ("red", "red", "yellow", "yellow", "fine", "fine")


class Command(BaseCommand):
    help = "Demo cards: a few of the demo department's cases aged, then the card sweep over the city's open cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when cards exist already.")

    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if if_empty and Card.objects.exists():
            self.stdout.write("Cards exist already; nothing to do.")
            return
        org = Organisation.objects.filter(division__code=CITY, name=DEPARTMENT).first()
        users = get_user_model().objects
        clerk = users.filter(username="clerk").first()
        supervisor = users.filter(username="supervisor").first()
        applicant = Person.objects.filter(name="张三", user__isnull=False).first()
        if org is None or clerk is None or supervisor is None or applicant is None:
            raise CommandError("Run seed_demo, demo_accounts and demo_identities first (the demo city is missing).")
        running = list(Case.objects.filter(organisation=org, state=State.IN_PROGRESS).order_by("pk")[: len(AGES)])
        items = list(
            ServiceItem.objects.filter(
                organisation=org, current__isnull=False, current__status=VersionStatus.PUBLISHED
            ).order_by("pk")[:3]
        )
        me = Who(user=applicant.user, name=applicant.name, channel=Channel.PORTAL)
        window = Who(user=clerk, name="综合窗口", role=Role.WINDOW_CLERK, channel=Channel.WINDOW)
        while len(running) < len(AGES) and items:
            item = items[len(running) % len(items)]
            case, _created = cases.submit(version=item.current, person=applicant, who=me, form_data={})
            running.append(cases.accept(case, window))
        for case, age in zip(running, AGES, strict=False):
            self._age(case.pk, age)
        figures = cards.sweep()
        overdue = Card.objects.filter(organisation=org, level=CardLevel.RED, resolved_at__isnull=True).first()
        a = actor_for_user(supervisor)
        if overdue is not None:
            corrections.issue(
                a,
                supervisor,
                case_number=overdue.case_number,
                due=timezone.localdate() + dt.timedelta(days=3),
                text="该件已超过承诺时限，请说明原因并于三日内办结。",
            )
        corrections.watch(a, supervisor, organisation_id=org.pk, note="重点关注部门")
        self.stdout.write(
            f"Supervision cards: {len(running)} cases aged; the sweep judged {figures.cases} open cases and "
            f"{figures.steps} open steps, issued {figures.issued} cards and {figures.messages} warnings."
        )

    @transaction.atomic
    def _age(self, case_id: int, kind: str) -> None:
        """DEMO ONLY: red — accepted (and its step started) two working days more than its promise ago; yellow —
        accepted so that one working day of the promise is left, its step started today; fine — untouched."""
        if kind == "fine":
            return
        cal = workdays.snapshot()
        today = timezone.localdate()
        case = Case.objects.select_related("version").get(pk=case_id)
        if case.accepted_at is None or case.promised_due is None:
            return
        promise = max(1, cal.working_days_between(timezone.localdate(case.accepted_at), case.promised_due))
        accept_age, step_age = (promise + 2, promise + 2) if kind == "red" else (promise - 1, 0)

        def moment(age: int) -> dt.datetime:
            return timezone.make_aware(dt.datetime.combine(cal.add_working_days(today, -age), dt.time(10, 0)))

        case.accepted_at = moment(accept_age)
        case.submitted_at = min(case.submitted_at, case.accepted_at - dt.timedelta(hours=1))
        steps = list(CaseStep.objects.filter(case=case, state__in=(StepState.ACTIVE, StepState.CLAIMED)))
        for step in steps:
            step.started_at = moment(step_age)
            step.due = None
        deadlines.recompute(case, steps, intervals=[])
        Case.objects.filter(pk=case.pk).update(
            submitted_at=case.submitted_at,
            accepted_at=case.accepted_at,
            acceptance_due=case.acceptance_due,
            statutory_due=case.statutory_due,
            promised_due=case.promised_due,
        )
        for step in steps:
            CaseStep.objects.filter(pk=step.pk).update(started_at=step.started_at, due=step.due)
