"""The authorisation matrix: for every page and every API operation, what each kind of actor gets.

Outcome classes (see engine.classify):
  ok     — authorisation passed: 2xx, a redirect elsewhere than the sign-in page, or 400/422 (the body was judged);
  auth   — 401, or a redirect to the sign-in page: sign in first;
  deny   — 403: the actor is known and lacks the role or the permission (the record's existence is no secret);
  hidden — 404: the record is out of the actor's reach and looks exactly like one that does not exist.

The world (conftest.build_world): citizen A owns a case (accepted, first step active, one uploaded material, an
acceptance notice), a stored material, a draft and a personal e-license; enterprise E (legal representative
"legal_rep", agent "agent" with apply + view_cases, "revoked_agent" whose grant was revoked) owns a submitted
case and a business license. The handling organisation H (a city department) employs the reviewer, approver,
supervisor and catalog administrator; the comprehensive window of the city's service centre ("clerk") covers the
division; "other_reviewer" works for another department; "sysadmin" holds the system administrator role.
Machine clients: "client" is H's with every scope, "client_bare" is H's with only introspection, "client_other"
belongs to the other department with every scope. Pages ignore bearer tokens: a machine client on a page is
anonymous (filled in automatically unless a row says otherwise).

docs/access.md is generated from this table (`python -m tests.access.docs`), and a test checks it is current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, AUTH, DENY, HIDDEN = "ok", "auth", "deny", "hidden"
SIGN_IN = "/accounts/sign-in/"
ADMIN_SIGN_IN = "/admin/login/"  # staff_member_required pages and the admin send people there (→ SIGN_IN)

PEOPLE = ("citizen_a", "citizen_b", "agent", "revoked_agent", "legal_rep")
STAFF = (
    "clerk",
    "reviewer",
    "approver",
    "other_reviewer",
    "supervisor",
    "catalog_admin",
    "sysadmin",
    "operator",
    "handler",
    "centre_sup",
)
MACHINE_ACTORS = ("client", "client_bare", "client_other")
ACTORS = ("anon", *PEOPLE, *STAFF, *MACHINE_ACTORS)
GROUPS: dict[str, tuple[str, ...]] = {
    "everyone": ACTORS,
    "people": PEOPLE,
    "staff": STAFF,
    "machines": MACHINE_ACTORS,
    "signed": PEOPLE + STAFF,
    # staff reaching H's cases: the city window, H's reviewer and approver, the supervisor (read), the sysadmin
    "case_staff": ("clerk", "reviewer", "approver", "supervisor", "sysadmin"),
    "e_side": ("agent", "legal_rep"),
    # 12345: the centre's operator and its supervisor, and H's hotline handler
    "hotline_staff": ("operator", "handler", "centre_sup"),
}

# Routes deliberately left out of the matrix, with the reason (each is a pattern from the resolver walk).
SKIPPED_PAGES: dict[str, str] = {
    "i18n/setlang/": "Django's language switch: sets a cookie for anyone, reads no record",
    "media/(?P<path>.*)$": "uploaded files served only in development; production serves /media/ from the proxy",
    "admin/^(?P<app_label>auth|django_tasks_database|axes|oauth2_provider|orgs|identity|calendar|catalog|"
    "licenses|exchange)/$": "Django admin internals (Django's own permission checks); the admin index is in",
    "admin/(?P<url>.*)$": "Django admin internals (Django's own permission checks); the admin index is in",
    "oauth/token/": "OAuth2 protocol endpoint (client authentication, tested in tests/identity/test_clients.py)",
    "oauth/revoke/": "OAuth2 protocol endpoint (client authentication, tested in tests/identity/test_clients.py)",
    "oauth/introspect/": "OAuth2 protocol endpoint (client authentication, tested in tests/identity/test_clients.py)",
    "oidc/callback/": "OpenID Connect protocol endpoint (tested in tests/identity/test_oidc.py)",
    "oidc/authenticate/": "OpenID Connect protocol endpoint (tested in tests/identity/test_oidc.py)",
    "oidc/logout/": "OpenID Connect protocol endpoint (tested in tests/identity/test_oidc.py)",
}
# Whole subtrees left out (the admin index itself, admin/, is in the matrix).
SKIPPED_PREFIXES: dict[str, str] = {
    "admin/": "Django admin internals: every model page checks Django's own staff permissions",
}

# Values nobody holds, for the "a guessed id looks exactly like a missing one" check.
MISSING: dict[str, Any] = {
    "case_number": "3403002026010199999",
    "material_id": 999999,
    "pk": 999999,
    "enterprise_id": 999999,
    "agent_id": 999999,
    "identifier": "ZZ0000000000000000000000000000000",
    "number": "ZZ-2026-999999",
    "sub_id": 999999,
    "session_id": 999999,
    "item_code": "X" * 31,
    "job_id": "00000000-0000-4000-8000-000000000000",
    "key": "KB0000000000",
    "ref": lambda w, a: _missing_ref(w, a),
}


def pdf_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def csv_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("rows.csv", b"a,b\n1,2\n", content_type="text/csv")


def _missing_ref(world, actor: str) -> str:
    from yiwang.identity import staff_tools

    return staff_tools.person_ref(world.user_id(actor) or 0, 999999)


@dataclass
class Row:
    """One (route, method) with the parameters and body to send and the outcome each actor must get."""

    kind: str  # "page" or "api"
    method: str
    path: str  # the resolver's route text (pages) or the OpenAPI path (API)
    expect: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    json: bool = False
    guess: tuple[str, ...] = ()  # path parameters naming a record: hidden cells compare with a missing value
    note: str = ""
    variant: str = ""  # tells two rows of the same route apart (another record, another body)
    watch_writes: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.variant}]" if self.variant else "")

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


def ex(default: str = OK, **outcomes: str) -> dict[str, str]:
    """Every actor gets `default`; then groups (GROUPS keys), then single actors, override it."""
    table = dict.fromkeys(ACTORS, default)
    for name, outcome in outcomes.items():
        if name in GROUPS:
            table.update(dict.fromkeys(GROUPS[name], outcome))
    for name, outcome in outcomes.items():
        if name not in GROUPS:
            assert name in ACTORS, name
            table[name] = outcome
    return table


ROWS: list[Row] = []


def page(methods: str, path: str, expect: dict[str, str], **kw: Any) -> None:
    for method in methods.split("+"):
        exp = dict(expect)
        if not kw.get("machines_explicit"):
            exp.update(dict.fromkeys(MACHINE_ACTORS, exp["anon"]))
        ROWS.append(Row("page", method, path, exp, **{k: v for k, v in kw.items() if k != "machines_explicit"}))


def api(method: str, path: str, expect: dict[str, str], **kw: Any) -> None:
    ROWS.append(Row("api", method, "/api/v1" + path, expect, json=kw.pop("json", method != "GET"), **kw))


# Common shapes.
PUBLIC = ex(OK)
SIGNED = ex(OK, anon=AUTH, machines=AUTH)  # any signed-in person or staff member
ONLY_A = ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK)  # A's own record, everyone else: not found

# --- pages --------------------------------------------------------------------------------------------------

page("GET", "healthz", PUBLIC)
page("GET", "", PUBLIC)
page("GET", "search/", PUBLIC)
page("GET", "departments/", PUBLIC)
for route in (
    "items/<str:item_code>/",
    "items/<str:item_code>/print/",
    "items/<str:item_code>/guide.pdf",
    "items/<str:item_code>/qr.svg",
    "m/items/<str:item_code>/",
):
    page("GET", route, PUBLIC)
page(
    "GET",
    "items/<str:item_code>/",
    ex(HIDDEN, catalog_admin=OK, sysadmin=OK),
    variant="draft",
    body=lambda w, a: {"version": w.rec["draft"].number},
    note="a draft guide: for those who may edit it",
)
# Staff-only pages (Django's staff_member_required) send everyone else to sign in as staff.
page("GET+POST", "admin/", ex(OK, anon=AUTH, people=AUTH), note="Django admin index: staff accounts only")
page("GET", "workbench/catalog/", ex(OK, anon=AUTH, people=AUTH), note="each staff member sees the items they edit")
page("GET+POST", "workbench/catalog/import/", ex(DENY, anon=AUTH, people=AUTH, catalog_admin=OK, sysadmin=OK))
page("GET", "workbench/catalog/export/", ex(DENY, anon=AUTH, people=AUTH, catalog_admin=OK, sysadmin=OK))
page(
    "GET",
    "workbench/catalog/imports/<uuid:job_id>/",
    ex(DENY, anon=AUTH, people=AUTH, catalog_admin=OK, sysadmin=HIDDEN),
    guess=("job_id",),
    note="a background import: its starter's alone",
)

# Sign-in, registration, password reset: open to everyone.
page("GET+POST", "accounts/sign-in/", PUBLIC, body={"identifier": "nobody", "password": "x"})
page("POST", "accounts/sign-out/", PUBLIC)
page("GET+POST", "accounts/security/", SIGNED)
page("GET+POST", "accounts/reset/", PUBLIC)
page("GET+POST", "accounts/reset/code/", PUBLIC)
page("GET+POST", "accounts/reset/email-sent/", PUBLIC)
page("GET", "accounts/reset/done/", PUBLIC)
page("GET+POST", "accounts/reset/<uidb64>/<token>/", PUBLIC)
page("GET+POST", "accounts/register/", PUBLIC)
page("GET+POST", "accounts/register/enterprise/", SIGNED)

# My Space.
# A staff account has no person record: "my" pages that act on one are not found for it.
PERSONAL = ex(OK, anon=AUTH, staff=HIDDEN)
page("GET", "my/", SIGNED)
page("POST", "my/acting-for/", SIGNED)
page("POST", "my/reveal/", PERSONAL, body={"field": "phone", "reason": "核对"})
page("POST", "my/check-library/", PERSONAL)
page("POST", "my/consents/", PERSONAL)
page("POST", "my/materials/", PERSONAL, body=lambda w, a: {"title": "x", "file": pdf_upload()})
page("GET", "my/materials/<int:material_id>/file/", ONLY_A, guess=("material_id",))
page("POST", "my/materials/<int:material_id>/edit/", ONLY_A, guess=("material_id",), body={"title": "改名"})
page("POST", "my/materials/<int:material_id>/delete/", ONLY_A, guess=("material_id",))
# E's space: its agent sees it; only the permissions granted (here apply + view_cases) open the rest.
E_SPACE = ex(HIDDEN, anon=AUTH, legal_rep=OK, agent=OK)
E_MANAGE = ex(HIDDEN, anon=AUTH, legal_rep=OK)
page("GET", "my/enterprise/<int:enterprise_id>/", E_SPACE, guess=("enterprise_id",))
page(
    "POST",
    "my/enterprise/<int:enterprise_id>/materials/",
    E_MANAGE,
    guess=("enterprise_id",),
    body=lambda w, a: {"title": "x", "file": pdf_upload()},
)
page("POST", "my/enterprise/<int:enterprise_id>/consents/", E_MANAGE, guess=("enterprise_id",))
page("POST", "my/enterprise/<int:enterprise_id>/agents/", E_MANAGE, guess=("enterprise_id",))
page(
    "POST",
    "my/enterprise/<int:enterprise_id>/agents/<int:agent_id>/revoke/",
    E_MANAGE,
    guess=("enterprise_id", "agent_id"),
)

# Staff identity tools (identity.staff_tools): staff who serve or supervise applicants look people up, whatever
# their division; full values for the window, reviewers and approvers; in-person checks at the window; the access
# log for supervisors and system administrators. Everyone else finds nothing there (404).
LOOKUP = ex(HIDDEN, anon=AUTH, clerk=OK, reviewer=OK, approver=OK, other_reviewer=OK, supervisor=OK)
REVEAL = ex(HIDDEN, anon=AUTH, clerk=OK, reviewer=OK, approver=OK, other_reviewer=OK)
VERIFY = ex(HIDDEN, anon=AUTH, clerk=OK)
ACCESS_LOG = ex(HIDDEN, anon=AUTH, supervisor=OK, sysadmin=OK)
page("GET+POST", "workbench/people/", LOOKUP, body={"doc_type": "resident_id", "doc_number": "1"})
page("GET", "workbench/people/access-log/", ACCESS_LOG)
page("GET", "workbench/people/<str:ref>/", LOOKUP, guess=("ref",))
page("POST", "workbench/people/<str:ref>/verify/", VERIFY, guess=("ref",))
page("POST", "workbench/people/<str:ref>/reveal/", REVEAL, guess=("ref",), body={"field": "phone", "reason": "核对"})

# Machine clients: system administrators only.
CLIENTS = ex(DENY, anon=AUTH, sysadmin=OK)
page("GET", "workbench/clients/", CLIENTS)
page("GET+POST", "workbench/clients/new/", CLIENTS)
page("GET", "workbench/clients/<int:pk>/", CLIENTS, guess=("pk",))
page("POST", "workbench/clients/<int:pk>/rotate/", CLIENTS, guess=("pk",))
page("POST", "workbench/clients/<int:pk>/revoke/", CLIENTS, guess=("pk",))

page("GET", "workbench/calendar/", ex(OK, anon=AUTH, people=AUTH), note="every staff member reads the calendar")
page("POST", "workbench/calendar/", ex(DENY, anon=AUTH, people=AUTH, catalog_admin=OK, sysadmin=OK))

# E-licenses.
page("GET", "verify/", PUBLIC)
page("GET", "verify/<str:identifier>/", PUBLIC)
page("GET+POST", "licenses/", SIGNED)
# Staff license pages: every staff member has the list (filtered to the issuers they reach); issuing and import
# are for approvers (of the issuing organisation) and are not found for anyone else.
page("GET+POST", "licenses/staff/", ex(OK, anon=AUTH, people=HIDDEN))
ISSUERS = ex(HIDDEN, anon=AUTH, approver=OK, sysadmin=OK)
page("GET+POST", "licenses/staff/issue/", ISSUERS)
page("GET+POST", "licenses/staff/import/", ISSUERS)
LICENSE_A = ex(HIDDEN, anon=AUTH, citizen_a=OK, clerk=OK, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK)
page("GET+POST", "licenses/<str:identifier>/", LICENSE_A, guess=("identifier",))
page("GET+POST", "licenses/<str:identifier>/pdf/", LICENSE_A, guess=("identifier",))
page(
    "POST", "licenses/<str:identifier>/act/", ISSUERS, guess=("identifier",), body={"action": "suspend", "reason": "x"}
)

# Savings from e-licenses (免证办 statistics): catalog administrators, supervisors, system administrators.
page("GET+POST", "workbench/licenses/stats/", ex(HIDDEN, anon=AUTH, catalog_admin=OK, supervisor=OK, sysadmin=OK))

# Applying and tracking.
APPLICANTS = ex(OK, anon=AUTH, staff=DENY)  # a staff account is no applicant (no person record)
page("GET+POST", "apply/<str:item_code>/", APPLICANTS)
CASE_A_PAGES = ex(HIDDEN, anon=AUTH, citizen_a=OK)
page("GET+POST", "apply/receipt/<str:case_number>/", CASE_A_PAGES, guess=("case_number",))
page("GET+POST", "kiosk/apply/<str:item_code>/", APPLICANTS)
page("GET+POST", "kiosk/receipt/<str:case_number>/", CASE_A_PAGES, guess=("case_number",))
page("POST", "kiosk/sign-out/", PUBLIC)
page("GET+POST", "my/cases/", SIGNED)
page("GET+POST", "my/cases/<str:case_number>/", CASE_A_PAGES, guess=("case_number",))
page(
    "GET+POST",
    "my/cases/<str:case_number>/",
    ex(HIDDEN, anon=AUTH, e_side=OK),
    params={"case_number": "case_e"},
    guess=("case_number",),
    variant="enterprise case",
)
page("POST", "my/cases/<str:case_number>/supplement/", CASE_A_PAGES, guess=("case_number",))
page("GET+POST", "my/cases/<str:case_number>/withdraw/", CASE_A_PAGES, guess=("case_number",))
page("GET+POST", "my/cases/<str:case_number>/progress.pdf", CASE_A_PAGES, guess=("case_number",))
page(
    "GET+POST",
    "my/cases/<str:case_number>/materials/<int:pk>/",
    CASE_A_PAGES,
    guess=("case_number",),
    params={"pk": "case_material"},
)
page("GET+POST", "my/messages/", SIGNED)
page("GET+POST", "track/", PUBLIC)
NOTICE = ex(HIDDEN, anon=AUTH, citizen_a=OK, case_staff=OK)
page("GET+POST", "notices/<str:number>/", NOTICE, params={"number": "notice"}, guess=("number",))
page("GET+POST", "notices/<str:number>/pdf/", NOTICE, params={"number": "notice"}, guess=("number",))

# The workbench.
# The workbench: only accounts holding a case role (window, review, approval, supervision) get in at all (403 for
# the rest, whatever the case number); inside, a case out of reach is not found.
WORKBENCH = ex(OK, anon=AUTH, people=DENY, catalog_admin=DENY, hotline_staff=DENY)
page("GET", "workbench/cases/", WORKBENCH)
page(
    "POST",
    "workbench/cases/batch/",
    WORKBENCH,
    body=lambda w, a: {"op": "claim", "cases": [f"{w.rec['case_a'].case_number}:{w.rec['case_a'].revision}"]},
)
CASE_STAFF = ex(HIDDEN, anon=AUTH, case_staff=OK, people=DENY, catalog_admin=DENY, hotline_staff=DENY)
page("GET", "workbench/cases/<str:case_number>/", CASE_STAFF, guess=("case_number",))
page(
    "GET",
    "workbench/cases/<str:case_number>/materials/<int:pk>/",
    CASE_STAFF,
    guess=("case_number",),
    params={"pk": "case_material"},
)
page(
    "POST",
    "workbench/cases/<str:case_number>/<str:action>/",
    ex(
        HIDDEN,
        anon=AUTH,
        people=DENY,
        catalog_admin=DENY,
        hotline_staff=DENY,
        reviewer=OK,
        sysadmin=OK,
        clerk=DENY,
        approver=DENY,
        supervisor=DENY,
    ),
    guess=("case_number",),
    note="claiming the active step (the reviewer's)",
    body=lambda w, a: {"revision": w.rec["case_a"].revision, "step": w.rec["step_a"].pk},
)
WINDOW = ex(DENY, anon=AUTH, clerk=OK, sysadmin=OK)
page("GET+POST", "workbench/window/apply/", WINDOW, body={"op": "find", "doc_type": "resident_id", "doc_number": "1"})
page("GET+POST", "workbench/window/apply/<str:item_code>/", WINDOW)

# 12345 hotline (hotline.policy): citizens' pages are open; the workbench is for hotline staff (and the supervisor of
# H, who reads); inside, each step is for the centre (operator, centre supervisor) or the assigned department (H's
# handler). The world's work order "wo" was made online by A and dispatched to H.
HL_WB = ex(DENY, anon=AUTH, hotline_staff=OK, supervisor=OK, sysadmin=OK)
HL_OPERATORS = ex(DENY, anon=AUTH, operator=OK, centre_sup=OK, sysadmin=OK)
HL_WRITERS = ex(DENY, anon=AUTH, handler=OK, sysadmin=OK)
WO = {"number": "wo"}
page("GET+POST", "12345/", PUBLIC, body={"order_type": "consult", "content": "x"})
page(
    "GET",
    "12345/receipt/<str:number>/",
    ex(HIDDEN),
    params=WO,
    guess=("number",),
    note="only the browser that made the request",
)
page("GET", "12345/track/", PUBLIC)
page("GET", "12345/mine/", SIGNED)
page("GET", "12345/mine/<str:number>/", ONLY_A, params=WO, guess=("number",))
page("GET", "workbench/hotline/", HL_WB)
page("GET+POST", "workbench/hotline/intake/", HL_OPERATORS, body={"op": "save"})
page("GET+POST", "workbench/hotline/grid/", ex(DENY, anon=AUTH, hotline_staff=OK, sysadmin=OK), body={"content": "x"})
page("GET", "workbench/hotline/orders/<str:number>/", HL_WB, params=WO, guess=("number",))
page(
    "GET",
    "workbench/hotline/orders/<str:number>/photos/<int:pk>/",
    HL_WB,
    params={**WO, "pk": "wo_photo"},
    guess=("number",),
)
page(
    "POST",
    "workbench/hotline/orders/<str:number>/<str:action>/",
    HL_WRITERS,
    params={**WO, "action": lambda w, a: "sign"},
    guess=("number",),
    note="signing for the order (H's handler)",
)
page("GET", "workbench/hotline/knowledge/", HL_WB)
page("GET+POST", "workbench/hotline/knowledge/new/", HL_WRITERS)
page("GET", "workbench/hotline/knowledge/<str:key>/", HL_WB, params={"key": "kb"}, guess=("key",))
page("POST", "workbench/hotline/knowledge/<str:key>/", HL_WRITERS, params={"key": "kb"}, guess=("key",))
page(
    "POST",
    "workbench/hotline/knowledge/<str:key>/<str:action>/",
    HL_WRITERS,
    params={"key": "kb", "action": lambda w, a: "retire"},
    guess=("key",),
    note="retiring H's entry",
)
page("GET", "workbench/hotline/rules/", ex(DENY, anon=AUTH, centre_sup=OK, sysadmin=OK))
page("GET", "workbench/hotline/stats/", ex(DENY, anon=AUTH, operator=OK, centre_sup=OK, supervisor=OK, sysadmin=OK))
# Open311 GeoReport v2: public reading; posting needs an API key (a machine client's bearer token is not read here).
FMT = {"fmt": lambda w, a: "json"}
page("GET", "open311/v2/services.<str:fmt>", PUBLIC, params=FMT)
page("GET", "open311/v2/services/<str:code>.<str:fmt>", PUBLIC, params={**FMT, "code": lambda w, a: "road"})
page("GET", "open311/v2/requests.<str:fmt>", PUBLIC, params=FMT)
page("POST", "open311/v2/requests.<str:fmt>", ex(DENY), params=FMT, note="without an API key")
page(
    "POST",
    "open311/v2/requests.<str:fmt>",
    PUBLIC,
    params=FMT,
    variant="with an API key",
    body=lambda w, a: {"api_key": w.rec["o311_key"], "service_code": "road", "description": "x"},
)
page("GET", "open311/v2/requests/<str:number>.<str:fmt>", PUBLIC, params={**FMT, **WO})
page("GET", "open311/v2/tokens/<str:token>.<str:fmt>", PUBLIC, params={**FMT, "token": "o311_token"})

# --- API ----------------------------------------------------------------------------------------------------

OPEN = ex(OK)
SESSION = ex(OK, anon=AUTH, machines=AUTH)  # any signed-in account; machine clients have no session
for path in (
    "/orgs/divisions",
    "/orgs/divisions/{code}",
    "/orgs/organisations",
    "/orgs/organisations/{organisation_id}",
    "/orgs/halls",
):
    api("GET", path, OPEN)
api("GET", "/openapi.json", OPEN)
api("GET", "/docs", OPEN)
api("GET", "/", ex(HIDDEN), note="django-ninja's root: nothing there for anyone")
api("GET", "/identity/csrf", OPEN)
api("POST", "/identity/otp", OPEN, body={"purpose": "sign_in", "phone": "13900000000"})
api("POST", "/identity/sign-in", OPEN, body={"identifier": "nobody", "password": "x"})
api("POST", "/identity/sign-out", SESSION)
api("GET", "/identity/me", SESSION)
api("GET", "/identity/sessions", SESSION)
api("POST", "/identity/sessions/end-others", SESSION)
api(
    "DELETE",
    "/identity/sessions/{session_id}",
    ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK),
    guess=("session_id",),
)
api(
    "POST",
    "/identity/register",
    OPEN,
    body={"name": "x", "doc_number": "1", "phone": "1", "code": "1", "password1": "a", "password2": "a"},
)
api("POST", "/identity/register/enterprise", SESSION, body={"credit_code": "1", "name": "x", "declared": True})
api("POST", "/identity/password/reset", OPEN)
api(
    "POST", "/identity/password/change", SESSION, body={"old_password": "x", "new_password1": "a", "new_password2": "b"}
)
ME = ex(OK, anon=AUTH, machines=AUTH, staff=HIDDEN)  # a staff account has no person record
api("GET", "/identity/me/space", ME)
api("POST", "/identity/me/reveal", ME, body={"field": "phone", "reason": "核对"})
api("GET", "/identity/me/materials", ME)
api("POST", "/identity/me/materials", ME, json=False, body=lambda w, a: {"title": "x", "file": pdf_upload()})
api(
    "GET",
    "/identity/me/materials/{material_id}/file",
    ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK),
    guess=("material_id",),
)
api(
    "PATCH",
    "/identity/me/materials/{material_id}",
    ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK),
    guess=("material_id",),
    body={"title": "改名"},
)
api(
    "DELETE",
    "/identity/me/materials/{material_id}",
    ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK),
    guess=("material_id",),
)
api("PUT", "/identity/me/consents/{category}", ME, body={"allowed": False})
api("GET", "/identity/me/uses", ME)
api("POST", "/identity/me/prefill", ME, body={"fields": ["name"], "purpose": "测试"})
API_E = ex(HIDDEN, anon=AUTH, machines=AUTH, legal_rep=OK)
api("GET", "/identity/enterprises/{enterprise_id}/agents", API_E, guess=("enterprise_id",))
api(
    "POST",
    "/identity/enterprises/{enterprise_id}/agents",
    API_E,
    guess=("enterprise_id",),
    body={"doc_type": "resident_id", "doc_number": "1", "permissions": ["apply"]},
)
api("DELETE", "/identity/enterprises/{enterprise_id}/agents/{agent_id}", API_E, guess=("enterprise_id", "agent_id"))


def _no_machines(table: dict[str, str]) -> dict[str, str]:
    return {**table, **dict.fromkeys(MACHINE_ACTORS, AUTH)}


api("POST", "/identity/people/lookup", _no_machines(LOOKUP), body={"doc_type": "resident_id", "doc_number": "1"})
api("GET", "/identity/people/{ref}", _no_machines(LOOKUP), guess=("ref",))
api("POST", "/identity/people/{ref}/verify-in-person", _no_machines(VERIFY), guess=("ref",), body={})
api(
    "POST",
    "/identity/people/{ref}/reveal",
    _no_machines(REVEAL),
    guess=("ref",),
    body={"field": "phone", "reason": "核对"},
)
api("GET", "/identity/pii-access-log", _no_machines(ACCESS_LOG))
api("GET", "/identity/clients/scopes", OPEN)
# Real-name checks for department systems: machine clients holding identity:verify only.
VERIFY_CLIENTS = ex(AUTH, client=OK, client_other=OK, client_bare=DENY)
api("POST", "/identity/verify/person", VERIFY_CLIENTS, body={"name": "x", "doc_number": "1", "purpose": "测试"})
api(
    "POST",
    "/identity/verify/enterprise",
    VERIFY_CLIENTS,
    body={"credit_code": "1", "name": "x", "legal_rep_name": "x", "purpose": "测试"},
)
API_CLIENTS = ex(DENY, anon=AUTH, machines=AUTH, sysadmin=OK)
api("GET", "/identity/clients", API_CLIENTS)
api(
    "POST",
    "/identity/clients",
    API_CLIENTS,
    body=lambda w, a: {"name": "x", "organisation": w.rec["handling"].credit_code, "scopes": ["cases:read"]},
)
api("GET", "/identity/clients/{pk}", API_CLIENTS, guess=("pk",))
api("POST", "/identity/clients/{pk}/rotate", API_CLIENTS, guess=("pk",), body={})
api("POST", "/identity/clients/{pk}/revoke", API_CLIENTS, guess=("pk",))

for path in ("/calendar/years", "/calendar/days", "/calendar/is-working-day", "/calendar/add", "/calendar/between"):
    api("GET", path, OPEN)
api("POST", "/calendar/deadline", OPEN, body={"start": "2026-10-09", "days": 3})
CAL_ADMIN = ex(DENY, anon=AUTH, machines=AUTH, catalog_admin=OK, sysadmin=OK)
api("POST", "/calendar/import", CAL_ADMIN, json=False, body=lambda w, a: {"file": csv_upload()})
api("POST", "/calendar/load", CAL_ADMIN, body={})
api("PUT", "/calendar/days/{date}", CAL_ADMIN, body={"kind": "holiday", "name": "测试"})
api("DELETE", "/calendar/days/{date}", CAL_ADMIN)

CAT_DRAFT = ex(HIDDEN, catalog_admin=OK, sysadmin=OK)  # a public endpoint: bearer tokens are not read there
api("GET", "/catalog/search", OPEN)
api("GET", "/catalog/suggest", OPEN)
CAT_WRITE = ex(DENY, anon=AUTH, client_bare=DENY, catalog_admin=OK, sysadmin=OK, client=OK)
VERSION = {
    "name": "测试事项",
    "statutory_limit": 20,
    "promised_limit": 5,
    "handling_kind": 2,
    "visits_required": 0,
    "online_depth": 4,
}
# client_other imports for its own organisation: it gets in, and the file is judged.
api("POST", "/catalog/import", {**CAT_WRITE, "client_other": OK}, json=False, body=lambda w, a: {"file": csv_upload()})
api(
    "GET",
    "/catalog/imports/{job_id}",
    ex(HIDDEN, anon=AUTH, client_bare=DENY, catalog_admin=OK),
    guess=("job_id",),
    note="a background import: seen by the person or client that started it",
)
api("GET", "/catalog/export", OPEN)
api("GET", "/catalog/items", OPEN)
# client_other may create items, for its own organisation: naming H's is judged as a bad body (400).
api(
    "POST",
    "/catalog/items",
    {**CAT_WRITE, "client_other": OK},
    body=lambda w, a: {"version": VERSION, "organisation": w.rec["handling"].credit_code, "catalog_code": "0100000999"},
)
api("GET", "/catalog/items/{item_code}", OPEN)
api("GET", "/catalog/items/{item_code}/versions", OPEN)
api("GET", "/catalog/items/{item_code}/versions/{number}", OPEN, params={"number": "version_number"})
api(
    "GET",
    "/catalog/items/{item_code}/versions/{number}",
    CAT_DRAFT,
    params={"number": "draft_number"},
    variant="draft",
    note="a draft is read by those who may edit it",
)
CAT_ITEM = ex(DENY, anon=AUTH, catalog_admin=OK, sysadmin=OK, client=OK, client_other=HIDDEN)
api("GET", "/catalog/items/{item_code}/events", CAT_ITEM)
api("POST", "/catalog/items/{item_code}/drafts", CAT_ITEM)
api("PUT", "/catalog/items/{item_code}/drafts/current", CAT_ITEM, body={"version": VERSION})
api("POST", "/catalog/items/{item_code}/drafts/current/publish", CAT_ITEM)
api("POST", "/catalog/items/{item_code}/retire", CAT_ITEM, body={"reason": "x"})

api("GET", "/licenses/verify/{identifier}", OPEN)
api("POST", "/licenses/verify", OPEN, body={"document": "x", "signature": "x"})
API_ISSUERS = _no_machines(ISSUERS)
api("POST", "/licenses/import", API_ISSUERS, json=False, body=lambda w, a: {"file": csv_upload()})
api("GET", "/licenses/mine", SESSION)
api(
    "GET",
    "/licenses/stats",
    ex(DENY, anon=AUTH, machines=AUTH, catalog_admin=OK, supervisor=OK, sysadmin=OK),
    note="the page answers 404 to the same people",
)
LIC_READ = ex(
    HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK, clerk=OK, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK
)
api("GET", "/licenses/{identifier}", LIC_READ, guess=("identifier",))
HOLDER_A = ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK)
api("GET", "/licenses/{identifier}/document", HOLDER_A, guess=("identifier",), note="the holder's signed document")
api(
    "GET",
    "/licenses/{identifier}",
    ex(HIDDEN, anon=AUTH, machines=AUTH, e_side=OK, clerk=OK, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK),
    params={"identifier": "license_e"},
    variant="enterprise license",
)
api("POST", "/licenses/{identifier}/uses", HOLDER_A, guess=("identifier",), body={"purpose": "办事"})
# Issuing also takes a machine client holding licenses:issue (for its own organisation: naming another is a 400).
api(
    "POST",
    "/licenses/",
    {**ISSUERS, "client": OK, "client_other": OK, "client_bare": DENY},
    body={"license_type": "11100000000013338W001", "issuer": "x", "holder_number": "x", "holder_name": "x"},
)
for op in ("change", "renew", "suspend", "reinstate", "revoke"):
    api("POST", f"/licenses/{{identifier}}/{op}", API_ISSUERS, guess=("identifier",), body={"reason": "测试"})

# Cases: a machine client without the cases scopes is refused before any lookup (403 whatever the number).
CASE_READ = ex(HIDDEN, anon=AUTH, citizen_a=OK, case_staff=OK, client=OK, client_bare=DENY)
api("POST", "/cases/", ex(OK, anon=AUTH, client_bare=DENY), body={"item_code": "x"})
api("GET", "/cases/", ex(OK, anon=AUTH, client_bare=DENY))
api("GET", "/cases/queue", ex(OK, anon=AUTH, machines=AUTH))
api("GET", "/cases/feed", ex(OK, anon=AUTH, client_bare=DENY), note="events of the cases the caller may open")
api("GET", "/cases/track", OPEN)
for suffix in ("", "/events", "/notices"):
    api("GET", f"/cases/{{case_number}}{suffix}", CASE_READ, guess=("case_number",))
api(
    "GET",
    "/cases/{case_number}",
    ex(HIDDEN, anon=AUTH, e_side=OK, case_staff=OK, client=OK, client_bare=DENY),
    params={"case_number": "case_e"},
    guess=("case_number",),
    variant="enterprise case",
)
APPLICANT_ACT = ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK, case_staff=DENY)
api("POST", "/cases/{case_number}/withdraw", APPLICANT_ACT, guess=("case_number",), body={"reason": "不办了"})
api("POST", "/cases/{case_number}/supplement", APPLICANT_ACT, guess=("case_number",), body={})


# Staff actions (cases.policy): acceptance by the window or H's reviewer; steps by the role they belong to (the
# active step is the reviewer's); suspension by reviewer or approver; voiding by the approver; delivery by whoever
# accepts or concludes. The applicant and the supervisor are refused (they see the case); others: not found.
def staff_act(*allowed: str) -> dict[str, str]:
    table = ex(
        HIDDEN,
        anon=AUTH,
        citizen_a=DENY,
        clerk=DENY,
        reviewer=DENY,
        approver=DENY,
        supervisor=DENY,
        sysadmin=OK,
        client=OK,
        client_bare=DENY,
    )
    table.update(dict.fromkeys(allowed, OK))
    return table


for op, body, allowed in (
    ("accept", {}, ("clerk", "reviewer")),
    ("correction", {"items": [{"material": "x", "note": "x"}]}, ("clerk", "reviewer")),
    ("not-accept", {"reason": "x"}, ("clerk", "reviewer")),
    ("claim", {}, ("reviewer",)),
    ("release", {}, ("reviewer",)),
    ("complete", {"decision": "pass", "opinion": "同意"}, ("reviewer",)),
    ("return", {"to_order": 1, "reason": "x"}, ("reviewer",)),
    ("suspend", {"kind": "hearing", "reason": "x", "expected_end": "2026-12-31"}, ("reviewer", "approver")),
    ("resume", {"result": "x"}, ("reviewer", "approver")),
    ("void", {"reason": "x"}, ("approver",)),
    ("deliver", {"method": "pickup"}, ("clerk", "reviewer", "approver")),
):
    api("POST", f"/cases/{{case_number}}/{op}", staff_act(*allowed), guess=("case_number",), body=body)

EXCHANGE = ex(AUTH, client=OK, client_other=OK, client_bare=DENY)
api("POST", "/exchange/subscriptions", EXCHANGE, body={"url": "https://example.gov.cn/x"})
api("GET", "/exchange/subscriptions", EXCHANGE)
api(
    "DELETE",
    "/exchange/subscriptions/{sub_id}",
    ex(AUTH, client=OK, client_other=HIDDEN, client_bare=DENY),
    guess=("sub_id",),
)
api(
    "GET",
    "/exchange/subscriptions/{sub_id}/deliveries",
    ex(AUTH, client=OK, client_other=HIDDEN, client_bare=DENY),
    guess=("sub_id",),
)

# 12345 hotline API.
api("GET", "/hotline/categories", OPEN)
api("GET", "/hotline/knowledge/search", OPEN, body={"q": "路灯"})
api("GET", "/hotline/knowledge/{key}", OPEN, params={"key": "kb"}, note="a public entry")
api("GET", "/hotline/orders", ex(OK, anon=AUTH, client_bare=DENY))
api(
    "POST",
    "/hotline/orders",
    ex(OK, anon=AUTH, client_bare=DENY),
    body={"order_type": "x", "category": "x", "content": "x"},
)
WO_READ = ex(
    HIDDEN,
    anon=AUTH,
    citizen_a=OK,
    hotline_staff=OK,
    supervisor=OK,
    sysadmin=OK,
    client=OK,
    client_bare=DENY,
)
for suffix in ("", "/events"):
    api("GET", f"/hotline/orders/{{number}}{suffix}", WO_READ, params=WO, guess=("number",))
HL_SESSION_OPS = ex(DENY, anon=AUTH, operator=OK, centre_sup=OK, sysadmin=OK)
api("GET", "/hotline/callers", HL_SESSION_OPS, body={"phone": "13900001111"})
api("GET", "/hotline/duplicates", HL_SESSION_OPS, body={"category": "road"})
api("POST", "/hotline/routing/propose", HL_SESSION_OPS, body={"category": "road"})
api("GET", "/hotline/stats", ex(DENY, anon=AUTH, operator=OK, centre_sup=OK, supervisor=OK, sysadmin=OK))


def hotline_act(*allowed: str) -> dict[str, str]:
    """Who may take a step on the world's order: the ones named; who sees it but may not: 403; others: 404."""
    table = {**WO_READ}
    for actor, outcome in table.items():
        if outcome == OK:
            table[actor] = DENY
    table.update(dict.fromkeys(allowed, OK))
    return table


