"""Statement budgets (issue 10): every case action through the HTTP API, as a department system (bearer token) and as a
person (session), and every list page, in a constant number of SQL statements whatever the data size.

Budgets: submit ≤ 12, every other transition ≤ 10, every list ≤ 8 — authentication, rate limiting, the event and
its outbox row included. A statement is anything the request sends to the database (savepoints too), except the
transaction's own BEGIN and COMMIT, which PostgreSQL's driver sends without Django seeing them (SQLite shows them;
they are left out on both so the figures compare). Each figure is taken at two data sizes and must be equal.

Counted in steady state: a process caches a published version's process steps and the calendar (one warm-up
action first). A session writes its last-seen time at most once a minute (SessionLifetimeMiddleware): one more
statement then, not counted here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.cases.test_api import signed_in, token_for
from tests.factories import OrganisationFactory, make_item, person, staff
from yiwang.cases import services
from yiwang.cases.models import Case
from yiwang.core.models import OutboxEvent
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1/cases"
SUBMIT, TRANSITION, LIST = 12, 10, 8
BRACKET = ("BEGIN", "COMMIT", "ROLLBACK")
_keys = itertools.count(1)


def statements(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].split(" ", 1)[0].upper() not in BRACKET]


def measure(fn: Callable[[], object]) -> tuple[int, object, list[str]]:
    with CaptureQueriesContext(connection) as q:
        result = fn()
    sql = statements(q.captured_queries)
    return len(sql), result, sql


class World:
    """An organisation with one published item (承办 → 审核 → 批准), its staff, an applicant and a department
    system with cases:read and cases:write."""

    def __init__(self) -> None:
        self.org = OrganisationFactory(name="蚌埠市市场监督管理局")
        self.item = make_item(self.org)
        self.applicant = person("张三")
        self.me = signed_in(self.applicant.user)
        self.clerk = signed_in(staff(self.org, Role.WINDOW_CLERK, username="clerk1"))
        self.reviewer = signed_in(staff(self.org, Role.REVIEWER, username="reviewer1"))
        self.approver = signed_in(staff(self.org, Role.APPROVER, username="approver1"))
        token = token_for(self.org, ["cases:read", "cases:write"])
        self.system = Client(headers={"Authorization": f"Bearer {token}"})

    def post(self, who: Client, path: str, body: dict | None = None, **headers):
        r = who.post(f"{API}{path}", body or {}, content_type="application/json", headers=headers)
        assert r.status_code in (200, 201), (path, r.status_code, r.content[:500])
        return r

    def submit(self) -> str:
        body = {"item_code": self.item.item_code, "form_data": {"contact_phone": "13900001111"}}
        return self.post(self.me, "/", body, **{"Idempotency-Key": f"k{next(_keys)}"}).json()["case_number"]

    def actor(self, kind: str, role: str) -> Client:
        return self.system if kind == "client" else getattr(self, role)

    # cases in each state, made through the API as people would
    def accepted(self) -> str:
        number = self.submit()
        self.post(self.clerk, f"/{number}/accept")
        return number

    def claimed(self, kind: str, upto: int = 1) -> str:
        """Accepted, steps before `upto` done, step `upto` claimed by the reviewer/approver (or the system)."""
        number = self.accepted()
        for _order in range(1, upto):
            who = self.actor(kind, "reviewer")
            if kind != "client":
                self.post(who, f"/{number}/claim")
            self.post(who, f"/{number}/complete", {"decision": "pass", "opinion": "同意"})
        who = self.actor(kind, "approver" if upto == 3 else "reviewer")
        self.post(who, f"/{number}/claim")
        return number

    def grow(self, n: int) -> None:
        """`n` more cases of the applicant, concluded, with their events and messages (the data size)."""
        for _ in range(n):
            number = self.claimed("client", upto=3)
            self.post(self.system, f"/{number}/complete", {"decision": "pass", "opinion": "同意"})
        services.forget_query_codes(timezone.now() + dt.timedelta(days=2))


@pytest.fixture
def world(settings):
    settings.OUTBOX_DISPATCH_ON_COMMIT = False  # as in production: the worker hands events over, not the request
    w = World()
    w.accepted()  # warm-up: the process caches the version's steps and the calendar
    return w


def budget(world: World, make: Callable[[], object], act: Callable[[object], object], limit: int) -> int:
    """The statements of `act(make())` at two data sizes: equal, and within `limit`."""
    counts = []
    for extra in (0, 4):
        world.grow(extra)
        subject = make()
        n, _r, sql = measure(lambda subject=subject: act(subject))
        counts.append((n, sql))
    (small, _sql_small), (large, sql_large) = counts
    shown = "\n".join(sql_large)
    assert small == large, f"{small} statements with little data, {large} with more:\n{shown}"
    assert large <= limit, f"{large} statements (budget {limit}):\n{shown}"
    print(f"[budget] {large} statements (budget {limit})")  # shown with -s: the figures in docs/performance.md
    return large


# --- submitting --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["client", "session"])
def test_submit(world, kind):
    def act(_subject):
        key = {"Idempotency-Key": f"s{next(_keys)}"}
        if kind == "client":
            a = world.applicant
            body = {
                "item_code": world.item.item_code,
                "applicant": {"name": a.name, "doc_type": a.doc_type, "doc_number": a.doc_number},
                "form_data": {"contact_phone": "13900001111"},
            }
            r = world.post(world.system, "/", body, **key)
        else:
            body = {"item_code": world.item.item_code, "form_data": {"contact_phone": "13900001111"}}
            r = world.post(world.me, "/", body, **key)
        assert r.status_code == 201 and r.json()["query_code"]
        return r

    budget(world, lambda: None, act, SUBMIT)
    # The event left with its outbox row, in the same transaction.
    case = Case.objects.order_by("-pk").first()
    assert OutboxEvent.objects.filter(payload__case_id=case.pk, payload__action="submit").count() == 1


# --- transitions -------------------------------------------------------------------------------------------------

TRANSITIONS = {
    # name: (role of the person, make the case, path, body)
    "accept": ("clerk", "submitted", "accept", {}),
    "correction": ("clerk", "submitted", "correction", {"items": [{"material": "营业执照", "note": "复印件不清晰"}]}),
    "not-accept": ("clerk", "submitted", "not-accept", {"reason": "不属于本机关职权范围"}),
    "claim": ("reviewer", "accepted", "claim", {}),
    "release": ("reviewer", "claimed", "release", {}),
    "complete": ("reviewer", "claimed", "complete", {"decision": "pass", "opinion": "同意"}),
    "complete-last": ("approver", "claimed3", "complete", {"decision": "pass", "opinion": "准予许可"}),
    "return": ("approver", "claimed3", "return", {"to_order": 1, "reason": "材料需核实"}),
    "suspend": (
        "approver",
        "accepted",
        "suspend",
        {"kind": "expert", "reason": "专家评审", "expected_end": "2099-01-01"},
    ),
    "resume": ("approver", "suspended", "resume", {"result": "评审通过"}),
    "void": ("approver", "accepted", "void", {"reason": "重复申请"}),
    "deliver": ("clerk", "approved", "deliver", {"method": "pickup"}),
}


def _make(world: World, kind: str, state: str) -> str:
    if state == "submitted":
        return world.submit()
    if state == "accepted":
        return world.accepted()
    if state == "claimed":
        return world.claimed(kind)
    if state == "claimed3":
        return world.claimed(kind, upto=3)
    if state == "suspended":
        number = world.accepted()
        world.post(world.approver, f"/{number}/suspend", TRANSITIONS["suspend"][3])
        return number
    if state == "approved":
        number = world.claimed("client", upto=3)
        world.post(world.system, f"/{number}/complete", {"decision": "pass", "opinion": "同意"})
        return number
    raise AssertionError(state)


@pytest.mark.parametrize("kind", ["client", "session"])
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition(world, name, kind):
    role, state, path, body = TRANSITIONS[name]
    who = world.actor(kind, role)

    def act(number):
        return world.post(who, f"/{number}/{path}", body)

    budget(world, lambda: _make(world, kind, state), act, TRANSITION)
    last = Case.objects.order_by("-pk").first()
    assert OutboxEvent.objects.filter(payload__case_id=last.pk).count() == last.event_seq  # every event left


def test_applicant_actions(world):
    """Withdraw and supplement: the applicant's own, through their session."""

    def correction() -> str:
        number = world.submit()
        world.post(world.clerk, f"/{number}/correction", TRANSITIONS["correction"][3])
        return number

    def supplement(number):
        return world.post(world.me, f"/{number}/supplement", {"materials": ["营业执照"]})

    def withdraw(number):
        return world.post(world.me, f"/{number}/withdraw", {"note": "不再需要"})

    budget(world, correction, supplement, TRANSITION)
    budget(world, world.accepted, withdraw, TRANSITION)


