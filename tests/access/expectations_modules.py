"""Matrix rows of bundles, rules, ratings, exchange, My Space's address book and drafts box, and the favicon.

Imported at the end of expectations.py: the rows join ROWS there. The records are built in tests/access/world_modules.py:
H's item "quick" with an active rule set and the published bundle "matrix-bundle" A applied through (the rules
approved A's case at once); A's bad review of case A (H's rectification, called back, with an evidence file), A's
complaint about it, an SMS invitation, a rating pad at window A01; H's public data resource with a service, the other
department's grant and pending request; A's address and draft.
"""

from __future__ import annotations

from .expectations import (
    AUTH,
    DENY,
    HIDDEN,
    MISSING,
    OK,
    ONLY_A,
    PUBLIC,
    SAME_RECORD,
    SESSION,
    SIGNED,
    _no_machines,
    api,
    ex,
    page,
)


def _rec(key: str, attr: str = "pk"):
    return lambda w, _a: getattr(w.rec[key], attr)


MISSING.update(address_id=999999, draft_id=999999, rect_id=999999, file_id=999999, org_id=999999)

# --- the favicon and My Space ---------------------------------------------------------------------------------------

page("GET", "favicon.ico", PUBLIC, note="a permanent redirect to the static icon")
# A staff account has no person record, so no address book or drafts box: not found.
PERSONAL = ex(OK, anon=AUTH, staff=HIDDEN)
ADDRESS = {"address_id": _rec("address")}
page("POST", "my/addresses/", PERSONAL, body={"recipient": "", "phone": "", "address": ""})
page("POST", "my/addresses/<int:address_id>/delete/", ONLY_A, params=ADDRESS, guess=("address_id",))
page("POST", "my/addresses/<int:address_id>/default/", ONLY_A, params=ADDRESS, guess=("address_id",))
page(
    "GET+POST",
    "my/drafts/<int:draft_id>/delete/",
    ONLY_A,
    params={"draft_id": _rec("case_draft")},
    guess=("draft_id",),
    note="A's draft of the world's item",
)

# --- bundles (一件事一次办) ------------------------------------------------------------------------------------------
# Published bundles are public; applying is a person's (a staff account is no applicant: the apply door refuses it,
# 403 as on the single-item apply page); an application is its applicant's (and their enterprise's agents with
# view_cases). Defining bundles is for catalog administrators within their organisations' reach: everyone else finds
# no such page (404), whatever the bundle.
BUNDLE = {"code": _rec("bundle", "code")}
BUNDLE_APP = {"number": _rec("bundle_app", "number")}
BUNDLE_ADMINS = ex(HIDDEN, anon=AUTH, catalog_admin=OK, sysadmin=OK)
page("GET", "bundles/", PUBLIC)
page("GET", "bundles/<slug:code>/", SIGNED, params=BUNDLE, note="the one form: sign in first")
page(
    "POST",
    "bundles/<slug:code>/",
    ex(OK, anon=AUTH, staff=DENY),
    params=BUNDLE,
    body={"contact_phone": ""},
    note="submitting: people only",
)
page("GET", "my/bundles/", SIGNED)
page("GET", "my/bundles/<str:number>/", ex(HIDDEN, anon=AUTH, citizen_a=OK), params=BUNDLE_APP, guess=("number",))
page("GET", "workbench/bundles/", BUNDLE_ADMINS)
page("GET+POST", "workbench/bundles/new/", BUNDLE_ADMINS, body={"code": "", "name": "", "items": "[]"})
page(
    "GET+POST",
    "workbench/bundles/<slug:code>/",
    BUNDLE_ADMINS,
    params=BUNDLE,
    guess=("code",),
    body={"action": "save", "code": "neu", "name": "", "items": "[]"},
)


def _define(w, _a) -> dict:
    return {
        "code": "matrix-new",
        "name": "我要开新店",
        "organisation_id": w.rec["handling"].pk,
        "items": [{"item_code": w.rec["quick"].item_code}],
    }


API_BUNDLE_ADMINS = _no_machines(BUNDLE_ADMINS)
api("GET", "/bundles/", PUBLIC)
api("GET", "/bundles/{code}", PUBLIC, params=BUNDLE)
api("GET", "/bundles/applications", SESSION)
api(
    "GET",
    "/bundles/applications/{number}",
    ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK),
    params=BUNDLE_APP,
    guess=("number",),
)
api(
    "POST",
    "/bundles/{code}/apply",
    ex(OK, anon=AUTH, machines=AUTH),
    params=BUNDLE,
    body={"form_data": {"contact_phone": "13900003333"}},
    note="a staff account gets the apply door's refusal as a field problem (400), as on POST /cases/",
)
api("POST", "/bundles/", API_BUNDLE_ADMINS, body=_define)
api("PUT", "/bundles/{code}", API_BUNDLE_ADMINS, params=BUNDLE, guess=("code",), body=_define)
api("POST", "/bundles/{code}/status", API_BUNDLE_ADMINS, params=BUNDLE, guess=("code",), body={"status": "retired"})

