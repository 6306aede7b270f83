"""The authorisation matrix's world: one actor of each kind and one record of each kind, built once per module.

The world lives in an outer transaction opened by a module-scoped fixture and rolled back when the module ends;
every request of the matrix runs in a savepoint of its own that is rolled back too, so a write that succeeds for
one actor never changes what the next actor sees.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings

from tests.factories import OrganisationFactory, division_chain, enterprise, make_item, person, staff
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Channel, Draft, Notice
from yiwang.cases.services import Who
from yiwang.catalog import services as catalog
from yiwang.identity import services as identity
from yiwang.identity import space
from yiwang.identity.clients import create_client
from yiwang.identity.models import AgentPermission, UserSession
from yiwang.licenses import services as licenses
from yiwang.licenses.models import HolderKind, LicenseType
from yiwang.orgs.models import Membership, OrgKind, Role

from .expectations import ACTORS, MACHINE_ACTORS

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "correct-horse-battery"


@dataclass
class World:
    """Records by name (`rec`), signed-in users by actor name, and a fresh test client per actor on demand."""

    rec: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, actor: str) -> Client:
        """A client carrying only the actor's credentials (its session cookie, or its bearer token); one per actor
        (a client loads the middleware once), its cookies reset before every request."""
        c = self.clients.get(actor)
        if c is None:
            headers = {"Authorization": f"Bearer {self.tokens[actor]}"} if actor in self.tokens else {}
            c = self.clients[actor] = Client(headers=headers)
        c.cookies.clear()
        if actor in self.sessions:
            c.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[actor]
        return c

    def user_id(self, actor: str) -> int:
        user = self.users.get(actor)
        return user.pk if user is not None else 0


def _token(client_obj, secret: str) -> str:
    basic = base64.b64encode(f"{client_obj.application.client_id}:{secret}".encode()).decode()
    r = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(client_obj.scopes)},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200, r.content
    return r.json()["access_token"]


def _sign_in(user) -> str:
    c = Client()
    c.force_login(user)
    return c.cookies[settings.SESSION_COOKIE_NAME].value


def build_world() -> World:
    """Everything the matrix's paths point at, owned by citizen A, A's enterprise or the handling organisation."""
    w = World()
    from yiwang.calendar import services as calendar

    calendar.load_from_package([2026])
    _province, city, _county = division_chain()
    handling = OrganisationFactory(name="蚌埠市市场监督管理局", division=city)
    other = OrganisationFactory(name="蚌埠市交通运输局", division=city)
    centre = OrganisationFactory(name="蚌埠市政务服务中心", division=city, kind=OrgKind.SERVICE_CENTER)
    item = make_item(handling, form_fields=[])
    w.rec.update(handling=handling, other=other, centre=centre, item=item, version=item.current)

    # Applicants: A (personal records), B (a stranger), E (an enterprise) with its legal representative, an
    # agent holding apply + view_cases, and an agent whose authorisation was revoked.
    a = person("张三", password=PASSWORD)
    b = person("李四", password=PASSWORD)
    rep = person("王法人", password=PASSWORD)
    agent = person("赵经办", password=PASSWORD)
    revoked = person("钱撤销", password=PASSWORD)
    ent = enterprise("蚌埠矩阵科技有限公司", legal_rep=rep)
    perms = [AgentPermission.APPLY, AgentPermission.VIEW_CASES]
    grant = identity.grant_agent(enterprise=ent, person=agent, permissions=perms, granted_by=rep.user)
    gone = identity.grant_agent(enterprise=ent, person=revoked, permissions=perms, granted_by=rep.user)
    identity.revoke_agent(gone, revoked_by=rep.user)
    w.rec.update(person_a=a, person_b=b, rep=rep, agent_person=agent, enterprise=ent, agent=grant, revoked=gone)
    w.users.update(citizen_a=a.user, citizen_b=b.user, agent=agent.user, revoked_agent=revoked.user, legal_rep=rep.user)

    # Staff.
    clerk = staff(centre, Role.WINDOW_CLERK, username="m-clerk", first_name="窗口")
    Membership.objects.filter(user=clerk).update(covers_division=True)
    sysadmin = staff(centre, Role.SYSADMIN, username="m-sysadmin")
    w.users.update(
        clerk=clerk,
        reviewer=staff(handling, Role.REVIEWER, username="m-reviewer"),
        approver=staff(handling, Role.APPROVER, username="m-approver"),
        other_reviewer=staff(other, Role.REVIEWER, username="m-other-reviewer"),
        supervisor=staff(handling, Role.SUPERVISOR, username="m-supervisor"),
        catalog_admin=staff(handling, Role.CATALOG_ADMIN, username="m-catalog"),
        sysadmin=sysadmin,
    )

    # Cases: A's own (accepted, its first step active, with an uploaded material and an acceptance notice),
    # and E's (submitted by the agent, waiting for acceptance).
    me = Who(user=a.user, name=a.name, channel=Channel.PORTAL)
    material = {
        "material_name": "食品经营许可申请书",
        "source": "upload",
        "file": ContentFile(PDF, name="application.pdf"),
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    case_a, _ = cases.submit(
        version=item.current, person=a, who=me, form_data={"contact_phone": "13900001111"}, materials=[material]
    )
    window = Who(user=clerk, name="窗口", role=Role.WINDOW_CLERK, organisation_id=centre.pk, channel=Channel.WINDOW)
    case_a = cases.accept(case_a, window, note="")
    by_agent = Who(user=agent.user, name=agent.name, channel=Channel.PORTAL)
    case_e, _ = cases.submit(
        version=item.current, person=agent, who=by_agent, enterprise=ent, form_data={"contact_phone": "13900002222"}
    )
    case_a.refresh_from_db()
    w.rec["step_a"] = case_a.steps.get(state="active")
    w.rec.update(
        case_a=case_a,
        case_e=case_e,
        case_material=case_a.materials.get(),
        notice=Notice.objects.filter(case=case_a).first(),
    )
    Draft.objects.create(
        key=Draft.key_for(a.pk, None, item.current_id), person=a, version=item.current, form_data={"x": "1"}
    )

    # My Space: a stored material of A's; the catalog: a draft of the item; the calendar needs nothing.
    upload = ContentFile(PDF, name="id-copy.pdf")
    upload.content_type = "application/pdf"  # type: ignore[attr-defined]
    w.rec["material"] = space.store_material(a, upload=upload, title="身份证复印件", uploaded_by=a.user)
    w.rec["draft"] = catalog.start_draft(item, actor=w.users["catalog_admin"])
    item.refresh_from_db()
    # A background catalog import the catalog administrator started (its page and API are theirs alone).
    from yiwang.catalog.models import ImportJob

    w.rec["import_job"] = ImportJob.objects.create(
        created_by=w.users["catalog_admin"], filename="catalog.xlsx", state=ImportJob.State.DONE
    )

    # E-licenses: a personal one for A, an enterprise one for E, issued by the handling organisation.
    cert = LicenseType.objects.create(
        code="11100000000013338W001", name="教师资格证", holder_kind=HolderKind.PERSON, fields=[], validity_years=5
    )
    biz = LicenseType.objects.create(
        code="11100000MB0143028R001", name="营业执照", holder_kind=HolderKind.ENTERPRISE, fields=[]
    )
    cert.issuers.add(handling)
    biz.issuers.add(handling)
    w.rec["license_a"] = licenses.issue(
        license_type=cert, issuer=handling, holder_number=a.doc_number, holder_name=a.name
    )
    w.rec["license_e"] = licenses.issue(
        license_type=biz,
        issuer=handling,
        holder_number=ent.credit_code,
        holder_name=ent.name,
    )

    # The calendar: one special day (the API deletes or replaces it).
    w.rec["special_day"] = calendar.set_day(dt.date(2026, 10, 9), "holiday", "国庆节", user=sysadmin)

    _hotline(w, centre, handling, a)

    # Machine clients: the handling organisation's with every scope, the same organisation's with a scope that
    # opens nothing here, and another organisation's with every scope.
    from yiwang.identity.scopes import all_scopes

    every = list(all_scopes())
    mc, secret = create_client("市场监管审批系统", "department", handling, every)
    bare, bare_secret = create_client("市场监管热线对接", "department", handling, ["introspection"])
    far, far_secret = create_client("交通运输审批系统", "department", other, every)
    w.rec.update(machine_client=mc, bare_client=bare, other_client=far)
    w.tokens.update(
        client=_token(mc, secret), client_bare=_token(bare, bare_secret), client_other=_token(far, far_secret)
    )
    from yiwang.exchange.models import Subscription

    w.rec["subscription"] = Subscription.objects.create(client=mc, url="https://example.gov.cn/hook", secret="s" * 32)

    for actor in ACTORS:
        if actor in w.users:
            w.sessions[actor] = _sign_in(w.users[actor])
    w.rec["session_a"] = UserSession.objects.filter(user=a.user).order_by("-pk").first()
    assert set(w.sessions) | set(w.tokens) | {"anon"} == set(ACTORS), "every actor has credentials"
    assert set(MACHINE_ACTORS) == set(w.tokens)
    assert get_user_model().objects.filter(pk=a.user.pk).exists()
    assert Case.objects.count() == 2
    from tests.halls.access_world import extend as add_halls

    add_halls(w)  # halls, windows, an appointment, a number, a survey (tests/halls/access_world.py)
    from .world_modules import extend as add_modules

    add_modules(w)  # bundles, rules, ratings, exchange, an address, a draft (tests/access/world_modules.py)
    from tests.supervision.cards.access_world import extend as add_supervision_cards

    add_supervision_cards(w)  # a card, a correction order and a watch entry on A's case (supervision, cards side)
    from tests.supervision.stats.access_world import extend as add_supervision_stats

    add_supervision_stats(w)  # the statistics rollups and a published ranking (supervision, stats side)
    from tests.policies.access_world import extend as add_policies

    add_policies(w)  # a published 免申即享 policy of H, its round and E's approved grant (tests/policies)
    return w


def _hotline(w: World, centre, handling, a) -> None:
    """12345: the centre (its operator and supervisor), H's handler, a work order A made online and the centre
    dispatched to H (with a photo), a published knowledge entry of H, an Open311 key and token."""
    from django.contrib.auth.models import Permission

    from yiwang.hotline import knowledge, open311
    from yiwang.hotline import services as hotline
    from yiwang.hotline.models import Category, Centre, IntakeToken

    Centre.objects.create(organisation=centre, division=centre.division, is_default=True)
    road = Category.objects.filter(code="road").first() or Category.objects.create(code="road", name="道路设施")
    operator = staff(centre, Role.HOTLINE_OPERATOR, username="m-operator")
    chief = staff(centre, Role.HOTLINE_OPERATOR, username="m-chief")
    Membership.objects.filter(user__in=[operator, chief]).update(covers_division=True)
    chief.user_permissions.add(Permission.objects.get(codename="supervise", content_type__app_label="hotline"))
    handler = staff(handling, Role.HOTLINE_HANDLER, username="m-handler")
    second = staff(handling, Role.HOTLINE_HANDLER, username="m-handler2")
    w.users.update(operator=operator, handler=handler, centre_sup=chief)
    png = ContentFile(b"\x89PNG\r\n\x1a\n" + b"\0" * 32, name="p.png")
    order, _ = hotline.create_order(
        who=hotline.Who(user=a.user, name=a.name, channel="web"),
        order_type="complaint",
        category=road,
        content="东风路路面塌陷，请尽快修补。",
        person=a,
        caller_phone="13900001111",
        channel="web",
        photos=[png],
    )
    hotline.dispatch(order, hotline.Who(user=operator, name="话务员", role=Role.HOTLINE_OPERATOR), handling)
    order.refresh_from_db()
    w.rec.update(work_order=order, wo_photo=order.attachments.get())
    entry = knowledge.create_entry(
        organisation=handling,
        user=handler,
        title="路灯不亮找谁",
        answer="城市管理部门负责路灯维护。",
        review_due=dt.date.today() + dt.timedelta(days=365),
    )
    version = entry.versions.get()
    knowledge.submit(version, handler)
    knowledge.review(version, second, True)
    entry.refresh_from_db()
    w.rec["kb_entry"] = entry
    key, raw = open311.new_key("城市随手拍", centre)
    w.rec["o311_key"] = raw
    w.rec["o311_token"] = IntakeToken.objects.create(token="t" * 32, api_key=key, order=order)


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    """The world, once for tests/access, inside a transaction rolled back when the package's tests end."""
    # The world signs everyone in once; on a loaded machine the package runs longer than the 30-minute idle limit,
    # and every request would then answer 401. The idle limit itself is tested in tests/identity.
    lifetime = override_settings(SESSION_COOKIE_AGE=24 * 3600, SESSION_MAX_AGE=24 * 3600)
    lifetime.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            lifetime.disable()