CENTRE_STEP = ("operator", "centre_sup", "sysadmin")
DEPT_STEP = ("handler", "sysadmin", "client")
for op, body, allowed in (
    ("dispatch", {"department": "x"}, CENTRE_STEP),
    ("answer", {"answer": ""}, CENTRE_STEP),
    ("callback", {"reached": False}, CENTRE_STEP),
    ("conclude", {"note": ""}, CENTRE_STEP),
    ("merge", {"master": "x"}, CENTRE_STEP),
    ("void", {"reason": ""}, CENTRE_STEP),
    ("case", {"case_number": "x"}, CENTRE_STEP),
    ("sign", {}, DEPT_STEP),
    ("sub-dispatch", {"sub_unit": "x"}, DEPT_STEP),
    ("progress", {"note": ""}, DEPT_STEP),
    ("co-reply", {"text": ""}, DEPT_STEP),
    ("reply", {"text": ""}, DEPT_STEP),
    ("extension", {"amount": 0, "reason": ""}, DEPT_STEP),
    ("send-back", {"reason": ""}, DEPT_STEP),
    ("decide", {"request_id": 0, "approve": False}, ("centre_sup", "sysadmin")),
    ("urge", {"note": ""}, ("centre_sup", "sysadmin")),
):
    api("POST", f"/hotline/orders/{{number}}/{op}", hotline_act(*allowed), params=WO, guess=("number",), body=body)
