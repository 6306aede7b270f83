"""`yiwang seed_halls`: the demo city's main hall (蚌埠市政务服务中心大厅) ready for appointments and calling.

Run by `make demo` after seed_demo, demo_accounts and seed_licenses. It gives the hall its settings, opening hours
(Monday–Friday 9:00–12:00 and 13:30–17:30, Saturday morning; holidays from the official calendar), five lines
(A 综合受理, B 不动产, C 社保, D 出件, E 帮办), which window calls which line and handles which items (each
comprehensive window handles the items of the city's departments, each dedicated window its own department's),
a hall-manager account, the `clerk` sitting at window A01 ready to call, and fourteen past days of queue figures so
the manager's page has a history. Numbers can be taken outside opening hours in the demo, so it works at any time.

`--if-empty` does nothing when the hall already has its settings; without it the configuration is brought up to
date (idempotent). Fails with a non-zero exit when the demo city is missing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yiwang.catalog.models import ServiceItem
from yiwang.halls import queries, services
from yiwang.halls.models import (
    BusinessLine,
    HallKind,
    HallProfile,
    Ticket,
    TicketSource,
    TicketState,
    WindowItem,
    WindowLine,
    WindowState,
)
from yiwang.orgs.models import Hall, Membership, Organisation, Role, Window, WindowKind

CENTRE = "蚌埠市政务服务中心"
HALL = f"{CENTRE}大厅"
CITY = "340300"
MANAGER = "hall_manager"
MANAGER_PASSWORD = "Yiwang-demo-2026"  # noqa: S105 - demo-only, printed on purpose (as demo_accounts does)
WEEKDAY = [("09:00", "12:00"), ("13:30", "17:30")]
SATURDAY = [("09:00", "12:00")]
# (letter, name, average minutes, bookable, which windows call it)
LINES = [
    ("A", "综合受理", 15, True, "comprehensive"),
    ("B", "不动产", 20, True, "不动产"),
    ("C", "社保", 10, True, "社保"),
    ("D", "出件", 5, False, "delivery"),
    ("E", "帮办", 20, True, "help"),
]
HISTORY_DAYS = 14
POINT_ORG = "龙子湖区曹山街道便民服务中心"
POINT = "曹山街道便民服务站"
BANK_ORG = "蚌埠农村商业银行"
OUTLET = "蚌埠农商银行龙子湖支行"
HELPER = "helper"
BANK_CLERK = "bank_clerk"
PROJECT = "年产 5 万吨新型食品加工项目"


class Command(BaseCommand):
    help = "Configure the demo city's main hall for appointments and queue calling (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the hall is configured.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed of the past days' figures.")

    def handle(self, *args, if_empty: bool, seed: int, **options) -> None:
        hall = Hall.objects.filter(name=HALL, division__code=CITY).select_related("organisation").first()
        if hall is None:
            raise CommandError(f"{HALL} is missing: run `yiwang seed_demo` first.")
        if if_empty and HallProfile.objects.filter(hall=hall).exists():
            self.stdout.write(f"{HALL} is configured; nothing seeded")
        else:
            with transaction.atomic():
                self._configure(hall)
                self._accounts(hall)
            self._history(hall, seed)
        with transaction.atomic():
            point, outlet, items = self._assisted(hall)  # idempotent: also brings an older demo up to date
        self._print(hall)
        self._print_assisted(point, outlet, items)

    # -- a service point with a helper, a bank outlet with its staff (帮办代办, 政银通办) -----------------------------

    def _assisted(self, hall: Hall) -> tuple[Hall, Hall, list[ServiceItem]]:
        """曹山街道便民服务站 (a service point of the county below the city) with the helper `helper`, and
        蚌埠农商银行龙子湖支行 (a bank outlet) with its staff `bank_clerk`; six city items opened to bank outlets
        (three on smart tellers); a free-agency project of the demo company assigned to the helper."""
        from yiwang.core.codes import make_credit_code
        from yiwang.identity.models import Enterprise
        from yiwang.orgs.models import Division, OrgKind

        from ...models import AgencyProject, BankItem, HallStaff, StaffKind

        city = hall.division
        county = Division.objects.filter(parent=city).order_by("code").first() or city
        point_org, _ = Organisation.objects.get_or_create(
            name=POINT_ORG,
            defaults={
                "credit_code": make_credit_code("1", "1", county.code, "77000001"),
                "kind": OrgKind.CONVENIENCE_CENTER,
                "division": county,
                "parent": hall.organisation,
            },
        )
        point, _ = Hall.objects.get_or_create(
            name=POINT, defaults={"organisation": point_org, "division": county, "address": "曹山路 1 号"}
        )
        services.ensure_profile(point, kind=HallKind.SERVICE_POINT, queue_outside_hours=True)
        bank_org, _ = Organisation.objects.get_or_create(
            name=BANK_ORG,
            defaults={
                "credit_code": make_credit_code("9", "1", county.code, "77000002"),
                "kind": OrgKind.PUBLIC_INSTITUTION,
                "division": county,
            },
        )
        outlet, _ = Hall.objects.get_or_create(
            name=OUTLET, defaults={"organisation": bank_org, "division": county, "address": "胜利东路 8 号"}
        )
        services.ensure_profile(outlet, kind=HallKind.BANK, queue_outside_hours=True)
        for h in (point, outlet):
            if not h.opening_hours.exists():
                services.set_weekly_hours(h, {d: WEEKDAY for d in range(5)}, services.SYSTEM)
        helper = self._demo_user(HELPER, "王帮办")
        bank_clerk = self._demo_user(BANK_CLERK, "李柜员")
        HallStaff.objects.get_or_create(hall=point, user=helper, kind=StaffKind.HELPER)
        HallStaff.objects.get_or_create(hall=outlet, user=bank_clerk, kind=StaffKind.BANK)
        items = list(
            ServiceItem.objects.filter(
                current__isnull=False,
                current__status="published",
                current__for_persons=True,
                organisation__division=city,
            )
            .exclude(organisation__kind=OrgKind.SERVICE_CENTER)
            .order_by("item_code")[:6]
        )
        for i, item in enumerate(items):
            BankItem.objects.get_or_create(item=item, defaults={"self_service": i < 3})
        company = Enterprise.objects.order_by("pk").filter(name="蚌埠淮河食品有限公司").first()
        if company is not None:
            AgencyProject.objects.get_or_create(
                enterprise=company, name=PROJECT, defaults={"hall": point, "helper": helper}
            )
        return point, outlet, items

    def _demo_user(self, username: str, first_name: str):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=username, defaults={"first_name": first_name})
        if created or not user.check_password(MANAGER_PASSWORD):
            user.set_password(MANAGER_PASSWORD)
            user.save()
        return user

    def _print_assisted(self, point: Hall, outlet: Hall, items: list[ServiceItem]) -> None:
        site = settings.SITE_URL
        lines = [
            f"Assisted handling: {site}{reverse('halls:assist')}  (sign in as {HELPER} / {MANAGER_PASSWORD}, "
            f"helper at {point.name})",
            f"Bank outlet:       {site}{reverse('halls:assist')}  (sign in as {BANK_CLERK} / {MANAGER_PASSWORD}, "
            f"staff of {outlet.name})",
        ]
        lines += [f"  open at bank outlets: {item.item_code} {item.current.name}" for item in items[:3]]
        self.stdout.write("\n".join(lines))

    # -- configuration ---------------------------------------------------------------------------------------------

    def _configure(self, hall: Hall) -> None:
        profile = services.ensure_profile(hall, kind=HallKind.CENTER)
        profile.queue_outside_hours = True  # the demo works at any hour; a real hall leaves this off
        profile.save(update_fields=["queue_outside_hours"])
        weekly = {d: WEEKDAY for d in range(5)}
        weekly.update({5: SATURDAY, 6: []})
        services.set_weekly_hours(hall, weekly, services.SYSTEM)
        lines = {}
        for order, (code, name, minutes, bookable, _calls) in enumerate(LINES):
            line, _created = BusinessLine.objects.update_or_create(
                hall=hall,
                code=code,
                defaults={"name": name, "order": order, "service_minutes": minutes, "bookable": bookable},
            )
            lines[code] = line
        windows = list(Window.objects.filter(hall=hall).prefetch_related("organisations").order_by("number"))
        if not windows:
            raise CommandError(f"{HALL} has no windows: run `yiwang seed_demo` first.")
        city_orgs = list(
            Organisation.objects.filter(division__code=CITY, items__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        )
        dedicated_orgs = {o.pk for w in windows if w.kind == WindowKind.DEDICATED for o in w.organisations.all()}
        general_items = list(
            ServiceItem.objects.filter(
                organisation_id__in=set(city_orgs) - dedicated_orgs, current__isnull=False
            ).values_list("pk", flat=True)
        )
        for w in windows:
            called = self._lines_for(w, lines)
            if not called:
                continue
            services.set_window_lines(w, called)
            if w.kind == WindowKind.COMPREHENSIVE:
                items = general_items
            elif w.kind == WindowKind.DEDICATED:
                items = list(
                    ServiceItem.objects.filter(
                        organisation__in=w.organisations.all(), current__isnull=False
                    ).values_list("pk", flat=True)
                )
            else:
                items = []
            if items:
                services.set_window_items(w, items)
        self.stdout.write(
            f"{HALL}: {len(lines)} lines, {WindowLine.objects.filter(window__hall=hall).count()} window-line links, "
            f"{WindowItem.objects.filter(window__hall=hall).count()} window-item links"
        )

    @staticmethod
    def _lines_for(window: Window, lines: dict[str, BusinessLine]) -> list[BusinessLine]:
        out = []
        for code, _name, _minutes, _bookable, calls in LINES:
            if calls == window.kind or (window.kind == WindowKind.DEDICATED and calls in window.name):
                out.append(lines[code])
        return out

    def _accounts(self, hall: Hall) -> None:
        user_model = get_user_model()
        manager, created = user_model.objects.get_or_create(
            username=MANAGER, defaults={"is_staff": True, "first_name": "大厅管理员"}
        )
        if created or not manager.check_password(MANAGER_PASSWORD):
            manager.set_password(MANAGER_PASSWORD)
            manager.is_staff = True
            manager.save()
        Membership.objects.get_or_create(user=manager, organisation=hall.organisation, role=Role.HALL_MANAGER)
        clerk = user_model.objects.filter(username="clerk").first()
        if clerk is None:
            self.stdout.write("the clerk account is missing (run `yiwang demo_accounts`); window A01 left closed")
            return
        a01 = Window.objects.filter(hall=hall, number="A01").first()
        if a01 is None:
            return
        elsewhere = WindowState.objects.filter(user=clerk).exclude(status="closed").exclude(window=a01)
        if not elsewhere.exists():
            services.open_window(a01, services.By(user=clerk, name="综合窗口工作人员", channel="window"))

    # -- fourteen past days of figures -----------------------------------------------------------------------------

    def _history(self, hall: Hall, seed: int) -> None:
        """Past days' tickets (demo data written directly, dated in the past), then rolled up per day."""
        today = timezone.localdate()
        first = today - dt.timedelta(days=HISTORY_DAYS)
        if Ticket.objects.filter(hall=hall, day__gte=first, day__lt=today).exists():
            return
        rng = random.Random(seed)
        lines = list(BusinessLine.objects.filter(hall=hall).order_by("order"))
        windows = {
            line.pk: list(Window.objects.filter(pk__in=WindowLine.objects.filter(line=line).values("window_id")))
            for line in lines
        }
        rows = []
        for i in range(HISTORY_DAYS):
            day = first + dt.timedelta(days=i)
            if day.weekday() == 6:
                continue
            for line in lines:
                if not windows[line.pk]:
                    continue
                count = rng.randint(20, 90) if day.weekday() < 5 else rng.randint(5, 25)
                start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
                for serial in range(1, count + 1):
                    taken = start + dt.timedelta(minutes=rng.randint(0, 420))
                    called = taken + dt.timedelta(minutes=rng.randint(2, 40))
                    started = called + dt.timedelta(seconds=rng.randint(20, 120))
                    finished = started + dt.timedelta(minutes=max(1, int(rng.gauss(line.service_minutes, 4))))
                    state = TicketState.NO_SHOW if rng.random() < 0.06 else TicketState.FINISHED
                    rows.append(
                        Ticket(
                            hall=hall,
                            line=line,
                            first_line=line,
                            day=day,
                            serial=serial,
                            number=f"{line.code}{serial:03d}",
                            source=rng.choice([TicketSource.KIOSK, TicketSource.PHONE, TicketSource.KIOSK]),
                            state=state,
                            window=rng.choice(windows[line.pk]),
                            taken_at=taken,
                            queued_at=taken,
                            called_at=called,
                            last_called_at=called,
                            started_at=started if state == TicketState.FINISHED else None,
                            finished_at=finished if state == TicketState.FINISHED else called,
                            idle_before_seconds=rng.randint(0, 300),
                        )
                    )
        Ticket.objects.bulk_create(rows, batch_size=2000)
        for i in range(HISTORY_DAYS):
            queries.roll_up(hall.pk, first + dt.timedelta(days=i))
        self.stdout.write(f"{len(rows)} past tickets over {HISTORY_DAYS} days, figures rolled up")

    def _print(self, hall: Hall) -> None:
        profile = HallProfile.objects.get(hall=hall)
        site = settings.SITE_URL
        self.stdout.write(
            "\n".join(
                [
                    f"Hall page:       {site}{reverse('halls:hall', args=[hall.pk])}",
                    f"Take a number:   {site}{reverse('halls:take', args=[hall.pk])}  (the hall's QR code)",
                    f"Kiosk:           {site}{reverse('halls:kiosk', args=[profile.kiosk_key])}",
                    f"Calling screen:  {site}{reverse('halls:display', args=[hall.pk])}",
                    f"Window console:  {site}{reverse('halls:workbench')}  (sign in as clerk)",
                    f"Hall figures:    {site}{reverse('halls:manage', args=[hall.pk])}  "
                    f"(sign in as {MANAGER} / {MANAGER_PASSWORD})",
                ]
            )
        )