# --- rules (秒批) -----------------------------------------------------------------------------------------------------
# The rule editor is the catalog administrators' of the item's organisation (404 for everyone else, the item's
# existence included); the decisions report is theirs and the supervisors'; a case's decision is for the staff who
# see the case.
QUICK = {"item_code": _rec("quick", "item_code")}
RULE_EDITORS = ex(HIDDEN, anon=AUTH, catalog_admin=OK, sysadmin=OK)
page("GET", "workbench/rules/", ex(HIDDEN, anon=AUTH, catalog_admin=OK, supervisor=OK, sysadmin=OK))
page(
    "GET+POST",
    "workbench/rules/<str:item_code>/",
    RULE_EDITORS,
    params=QUICK,
    guess=("item_code",),
    body={"action": "try", "rules": "[]", "tests": "[]", "sample": "{}"},
)
RULES_BODY = {
    "rules": [{"name": "个人申请", "if": {"==": [{"var": "applicant.kind"}, "person"]}, "message": ""}],
    "tests": [{"name": "个人", "data": {"applicant": {"kind": "person"}}, "expect": True}],
}
API_RULE_EDITORS = _no_machines(RULE_EDITORS)
api("GET", "/rules/items/{item_code}", API_RULE_EDITORS, params=QUICK, guess=("item_code",))
api("POST", "/rules/items/{item_code}", API_RULE_EDITORS, params=QUICK, guess=("item_code",), body=RULES_BODY)
api(
    "POST",
    "/rules/items/{item_code}/sets/{number}/activate",
    API_RULE_EDITORS,
    params={**QUICK, "number": _rec("rule_set", "number")},
    guess=("item_code",),
)
api(
    "POST",
    "/rules/items/{item_code}/try",
    API_RULE_EDITORS,
    params=QUICK,
    guess=("item_code",),
    body={"rules": RULES_BODY["rules"], "data": {}},
)
api(
    "GET",
    "/rules/cases/{case_number}",
    ex(HIDDEN, anon=AUTH, machines=AUTH, case_staff=OK),
    params={"case_number": _rec("bundle_case", "case_number")},
    guess=("case_number",),
    note="A's case of the quick item, approved by the rules",
)

# --- ratings (好差评) -------------------------------------------------------------------------------------------------
# ratings.policy: a person rates and reads their own cases and complaints; the workbench is for staff (403 for the
# rest); inside, a rectification or complaint is for H's department staff (reviewer, approver) and the supervisor
# reaching H, and is not found for other staff; the department acts, the supervisor reviews and decides appeals.
# Pads are the clerks', the 12345 form the operators'. The public figures carry no personal data.
page(
    "GET+POST",
    "my/cases/<str:case_number>/rate/",
    ex(HIDDEN, anon=AUTH, citizen_a=OK),
    guess=("case_number",),
    body={"level": "5"},
    note="rated already at this stage: the form answers 400",
)
page(
    "GET+POST",
    "my/cases/<str:case_number>/rate/",
    ex(HIDDEN, anon=AUTH, e_side=OK),
    params={"case_number": "case_e"},
    guess=("case_number",),
    body={"level": "5"},
    variant="enterprise case",
    note="E's legal representative and its agent (apply + view_cases); not yet accepted: nothing to rate (400)",
)
page(
    "GET+POST",
    "rate/t/<str:token>/",
    PUBLIC,
    params={"token": lambda w, _a: w.rec["invite_token"]},
    body={"level": "5"},
    note="the signed link sent by SMS is its credential",
)
page("GET+POST", "rate/visit/", ex(HIDDEN), note="without a finished ticket's number and code: no visit to rate")
page(
    "GET+POST",
    "rate/pad/<str:key>/",
    PUBLIC,
    params={"key": lambda w, _a: w.rec["pad_key"]},
    body={"level": ""},
    note="the pad's secret link is its credential",
)
page("GET", "my/ratings/", SIGNED)
page("GET+POST", "my/complaints/new/", PERSONAL, body={"kind": "complaint", "about": "platform", "text": ""})
COMPLAINT = {"number": _rec("complaint", "number")}
page("GET", "my/complaints/<str:number>/", ex(HIDDEN, anon=AUTH, citizen_a=OK), params=COMPLAINT, guess=("number",))
page("GET", "ratings/", PUBLIC)
page("GET", "ratings/departments/<int:org_id>/", PUBLIC, params={"org_id": _rec("handling")})