# --- service halls (yiwang.halls) ------------------------------------------------------------------------------
# The world's hall belongs to the city's service centre, where the matrix's clerk works (covering the division):
# the clerk operates its windows and front desk; the supervisor (and the system administrator) read the manager's
# figures; A holds an appointment, a hold and an on-site survey of A's case (the reviewer's and approver's work).
# Public pages carry no personal data; a ticket's page and a kiosk are reached by their unguessable keys.


def _pk(attr: str):
    return lambda w, _a: w.rec[attr].pk


HALL = {"hall_id": _pk("hall")}
WINDOW = {"window_id": _pk("window")}
TICKET_KEY = {"key": lambda w, _a: w.rec["ticket"].key}
KIOSK_KEY = {"key": lambda w, _a: w.rec["hall_profile"].kiosk_key}
APPOINTMENT = {"code": lambda w, _a: w.rec["appointment"].code}
HOLD = {"token": lambda w, _a: w.rec["hold"].token}
SURVEY = {"pk": _pk("survey")}
SURVEY_API = {"survey_id": _pk("survey")}
MISSING.update(
    hall_id=999999,
    window_id=999999,
    survey_id=999999,
    photo_id=999999,
    key="nosuchkey0000000000000",
    code="ZZZZZZZZ",
    token="nosuchtoken00000000000",
)

