"""`yiwang demo_accounts`: the demo staff accounts of the demo city, created or reset idempotently.

DEMO ONLY: the passwords are fixed and printed so that anyone trying the demo can sign in. The
command refuses to run under the production settings unless --force is given.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.orgs.models import Membership, Organisation, Role

CITY = "340300"
ADMIN_PASSWORD = "Yiwang-admin-2026"  # noqa: S105 - demo-only, printed on purpose
STAFF_PASSWORD = "Yiwang-demo-2026"  # noqa: S105 - demo-only, printed on purpose
CATALOG_GROUP = "catalog administrators"
READER_GROUP = "catalog readers"

# (app label, model, actions) granted through the groups; scope still comes from memberships.
CATALOG_PERMISSIONS = [
    ("catalog", "serviceitem", ("add", "change", "view")),
    ("catalog", "itemversion", ("add", "change", "view")),
    ("catalog", "material", ("add", "change", "delete", "view")),
    ("catalog", "processstep", ("add", "change", "delete", "view")),
    ("catalog", "theme", ("view",)),
    ("catalog", "catalogevent", ("view",)),
    ("orgs", "organisation", ("view",)),
    ("orgs", "division", ("view",)),
    ("licenses", "licensetype", ("view",)),
    ("exchange", "dataresource", ("view",)),
]
READER_PERMISSIONS = [
    ("catalog", model, ("view",)) for model in ("serviceitem", "itemversion", "material", "processstep", "theme")
] + [("orgs", "organisation", ("view",)), ("orgs", "hall", ("view",)), ("orgs", "window", ("view",))]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    organisation: str | None  # organisation name in the city division
    role: str | None
    covers_division: bool = False
    superuser: bool = False
    group: str | None = None

    @property
    def password(self) -> str:
        return ADMIN_PASSWORD if self.superuser else STAFF_PASSWORD


ACCOUNTS = [
    DemoAccount("admin", "系统管理员", None, None, superuser=True),
    DemoAccount(
        "catalog_scjg", "市场监管局事项管理员", "蚌埠市市场监督管理局", Role.CATALOG_ADMIN, group=CATALOG_GROUP
    ),
    DemoAccount(
        "catalog_city",
        "全市事项管理员",
        "蚌埠市数据资源管理局",
        Role.CATALOG_ADMIN,
        covers_division=True,
        group=CATALOG_GROUP,
    ),
    DemoAccount(
        "clerk", "综合窗口工作人员", "蚌埠市政务服务中心", Role.WINDOW_CLERK, covers_division=True, group=READER_GROUP
    ),
    DemoAccount("reviewer_scjg", "市场监管局承办审核人员", "蚌埠市市场监督管理局", Role.REVIEWER, group=READER_GROUP),
    DemoAccount("approver_scjg", "市场监管局审批负责人", "蚌埠市市场监督管理局", Role.APPROVER, group=READER_GROUP),
    DemoAccount(
        "supervisor", "电子监察员", "蚌埠市数据资源管理局", Role.SUPERVISOR, covers_division=True, group=READER_GROUP
    ),
]


def _group(name: str, spec) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    wanted = []
    for _app, model, actions in spec:
        wanted += [f"{action}_{model}" for action in actions]
    perms = Permission.objects.filter(
        content_type__app_label__in={a for a, _m, _x in spec}, codename__in=wanted
    ).select_related("content_type")
    allowed = {(a, f"{x}_{m}") for a, m, xs in spec for x in xs}
    group.permissions.set([p for p in perms if (p.content_type.app_label, p.codename) in allowed])
    return group


def display_width(text: str) -> int:
    """Terminal columns of `text` (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


class Command(BaseCommand):
    help = "Creates (or resets) the demo staff accounts and prints them with their demo-only passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even under the production settings.")

    def handle(self, *args, force: bool, **options) -> None:
        if "production" in (getattr(settings, "SETTINGS_MODULE", "") or "") and not force:
            raise CommandError(_("Demo accounts have published passwords; refusing to create them in production."))
        orgs = {
            o.name: o
            for o in Organisation.objects.filter(
                division__code=CITY, name__in=[a.organisation for a in ACCOUNTS if a.organisation]
            )
        }
        missing = sorted({a.organisation for a in ACCOUNTS if a.organisation and a.organisation not in orgs})
        if missing:
            raise CommandError(
                _("The demo organisations are missing (%(names)s); run `yiwang seed_demo` first.")
                % {"names": "、".join(missing)}
            )
        rows = []
        with transaction.atomic():
            groups = {
                CATALOG_GROUP: _group(CATALOG_GROUP, CATALOG_PERMISSIONS),
                READER_GROUP: _group(READER_GROUP, READER_PERMISSIONS),
            }
            for account in ACCOUNTS:
                user, created = self._user(account)
                if account.group:
                    user.groups.add(groups[account.group])
                org = orgs.get(account.organisation or "")
                if org is not None and account.role:
                    membership, _new = Membership.objects.get_or_create(
                        user=user,
                        organisation=org,
                        role=account.role,
                        defaults={"covers_division": account.covers_division},
                    )
                    if membership.covers_division != account.covers_division:
                        membership.covers_division = account.covers_division
                        membership.save(update_fields=["covers_division"])
                role = Role(account.role).label if account.role else _("System administrator (superuser)")
                scope = (
                    _("whole division")
                    if account.covers_division
                    else (_("own organisation") if org is not None else _("everything"))
                )
                rows.append(
                    (
                        account.username,
                        account.password,
                        str(role),
                        org.name if org else "—",
                        str(scope),
                        _("created") if created else _("reset"),
                    )
                )
        header = (_("User"), _("Password"), _("Role"), _("Organisation"), _("Scope"), _("Status"))
        widths = [max(display_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write(_("Demo accounts (demo only — these passwords are public):"))
        for row in [header, *rows]:
            self.stdout.write("  " + "  ".join(pad(str(c), w) for c, w in zip(row, widths, strict=True)))

    def _user(self, account: DemoAccount):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=account.username)
        user.is_staff = True
        user.is_superuser = account.superuser
        user.is_active = True
        user.first_name = account.display_name
        user.email = user.email or f"{account.username}@demo.yiwang.invalid"
        user.set_password(account.password)
        user.save()
        return user, created