RATINGS_WB = ex(OK, anon=AUTH, people=DENY)  # every staff member reads at least their own figures
RECT_READERS = ex(HIDDEN, anon=AUTH, people=DENY, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK)
DEPT_ACTS = {**RECT_READERS, "supervisor": DENY}
SUPERVISOR_ACTS = {**RECT_READERS, "reviewer": DENY, "approver": DENY}
RECT = {"pk": _rec("rect")}
page("GET", "workbench/ratings/", RATINGS_WB)
page("GET", "workbench/ratings/rectifications/<int:pk>/", RECT_READERS, params=RECT, guess=("pk",))
page(
    "GET",
    "workbench/ratings/rectifications/<int:pk>/files/<int:file_id>/",
    RECT_READERS,
    params={**RECT, "file_id": _rec("rect_file")},
    guess=("pk",),
)
page(
    "POST",
    "workbench/ratings/rectifications/<int:pk>/<str:action>/",
    DEPT_ACTS,
    params={**RECT, "action": lambda w, _a: "callback"},
    guess=("pk",),
    body={"channel": "phone", "outcome": "confirmed"},
    note="the department's callback",
)
page(
    "POST",
    "workbench/ratings/rectifications/<int:pk>/<str:action>/",
    SUPERVISOR_ACTS,
    params={**RECT, "action": lambda w, _a: "review"},
    guess=("pk",),
    body={"decision": "close"},
    variant="review",
    note="the supervisor's review (not submitted yet: 400)",
)
page("GET", "workbench/ratings/complaints/<str:number>/", RECT_READERS, params=COMPLAINT, guess=("number",))
page(
    "POST",
    "workbench/ratings/complaints/<str:number>/<str:action>/",
    DEPT_ACTS,
    params={**COMPLAINT, "action": lambda w, _a: "verify"},
    guess=("number",),
    note="the department verifies",
)
page(
    "POST",
    "workbench/ratings/complaints/<str:number>/<str:action>/",
    SUPERVISOR_ACTS,
    params={**COMPLAINT, "action": lambda w, _a: "review"},
    guess=("number",),
    body={"decision": "close"},
    variant="review",
    note="the supervisor closes (not replied yet: 400)",
)
page("GET", "workbench/ratings/stats/", RATINGS_WB)
page("GET", "workbench/ratings/mine/", RATINGS_WB)
page(
    "GET+POST",
    "workbench/ratings/pads/",
    ex(HIDDEN, anon=AUTH, people=DENY, clerk=OK, sysadmin=OK),
    body=lambda w, _a: {"op": "create", "window": w.rec["window"].pk, "label": "A01"},
    note="the clerks of the hall's centre set up its windows' pads",
)
page(
    "GET+POST",
    "workbench/ratings/hotline/",
    ex(HIDDEN, anon=AUTH, people=DENY, operator=OK, centre_sup=OK, sysadmin=OK),
    body={"case_number": ""},
)

API_RECT = {"rect_id": _rec("rect")}
api("GET", "/ratings/standard", PUBLIC)
api("GET", "/ratings/figures/departments", PUBLIC)
api("GET", "/ratings/mine", SESSION)
MY_CASE = ex(HIDDEN, anon=AUTH, machines=AUTH, citizen_a=OK)
api("GET", "/ratings/cases/{case_number}", MY_CASE, guess=("case_number",))
api("POST", "/ratings/cases/{case_number}", MY_CASE, guess=("case_number",), body={"level": 5})
api(
    "POST",
    "/ratings/complaints",
    ex(OK, anon=AUTH, machines=AUTH, staff=DENY),
    body={"kind": "suggestion", "about": "platform", "text": ""},
    note="under a person's real name: a staff account is refused",
)
api("GET", "/ratings/complaints/{number}", MY_CASE, params=COMPLAINT, guess=("number",))
api(
    "POST",
    "/ratings/windows/{window_id}",
    ex(AUTH, client=OK, client_other=HIDDEN, client_bare=DENY),
    params={"window_id": _rec("served_window")},
    guess=("window_id",),
    body={"level": 5},
    note="an evaluator device: a client with ratings:write of an organisation the window serves",
)
API_RECT_STAFF = ex(HIDDEN, anon=AUTH, machines=AUTH, reviewer=OK, approver=OK, supervisor=OK, sysadmin=OK)
# Department systems read their organisation's bad reviews and figures with ratings:read.
API_RECT_READERS = {**API_RECT_STAFF, "client": OK, "client_other": HIDDEN, "client_bare": DENY}
api("GET", "/ratings/rectifications", ex(OK, anon=AUTH, client_bare=DENY), note="each sees those in reach (maybe none)")
api("GET", "/ratings/rectifications/{rect_id}", API_RECT_READERS, params=API_RECT, guess=("rect_id",))
API_DEPT = {**API_RECT_STAFF, "supervisor": DENY}
for op, body in (
    ("callback", {"channel": "phone", "outcome": "confirmed"}),
    ("classify", {"category": "x", "finding": "x"}),
    ("submit", {"measures": "x"}),
    ("appeal", {"kind": "mistaken", "reason": "x"}),
):
    api("POST", f"/ratings/rectifications/{{rect_id}}/{op}", API_DEPT, params=API_RECT, guess=("rect_id",), body=body)