for route in (
    "halls/",
    "halls/<int:hall_id>/",
    "halls/<int:hall_id>/qr.svg",
    "halls/<int:hall_id>/display/",
    "halls/<int:hall_id>/display/state/",
):
    page("GET", route, PUBLIC, params=HALL)
page("GET", "halls/items/<str:item_code>/", PUBLIC, note="where and when an item is handled (linked from its guide)")
page("GET+POST", "halls/<int:hall_id>/take/", PUBLIC, params=HALL, body=lambda w, a: {"line": w.rec["line"].pk})
page("GET", "halls/t/<str:key>/", PUBLIC, params=TICKET_KEY)
page("GET", "halls/t/<str:key>/state/", PUBLIC, params=TICKET_KEY)
page("POST", "halls/t/<str:key>/cancel/", PUBLIC, params=TICKET_KEY, note="the number's key is its credential")
page(
    "GET+POST",
    "halls/kiosk/<str:key>/",
    PUBLIC,
    params=KIOSK_KEY,
    body=lambda w, a: {"line": w.rec["line"].pk, "ref": "matrix"},
    note="the kiosk's key is its credential",
)
page("GET+POST", "halls/book/", APPLICANTS, body=lambda w, a: {"line": w.rec["line"].pk, "starts_at": "x", "seats": 1})
ONLY_A_PERSON = ex(HIDDEN, anon=AUTH, staff=DENY, citizen_a=OK)  # staff accounts book nothing (no person)
page("GET+POST", "halls/book/hold/<str:token>/", ONLY_A_PERSON, params=HOLD, guess=("token",))
page("GET", "my/appointments/", SIGNED)
page("GET", "my/appointments/<str:code>/", ONLY_A, params=APPOINTMENT, guess=("code",))
page("POST", "my/appointments/<str:code>/cancel/", ONLY_A, params=APPOINTMENT, guess=("code",))
page("POST", "my/appointments/<str:code>/change/", ONLY_A, params=APPOINTMENT, guess=("code",), body={"starts_at": "x"})
page("GET+POST", "my/surveys/<int:pk>/", ONLY_A, params=SURVEY, guess=("pk",), body={"option": 0})
page(
    "GET+POST",
    "survey/<str:token>/",
    PUBLIC,
    params={"token": lambda w, _a: w.rec["survey_token"]},
    body={"option": 0},
    note="the signed link sent by SMS is its credential",
)
HALL_STAFF = ex(DENY, anon=AUTH, people=DENY)  # no hall role (clerk, hall manager, supervisor): refused
page("GET", "workbench/halls/", {**HALL_STAFF, "clerk": OK, "supervisor": OK, "sysadmin": OK})
CLERKS = {**HALL_STAFF, "clerk": OK, "sysadmin": OK, "supervisor": HIDDEN}
page("GET", "workbench/halls/windows/<int:window_id>/", CLERKS, params=WINDOW, guess=("window_id",))
page("GET", "workbench/halls/windows/<int:window_id>/state/", CLERKS, params=WINDOW, guess=("window_id",))
page(
    "POST",
    "workbench/halls/windows/<int:window_id>/<str:action>/",
    CLERKS,
    params={**WINDOW, "action": lambda w, _a: "open"},
    guess=("window_id",),
    note="sitting down at the window",
)
page(
    "GET+POST",
    "workbench/halls/<int:hall_id>/desk/",
    CLERKS,
    params=HALL,
    guess=("hall_id",),
    body=lambda w, a: {"line": w.rec["line"].pk, "ref": "matrix-desk"},
)
page(
    "GET",
    "workbench/halls/<int:hall_id>/manage/",
    {**HALL_STAFF, "supervisor": OK, "sysadmin": OK, "clerk": HIDDEN},
    params=HALL,
    guess=("hall_id",),
)
page(
    "POST",
    "workbench/halls/<int:hall_id>/manage/",
    {**HALL_STAFF, "sysadmin": OK, "supervisor": HIDDEN, "clerk": HIDDEN},
    params=HALL,
    guess=("hall_id",),
    note="hall managers close days; supervisors only read",
)
SURVEY_STAFF = ex(DENY, anon=AUTH, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK, other_reviewer=OK)
page("GET", "workbench/surveys/", SURVEY_STAFF)
page(
    "GET",
    "workbench/surveys/<int:pk>/",
    {**SURVEY_STAFF, "other_reviewer": HIDDEN},
    params=SURVEY,
    guess=("pk",),
)
page(
    "POST",
    "workbench/surveys/<int:pk>/",
    {**SURVEY_STAFF, "other_reviewer": HIDDEN, "supervisor": DENY},
    params=SURVEY,
    guess=("pk",),
    body={"address": "", "start_0": "x"},
    note="proposing times: whoever may start the case's special procedure",
)
page(
    "GET",
    "workbench/surveys/<int:pk>/photos/<int:photo_id>/",
    ex(HIDDEN, anon=AUTH, citizen_a=OK, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK),
    params={**SURVEY, "photo_id": _pk("survey_photo")},
    guess=("pk",),
)

