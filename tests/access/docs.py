"""Writes docs/access.md from the expectations table, so the document says exactly what the tests assert.

.venv/bin/python -m tests.access.docs          # rewrite docs/access.md
"""

from __future__ import annotations

from pathlib import Path

from .expectations import ACTORS, ROWS, SKIPPED_PAGES, SKIPPED_PREFIXES

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"

SHORT = {
    "anon": "anon",
    "citizen_a": "A",
    "citizen_b": "B",
    "agent": "agt",
    "revoked_agent": "rvk",
    "legal_rep": "rep",
    "clerk": "win",
    "reviewer": "rev",
    "approver": "apr",
    "other_reviewer": "rev2",
    "supervisor": "sup",
    "catalog_admin": "cat",
    "sysadmin": "sys",
    "operator": "ops",
    "handler": "hdl",
    "centre_sup": "chief",
    "client": "mc",
    "client_bare": "mc0",
    "client_other": "mc2",
}
CELL = {"ok": "ok", "auth": "auth", "deny": "403", "hidden": "404"}

INTRO = """# Who may see and do what

Generated from `tests/access/expectations.py` by `python -m tests.access.docs`; `tests/access` asserts every
cell below against the running application (a test fails when this file is out of date, and when a page or an
API operation exists that has no row here).

## The rules (identity.access, cases.policy, licenses.access, identity.staff_tools, hotline.policy)

- **Applicants** reach their own records; as the legal representative or an agent they reach their enterprise's
  records within the permissions granted (an agent with apply + view_cases sees the enterprise's cases and its
  space, but not its stored materials, consents or agents). A revoked agent reaches nothing of the enterprise.
- **Staff** reach their organisation's records for the role they act in (and the children's, or the whole
  division's when the membership covers it — the comprehensive window). The workbench is for case roles only
  (window, reviewer, approver, supervisor).
- **Supervisors** read every case of their division and never act (403 on every action).
- **Catalog administrators** edit the catalog and the working-day calendar; **system administrators** reach
  every record and manage machine clients, but do not look people up (that is for staff who serve applicants).
- **Machine clients** act through the API only, for their own organisation, within their scopes; pages ignore
  bearer tokens (a machine client on a page is anonymous).
- A record out of reach answers **404, exactly like a record that does not exist** (same status, same body): a
  guessed id never reveals that something is there. 403 is kept for "you are known and may see this, but may
  not do that" (the applicant trying a staff action, the supervisor acting) and for whole areas closed to an
  account whatever the id (the workbench for non-staff, a machine client without the scope).
- A refused write changes nothing (every table is compared before and after).

## Outcomes

| cell | meaning |
|---|---|
| ok | authorisation passed: 2xx, a redirect elsewhere than sign-in, or 400/422 (the body was judged) |
| auth | sign in first: 401, or a redirect to the sign-in page |
| 403 | refused: the actor lacks the role, the permission or the scope |
| 404 | out of reach: looks exactly like a record that does not exist |

## Actors and records

| column | actor |
|---|---|
| anon | not signed in |
| A | citizen A: owns a case (accepted, first step active), a stored material, a draft, an e-license |
| B | citizen B: another person |
| agt | agent of enterprise E (legal representative: rep) with apply + view_cases; E owns a submitted case and a business license |
| rvk | an agent of E whose authorisation was revoked |
| rep | legal representative of E |
| win | window clerk of the city's service centre (comprehensive window covering the division) |
| rev / apr | reviewer / approver of H, the department handling both cases and issuing both licenses |
| rev2 | reviewer of another department |
| sup | supervisor of H (read-only across the division) |
| cat | catalog administrator of H |
| sys | system administrator |
| ops | 12345 operator of the city's hotline centre (covering the division) |
| hdl | 12345 handler of H (the work order "wo", made online by A, is dispatched to H) |
| chief | 12345 centre supervisor: an operator holding `hotline.supervise` (extensions, send-backs, rules) |
| mc | H's machine client with every scope |
| mc0 | H's machine client with a scope that opens none of these (introspection) |
| mc2 | another department's machine client with every scope |
"""


def _table(kind: str) -> list[str]:
    head = "| method | route | " + " | ".join(SHORT[a] for a in ACTORS) + " | note |"
    lines = [head, "|" + "---|" * (len(ACTORS) + 3)]
    for row in (r for r in ROWS if r.kind == kind):
        route = f"`{row.path}`" + (f" ({row.variant})" if row.variant else "")
        cells = " | ".join(CELL[row.expect[a]] for a in ACTORS)
        lines.append(f"| {row.method} | {route} | {cells} | {row.note} |")
    return lines


def render() -> str:
    out = [INTRO, "## Pages", "", *_table("page"), "", "## API (/api/v1)", "", *_table("api"), ""]
    out += ["## Left out of the matrix", "", "| route | why |", "|---|---|"]
    out += [f"| `{p}` | {why} |" for p, why in {**SKIPPED_PAGES, **SKIPPED_PREFIXES}.items()]
    size = len(ROWS) * len(ACTORS)
    out += ["", f"{len(ROWS)} rows (route × method) × {len(ACTORS)} actors = {size} cells.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
