"""What a staff member's navigation holds, and where their sign-in lands: the one place that decides it.

Each workbench page is listed once with the rule that opens it (the same rule its view checks), so a role never
sees a link to a page that would refuse it, and every staff sign-in lands on the first page of its own work (a
window clerk, reviewer, approver or supervisor on the case to-do list, a catalog administrator on the catalog
workbench), never on My Space saying the account has no personal space. Pages are named by URL name, so this
module imports no other module's views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Role

from .access import Actor, actor

CASE_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)
LOOKUP_ROLES = CASE_ROLES
LICENSE_STATS_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)


@dataclass(frozen=True)
class Entry:
    key: str
    label: object
    url_name: str
    allowed: Callable[[Actor], bool]


def _any(*roles: str) -> Callable[[Actor], bool]:
    return lambda a: any(a.has_role(r) for r in roles)


def _window(a: Actor) -> bool:
    return a.may_write(Role.WINDOW_CLERK)


def _catalog(a: Actor) -> bool:
    return a.is_superuser or Role.CATALOG_ADMIN in a.roles


def _lookup(a: Actor) -> bool:
    return any(role in a.roles for role in LOOKUP_ROLES)


def _access_log(a: Actor) -> bool:
    return a.is_superuser or Role.SUPERVISOR in a.roles or Role.SYSADMIN in a.roles


def _sysadmin(a: Actor) -> bool:
    return a.has_role(Role.SYSADMIN)


# In the order shown; the first one a staff member may open is where their sign-in lands.
ENTRIES: tuple[Entry, ...] = (
    Entry("cases", _("Case to-do list"), "cases:workbench", _any(*CASE_ROLES)),
    Entry("window", _("Apply for a walk-in applicant"), "cases:window_start", _window),
    Entry("catalog", _("Catalog workbench"), "catalog:workbench", _catalog),
    Entry("supervision_cards", _("Yellow and red cards"), "supervision:cards", _any(*CASE_ROLES)),
    Entry("supervision_monitor", _("Real-time monitoring"), "supervision:monitor", _any(Role.SUPERVISOR)),
    Entry(
        "supervision_stats",
        _("Statistics and dashboards"),
        "supervision:stats_dashboard",
        _any(Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR),
    ),
    Entry(
        "policies",
        _("Policies"),
        "policies:wb_index",
        _any(Role.CATALOG_ADMIN, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR),
    ),
    Entry("people", _("Find a person"), "identity:staff_people", _lookup),
    Entry("licenses", _("E-licenses"), "licenses:staff_list", lambda a: a.is_staff_member),
    Entry("license_stats", _("License-free statistics"), "licenses:stats", _any(*LICENSE_STATS_ROLES)),
    Entry("access_log", _("Full-value access log"), "identity:staff_access_log", _access_log),
    Entry("calendar", _("Working-day calendar"), "calendar:workbench", lambda a: a.is_staff_member),
    Entry("clients", _("Machine clients"), "identity:clients", _sysadmin),
    Entry("admin", _("Administration"), "admin:index", _sysadmin),
)


@dataclass(frozen=True)
class Link:
    key: str
    label: object
    url: str


def links_for(a: Actor) -> list[Link]:
    """The workbench pages this actor may open, in order (empty for applicants and anonymous visitors)."""
    if not a.is_staff_member:
        return []
    out = []
    for e in ENTRIES:
        if not e.allowed(a):
            continue
        try:
            out.append(Link(e.key, e.label, reverse(e.url_name)))
        except NoReverseMatch:  # a module not installed
            continue
    return out


def may_open(a: Actor, key: str) -> bool:
    """Whether the page `key` of ENTRIES is in this actor's navigation (e.g. the window button on a list)."""
    return any(e.key == key and e.allowed(a) for e in ENTRIES)


def landing(a: Actor) -> str | None:
    """Where a staff member's sign-in lands: their first workbench page (None for everyone else)."""
    links = links_for(a)
    return links[0].url if links else None


def staff_nav(request: HttpRequest) -> dict[str, object]:
    """Context processor: `staff_links` (the workbench navigation) and `staff_home` for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_links": [], "staff_home": None}
    links = links_for(actor(request))
    current = request.path
    return {
        "staff_links": [(link, current.startswith(link.url)) for link in links],
        "staff_home": links[0].url if links else None,
    }