for path in ("/halls/", "/halls/{hall_id}", "/halls/{hall_id}/display"):
    api("GET", path, OPEN, params=HALL)
api("GET", "/halls/lines/{line_id}/availability", OPEN, params={"line_id": _pk("line")})
api("GET", "/halls/items/{item_code}/where", OPEN)
api("GET", "/halls/tickets/{key}", OPEN, params=TICKET_KEY)
api("POST", "/halls/tickets/{key}/cancel", OPEN, params=TICKET_KEY)
BOOKERS = ex(OK, anon=AUTH, machines=AUTH, staff=DENY)
api("POST", "/halls/holds", BOOKERS, body=lambda w, a: {"line_id": w.rec["line"].pk, "starts_at": "2020-01-01T09:00"})
api(
    "POST",
    "/halls/appointments",
    BOOKERS,
    body=lambda w, a: {"line_id": w.rec["line"].pk, "starts_at": "2020-01-01T09:00", "items": []},
)
api("GET", "/halls/appointments", SESSION)
APPT_READ = ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK, clerk=OK, supervisor=OK, sysadmin=OK)
api("GET", "/halls/appointments/{code}", APPT_READ, params=APPOINTMENT, guess=("code",))
api(
    "POST",
    "/halls/appointments/{code}/cancel",
    {**APPT_READ, "supervisor": DENY},
    params=APPOINTMENT,
    guess=("code",),
    note="the booker until the cut-off; the hall's clerks and managers with a reason",
)
api(
    "POST",
    "/halls/appointments/{code}/change",
    {**APPT_READ, "clerk": DENY, "supervisor": DENY, "sysadmin": DENY},
    params=APPOINTMENT,
    guess=("code",),
    body={"starts_at": "2020-01-01T09:00"},
)
api(
    "POST",
    "/halls/appointments/{code}/check-in",
    {**APPT_READ, "supervisor": DENY},
    params=APPOINTMENT,
    guess=("code",),
)
api(
    "POST",
    "/halls/{hall_id}/tickets",
    ex(OK, anon=AUTH, staff=DENY, clerk=OK, sysadmin=OK, client=HIDDEN, client_other=HIDDEN, client_bare=DENY),
    params=HALL,
    body=lambda w, a: {"line_id": w.rec["line"].pk},
    note="a person takes a number; the hall's clerks issue one at the front desk; a kiosk client (halls:kiosk) of "
    "the hall's operator issues one",
)
API_CLERKS = {**_no_machines(HALL_STAFF), "clerk": OK, "sysadmin": OK, "supervisor": HIDDEN}
api("GET", "/halls/windows/{window_id}", API_CLERKS, params=WINDOW, guess=("window_id",))
for op in ("open", "close", "pause", "resume", "call-next", "recall", "start", "finish", "skip", "transfer"):
    api("POST", f"/halls/windows/{{window_id}}/{op}", API_CLERKS, params=WINDOW, guess=("window_id",))
