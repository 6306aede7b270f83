"""Issue 18 (Words): every value shown to a person goes through its label.

The pages of a case's walk (applicant, window, reviewer, approver, supervisor) are rendered in Chinese and their
visible text is scanned for Latin-letter words. Codes, units and product names are allowed by name; anything else
(`applicant`, `workbench`, `fields.certificate_no`, an account name such as `approver1`) is a raw value leaking.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.cases.workbench_world import build, client_for, post, submit
from yiwang.cases.models import CaseStep

pytestmark = pytest.mark.django_db

# Latin words a Chinese page may show: file formats and units, product and standard names, and codes.
ALLOWED = {
    "PDF",
    "JPEG",
    "JPG",
    "PNG",
    "MB",
    "KB",
    "EMS",
    "SMS",
    "ID",
    "API",
    "OFD",
    "QR",
    "URL",
    "HTTPS",
    "Django",
    "Yiwang",
    "OpenAPI",
    "CSV",
    "XLSX",
    "JSON",
    "Excel",
    "GB",
    "T",
    "OK",
    "App",
    "Ctrl",
    "Esc",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "X",
    "v",
    "V",
    "No",
    "Tel",
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_]|[A-Za-z]")
SHOWN_ATTRS = {"title", "aria-label", "placeholder", "alt"}


class Visible(HTMLParser):
    """The text a person sees or hears: text outside script/style, and the attributes read out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in SHOWN_ATTRS and v]
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def latin_words(html: str, allowed: set[str]) -> set[str]:
    parser = Visible()
    parser.feed(html)
    text = " ".join(parser.parts)
    # Case numbers, item codes, credit codes and document numbers mix letters and digits: they are codes.
    # (Upper case only: an account name such as reviewer1 is no code.)
    text = re.sub(r"\b(?=[A-Z0-9-]*\d)[A-Z0-9-]{5,}\b", " ", text)
    return {w for w in WORD.findall(text) if w not in allowed}


def test_the_scan_finds_raw_values():
    html = '<p>办理人：approver_scjg · reviewer1 · 渠道 workbench · 913403001234567890</p><script>var x = "ok";</script><p title="fields.no">PDF 文件</p>'
    assert latin_words(html, ALLOWED) == {"approver_scjg", "reviewer1", "workbench", "fields.no"}


def step(case) -> CaseStep:
    return CaseStep.objects.filter(case=case, state__in=("active", "claimed")).order_by("order").first()


def test_the_pages_of_a_case_walk_show_no_raw_values():
    w = build()
    for key, name in (
        ("reviewer", "审查员甲"),
        ("reviewer2", "审查员乙"),
        ("approver", "审批负责人"),
        ("supervisor", "督查员"),
    ):
        w[key].first_name = name  # as the demo's staff: named, so an account name on a page is a leak
        w[key].save(update_fields=["first_name"])
    case = submit(w)
    number = case.case_number
    allowed = ALLOWED | {w["item"].item_code}
    pages: dict[str, str] = {}

    def read(user, path: str) -> None:
        c = client_for(user)
        r = c.get(path, HTTP_ACCEPT_LANGUAGE="zh-Hans")
        assert r.status_code == 200, (path, r.status_code)
        pages[f"{user.username} {path}"] = r.content.decode()

    assert post(w, w["clerk"], case, "accept", {"note": "材料齐全"}).status_code == 302
    for user in (w["reviewer"], w["reviewer"], w["approver"]):
        s = step(case)
        post(w, user, case, "claim", {"step": s.pk})
        assert post(w, user, case, "complete", {"step": s.pk, "decision": "pass", "opinion": "同意"}).status_code == 302
    for user in (w["clerk"], w["reviewer"], w["approver"], w["supervisor"]):
        read(user, f"/workbench/cases/{number}/")
        read(user, "/workbench/cases/")
    read(w["applicant"].user, f"/my/cases/{number}/")
    read(w["applicant"].user, "/my/")
    read(w["clerk"], "/workbench/window/apply/")
    found = {where: sorted(latin_words(html, allowed)) for where, html in pages.items()}
    found = {where: words for where, words in found.items() if words}
    assert not found, found