for op, body in (("review", {"approve": True}), ("decide", {"uphold": False, "note": "x"})):
    api(
        "POST",
        f"/ratings/rectifications/{{rect_id}}/{op}",
        {**API_RECT_STAFF, "reviewer": DENY, "approver": DENY},
        params=API_RECT,
        guess=("rect_id",),
        body=body,
    )
api("GET", "/ratings/figures", ex(OK, anon=AUTH, people=DENY, client_bare=DENY))

# --- exchange (数据共享) ----------------------------------------------------------------------------------------------
# exchange.policy: every staff member reads the public catalog (the workbench is 403 for the rest); statistics are for
# data officers, supervisors and system administrators; deciding a request is the provider's data officer's (none in
# this world: the system administrator), everyone else finds no such request. Department systems use the API with
# exchange:catalog / exchange:query for their own organisation.
RESOURCE = {"code": _rec("resource", "code")}
EX_WB = ex(OK, anon=AUTH, people=DENY)
page("GET", "workbench/exchange/", EX_WB)
page("GET", "workbench/exchange/statistics/", ex(DENY, anon=AUTH, supervisor=OK, sysadmin=OK))
page("GET", "workbench/exchange/resources/<str:code>/", EX_WB, params=RESOURCE, guess=("code",))
page(
    "POST",
    "workbench/exchange/resources/<str:code>/",
    ex(HIDDEN, anon=AUTH, people=DENY, sysadmin=OK),
    params=RESOURCE,
    guess=("code",),
    body=lambda w, _a: {"consumer": w.rec["other"].pk, "fields": ["fddbr"], "purpose": "", "legal_basis": ""},
    note="asking for access: a data officer, for an organisation they act for",
)
page(
    "POST",
    "workbench/exchange/requests/<int:pk>/decide/",
    ex(HIDDEN, anon=AUTH, people=DENY, sysadmin=OK),
    params={"pk": _rec("access_request")},
    guess=("pk",),
    body={"decision": "refuse", "note": "用途不明"},
)
EXCHANGE_API = ex(AUTH, client=OK, client_other=OK, client_bare=DENY)
api("GET", "/exchange/resources", EXCHANGE_API)
api("GET", "/exchange/resources/{code}", EXCHANGE_API, params=RESOURCE)
api(
    "POST",
    "/exchange/access-requests",
    EXCHANGE_API,
    body=lambda w, _a: {
        "resource": w.rec["resource"].code,
        "fields": ["fddbr"],
        "purpose": "核验法定代表人",
        "legal_basis": "《优化营商环境条例》",
        "valid_until": "2027-12-31",
    },
)
api("GET", "/exchange/access-requests", EXCHANGE_API)
api("GET", "/exchange/grants", EXCHANGE_API)
api(
    "POST",
    "/exchange/services/{code}/query",
    ex(AUTH, client=DENY, client_other=OK, client_bare=DENY),
    params={"code": _rec("data_service", "code")},
    body={"keys": {"tyshxydm": "91340300MA2N000000"}, "purpose": "核验许可"},
    watch_writes=False,
    note="the other department holds a grant; the provider's own system holds none (its refused call is logged too)",
)

SAME_RECORD.extend(
    [
        ("GET /api/v1/bundles/applications/{number}", ["GET my/bundles/<str:number>/"]),
        ("GET /api/v1/rules/items/{item_code}", ["GET workbench/rules/<str:item_code>/"]),
        ("GET /api/v1/ratings/cases/{case_number}", ["GET my/cases/<str:case_number>/rate/"]),
        ("GET /api/v1/ratings/complaints/{number}", ["GET my/complaints/<str:number>/"]),
        ("GET /api/v1/ratings/rectifications/{rect_id}", ["GET workbench/ratings/rectifications/<int:pk>/"]),
    ]
)