api(
    "GET",
    "/halls/{hall_id}/figures",
    {**_no_machines(HALL_STAFF), "supervisor": OK, "sysadmin": OK, "clerk": HIDDEN},
    params=HALL,
    guess=("hall_id",),
)
SURVEY_READ = ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK)
api("GET", "/halls/surveys/{survey_id}", SURVEY_READ, params=SURVEY_API, guess=("survey_id",))
SURVEY_WORK = {**SURVEY_READ, "citizen_a": HIDDEN, "supervisor": DENY}
api(
    "POST",
    "/halls/surveys/{survey_id}/propose",
    SURVEY_WORK,
    params=SURVEY_API,
    guess=("survey_id",),
    body={"address": "x", "options": []},
)
api(
    "POST",
    "/halls/surveys/{survey_id}/result",
    SURVEY_WORK,
    params=SURVEY_API,
    guess=("survey_id",),
    json=False,
    body={"conclusion": "x", "findings": "x"},
)
api(
    "POST",
    "/halls/surveys/{survey_id}/choose",
    ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK),
    params=SURVEY_API,
    guess=("survey_id",),
    body={"option_id": 0},
)

# Assisted handling (帮办代办) and bank outlets (政银通办): only accounts named helpers of a service point or staff
# of a bank outlet (halls.HallStaff; none in this world) get in; a consent or case of another helper is not found
# (tests/halls/test_assist.py); a machine client needs halls:bank and a place as a smart teller of an outlet.
ASSIST = ex(DENY, anon=AUTH)
MISSING.update(consent_id=999999)
CONSENT = {"consent_id": lambda w, _a: 999999}  # nobody in this world is a helper: refused before any look-up
page("GET+POST", "workbench/halls/assist/", ASSIST, body={"hall": "0"})
page("GET+POST", "workbench/halls/assist/consent/<int:consent_id>/", ASSIST, params=CONSENT, body={"code": "123456"})
page("GET+POST", "workbench/halls/assist/consent/<int:consent_id>/apply/", ASSIST, params=CONSENT, body={"key": "x"})
page("GET+POST", "workbench/halls/assist/bank/apply/", ASSIST, body={"key": "x"})
page("GET", "workbench/halls/assist/cases/<str:case_number>/", ASSIST)
API_ASSIST = _no_machines(ASSIST)
api(
    "POST",
    "/halls/assist/consents",
    API_ASSIST,
    body={"hall_id": 0, "applicant": {"name": "x", "doc_number": "x"}, "item_code": "x", "method": "sms"},
)
api("POST", "/halls/assist/consents/{consent_id}/confirm", API_ASSIST, params=CONSENT, body={"code": "123456"})
api("POST", "/halls/assist/applications", API_ASSIST, body={"consent_id": 0})
api("GET", "/halls/assist/projects", API_ASSIST)
api(
    "POST",
    "/halls/bank/applications",
    ASSIST,
    body={"hall_id": 0, "applicant": {"name": "x", "doc_number": "x"}, "item_code": "x"},
    note="bank outlet staff, or a smart teller (halls:bank) placed at an outlet",
)
api("GET", "/halls/bank/items", OPEN)