@pytest.fixture(scope="package", autouse=True)
def _fast_documents():
    """Some documents cost a second each to build and say nothing about access: the OpenAPI document is built
    once (it is the same for everyone), and the guide and license PDF renderers return a stub (who may see the
    record is decided before rendering; the PDFs themselves are tested in tests/guide and tests/licenses)."""
    from yiwang.api import api
    from yiwang.catalog import guides
    from yiwang.licenses import rendering

    original_license_pdf = rendering.pdf_bytes
    rendering.pdf_bytes = lambda lic, *a, **kw: b"%PDF-1.4\n% matrix stub\n%%EOF\n"

    built: dict[str, Any] = {}
    original_schema, original_pdf = api.get_openapi_schema, guides.render_pdf

    def schema(*args: Any, **kwargs: Any) -> Any:
        key = repr((args, sorted(kwargs.items())))
        if key not in built:
            built[key] = original_schema(*args, **kwargs)
        return built[key]

    api.get_openapi_schema = schema
    guides.render_pdf = lambda html, *a, **kw: b"%PDF-1.4\n% matrix stub\n%%EOF\n"
    try:
        yield
    finally:
        api.get_openapi_schema, guides.render_pdf = original_schema, original_pdf
        rendering.pdf_bytes = original_license_pdf
