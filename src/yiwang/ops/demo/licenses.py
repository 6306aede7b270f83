"""The demo city's certificates: what each license type shows, how long it is valid, how it is numbered — and, for
an item resulting in it, the application form fields and the mapping (ItemVersion.result_fields) that fill it.

The holder's name and number, the issuer, the issue date and the validity are printed on every license from the
license itself, so the types list only what else the certificate says.

Every field of every type has a source the item can always give (a form field it asks for, a fact of the
applicant or the case, a date, the numbering rule), so approving any demo item issues its license.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .reference import LICENSE_BY_KEY

# Years a license of each kind is valid (absent: it never expires).
VALIDITY = {
    "SPJY": 5,
    "SPSC": 5,
    "YPJY": 5,
    "TZZY": 4,
    "SFZ": 10,
    "JSZ": 6,
    "JZZ": 1,
    "HZ": 10,
    "GAT": 10,
    "HSZY": 5,
    "YLJG": 5,
    "WSXK": 4,
    "JZZZ": 5,
    "FDCKF": 3,
    "DLYS": 4,
    "CYZG": 6,
    "JSZG": 5,
    "BXXK": 5,
    "LDPQ": 3,
    "CJRZ": 10,
    "PWXK": 5,
    "QSXK": 5,
    "YCLS": 5,
    "WHJY": 3,
    "NYJY": 5,
    "YLCS": 2,
}


@dataclass(frozen=True)
class Face:
    """One field of a certificate, where it comes from, and — for `form:` — the form field that asks for it."""

    name: str
    label: str
    source: str
    type: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    form: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type, "required": self.required}
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def _ask(name: str, label: str, kind: str = "text", required: bool = True, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind, "required": required, **extra}


CONTACT = _ask("contact_phone", "联系电话", "phone", label_en="Contact phone", prefill="phone")

BUSINESS_KINDS = ("有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "农民专业合作社", "个体工商户")
FOOD_KINDS = ("食品销售经营者", "餐饮服务经营者", "单位食堂")
FOOD_ITEMS = ("预包装食品销售", "散装食品销售", "特殊食品销售", "热食类食品制售", "冷食类食品制售", "自制饮品制售")

BUSINESS = (
    Face(
        "enterprise_type",
        "类型",
        "form:enterprise_type",
        "choice",
        choices=BUSINESS_KINDS,
        form=_ask("enterprise_type", "市场主体类型", "choice", choices=list(BUSINESS_KINDS)),
    ),
    Face("legal_rep", "法定代表人", "applicant:legal_rep"),
    Face(
        "capital",
        "注册资本（万元）",
        "form:capital",
        "number",
        required=False,
        form=_ask("capital", "注册资本（万元）", "number", required=False, min=0),
    ),
    Face("founded", "成立日期", "date:issued", "date"),
    Face("address", "住所", "applicant:address"),
    Face(
        "scope",
        "经营范围",
        "form:scope",
        form=_ask("scope", "经营范围", "textarea", max_length=1000),
    ),
)
FOOD = (
    Face("legal_rep", "法定代表人（负责人）", "applicant:legal_rep"),
    Face("address", "住所", "applicant:address"),
    Face("premises", "经营场所", "form:premises", form=_ask("premises", "经营场所", max_length=200)),
    Face(
        "business_kind",
        "主体业态",
        "form:business_kind",
        "choice",
        choices=FOOD_KINDS,
        form=_ask("business_kind", "主体业态", "choice", choices=list(FOOD_KINDS)),
    ),
    Face(
        "business_items",
        "经营项目",
        "form:business_items",
        form=_ask("business_items", "经营项目", "multichoice", choices=list(FOOD_ITEMS)),
    ),
    Face("certificate_no", "许可证编号", "number"),
    Face("supervisor", "日常监督管理机构", "case:issuer"),
)


# Any other enterprise's or person's license.
ENTERPRISE = (
    Face("legal_rep", "法定代表人", "applicant:legal_rep"),
    Face("address", "住所", "applicant:address"),
    Face("scope", "许可事项", "form:scope", form=_ask("scope", "申请许可事项", max_length=200)),
    Face("certificate_no", "证书编号", "number"),
)
PERSON = (
    Face("certificate_no", "证书编号", "number"),
    Face(
        "note",
        "登记事项",
        "form:note",
        required=False,
        form=_ask("note", "申请事项说明", "textarea", required=False, max_length=500),
    ),
)


def faces(key: str) -> tuple[Face, ...]:
    """The fields of the license kind `key` (reference.LICENSE_KINDS)."""
    if key == "YYZZ":
        return BUSINESS
    if key == "SPJY":
        return FOOD
    return ENTERPRISE if LICENSE_BY_KEY[key].holder == "enterprise" else PERSON


def number_pattern(key: str) -> str:
    """The kind's numbering rule (see licenses.numbering); the 营业执照's number is its credit code."""
    if key == "YYZZ":
        return ""
    if key == "SPJY":
        return "JY{choice:business_kind}{division}{serial:6}{check}"  # JY + 14 digits
    return f"{key}{{division}}{{year}}{{serial:6}}"


def type_schema(key: str) -> dict[str, Any]:
    """What the demo's LicenseType row of the kind says: fields, layout, validity, numbering."""
    specs = [f.spec() for f in faces(key)]
    names = [s["name"] for s in specs]
    pattern = number_pattern(key)
    person = LICENSE_BY_KEY[key].holder == "person"
    side = [n for n in ("scope", "business_items", "note") if n in names]
    return {
        "fields": specs,
        "layout": {
            "template": "certificate" if person else "standard",
            "main": [n for n in names if n not in side],
            "side": side,
        },
        "validity_years": VALIDITY.get(key),
        "number_field": "certificate_no" if pattern else "",
        "number_pattern": pattern,
    }


def item_form(key: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(form_fields, result_fields) of an item resulting in the license kind `key`."""
    fs = faces(key)
    form = [dict(CONTACT)] + [dict(f.form) for f in fs if f.form]
    return form, {f.name: f.source for f in fs}