# Electronic supervision, cards side (tests/supervision/cards): cards for every staff member (their own, their
# department's as its approver, every one in reach as a supervisor); correction orders for supervisors and the
# department's reviewers and approvers (another department's order is not found); the watch list and monitoring for
# supervisors. Sessions only: machine clients have no access.
MISSING.update(order_id=999999, watch_id=999999)
SUP_ORDER = {"pk": _pk("sup_order")}
SUP_ORDER_API = {"order_id": _pk("sup_order")}
SUP_WATCH = {"pk": _pk("sup_watch")}
SUP_STAFF = ex(OK, anon=AUTH, people=DENY)
SUP_CORR = ex(DENY, anon=AUTH, reviewer=OK, approver=OK, other_reviewer=OK, supervisor=OK, sysadmin=OK)
SUP_ORDER_READ = {**SUP_CORR, "other_reviewer": HIDDEN}
SUP_ONLY = ex(DENY, anon=AUTH, supervisor=OK, sysadmin=OK)
page("GET", "workbench/supervision/cards/", SUP_STAFF)
page("GET", "workbench/supervision/corrections/", SUP_CORR)
page(
    "POST",
    "workbench/supervision/corrections/",
    {**SUP_CORR, "reviewer": DENY, "approver": DENY, "other_reviewer": DENY},
    body={"case_number": "", "due": "", "text": ""},
    note="supervisors issue orders",
)
page("GET", "workbench/supervision/corrections/<int:pk>/", SUP_ORDER_READ, params=SUP_ORDER, guess=("pk",))
page(
    "POST",
    "workbench/supervision/corrections/<int:pk>/<str:action>/",
    {**SUP_ORDER_READ, "supervisor": DENY},
    params={**SUP_ORDER, "action": lambda w, a: "answer"},
    guess=("pk",),
    body={"answer": ""},
    note="the department answers; the supervisor closes and reopens",
)
page("GET+POST", "workbench/supervision/watch/", SUP_ONLY, body={"case_number": ""})
page(
    "POST",
    "workbench/supervision/watch/<int:pk>/delete/",
    {**SUP_ONLY, "sysadmin": HIDDEN},
    params=SUP_WATCH,
    guess=("pk",),
    note="one's own watch entry",
)
page("GET", "workbench/supervision/monitor/", SUP_ONLY)
API_SUP_STAFF = _no_machines(SUP_STAFF)
api("GET", "/supervision/cards", API_SUP_STAFF)
api("GET", "/supervision/cards/rules", API_SUP_STAFF)
api("GET", "/supervision/corrections", _no_machines(SUP_CORR))
api(
    "POST",
    "/supervision/corrections",
    _no_machines(SUP_ONLY),
    body={"case_number": "x", "due": "2020-01-01", "text": "x"},
)
API_ORDER = _no_machines(SUP_ORDER_READ)
api("GET", "/supervision/corrections/{order_id}", API_ORDER, params=SUP_ORDER_API, guess=("order_id",))
api(
    "POST",
    "/supervision/corrections/{order_id}/answer",
    {**API_ORDER, "supervisor": DENY},
    params=SUP_ORDER_API,
    guess=("order_id",),
    body={"text": "x"},
)
for op, body in (("close", {}), ("reopen", {"note": "x"})):
    api(
        "POST",
        f"/supervision/corrections/{{order_id}}/{op}",
        {**API_ORDER, "reviewer": DENY, "approver": DENY},
        params=SUP_ORDER_API,
        guess=("order_id",),
        body=body,
    )
api("GET", "/supervision/watch", _no_machines(SUP_ONLY))
api("POST", "/supervision/watch", _no_machines(SUP_ONLY), body={"case_number": ""})
api(
    "DELETE",
    "/supervision/watch/{watch_id}",
    {**_no_machines(SUP_ONLY), "sysadmin": HIDDEN},
    params={"watch_id": _pk("sup_watch")},
    guess=("watch_id",),
)
api("GET", "/supervision/monitor", _no_machines(SUP_ONLY))

# Pages and endpoints that show the same record: the same people must get through both (machine clients aside).
SAME_RECORD: list[tuple[str, list[str]]] = [
    ("GET /api/v1/cases/{case_number}", ["GET my/cases/<str:case_number>/", "GET workbench/cases/<str:case_number>/"]),
    ("GET /api/v1/identity/me/materials/{material_id}/file", ["GET my/materials/<int:material_id>/file/"]),
    ("GET /api/v1/licenses/{identifier}", ["GET licenses/<str:identifier>/"]),
    ("GET /api/v1/identity/people/{ref}", ["GET workbench/people/<str:ref>/"]),
    ("GET /api/v1/identity/clients/{pk}", ["GET workbench/clients/<int:pk>/"]),
    ("GET /api/v1/catalog/items/{item_code}", ["GET items/<str:item_code>/"]),
    (
        "GET /api/v1/hotline/orders/{number}",
        ["GET workbench/hotline/orders/<str:number>/", "GET 12345/mine/<str:number>/"],
    ),
    ("GET /api/v1/halls/surveys/{survey_id}", ["GET my/surveys/<int:pk>/", "GET workbench/surveys/<int:pk>/"]),
    ("GET /api/v1/halls/windows/{window_id}", ["GET workbench/halls/windows/<int:window_id>/"]),
]


# --- supervision: statistics, exports, dashboards, rankings (stats side) ------------------------------------------
# Staff with a statistics role (department reviewers and approvers, supervisors) read the figures of what their roles
# reach; an organisation out of reach answers 404 (tests/supervision/stats). Supervisors manage models and rankings.
SUP_STATS = ex(DENY, anon=AUTH, reviewer=OK, approver=OK, other_reviewer=OK, supervisor=OK, sysadmin=OK)
SUP_MANAGE = ex(DENY, anon=AUTH, supervisor=OK, sysadmin=OK)
SUP_RANKING = {"pk": lambda w, a: w.rec["stats_ranking"].pk}


def _this_month(_w, _a) -> str:
    from django.utils import timezone

    return timezone.localdate().strftime("%Y-%m")