# --- lists -------------------------------------------------------------------------------------------------------


def _get(who: Client, url: str):
    r = who.get(url)
    assert r.status_code == 200, (url, r.status_code, r.content[:300])
    return r


LISTS = {
    "api: my cases": ("me", f"{API}/?mine=true"),
    "api: cases a system may see": ("system", f"{API}/"),
    "api: the reviewer's to-do list": ("reviewer", f"{API}/queue?role=reviewer"),
    "api: the feed": ("system", f"{API}/feed"),
    "page: workbench, window clerk": ("clerk", "cases:workbench"),
    "page: workbench, reviewer": ("reviewer", "cases:workbench"),
    "page: my cases": ("me", "cases:my_cases"),
    "page: my messages": ("me", "cases:messages"),
    "page: my e-licenses": ("me", "licenses:mine"),
}
# My Space's home page: a dashboard of every module's panels, one or two statements each (session, user, reach,
# profile; identity: data use, materials, consents; cases: 5 latest + open count; halls: appointments, surveys;
# messages: unread + 3 latest; licenses; hotline: 5 latest + open count). It grows by a panel's statements when a
# module adds one (halls and hotline took it from 12 to 16; bundle applications, drafts, assisted cases, the
# ratings panel — cases to rate, their ratings and rectifications, own ratings, complaints — and the address book
# to 27; the policies panel's facts — license types held, items of approved cases, the shared-data resources, the
# published policies — to 31); what the test holds is that it never grows with data.
DASHBOARD = 31


@pytest.mark.parametrize("name", list(LISTS))
def test_list(world, name):
    who_name, where = LISTS[name]
    who = getattr(world, who_name)
    url = where if where.startswith("/") else reverse(where)
    _get(who, url)  # warm-up (templates, caches of the page)
    budget(world, lambda: None, lambda _s: _get(who, url), LIST)


def test_my_space_home_is_constant(world):
    """Not a list but a dashboard of panels, one or two statements each: constant too, within its own figure."""
    url = reverse("identity:my_space")
    _get(world.me, url)
    budget(world, lambda: None, lambda _s: _get(world.me, url), DASHBOARD)