THIS_MONTH = {"month": _this_month}
page("GET", "supervision/stats/", SUP_STATS)
page("GET", "supervision/stats/cases/", SUP_STATS)
page("GET", "supervision/stats/export.xlsx", SUP_STATS)
page("GET", "supervision/stats/report/<str:month>.pdf", SUP_STATS, params=THIS_MONTH)
page("GET", "supervision/dashboard/", SUP_STATS)
page("GET", "supervision/dashboard/wall/", SUP_STATS)
page("GET", "supervision/dashboard/data.json", SUP_STATS)
page("GET", "supervision/rankings/", SUP_STATS)
page("GET", "supervision/rankings/<int:pk>/", SUP_STATS, params=SUP_RANKING)
page("GET+POST", "supervision/rankings/models/", SUP_MANAGE, body={"name": "matrix", "w_on_time_rate": "1"})
page("POST", "supervision/rankings/publish/", SUP_MANAGE, body=lambda w, a: {"month": _this_month(w, a)})
SUP_STATS_API = _no_machines(SUP_STATS)
SUP_MANAGE_API = _no_machines(SUP_MANAGE)
api("GET", "/supervision/indicators", SUP_STATS_API)
api("GET", "/supervision/indicators/cases", SUP_STATS_API)
api("GET", "/supervision/indicators/export.xlsx", SUP_STATS_API)
api("GET", "/supervision/dashboard", SUP_STATS_API)
api("GET", "/supervision/rankings", SUP_STATS_API)
api("GET", "/supervision/rankings/{ranking_id}", SUP_STATS_API, params={"ranking_id": SUP_RANKING["pk"]})
api("POST", "/supervision/rankings", SUP_MANAGE_API, body=lambda w, a: {"month": _this_month(w, a)})
api("GET", "/supervision/scoring-models", SUP_MANAGE_API)
api("POST", "/supervision/scoring-models", SUP_MANAGE_API, body={"name": "matrix", "weights": {"on_time_rate": 1}})
# --- policies (yiwang.policies) --------------------------------------------------------------------------------
# The library is public. A person's matches are theirs; an enterprise's matches, grants and applying through the
# policy's item are its legal representative's and agents' (APPLY). Staff holding a policy role (catalog
# administrator, reviewer, approver, supervisor) see the policies of the departments they reach (another
# department's: 404); reviewing a round is for the issuing department's reviewers and approvers (others who may
# see it: 403); editing the library is for its catalog administrators. Machine clients have no session here.
MISSING.update(policy_code="PNOPE0000000", round_id=999999, grant_id=999999)
POL = {"policy_code": "policy_code"}
POL_VIEW = ex(
    DENY,
    anon=AUTH,
    reviewer=OK,
    approver=OK,
    supervisor=OK,
    catalog_admin=OK,
    other_reviewer=OK,
    sysadmin=OK,
)
POL_RECORD = dict(POL_VIEW, other_reviewer=HIDDEN)
POL_REVIEW = dict(POL_RECORD, supervisor=DENY, catalog_admin=DENY)
POL_E = ex(HIDDEN, anon=AUTH, legal_rep=OK, agent=OK)
POL_EDIT = ex(HIDDEN, anon=AUTH, machines=AUTH, catalog_admin=OK, sysadmin=OK)
page("GET", "policies/", PUBLIC)
page("GET", "policies/<str:policy_code>/", PUBLIC, params=POL, guess=("policy_code",))
page("GET", "policies/<str:policy_code>/interpretation/", PUBLIC, params=POL, guess=("policy_code",))
page(
    "POST",
    "policies/<str:policy_code>/apply/",
    POL_E,
    params=POL,
    body=lambda w, a: {"enterprise": w.rec["enterprise"].pk},
    note="政策兑现: a draft of the policy's item prefilled from the facts, for an enterprise the person applies for",
)
page("GET", "my/policies/", ex(HIDDEN, anon=AUTH, people=OK), note="a staff account has no person: 404")
page("GET", "my/enterprise/<int:enterprise_id>/policies/", POL_E)
page(
    "GET+POST",
    "my/enterprise/<int:enterprise_id>/grants/<int:pk>/",
    POL_E,
    params={"pk": "grant_id"},
    body={"bank_name": "", "bank_account": "1", "account_name": "x"},
    note="the form is refused (400): no write",
)
page("GET", "workbench/policies/", POL_VIEW)
page("GET", "workbench/policies/<str:policy_code>/", POL_RECORD, params=POL, guess=("policy_code",))
page("POST", "workbench/policies/<str:policy_code>/", POL_REVIEW, params=POL, guess=("policy_code",))
page("GET", "workbench/policies/rounds/<int:pk>/", POL_RECORD, params={"pk": "round_id"})
page(
    "POST",
    "workbench/policies/rounds/<int:pk>/",
    POL_REVIEW,
    params={"pk": "round_id"},
    body=lambda w, a: {"action": "remove", "grant": w.rec["policy_grant"].pk, "note": ""},
    note="refused (400: the list is approved already): no write",
)
api("GET", "/policies/industries", OPEN)
api("GET", "/policies/library", OPEN, body={"q": "稳岗"})
api("GET", "/policies/library/{policy_code}", OPEN, params=POL, guess=("policy_code",))
api("GET", "/policies/matches", ex(HIDDEN, anon=AUTH, machines=AUTH, people=OK), note="a staff account has no person")
api(
    "GET",
    "/policies/grants",
    dict(POL_E, **dict.fromkeys(MACHINE_ACTORS, AUTH)),
    body=lambda w, a: {"enterprise_id": w.rec["enterprise"].pk},
)
for _op, _body in (
    ("confirm", {"bank_name": "", "bank_account": "1", "account_name": "x", "consent": False}),
    ("decline", {"note": "不需要"}),
):
    api(
        "POST",
        f"/policies/grants/{{grant_id}}/{_op}",
        dict(POL_E, **dict.fromkeys(MACHINE_ACTORS, AUTH)),
        guess=("grant_id",),
        body=_body,
    )
api("GET", "/policies/figures", dict(POL_VIEW, **dict.fromkeys(MACHINE_ACTORS, AUTH)))
api(
    "POST",
    "/policies/library",
    ex(DENY, anon=AUTH, machines=AUTH, catalog_admin=OK, sysadmin=OK),
    body=lambda w, a: {"organisation_id": w.rec["handling"].pk, "title": ""},
    note="refused (400): no write",
)
api("PATCH", "/policies/library/{policy_code}/draft", POL_EDIT, params=POL, guess=("policy_code",), body={"title": ""})
api("POST", "/policies/library/{policy_code}/publish", POL_EDIT, params=POL, guess=("policy_code",))
_POL_API_REVIEW = dict(POL_REVIEW, **dict.fromkeys(MACHINE_ACTORS, AUTH))
api("POST", "/policies/library/{policy_code}/rounds", _POL_API_REVIEW, params=POL, guess=("policy_code",))
api("GET", "/policies/rounds/{round_id}", dict(POL_RECORD, **dict.fromkeys(MACHINE_ACTORS, AUTH)), guess=("round_id",))
api(
    "POST",
    "/policies/rounds/{round_id}/grants/{grant_id}/{action}",
    _POL_API_REVIEW,
    params={"action": lambda w, a: "remove"},
    guess=("round_id",),
    body={"note": ""},
)
api("POST", "/policies/rounds/{round_id}/approve", _POL_API_REVIEW, guess=("round_id",))
api("POST", "/policies/rounds/{round_id}/pay", _POL_API_REVIEW, guess=("round_id",))


# --- owed rows ------------------------------------------------------------------------------------------------------
# Operations and pages of the modules merged in the last round (bundles, rules, ratings, exchange, the address book
# and drafts box of My Space) whose rows in this matrix are still to be written. Each module's own tests check its
# reach (another person's record or an out-of-reach department answers 404: tests/bundles, tests/rules, tests/ratings,
# tests/exchange, tests/identity/test_space_addresses.py, tests/cases/test_follow.py). They are listed here by name
# so that nothing else can slip in unplaced; the list only shrinks — move an entry into a row above when it gets one.
OWED_API: frozenset[str] = frozenset()
OWED_PAGES: frozenset[str] = frozenset()

# Bundles, rules, ratings, exchange, My Space's address book and drafts box, the favicon (their rows join ROWS).
from . import expectations_modules  # noqa: E402, F401
